"""Validate a whole roster file and build the ``ImportPlan`` (see ``model`` for the contract).

Invariants:

* Every data row is validated even after errors; the result lists every issue, ordered by line.
* A plan is produced only when there are no issues (all-or-nothing); warnings never block.
* Student codes are unique within the file (the later occurrence is reported with
  ``related_line`` pointing at the first), and so are personal id numbers.
* Blank rows are skipped without an issue; they still count as lines, so numbers match Excel.
* The header is the first row that names at least three required columns, searched in the first
  ``_HEADER_SEARCH_LINES`` lines: many school exports put a title block ("SỞ GD&ĐT ... DANH SÁCH
  HỌC SINH") above the table. Line numbers always stay physical.
"""

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TypeVar

from schoolhub.workspace.importing.fields import (
    GUARDIAN_SLOTS,
    REQUIRED_FIELDS,
    canonical_field,
    cell_text,
    parse_birth_date,
    parse_class,
    parse_flag,
    parse_gender,
    parse_personal_id,
    parse_phone,
    parse_relationship,
    parse_student_code,
)
from schoolhub.workspace.importing.model import (
    ClassRef,
    DuplicateColumn,
    EmptyFile,
    GuardianLink,
    ImportLimits,
    ImportOptions,
    ImportPlan,
    ImportResult,
    IssueCode,
    MissingColumns,
    ProgressCallback,
    RowIssue,
    StudentRow,
    TooManyRows,
)
from schoolhub.workspace.importing.readers import FileFormat, detect_format, open_rows

__all__ = ["parse_roster"]

_HEADER_SEARCH_LINES = 10
_MAX_NAME_LENGTH = 100
_BLANK_LINE_FACTOR = 4  # physical lines allowed per permitted data row (blank-row padding)

Cells = tuple[object, ...]
_T = TypeVar("_T")


@dataclass(frozen=True)
class _Header:
    line: int
    columns: dict[str, int]  # canonical field -> cell index
    labels: dict[str, str]  # canonical field -> header text as written


def _read_header(rows: Iterator[tuple[int, Cells]]) -> _Header:
    best_missing = REQUIRED_FIELDS  # of the row naming the most required columns, for the error
    for line, cells in rows:
        columns: dict[str, int] = {}
        labels: dict[str, str] = {}
        for index, cell in enumerate(cells):
            label = cell_text(cell)
            field_name = canonical_field(label) if label else None
            if field_name is None:
                continue
            if field_name in columns:
                raise DuplicateColumn(f"two columns map to {field_name}", detail=field_name)
            columns[field_name], labels[field_name] = index, label
        if sum(1 for f in REQUIRED_FIELDS if f in columns) >= 3:
            missing = tuple(f for f in REQUIRED_FIELDS if f not in columns)
            if missing:
                raise MissingColumns(f"missing columns: {', '.join(missing)}", detail=missing)
            return _Header(line, columns, labels)
        missing = tuple(f for f in REQUIRED_FIELDS if f not in columns)
        if len(missing) < len(best_missing):
            best_missing = missing
        if line >= _HEADER_SEARCH_LINES:
            break
    raise MissingColumns(
        f"no header row found; missing {', '.join(best_missing)}", detail=best_missing
    )


class _RowContext:
    """Reads one row's cells by canonical field and collects that row's issues."""

    def __init__(self, header: _Header, line: int, cells: Cells) -> None:
        self.header, self.line, self.cells = header, line, cells
        self.issues: list[RowIssue] = []

    def raw(self, field_name: str) -> object:
        index = self.header.columns.get(field_name)
        return self.cells[index] if index is not None and index < len(self.cells) else None

    def report(self, field_name: str, code: IssueCode, value: object = None) -> None:
        label = self.header.labels.get(field_name, field_name)
        # Personal id numbers are sensitive (DOMAIN §3.3): never echoed back in an issue.
        text = None if field_name == "personal_id" else cell_text(value) or None
        self.issues.append(RowIssue(self.line, label, code, text))

    def take(self, field_name: str, result: _T | IssueCode) -> _T | None:
        if isinstance(result, IssueCode):
            self.report(field_name, result, self.raw(field_name))
            return None
        return result


