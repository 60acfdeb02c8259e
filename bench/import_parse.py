"""Benchmark: parse + validate a generated 2,000-student roster XLSX (and the same as CSV).

Run: ``uv run python bench/import_parse.py [--students N]``. Prints wall time without tracing and
the peak Python heap during parsing under tracemalloc (the traced run is slower; its time is not
the figure to quote). The file is generated in a temporary directory and deleted afterwards.
"""

import argparse
import csv
import io
import random
import statistics
import tempfile
import time
import tracemalloc
from datetime import date, datetime, timedelta
from pathlib import Path

from openpyxl import Workbook

from schoolhub.workspace.importing import ImportOptions, ImportResult, parse_roster

HEADER = (
    "STT", "Mã học sinh", "Họ và tên", "Ngày sinh", "Giới tính", "Lớp", "Số định danh cá nhân",
    "Họ tên phụ huynh", "Quan hệ", "SĐT phụ huynh", "Liên hệ chính",
    "Họ tên phụ huynh 2", "Quan hệ 2", "SĐT phụ huynh 2", "Liên hệ chính 2",
)  # fmt: skip
FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Võ", "Đặng", "Bùi", "Hồ")
MIDDLE = ("Văn", "Thị", "Đức", "Ngọc", "Minh", "Thanh", "Hữu", "Thu")
GIVEN = ("An", "Bình", "Cường", "Dũng", "Giang", "Hà", "Hương", "Khánh", "Linh", "Ngân", "Phúc")


def rows(students: int, rng: random.Random) -> list[tuple[object, ...]]:
    out: list[tuple[object, ...]] = [HEADER]
    for i in range(students):
        grade = 6 + i % 4
        family = rng.choice(FAMILY)
        born = date(2026 - 6 - grade, 1, 1) + timedelta(days=rng.randrange(365))
        born_cell: object = (
            datetime(born.year, born.month, born.day) if i % 2 else (born.strftime("%d/%m/%Y"))
        )
        phone1 = f"09{rng.randrange(10**8):08d}"
        phone2 = f"03{rng.randrange(10**8):08d}"
        out.append((
            i + 1, f"{4520000000 + i}", f"{family} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}",
            born_cell, "Nam" if i % 2 else "Nữ", f"{grade}A{1 + (i // 4) % 12}",
            f"0452{born.year % 100:02d}{i:06d}",
            f"{family} Văn {rng.choice(GIVEN)}", "Bố", phone1, "x",
            f"{rng.choice(FAMILY)} Thị {rng.choice(GIVEN)}", "Mẹ", phone2, "",
        ))  # fmt: skip
    return out


def write_xlsx(path: Path, data: list[tuple[object, ...]]) -> None:
    # A normal (not write-only) workbook, like Excel writes: shared strings and a <dimension> tag.
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Danh sách"
    for row in data:
        sheet.append(list(row))
    workbook.save(path)


def write_csv(path: Path, data: list[tuple[object, ...]]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    for row in data:
        writer.writerow([c.strftime("%d/%m/%Y") if isinstance(c, datetime) else c for c in row])
    path.write_bytes(b"\xef\xbb\xbf" + buffer.getvalue().encode())


def measure(
    path: Path, options: ImportOptions, repeats: int
) -> tuple[list[float], float, ImportResult]:
    """Wall times (s) of ``repeats`` untraced runs, then the traced peak (MiB) of one more run."""
    times: list[float] = []
    result: ImportResult | None = None
    for _ in range(repeats):
        start = time.perf_counter()
        result = parse_roster(path, options=options)
        times.append(time.perf_counter() - start)
    assert result is not None
    tracemalloc.start()
    parse_roster(path, options=options)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return times, peak / (1024 * 1024), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--students", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    data = rows(args.students, random.Random(20260901))
    options = ImportOptions(today=date(2026, 9, 1))
    with tempfile.TemporaryDirectory() as tmp:
        for name, writer in (("roster.xlsx", write_xlsx), ("roster.csv", write_csv)):
            path = Path(tmp) / name
            writer(path, data)
            times, peak_mib, result = measure(path, options, args.repeats)
            plan = result.plan
            print(
                f"{name:<12} students={args.students} size={path.stat().st_size / 1024:.0f} KiB "
                f"parse+validate min={min(times) * 1000:.0f} ms "
                f"median={statistics.median(times) * 1000:.0f} ms (n={len(times)}) "
                f"peak_traced={peak_mib:.1f} MiB ok={result.ok} issues={len(result.issues)} "
                f"classes={len(plan.classes) if plan else 0} "
                f"guardian_links={len(plan.guardians) if plan else 0}"
            )


if __name__ == "__main__":
    main()
