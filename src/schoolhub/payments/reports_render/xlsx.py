"""Render collection reports to XLSX bytes with openpyxl. Pure: no database, no files.

Every sheet: Vietnamese headers in row 1 (bold, frozen), integer VND with the "#,##0" format (Excel
shows the viewer's locale separators: 1.250.000 on a Vietnamese system), a rate column as "0.0%",
column widths from the content, and a bold "Tổng cộng" totals row holding values, not formulas, so
every reader (and openpyxl itself) sees the numbers without recalculating.
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from schoolhub.payments.reports_render.model import (
    DistrictSummaryReport,
    FeeLedgerLine,
    SchoolCollectionReport,
)

VND_FORMAT = "#,##0"
RATE_FORMAT = "0.0%"
TOTAL_LABEL = "Tổng cộng"
_MONEY_HEADERS = ("Phải thu (đồng)", "Đã thu (đồng)", "Còn phải thu (đồng)", "Tỷ lệ đã thu")
_HEADER_FILL = PatternFill(fill_type="solid", start_color="FFDDEBF7", end_color="FFDDEBF7")
_BOLD = Font(bold=True)
_MIN_WIDTH, _MAX_WIDTH = 6, 60

SHEET_DETAIL = "Chi tiết"
SHEET_BY_CLASS = "Theo lớp"
SHEET_BY_ITEM = "Theo khoản thu"
SHEET_BY_PERIOD = "Theo kỳ thu"
SHEET_DISTRICT = "Tổng hợp theo trường"

Cell = str | int | float | None


@dataclass(slots=True)
class _Group:
    students: set[str] = field(default_factory=set)
    due: int = 0
    collected: int = 0

    def add(self, line: FeeLedgerLine) -> None:
        self.students.add(line.student_code)
        self.due += line.amount_due
        self.collected += line.amount_collected


def _nfc(value: Cell) -> Cell:
    return unicodedata.normalize("NFC", value) if isinstance(value, str) else value


def _rate(due: int, collected: int) -> float | None:
    return collected / due if due else None


def _natural_key(text: str) -> list[tuple[int, int | str]]:
    return [
        (0, int(part)) if part.isdigit() else (1, part.casefold())
        for part in re.split(r"(\d+)", text)
        if part
    ]


def _width(value: Cell, number_format: str) -> int:
    if value is None:
        return 0
    if isinstance(value, int) and number_format == VND_FORMAT:
        return len(f"{value:,}") + 1
    if isinstance(value, float):
        return 7
    return len(str(value))


def _write_sheet(
    ws: Worksheet,
    headers: Sequence[str],
    rows: Iterable[Sequence[Cell]],
    totals: Sequence[Cell],
    formats: dict[int, str],
) -> None:
    """Header row, data rows, totals row; ``formats`` maps 1-based column -> number format."""
    table: list[list[Cell]] = [[_nfc(h) for h in headers]]
    table += [[_nfc(v) for v in row] for row in rows]
    table.append([_nfc(v) for v in totals])
    widths = [0] * len(headers)
    last = len(table)
    for r, values in enumerate(table, start=1):
        ws.append(values)
        for c, value in enumerate(values, start=1):
            cell = ws.cell(row=r, column=c)
            fmt = formats.get(c, "")
            if r > 1 and fmt:
                cell.number_format = fmt
            widths[c - 1] = max(widths[c - 1], _width(value, fmt))
            if r == 1:
                cell.font = _BOLD
                cell.fill = _HEADER_FILL
                cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
            elif r == last:
                cell.font = _BOLD
    for index, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(index)].width = min(
            _MAX_WIDTH, max(_MIN_WIDTH, width + 2)
        )
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{max(1, last - 1)}"
    ws.print_title_rows = "1:1"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)


def _money_formats(first: int) -> dict[int, str]:
    return {first: VND_FORMAT, first + 1: VND_FORMAT, first + 2: VND_FORMAT, first + 3: RATE_FORMAT}


def _money_cells(due: int, collected: int) -> list[Cell]:
    return [due, collected, due - collected, _rate(due, collected)]


def _grouped_sheet(
    ws: Worksheet,
    label: str,
    lines: Sequence[FeeLedgerLine],
    key: Callable[[FeeLedgerLine], str],
    *,
    natural: bool,
) -> None:
    groups: dict[str, _Group] = {}
    for line in lines:
        groups.setdefault(unicodedata.normalize("NFC", key(line)), _Group()).add(line)
    names = sorted(groups, key=_natural_key) if natural else list(groups)
    rows = [
        [name, len(groups[name].students), *_money_cells(groups[name].due, groups[name].collected)]
        for name in names
    ]
    due = sum(g.due for g in groups.values())
    collected = sum(g.collected for g in groups.values())
    students = len({line.student_code for line in lines})
    totals = [TOTAL_LABEL, students, *_money_cells(due, collected)]
    _write_sheet(ws, [label, "Số học sinh", *_MONEY_HEADERS], rows, totals, _money_formats(3))


def _detail_sheet(ws: Worksheet, lines: Sequence[FeeLedgerLine]) -> None:
    ordered = sorted(enumerate(lines), key=lambda p: (_natural_key(p[1].class_name), p[0]))
    rows = [
        [
            i,
            line.student_code,
            line.student_name,
            line.class_name,
            line.fee_item,
            line.period,
            *_money_cells(line.amount_due, line.amount_collected),
        ]
        for i, (_, line) in enumerate(ordered, start=1)
    ]
    due = sum(line.amount_due for line in lines)
    collected = sum(line.amount_collected for line in lines)
    headers = ["STT", "Mã học sinh", "Họ và tên", "Lớp", "Khoản thu", "Kỳ thu", *_MONEY_HEADERS]
    totals = [None, None, TOTAL_LABEL, None, None, None, *_money_cells(due, collected)]
    _write_sheet(ws, headers, rows, totals, _money_formats(7))


def _to_bytes(wb: Workbook, title: str, generated_at: datetime) -> bytes:
    wb.properties.title = title
    wb.properties.creator = "SchoolHub"
    wb.properties.created = generated_at.replace(tzinfo=None)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def render_school_collection_xlsx(report: SchoolCollectionReport) -> bytes:
    """A school's workbook: sheets "Chi tiết" (per student line, names included: school staff
    only), "Theo lớp", "Theo khoản thu", "Theo kỳ thu"."""
    wb = Workbook()
    detail = wb.active
    assert detail is not None
    detail.title = SHEET_DETAIL
    _detail_sheet(detail, report.lines)
    _grouped_sheet(
        wb.create_sheet(SHEET_BY_CLASS),
        "Lớp",
        report.lines,
        lambda line: line.class_name,
        natural=True,
    )
    _grouped_sheet(
        wb.create_sheet(SHEET_BY_ITEM),
        "Khoản thu",
        report.lines,
        lambda line: line.fee_item,
        natural=False,
    )
    _grouped_sheet(
        wb.create_sheet(SHEET_BY_PERIOD),
        "Kỳ thu",
        report.lines,
        lambda line: line.period,
        natural=False,
    )
    title = (
        f"Tình hình thu: {report.school_name} ({report.school_code}), năm học {report.school_year}"
    )
    return _to_bytes(wb, unicodedata.normalize("NFC", title), report.generated_at)


def render_district_summary_xlsx(report: DistrictSummaryReport) -> bytes:
    """A supervisor's workbook: one sheet, one row per school, aggregates only (no student data)."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = SHEET_DISTRICT
    schools = sorted(report.schools, key=lambda s: _natural_key(s.school_code))
    rows = [
        [
            i,
            s.school_code,
            s.school_name,
            s.student_count,
            *_money_cells(s.amount_due, s.amount_collected),
        ]
        for i, s in enumerate(schools, start=1)
    ]
    due = sum(s.amount_due for s in schools)
    collected = sum(s.amount_collected for s in schools)
    students = sum(s.student_count for s in schools)
    headers = ["STT", "Mã trường", "Tên trường", "Số học sinh", *_MONEY_HEADERS]
    totals = [None, None, TOTAL_LABEL, students, *_money_cells(due, collected)]
    _write_sheet(ws, headers, rows, totals, _money_formats(5))
    title = f"Tổng hợp tình hình thu: {report.area_name}, năm học {report.school_year}"
    return _to_bytes(wb, unicodedata.normalize("NFC", title), report.generated_at)