def _check_birth_date(ctx: _RowContext, born: date | None, options: ImportOptions) -> None:
    if born is None:
        return
    today = options.today
    if born > today:
        ctx.report("birth_date", IssueCode.BIRTH_DATE_FUTURE, ctx.raw("birth_date"))
        return
    age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    if not options.min_age_years <= age <= options.max_age_years:
        ctx.report("birth_date", IssueCode.BIRTH_DATE_IMPLAUSIBLE, ctx.raw("birth_date"))


def _guardians(ctx: _RowContext, student_code: str | None) -> list[GuardianLink]:
    links: list[GuardianLink] = []
    primary_flags: list[bool] = []
    for slot in GUARDIAN_SLOTS:
        keys = [f"{f}#{slot}" for f in ("guardian_name", "guardian_relationship", "guardian_phone")]
        flag_key = f"guardian_primary#{slot}"
        if not any(cell_text(ctx.raw(k)) for k in keys):
            continue  # no guardian in this slot; a lone primary flag is ignored
        name = cell_text(ctx.raw(keys[0]))
        if not name:
            ctx.report(keys[0], IssueCode.MISSING_REQUIRED)
        elif len(name) > _MAX_NAME_LENGTH:
            ctx.report(keys[0], IssueCode.VALUE_TOO_LONG, name)
        relationship = ctx.take(keys[1], parse_relationship(ctx.raw(keys[1])))
        phone = ctx.take(keys[2], parse_phone(ctx.raw(keys[2])))
        flag = ctx.take(flag_key, parse_flag(ctx.raw(flag_key)))
        primary_flags.append(bool(flag))
        if name and len(name) <= _MAX_NAME_LENGTH and relationship and phone and student_code:
            links.append(GuardianLink(ctx.line, student_code, name, relationship, phone, False))
    if sum(primary_flags) > 1:
        ctx.report(f"guardian_primary#{GUARDIAN_SLOTS[-1]}", IssueCode.MULTIPLE_PRIMARY_CONTACTS)
    if not links:
        return links
    # Exactly one primary contact per student: the flagged one, else the first guardian listed.
    primary = primary_flags.index(True) if any(primary_flags) else 0
    primary = min(primary, len(links) - 1)
    return [
        GuardianLink(g.line, g.student_code, g.full_name, g.relationship, g.phone, i == primary)
        for i, g in enumerate(links)
    ]


def _student(
    ctx: _RowContext, options: ImportOptions
) -> tuple[StudentRow | None, ClassRef | None, list[GuardianLink]]:
    code = ctx.take("student_code", parse_student_code(ctx.raw("student_code")))
    name = cell_text(ctx.raw("full_name"))
    if not name:
        ctx.report("full_name", IssueCode.MISSING_REQUIRED)
    elif len(name) > _MAX_NAME_LENGTH:
        ctx.report("full_name", IssueCode.VALUE_TOO_LONG, name)
    born = ctx.take("birth_date", parse_birth_date(ctx.raw("birth_date")))
    _check_birth_date(ctx, born, options)
    gender = ctx.take("gender", parse_gender(ctx.raw("gender")))
    klass = ctx.take("class_name", parse_class(ctx.raw("class_name")))
    if klass is not None and klass.grade not in options.allowed_grades:
        ctx.report("class_name", IssueCode.CLASS_GRADE_NOT_ALLOWED, ctx.raw("class_name"))
    personal_id = ctx.take("personal_id", parse_personal_id(ctx.raw("personal_id")))
    guardians = _guardians(ctx, code)
    if ctx.issues or code is None or born is None or gender is None or klass is None:
        return None, None, []
    row = StudentRow(ctx.line, code, name, born, gender, klass.name, personal_id)
    return row, klass, guardians


