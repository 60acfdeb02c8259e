"""Row sources for the roster import: CSV (UTF-8, optional BOM, ``,`` ``;`` or tab) and XLSX.

Both yield ``(line, cells)`` with the 1-based line number a person sees in Excel: the physical row
of an XLSX sheet, the record number of a CSV file (a quoted cell containing a newline is still one
record, which is how Excel shows it). XLSX is read with openpyxl in ``read_only`` mode, which
streams the sheet XML instead of building the workbook in memory; only the first worksheet is read.
"""

import codecs
import csv
import io
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from openpyxl import load_workbook

from schoolhub.workspace.importing.model import (
    BadEncoding,
    EmptyFile,
    FileTooLarge,
    ImportLimits,
    UnsupportedFormat,
)

__all__ = ["FileFormat", "RowSource", "detect_format", "open_rows"]

Cells = tuple[object, ...]


class FileFormat(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"


@dataclass(frozen=True)
class RowSource:
    rows: Iterator[tuple[int, Cells]]
    total_lines: int | None  # physical lines including the header, when the format tells us


_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # legacy .xls


def _head(source: bytes | Path) -> bytes:
    if isinstance(source, bytes):
        return source[:8]
    with source.open("rb") as handle:
        return handle.read(8)


def detect_format(source: bytes | Path, filename: str | None = None) -> FileFormat:
    """By content first (ZIP -> XLSX), then by file name; legacy ``.xls`` is refused."""
    head = _head(source)
    name = (filename or (source.name if isinstance(source, Path) else "")).lower()
    if head.startswith(_OLE_MAGIC) or name.endswith(".xls"):
        raise UnsupportedFormat("legacy .xls is not supported; save as .xlsx", detail="xls")
    if head.startswith(_ZIP_MAGIC):
        return FileFormat.XLSX
    if name.endswith((".xlsx", ".xlsm")):
        raise UnsupportedFormat("file named .xlsx is not a ZIP container", detail="xlsx")
    return FileFormat.CSV


def _size(source: bytes | Path) -> int:
    return len(source) if isinstance(source, bytes) else source.stat().st_size


def _sniff_delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (";", ",", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _csv_rows(source: bytes | Path) -> RowSource:
    raw = source if isinstance(source, bytes) else source.read_bytes()
    try:
        text = codecs.decode(raw, "utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BadEncoding(
            f"not UTF-8 (byte {exc.start}); re-save the file as CSV UTF-8", detail=exc.start
        ) from exc
    if not text.strip():
        raise EmptyFile("the file is empty")
    delimiter = _sniff_delimiter(text.split("\n", 1)[0])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)

    def rows() -> Iterator[tuple[int, Cells]]:
        for number, record in enumerate(reader, start=1):
            yield number, tuple(record)

    return RowSource(rows=rows(), total_lines=None)


def _check_zip(source: bytes | Path, limits: ImportLimits) -> None:
    try:
        with zipfile.ZipFile(
            io.BytesIO(source) if isinstance(source, bytes) else source
        ) as archive:
            expanded = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile as exc:
        raise UnsupportedFormat(f"cannot open as XLSX: {exc}", detail="xlsx") from exc
    if expanded > limits.max_uncompressed_bytes:
        raise FileTooLarge(
            f"workbook expands to {expanded} bytes, limit {limits.max_uncompressed_bytes}",
            detail=expanded,
        )


@contextmanager
def open_rows(source: bytes | Path, fmt: FileFormat, limits: ImportLimits) -> Iterator[RowSource]:
    """Open ``source`` for streaming; checks the byte cap before parsing anything."""
    size = _size(source)
    if size > limits.max_bytes:
        raise FileTooLarge(f"file is {size} bytes, limit {limits.max_bytes}", detail=size)
    if size == 0:
        raise EmptyFile("the file is empty")
    if fmt is FileFormat.CSV:
        yield _csv_rows(source)
        return
    _check_zip(source, limits)
    try:
        workbook = load_workbook(
            io.BytesIO(source) if isinstance(source, bytes) else source,
            read_only=True,
            data_only=True,
        )
    except Exception as exc:  # openpyxl raises many types for a damaged container
        raise UnsupportedFormat(f"cannot open as XLSX: {exc}", detail="xlsx") from exc
    try:
        sheet = workbook.worksheets[0]
        max_row = sheet.max_row

        def rows() -> Iterator[tuple[int, Cells]]:
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                yield number, tuple(values)

        yield RowSource(rows=rows(), total_lines=max_row if isinstance(max_row, int) else None)
    finally:
        workbook.close()
