"""Roster import: parse a school's CSV/XLSX of classes, students and guardians into an
``ImportPlan``.

Pure apart from reading the given bytes or file: no database, no network. See ``model`` for the
contract, ``fields`` for header aliases and cell formats, ``readers`` for the file formats and
``plan`` for whole-file validation.
"""

from schoolhub.workspace.importing.model import (
    BadEncoding,
    ClassRef,
    DuplicateColumn,
    EmptyFile,
    FileTooLarge,
    Gender,
    GuardianLink,
    ImportFileError,
    ImportLimits,
    ImportOptions,
    ImportPlan,
    ImportResult,
    IssueCode,
    MissingColumns,
    ProgressCallback,
    Relationship,
    RowIssue,
    StudentRow,
    TooManyRows,
    UnsupportedFormat,
)
from schoolhub.workspace.importing.plan import parse_roster
from schoolhub.workspace.importing.readers import FileFormat, detect_format

__all__ = [
    "BadEncoding",
    "ClassRef",
    "DuplicateColumn",
    "EmptyFile",
    "FileFormat",
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
    "detect_format",
    "parse_roster",
]
