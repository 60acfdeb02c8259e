"""Receipt renderer: Vietnamese amount reading, VND formatting, and a PDF whose text (every
diacritic) round-trips through a PDF text extractor. No I/O beyond the package's own font files."""

from __future__ import annotations

import io
import re
import unicodedata
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from pypdf import PdfReader

from schoolhub.payments.receipts import (
    InvalidAmountError,
    Receipt,
    ReceiptError,
    ReceiptLine,
    SchoolInfo,
    StudentInfo,
    VnpayPayment,
    format_issue_datetime,
    format_receipt_number,
    format_vnd,
    render_receipt_pdf,
    vnd_in_words,
)

WORDS = [
    (0, "Không đồng"),
    (5, "Năm đồng"),
    (10, "Mười đồng"),
    (11, "Mười một đồng"),
    (14, "Mười bốn đồng"),
    (15, "Mười lăm đồng"),
    (20, "Hai mươi đồng"),
    (21, "Hai mươi mốt đồng"),
    (24, "Hai mươi bốn đồng"),
    (25, "Hai mươi lăm đồng"),
    (101, "Một trăm linh một đồng"),
    (105, "Một trăm linh năm đồng"),
    (110, "Một trăm mười đồng"),
    (115, "Một trăm mười lăm đồng"),
    (1_000, "Một nghìn đồng"),
    (1_005, "Một nghìn không trăm linh năm đồng"),
    (1_010, "Một nghìn không trăm mười đồng"),
    (10_500, "Mười nghìn năm trăm đồng"),
    (157_950, "Một trăm năm mươi bảy nghìn chín trăm năm mươi đồng"),
    (1_000_000, "Một triệu đồng"),
    (1_000_001, "Một triệu không trăm linh một đồng"),
    (1_250_000, "Một triệu hai trăm năm mươi nghìn đồng"),
    (2_015_000, "Hai triệu không trăm mười lăm nghìn đồng"),
    (1_000_000_000, "Một tỷ đồng"),
    (1_005_000_000, "Một tỷ không trăm linh năm triệu đồng"),
    (
        12_345_678_901,
        "Mười hai tỷ ba trăm bốn mươi lăm triệu sáu trăm bảy mươi tám nghìn chín trăm linh một đồng",
    ),
    (1_000_000_000_000, "Một nghìn tỷ đồng"),
]


@pytest.mark.parametrize(("amount", "expected"), WORDS)
def test_vnd_in_words(amount: int, expected: str) -> None:
    assert vnd_in_words(amount) == expected


@pytest.mark.parametrize("bad", [-1, -1_000, 1.0, 1250000.0, True, False, Decimal(5), "5", None])
def test_amounts_reject_non_int_and_negative(bad: object) -> None:
    with pytest.raises(InvalidAmountError):
        vnd_in_words(bad)  # type: ignore[arg-type]
    with pytest.raises(InvalidAmountError):
        format_vnd(bad)  # type: ignore[arg-type]
    assert issubclass(InvalidAmountError, ValueError)


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        (0, "0 ₫"),
        (999, "999 ₫"),
        (1_000, "1.000 ₫"),
        (1_250_000, "1.250.000 ₫"),
        (12_345_678_901, "12.345.678.901 ₫"),
    ],
)
def test_format_vnd(amount: int, expected: str) -> None:
    assert format_vnd(amount) == expected


def test_receipt_number_format() -> None:
    assert format_receipt_number(2026, 123) == "BL-2026-000123"
    for year, seq in [(2026, 0), (2026, -1), (2026, 1_000_000), (26, 1), (2026, True)]:
        with pytest.raises(ReceiptError):
            format_receipt_number(year, seq)


# Names chosen for the hard glyphs: ư ơ ă đ and stacked tones ặ ỗ ữ ẫ ự ở.
SCHOOL_NAME = "Trường THCS Nguyễn Bỉnh Khiêm"
SCHOOL_ADDRESS = "Số 12 đường Lê Duẩn, phường Đông Hà, tỉnh Quảng Trị"
PAYER = "Đặng Thị Phương Thảo"
STUDENT = "Đỗ Hữu Ngọc Ẩn"
REASON = "Nộp tiền bữa ăn bán trú và nước uống tháng 11/2026"
ITEMS = [
    ("Tiền ăn bán trú (kể cả thứ bảy)", "Tháng 11/2026", 936_000),
    ("Nước uống tinh khiết", "Tháng 11/2026", 14_000),
    ("Bảo hiểm y tế học sinh", "Học kỳ I năm học 2026-2027", 300_000),
]


def make_receipt(**overrides: object) -> Receipt:
    receipt = Receipt(
        school=SchoolInfo(SCHOOL_NAME, SCHOOL_ADDRESS, "QT-THCS-0123"),
        sequence=123,
        # 17:30 UTC on 31/12 is already 1/1 in Vietnam: number and date use local time.
        issued_at=datetime(2025, 12, 31, 17, 30, tzinfo=UTC),
        payer_name=PAYER,
        student=StudentInfo(STUDENT, "8A1", "4602123456"),
        reason=REASON,
        invoice_code="HD-2026-004567",
        lines=tuple(ReceiptLine(*item) for item in ITEMS),
        total=1_250_000,
        payment=VnpayPayment("14567890", "QT0123-20260101-000123", "NCB"),
        template_code="01BLP0-001",
        series="BL26E",
    )
    return replace(receipt, **overrides) if overrides else receipt  # type: ignore[arg-type]


