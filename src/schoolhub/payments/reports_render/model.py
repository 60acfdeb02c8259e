"""Input of the XLSX report renderer: plain frozen dataclasses, validated on construction.

A school report is built from ledger lines (one per student, fee item and period) and may name
students. A district (area) summary takes per-school aggregates only: its input type has no field
that could carry a student's name, so a supervisor's export cannot leak one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime


class ReportInputError(ValueError):
    """A report input is invalid (negative or non-int amount, naive datetime, empty name, ...)."""


def _require_text(name: str, value: object) -> None:
    if not isinstance(value, str) or not value.strip():
        raise ReportInputError(f"{name} must be a non-empty string")


def _require_count(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ReportInputError(f"{name} must be an int, got {type(value).__name__}")
    if value < 0:
        raise ReportInputError(f"{name} must not be negative, got {value}")


def _require_aware(name: str, value: datetime) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ReportInputError(f"{name} must be timezone-aware")


@dataclass(frozen=True, slots=True)
class FeeLedgerLine:
    """What one student owes and has paid for one fee item in one period, in integer VND.

    ``amount_collected`` may exceed ``amount_due`` (an overpayment); outstanding is then negative
    and shows as such, so it gets noticed rather than hidden.
    """

    student_code: str
    student_name: str
    class_name: str
    fee_item: str
    period: str
    amount_due: int
    amount_collected: int

    def __post_init__(self) -> None:
        for name in ("student_code", "student_name", "class_name", "fee_item", "period"):
            _require_text(name, getattr(self, name))
        _require_count("amount_due", self.amount_due)
        _require_count("amount_collected", self.amount_collected)

    @property
    def amount_outstanding(self) -> int:
        return self.amount_due - self.amount_collected


@dataclass(frozen=True, slots=True)
class SchoolCollectionReport:
    """One school's "collected vs outstanding" report over ``lines`` (caller's order is kept for
    fee items and periods; classes are sorted naturally, 6A before 10A)."""

    school_name: str
    school_code: str
    school_year: str
    generated_at: datetime
    lines: Sequence[FeeLedgerLine]

    def __post_init__(self) -> None:
        _require_text("school_name", self.school_name)
        _require_text("school_code", self.school_code)
        _require_text("school_year", self.school_year)
        _require_aware("generated_at", self.generated_at)
        object.__setattr__(self, "lines", tuple(self.lines))


@dataclass(frozen=True, slots=True)
class SchoolCollectionTotals:
    """A school's aggregates for a district summary: counts and sums only, no student data."""

    school_code: str
    school_name: str
    student_count: int
    amount_due: int
    amount_collected: int

    def __post_init__(self) -> None:
        _require_text("school_code", self.school_code)
        _require_text("school_name", self.school_name)
        _require_count("student_count", self.student_count)
        _require_count("amount_due", self.amount_due)
        _require_count("amount_collected", self.amount_collected)

    @property
    def amount_outstanding(self) -> int:
        return self.amount_due - self.amount_collected


@dataclass(frozen=True, slots=True)
class DistrictSummaryReport:
    """Per-school totals for a supervising unit (a commune/ward education office or the provincial
    Department: since 1/7/2025 Quảng Trị has no district level, ``area_name`` names the unit)."""

    area_name: str
    school_year: str
    generated_at: datetime
    schools: Sequence[SchoolCollectionTotals]

    def __post_init__(self) -> None:
        _require_text("area_name", self.area_name)
        _require_text("school_year", self.school_year)
        _require_aware("generated_at", self.generated_at)
        object.__setattr__(self, "schools", tuple(self.schools))


def summarize_school(report: SchoolCollectionReport) -> SchoolCollectionTotals:
    """Aggregate a school report for the district summary (distinct students, sums)."""
    return SchoolCollectionTotals(
        school_code=report.school_code,
        school_name=report.school_name,
        student_count=len({line.student_code for line in report.lines}),
        amount_due=sum(line.amount_due for line in report.lines),
        amount_collected=sum(line.amount_collected for line in report.lines),
    )
