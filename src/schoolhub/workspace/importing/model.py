"""Typed rows, issues, limits and errors of the roster import (classes, students, guardians).

The parser never touches the database. Its output is an ``ImportPlan`` that a service applies
all-or-nothing and idempotently keyed by ``student_code`` (MOET's mã học sinh, immutable once
issued: TT 42/2021, DOMAIN §3.3). Two kinds of failure, kept apart on purpose:

* ``ImportFileError`` (raised): the file as a whole cannot be read (too big, too many rows, not CSV
  or XLSX, undecodable, header without the required columns). Nothing row-level is reported.
* ``RowIssue`` (collected): one bad cell or row. The whole file is validated and *every* issue is
  returned with its 1-based line number (the header is line 1) and column, never only the first.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from enum import Enum, StrEnum
from typing import ClassVar

__all__ = [
    "BadEncoding",
    "ClassRef",
    "DuplicateColumn",
    "EmptyFile",
    "FileTooLarge",
    "Gender",
    "GuardianLink",
    "ImportFileError",
    "ImportLimits",
    "ImportOptions",
    "ImportPlan",
    "ImportResult",
    "IssueCode",
    "MissingColumns",
    "ProgressCallback",
    "Relationship",
    "RowIssue",
    "StudentRow",
    "TooManyRows",
    "UnsupportedFormat",
]

ProgressCallback = Callable[[int, int | None], None]
"""Called with (data rows processed, total data rows or ``None`` when unknown, e.g. CSV)."""


class Gender(StrEnum):
    MALE = "male"
    FEMALE = "female"


class Relationship(StrEnum):
    FATHER = "father"
    MOTHER = "mother"
    GRANDPARENT = "grandparent"
    OTHER = "other"


class IssueCode(Enum):
    """Stable reason codes of a ``RowIssue`` (``.value``); clients translate them.

    Deliberately a plain ``Enum``, not ``StrEnum``: parsers return ``str | IssueCode`` and a
    ``StrEnum`` member would pass ``isinstance(x, str)``.
    """

    MISSING_REQUIRED = "MISSING_REQUIRED"
    BAD_STUDENT_CODE = "BAD_STUDENT_CODE"
    DUPLICATE_STUDENT_CODE = "DUPLICATE_STUDENT_CODE"
    DUPLICATE_PERSONAL_ID = "DUPLICATE_PERSONAL_ID"
    BAD_PERSONAL_ID = "BAD_PERSONAL_ID"
    BAD_DATE = "BAD_DATE"
    BIRTH_DATE_FUTURE = "BIRTH_DATE_FUTURE"
    BIRTH_DATE_IMPLAUSIBLE = "BIRTH_DATE_IMPLAUSIBLE"
    BAD_GENDER = "BAD_GENDER"
    BAD_CLASS = "BAD_CLASS"
    CLASS_GRADE_NOT_ALLOWED = "CLASS_GRADE_NOT_ALLOWED"
    BAD_RELATIONSHIP = "BAD_RELATIONSHIP"
    BAD_PHONE = "BAD_PHONE"
    BAD_FLAG = "BAD_FLAG"
    MULTIPLE_PRIMARY_CONTACTS = "MULTIPLE_PRIMARY_CONTACTS"
    VALUE_TOO_LONG = "VALUE_TOO_LONG"
    # Warnings (do not block the plan):
    CLASS_SIZE_ABOVE_NORM = "CLASS_SIZE_ABOVE_NORM"


@dataclass(frozen=True)
class RowIssue:
    """One problem: ``line`` is 1-based with the header on line 1; ``column`` is the header text
    as written in the file (or the canonical field name when the column is absent); ``value`` is
    the offending cell text (never for personal id numbers, which are sensitive); ``related_line``
    points at the first occurrence for duplicates."""

    line: int
    column: str | None
    code: IssueCode
    value: str | None = None
    related_line: int | None = None


@dataclass(frozen=True)
class ClassRef:
    """A class (lớp) named in the file: ``name`` normalised ("6A", "10A1", "6/1"), grade 1-12."""

    name: str
    grade: int


@dataclass(frozen=True)
class StudentRow:
    line: int
    student_code: str
    full_name: str
    birth_date: date
    gender: Gender
    class_name: str
    personal_id: str | None = None  # 12-digit số định danh cá nhân; sensitive, optional


@dataclass(frozen=True)
class GuardianLink:
    """A guardian of one student; the service de-duplicates guardians by ``phone`` (E.164)."""

    line: int
    student_code: str
    full_name: str
    relationship: Relationship
    phone: str
    is_primary: bool


@dataclass(frozen=True)
class ImportPlan:
    """Validated content, ordered as in the file; classes ordered by (grade, name)."""

    classes: tuple[ClassRef, ...]
    students: tuple[StudentRow, ...]
    guardians: tuple[GuardianLink, ...]
    warnings: tuple[RowIssue, ...] = ()


@dataclass(frozen=True)
class ImportResult:
    """``plan`` is set iff ``issues`` is empty (all-or-nothing: a file with a bad row yields no
    plan)."""

    plan: ImportPlan | None
    issues: tuple[RowIssue, ...]
    rows_read: int

    @property
    def ok(self) -> bool:
        return self.plan is not None


@dataclass(frozen=True)
class ImportLimits:
    """Guards against oversized uploads; the largest schools have ~2,500 students."""

    max_bytes: int = 10 * 1024 * 1024
    max_rows: int = 5_000
    # XLSX is a ZIP: openpyxl loads the shared-strings part whole even in read-only mode, so the
    # declared uncompressed size is capped too (a "zip bomb" passes ``max_bytes`` easily).
    max_uncompressed_bytes: int = 100 * 1024 * 1024


@dataclass(frozen=True)
class ImportOptions:
    """Validation knobs; ``today`` is injected so the parser stays pure and testable.

    Plausible ages span primary entry (6, with slack for early entry) to late-finishing secondary
    students in ethnic-minority areas. Class sizes are warnings with an override, not hard blocks
    (DOMAIN §3.2: primary <= 35, secondary <= 45).
    """

    today: date
    allowed_grades: frozenset[int] = frozenset(range(1, 13))
    min_age_years: int = 4
    max_age_years: int = 30
    primary_class_size: int = 35
    secondary_class_size: int = 45
    progress_every: int = 250


class ImportFileError(ValueError):
    """The file cannot be processed at all; ``code`` is stable, ``detail`` is machine-readable."""

    code: ClassVar[str] = "IMPORT_FILE_ERROR"

    def __init__(self, message: str, *, detail: object = None) -> None:
        super().__init__(message)
        self.detail = detail


class FileTooLarge(ImportFileError):
    code = "FILE_TOO_LARGE"


class TooManyRows(ImportFileError):
    code = "TOO_MANY_ROWS"


class UnsupportedFormat(ImportFileError):
    code = "UNSUPPORTED_FORMAT"


class BadEncoding(ImportFileError):
    """Not UTF-8 (legacy TCVN3/VNI or Windows-1258 exports must be re-saved as UTF-8)."""

    code = "BAD_ENCODING"


class EmptyFile(ImportFileError):
    code = "EMPTY_FILE"


class MissingColumns(ImportFileError):
    """``detail`` is the tuple of missing canonical field names."""

    code = "MISSING_COLUMNS"


class DuplicateColumn(ImportFileError):
    """Two header cells map to the same field (e.g. "Lớp" and "class"); ``detail`` names it."""

    code = "DUPLICATE_COLUMN"
