"""Render a Receipt to PDF bytes with fpdf2 and the vendored DejaVu Sans fonts (no I/O but reading
the font files shipped inside this package; no system fonts needed)."""

from __future__ import annotations

from contextlib import ExitStack
from importlib.resources import as_file, files
from typing import Literal

from fpdf import FPDF
from fpdf.enums import Align, TableBordersLayout, XPos, YPos
from fpdf.fonts import FontFace

from schoolhub.payments.receipts.model import Receipt, nfc
from schoolhub.payments.receipts.words import format_vnd, vnd_in_words

PageSize = Literal["A5", "A4"]

_PAGE_MM = {"A5": (148.0, 210.0), "A4": (210.0, 297.0)}
FONT_FAMILY = "DejaVuSans"
_FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}
TITLE = "BIÊN LAI THU TIỀN ĐIỆN TỬ"
FOOTER_NOTE = (
    "Biên lai điện tử được lập tự động từ giao dịch thanh toán không dùng tiền mặt "
    "trên hệ thống SchoolHub."
)


def format_issue_datetime(receipt: Receipt) -> str:
    """ "Ngày 05 tháng 10 năm 2026, lúc 07:30" in Vietnam time."""
    local = receipt.issued_at_local
    return f"Ngày {local:%d} tháng {local:%m} năm {local:%Y}, lúc {local:%H:%M}"


class _ReceiptPdf(FPDF):
    def __init__(self, page_size: PageSize) -> None:
        # Sizes in mm given explicitly: fpdf2 warns on the "A5" name (its A5 was fixed in 2.8.5).
        super().__init__(orientation="P", unit="mm", format=_PAGE_MM[page_size])
        self.page_size = page_size
        margin = 12 if page_size == "A5" else 18
        self.set_margins(margin, margin, margin)
        self.set_auto_page_break(auto=True, margin=margin)
        self.base_size = 9.0 if page_size == "A5" else 11.0

    def text_line(
        self, text: str, *, bold: bool = False, size: float | None = None, align: Align = Align.L
    ) -> None:
        self.set_font(FONT_FAMILY, "B" if bold else "", size or self.base_size)
        self.multi_cell(
            0,
            (size or self.base_size) * 0.5,
            nfc(text),
            align=align,
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )

    def labelled(self, label: str, value: str) -> None:
        """ "Label: value" with the label in bold, wrapping under the value if long."""
        line_h = self.base_size * 0.5
        self.set_font(FONT_FAMILY, "B", self.base_size)
        self.write(line_h, nfc(label) + ": ")
        self.set_font(FONT_FAMILY, "", self.base_size)
        self.write(line_h, nfc(value))
        self.ln(line_h + 0.8)


def _load_fonts(pdf: FPDF, stack: ExitStack) -> None:
    folder = files("schoolhub.payments.receipts").joinpath("fonts")
    for style, name in _FONT_FILES.items():
        path = stack.enter_context(as_file(folder.joinpath(name)))
        pdf.add_font(FONT_FAMILY, style, str(path))


def _header(pdf: _ReceiptPdf, receipt: Receipt) -> None:
    school = receipt.school
    pdf.text_line(school.name, bold=True, size=pdf.base_size + 1)
    if school.address.strip():
        pdf.text_line(school.address)
    pdf.text_line(f"Mã trường: {school.code}")
    if receipt.template_code or receipt.series:
        parts = []
        if receipt.template_code:
            parts.append(f"Mẫu số: {receipt.template_code}")
        if receipt.series:
            parts.append(f"Ký hiệu: {receipt.series}")
        pdf.text_line("    ".join(parts))
    pdf.ln(3)
    pdf.text_line(TITLE, bold=True, size=pdf.base_size + 5, align=Align.C)
    pdf.ln(1)
    pdf.text_line(f"Số: {receipt.number}", bold=True, align=Align.C)
    pdf.text_line(format_issue_datetime(receipt), align=Align.C)
    pdf.ln(3)


def _parties(pdf: _ReceiptPdf, receipt: Receipt) -> None:
    student = receipt.student
    pdf.labelled("Người nộp tiền", receipt.payer_name)
    pdf.labelled("Học sinh", student.name)
    pdf.labelled("Lớp", student.class_name)
    pdf.labelled("Mã học sinh", student.code)
    pdf.labelled("Đơn vị thụ hưởng", receipt.school.name)
    pdf.labelled("Lý do nộp", receipt.reason)
    pdf.labelled("Mã hóa đơn", receipt.invoice_code)
    pdf.ln(1)


def _lines_table(pdf: _ReceiptPdf, receipt: Receipt) -> None:
    pdf.set_font(FONT_FAMILY, "", pdf.base_size)
    grey = (235, 235, 235)
    widths = (8, 44, 26, 30) if pdf.page_size == "A5" else (14, 80, 40, 44)
    with pdf.table(
        col_widths=widths,
        text_align=("CENTER", "LEFT", "LEFT", "RIGHT"),
        headings_style=FontFace(emphasis="BOLD", fill_color=grey),
        borders_layout=TableBordersLayout.ALL,
        line_height=pdf.base_size * 0.55,
        padding=1.2,
        first_row_as_headings=True,
    ) as table:
        header = table.row()
        for heading in ("STT", "Khoản thu", "Kỳ thu", "Số tiền"):
            header.cell(heading)
        for index, line in enumerate(receipt.lines, start=1):
            row = table.row()
            row.cell(str(index))
            row.cell(nfc(line.item_name))
            row.cell(nfc(line.period))
            row.cell(format_vnd(line.amount))
        total_row = table.row(style=FontFace(emphasis="BOLD"))
        total_row.cell("Tổng cộng", colspan=3, align="RIGHT")
        total_row.cell(format_vnd(receipt.total))
    pdf.ln(2)
    pdf.labelled("Số tiền bằng chữ", vnd_in_words(receipt.total))


def _payment(pdf: _ReceiptPdf, receipt: Receipt) -> None:
    payment = receipt.payment
    pdf.ln(1)
    pdf.labelled("Hình thức thanh toán", payment.method)
    pdf.labelled("Mã giao dịch VNPay", payment.transaction_no)
    pdf.labelled("Mã tham chiếu (TxnRef)", payment.txn_ref)
    if payment.bank_code:
        pdf.labelled("Ngân hàng", payment.bank_code)
    pdf.ln(3)
    pdf.set_text_color(90, 90, 90)
    pdf.text_line(FOOTER_NOTE, size=pdf.base_size - 1.5, align=Align.C)
    pdf.set_text_color(0, 0, 0)


def render_receipt_pdf(receipt: Receipt, *, page_size: PageSize = "A5") -> bytes:
    """The receipt as a one-page (usually) PDF, A5 portrait by default or A4."""
    if page_size not in ("A5", "A4"):
        raise ValueError(f"page_size must be 'A5' or 'A4', got {page_size!r}")
    pdf = _ReceiptPdf(page_size)
    with ExitStack() as stack:
        _load_fonts(pdf, stack)
        pdf.set_title(f"{TITLE} {receipt.number}")
        pdf.set_author(nfc(receipt.school.name))
        pdf.set_creator("SchoolHub")
        pdf.set_lang("vi")
        pdf.set_creation_date(receipt.issued_at)
        pdf.add_page()
        _header(pdf, receipt)
        _parties(pdf, receipt)
        _lines_table(pdf, receipt)
        _payment(pdf, receipt)
        return bytes(pdf.output())