def pdf_text(data: bytes) -> str:
    """Extracted text, NFC, with all whitespace runs collapsed (wrapping may split a line)."""
    reader = PdfReader(io.BytesIO(data))
    raw = "\n".join(page.extract_text() for page in reader.pages)
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", raw))


def collapse(text: str) -> str:
    return re.sub(r"\s+", " ", text)


@pytest.mark.parametrize("page_size", ["A5", "A4"])
def test_receipt_pdf_text_round_trips(page_size: str) -> None:
    receipt = make_receipt()
    data = render_receipt_pdf(receipt, page_size=page_size)  # type: ignore[arg-type]
    assert data.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1
    text = pdf_text(data)
    expected = [
        "BIÊN LAI THU TIỀN ĐIỆN TỬ",
        "Số: BL-2026-000123",
        "Ngày 01 tháng 01 năm 2026, lúc 00:30",
        SCHOOL_NAME,
        SCHOOL_ADDRESS,
        "Mã trường: QT-THCS-0123",
        "Mẫu số: 01BLP0-001",
        "Ký hiệu: BL26E",
        f"Người nộp tiền: {PAYER}",
        f"Học sinh: {STUDENT}",
        "Lớp: 8A1",
        "Mã học sinh: 4602123456",
        f"Đơn vị thụ hưởng: {SCHOOL_NAME}",
        f"Lý do nộp: {REASON}",
        "Mã hóa đơn: HD-2026-004567",
        "Nước uống tinh khiết",
        "Bảo hiểm y tế học sinh",
        "936.000 ₫",
        "14.000 ₫",
        "300.000 ₫",
        "Tổng cộng",
        "1.250.000 ₫",
        "Số tiền bằng chữ: Một triệu hai trăm năm mươi nghìn đồng",
        "Hình thức thanh toán: VNPay",
        "Mã giao dịch VNPay: 14567890",
        "Mã tham chiếu (TxnRef): QT0123-20260101-000123",
    ]
    # Table cells may wrap inside their column: compare those word by word.
    for item, period, _ in ITEMS:
        expected += item.split() + period.split()
    missing = [s for s in expected if collapse(s) not in text]
    assert not missing, f"missing from PDF text: {missing}\n---\n{text}"
    for ch in "ươăđặỗữẫựởƯƠĂĐ₫":
        assert ch in text or ch.lower() in text


def test_decomposed_input_renders_as_composed_text() -> None:
    nfd = unicodedata.normalize("NFD", PAYER)
    assert nfd != PAYER
    text = pdf_text(render_receipt_pdf(make_receipt(payer_name=nfd)))
    assert f"Người nộp tiền: {PAYER}" in text


def test_issue_datetime_is_shown_in_vietnam_time() -> None:
    receipt = make_receipt(
        issued_at=datetime(2026, 3, 5, 9, 7, tzinfo=timezone(timedelta(hours=-5)))
    )
    assert format_issue_datetime(receipt) == "Ngày 05 tháng 03 năm 2026, lúc 21:07"
    assert receipt.number == "BL-2026-000123"
    assert make_receipt().number == "BL-2026-000123"  # 31/12/2025 17:30 UTC is 2026 locally


def test_receipt_validation() -> None:
    with pytest.raises(ReceiptError, match="timezone-aware"):
        make_receipt(issued_at=datetime(2026, 1, 1, 8, 0))
    with pytest.raises(ReceiptError, match="does not match"):
        make_receipt(total=1_249_999)
    with pytest.raises(ReceiptError, match="at least one line"):
        make_receipt(lines=(), total=0)
    with pytest.raises(ReceiptError, match="payer_name"):
        make_receipt(payer_name="  ")
    with pytest.raises(InvalidAmountError):
        ReceiptLine("Tiền ăn", "Tháng 9/2026", 1000.0)  # type: ignore[arg-type]
    with pytest.raises(InvalidAmountError):
        ReceiptLine("Tiền ăn", "Tháng 9/2026", -5)
    with pytest.raises(ReceiptError):
        make_receipt(sequence=0)
    with pytest.raises(ValueError, match="page_size"):
        render_receipt_pdf(make_receipt(), page_size="Letter")  # type: ignore[arg-type]


def test_many_lines_still_render_and_total_in_words() -> None:
    lines = tuple(
        ReceiptLine(f"Khoản thu số {i}", f"Tháng {i}/2026", 105_000) for i in range(1, 13)
    )
    receipt = make_receipt(lines=lines, total=1_260_000)
    text = pdf_text(render_receipt_pdf(receipt))
    assert "Số tiền bằng chữ: Một triệu hai trăm sáu mươi nghìn đồng" in text
    assert "Khoản thu số 12" in text
