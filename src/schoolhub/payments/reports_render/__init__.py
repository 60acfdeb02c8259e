"""XLSX exports of "collected vs outstanding" fee reports. Pure: no database, output is bytes."""

from __future__ import annotations

from schoolhub.payments.reports_render.model import (
    DistrictSummaryReport,
    FeeLedgerLine,
    ReportInputError,
    SchoolCollectionReport,
    SchoolCollectionTotals,
    summarize_school,
)
from schoolhub.payments.reports_render.xlsx import (
    RATE_FORMAT,
    SHEET_BY_CLASS,
    SHEET_BY_ITEM,
    SHEET_BY_PERIOD,
    SHEET_DETAIL,
    SHEET_DISTRICT,
    TOTAL_LABEL,
    VND_FORMAT,
    render_district_summary_xlsx,
    render_school_collection_xlsx,
)

__all__ = [
    "RATE_FORMAT",
    "SHEET_BY_CLASS",
    "SHEET_BY_ITEM",
    "SHEET_BY_PERIOD",
    "SHEET_DETAIL",
    "SHEET_DISTRICT",
    "TOTAL_LABEL",
    "VND_FORMAT",
    "DistrictSummaryReport",
    "FeeLedgerLine",
    "ReportInputError",
    "SchoolCollectionReport",
    "SchoolCollectionTotals",
    "render_district_summary_xlsx",
    "render_school_collection_xlsx",
    "summarize_school",
]
