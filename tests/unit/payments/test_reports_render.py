"""XLSX collection reports: values, number formats, totals, layout, and no student data in the
district summary. Opens the produced bytes with openpyxl; no database."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from schoolhub.payments.reports_render import (
    RATE_FORMAT,
    SHEET_BY_CLASS,
    SHEET_BY_ITEM,
    SHEET_BY_PERIOD,
    SHEET_DETAIL,
    SHEET_DISTRICT,
    TOTAL_LABEL,
    VND_FORMAT,
    DistrictSummaryReport,
    FeeLedgerLine,
    ReportInputError,
    SchoolCollectionReport,
    SchoolCollectionTotals,
    render_district_summary_xlsx,
    render_school_collection_xlsx,
    summarize_school,
)

NOW = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)
MEAL, WATER = "Tiền ăn bán trú", "Nước uống"
OCT, NOV = "Tháng 10/2026", "Tháng 11/2026"
STUDENTS = [
    ("HS001", "Đặng Thị Phương Thảo", "10A"),
    ("HS002", "Đỗ Hữu Ngọc Ẩn", "6A"),
    ("HS003", "Lê Văn Thắng", "6A"),
]
NAMES = [name for _, name, _ in STUDENTS]


def ledger() -> list[FeeLedgerLine]:
    lines = []
    for code, name, class_name in STUDENTS:
        for period in (OCT, NOV):
            paid_meal = 0 if (code == "HS003" and period == NOV) else 936_000
            lines.append(FeeLedgerLine(code, name, class_name, MEAL, period, 936_000, paid_meal))
            lines.append(FeeLedgerLine(code, name, class_name, WATER, period, 14_000, 14_000))
    return lines


def school_report() -> SchoolCollectionReport:
    return SchoolCollectionReport(
        school_name="Trường THCS Nguyễn Bỉnh Khiêm",
        school_code="QT-THCS-0123",
        school_year="2026-2027",
        generated_at=NOW,
        lines=ledger(),
    )


def rows(ws: Worksheet) -> list[list[object]]:
    return [list(r) for r in ws.iter_rows(values_only=True)]


def open_xlsx(data: bytes):  # type: ignore[no-untyped-def]
    return load_workbook(io.BytesIO(data))


DUE = 3 * 2 * (936_000 + 14_000)  # 5_700_000
COLLECTED = DUE - 936_000  # 4_764_000


def test_school_workbook_sheets_and_detail() -> None:
    wb = open_xlsx(render_school_collection_xlsx(school_report()))
    assert wb.sheetnames == [SHEET_DETAIL, SHEET_BY_CLASS, SHEET_BY_ITEM, SHEET_BY_PERIOD]
    ws = wb[SHEET_DETAIL]
    data = rows(ws)
    assert data[0] == [
        "STT",
        "Mã học sinh",
        "Họ và tên",
        "Lớp",
        "Khoản thu",
        "Kỳ thu",
        "Phải thu (đồng)",
        "Đã thu (đồng)",
        "Còn phải thu (đồng)",
        "Tỷ lệ đã thu",
    ]
    assert len(data) == 1 + 12 + 1
    # Classes in natural order: 6A before 10A.
    assert [r[3] for r in data[1:-1]] == ["6A"] * 8 + ["10A"] * 4
    unpaid = [r for r in data[1:-1] if r[8]]
    assert unpaid == [[7, "HS003", "Lê Văn Thắng", "6A", MEAL, NOV, 936_000, 0, 936_000, 0.0]]
    assert data[-1] == [
        None,
        None,
        TOTAL_LABEL,
        None,
        None,
        None,
        DUE,
        COLLECTED,
        DUE - COLLECTED,
        pytest.approx(COLLECTED / DUE),
    ]
    assert ws.freeze_panes == "A2"
    assert ws["G2"].number_format == VND_FORMAT
    assert ws["I14"].number_format == VND_FORMAT
    assert ws["J14"].number_format == RATE_FORMAT
    assert isinstance(ws["G2"].value, int)
    assert ws["A1"].font.b and ws["C14"].font.b
    assert ws.column_dimensions["C"].width >= len("Đặng Thị Phương Thảo")


def test_school_workbook_grouped_sheets() -> None:
    wb = open_xlsx(render_school_collection_xlsx(school_report()))
    by_class = rows(wb[SHEET_BY_CLASS])
    assert by_class[0] == [
        "Lớp",
        "Số học sinh",
        "Phải thu (đồng)",
        "Đã thu (đồng)",
        "Còn phải thu (đồng)",
        "Tỷ lệ đã thu",
    ]
    assert by_class[1][:5] == ["6A", 2, 3_800_000, 2_864_000, 936_000]
    assert by_class[2][:5] == ["10A", 1, 1_900_000, 1_900_000, 0]
    assert by_class[3][:5] == [TOTAL_LABEL, 3, DUE, COLLECTED, DUE - COLLECTED]
    by_item = rows(wb[SHEET_BY_ITEM])
    assert [r[:5] for r in by_item[1:]] == [
        [MEAL, 3, 5_616_000, 4_680_000, 936_000],
        [WATER, 3, 84_000, 84_000, 0],
        [TOTAL_LABEL, 3, DUE, COLLECTED, DUE - COLLECTED],
    ]
    assert by_item[2][5] == pytest.approx(1.0)
    by_period = rows(wb[SHEET_BY_PERIOD])
    assert [r[:5] for r in by_period[1:]] == [
        [OCT, 3, 2_850_000, 2_850_000, 0],
        [NOV, 3, 2_850_000, 1_914_000, 936_000],
        [TOTAL_LABEL, 3, DUE, COLLECTED, DUE - COLLECTED],
    ]
    for name in (SHEET_BY_CLASS, SHEET_BY_ITEM, SHEET_BY_PERIOD):
        ws = wb[name]
        assert ws.freeze_panes == "A2"
        for col in "CDE":
            assert ws[f"{col}2"].number_format == VND_FORMAT
            assert ws[f"{col}{ws.max_row}"].number_format == VND_FORMAT
        assert ws[f"F{ws.max_row}"].number_format == RATE_FORMAT
        assert ws.column_dimensions["A"].width >= 6


def test_district_summary_has_aggregates_only() -> None:
    first = summarize_school(school_report())
    assert first == SchoolCollectionTotals(
        "QT-THCS-0123", "Trường THCS Nguyễn Bỉnh Khiêm", 3, DUE, COLLECTED
    )
    second = SchoolCollectionTotals("QT-TH-0007", "Trường Tiểu học Hải Thượng", 250, 0, 0)
    report = DistrictSummaryReport("Phường Đông Hà", "2026-2027", NOW, [first, second])
    wb = open_xlsx(render_district_summary_xlsx(report))
    assert wb.sheetnames == [SHEET_DISTRICT]
    ws = wb[SHEET_DISTRICT]
    data = rows(ws)
    assert data[0] == [
        "STT",
        "Mã trường",
        "Tên trường",
        "Số học sinh",
        "Phải thu (đồng)",
        "Đã thu (đồng)",
        "Còn phải thu (đồng)",
        "Tỷ lệ đã thu",
    ]
    # Sorted by school code; a school with nothing due has no rate (empty, not a division error).
    assert data[1] == [1, "QT-TH-0007", "Trường Tiểu học Hải Thượng", 250, 0, 0, 0, None]
    assert data[2][:7] == [
        2,
        "QT-THCS-0123",
        "Trường THCS Nguyễn Bỉnh Khiêm",
        3,
        DUE,
        COLLECTED,
        DUE - COLLECTED,
    ]
    assert data[3][2:7] == [TOTAL_LABEL, 253, DUE, COLLECTED, DUE - COLLECTED]
    assert ws.freeze_panes == "A2"
    assert ws["E2"].number_format == VND_FORMAT
    assert ws["G4"].number_format == VND_FORMAT
    everything = " ".join(str(v) for r in data for v in r if v is not None)
    for code, name, _ in STUDENTS:
        assert name not in everything
        assert code not in everything
    assert not any(
        f.name == "student_name" for f in SchoolCollectionTotals.__dataclass_fields__.values()
    )


def test_inputs_are_validated() -> None:
    with pytest.raises(ReportInputError):
        FeeLedgerLine("HS1", "A", "6A", MEAL, OCT, -1, 0)
    with pytest.raises(ReportInputError):
        FeeLedgerLine("HS1", "A", "6A", MEAL, OCT, 1000.0, 0)  # type: ignore[arg-type]
    with pytest.raises(ReportInputError):
        FeeLedgerLine("HS1", "A", "6A", MEAL, OCT, True, 0)
    with pytest.raises(ReportInputError):
        FeeLedgerLine("HS1", " ", "6A", MEAL, OCT, 1, 0)
    with pytest.raises(ReportInputError):
        SchoolCollectionTotals("QT", "T", 1, 10, -1)
    with pytest.raises(ReportInputError, match="timezone-aware"):
        DistrictSummaryReport("X", "2026-2027", datetime(2026, 1, 1), [])


def test_empty_reports_still_render() -> None:
    empty = SchoolCollectionReport("Trường A", "QT-1", "2026-2027", NOW, [])
    wb = open_xlsx(render_school_collection_xlsx(empty))
    assert rows(wb[SHEET_BY_CLASS])[-1][:5] == [TOTAL_LABEL, 0, 0, 0, 0]
    wb = open_xlsx(render_district_summary_xlsx(DistrictSummaryReport("X", "2026", NOW, [])))
    assert rows(wb[SHEET_DISTRICT])[-1][2:7] == [TOTAL_LABEL, 0, 0, 0, 0]