def _check_unique(ctx: _RowContext, field_name: str, code: IssueCode, seen: dict[str, int]) -> None:
    """Report a repeat of an already-seen valid value, pointing at its first line."""
    parsed = (parse_student_code if field_name == "student_code" else parse_personal_id)(
        ctx.raw(field_name)
    )
    if parsed is None or isinstance(parsed, IssueCode):
        return
    if parsed not in seen:
        seen[parsed] = ctx.line
        return
    value = None if field_name == "personal_id" else parsed  # personal ids are never echoed
    label = ctx.header.labels[field_name]
    ctx.issues.append(RowIssue(ctx.line, label, code, value, related_line=seen[parsed]))


def parse_roster(
    source: bytes | Path,
    *,
    options: ImportOptions,
    filename: str | None = None,
    fmt: FileFormat | None = None,
    limits: ImportLimits | None = None,
    progress: ProgressCallback | None = None,
) -> ImportResult:
    """Parse and validate a roster spreadsheet into an ``ImportPlan`` or the full list of issues.

    Raises an ``ImportFileError`` subclass only for whole-file problems (size, row cap, format,
    encoding, header). ``progress(done, total)`` is called every ``options.progress_every`` data
    rows and once at the end; ``total`` is ``None`` when unknown (CSV).
    """
    limits = limits or ImportLimits()
    fmt = fmt or detect_format(source, filename)
    issues: list[RowIssue] = []
    students: list[StudentRow] = []
    guardians: list[GuardianLink] = []
    classes: dict[str, ClassRef] = {}
    seen_codes: dict[str, int] = {}  # value -> first line
    seen_ids: dict[str, int] = {}
    done = 0
    with open_rows(source, fmt, limits) as src:
        header = _read_header(src.rows)
        total = None if src.total_lines is None else max(0, src.total_lines - header.line)
        for line, cells in src.rows:
            if line > header.line + limits.max_rows * _BLANK_LINE_FACTOR:
                raise TooManyRows(f"more than {limits.max_rows} rows", detail=limits.max_rows)
            if not any(cell_text(c) for c in cells):
                continue
            done += 1
            if done > limits.max_rows:
                raise TooManyRows(f"more than {limits.max_rows} rows", detail=limits.max_rows)
            ctx = _RowContext(header, line, cells)
            row, klass, links = _student(ctx, options)
            _check_unique(ctx, "student_code", IssueCode.DUPLICATE_STUDENT_CODE, seen_codes)
            _check_unique(ctx, "personal_id", IssueCode.DUPLICATE_PERSONAL_ID, seen_ids)
            issues.extend(ctx.issues)
            if row is not None and klass is not None and not ctx.issues:
                students.append(row)
                guardians.extend(links)
                classes.setdefault(klass.name, klass)
            if progress is not None and done % options.progress_every == 0:
                progress(done, total)
    if done == 0:
        raise EmptyFile("the file has a header but no data rows")
    if progress is not None:
        progress(done, done)
    if issues:
        return ImportResult(plan=None, issues=tuple(issues), rows_read=done)
    return ImportResult(
        plan=ImportPlan(
            classes=tuple(sorted(classes.values(), key=lambda c: (c.grade, c.name))),
            students=tuple(students),
            guardians=tuple(guardians),
            warnings=_class_size_warnings(students, classes, options),
        ),
        issues=(),
        rows_read=done,
    )


def _class_size_warnings(
    students: list[StudentRow], classes: dict[str, ClassRef], options: ImportOptions
) -> tuple[RowIssue, ...]:
    """DOMAIN §3.2: over-size classes are warnings (the school may override), reported at the
    line of the first student beyond the norm."""
    counts: Counter[str] = Counter()
    warnings: list[RowIssue] = []
    for student in students:
        counts[student.class_name] += 1
        grade = classes[student.class_name].grade
        norm = options.primary_class_size if grade <= 5 else options.secondary_class_size
        if counts[student.class_name] == norm + 1:
            warnings.append(
                RowIssue(student.line, None, IssueCode.CLASS_SIZE_ABOVE_NORM, student.class_name)
            )
    return tuple(warnings)
