"""Weekly timetable (thời khoá biểu) clash rules and the teacher's weekly view. Pure functions.

Conventions:

* ``weekday`` is ISO 8601: 1 = Monday ... 7 = Sunday. Vietnamese names count from Sunday, so
  ISO 1 is "Thứ 2" (Thứ Hai), ISO 6 is "Thứ 7" and ISO 7 is "Chủ nhật": Thứ N = ISO N-1.
  ``weekday_label`` gives the Vietnamese label; store and compare ISO numbers only.
* ``period`` (tiết) is the slot number within the day, >= 1. Two entries clash only when term,
  weekday and period are all equal, so a school that restarts the count at 1 for the afternoon
  session (buổi chiều) must number it on from the morning (e.g. 1-5 morning, 6-10 afternoon).
* ``term`` is an opaque label ("2025-2026/HK1", or a timetable version "TKB tuần 5"); entries of
  different terms never clash.

A clash is two entries in the same slot sharing a teacher, a room or a class. ``find_clashes``
reports every pair that involves at least one proposed entry; clashes among existing entries are
already stored and not re-reported. A proposed entry with the same ``id`` as an existing one
replaces it (an edit), so an entry never clashes with its own previous version.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from itertools import combinations
from typing import ClassVar

__all__ = [
    "Clash",
    "ClashKind",
    "DayView",
    "InvalidTimetableEntry",
    "TeacherWeek",
    "TimetableEntry",
    "find_clashes",
    "teacher_week",
    "weekday_label",
]

_LABELS = {1: "Thứ 2", 2: "Thứ 3", 3: "Thứ 4", 4: "Thứ 5", 5: "Thứ 6", 6: "Thứ 7", 7: "Chủ nhật"}


class InvalidTimetableEntry(ValueError):
    code: ClassVar[str] = "INVALID_TIMETABLE_ENTRY"


def weekday_label(weekday: int) -> str:
    """ISO weekday -> Vietnamese label: 1 -> "Thứ 2", 7 -> "Chủ nhật"."""
    if weekday not in _LABELS:
        raise InvalidTimetableEntry(f"weekday must be 1-7 (ISO), got {weekday}")
    return _LABELS[weekday]


@dataclass(frozen=True)
class TimetableEntry:
    """One lesson slot. ``teacher_id``/``room_id`` are optional (activity periods such as chào cờ
    or sinh hoạt lớp may have neither); a missing one never clashes."""

    id: str
    class_id: str
    subject: str
    teacher_id: str | None
    room_id: str | None
    weekday: int
    period: int
    term: str

    def __post_init__(self) -> None:
        if self.weekday not in _LABELS:
            raise InvalidTimetableEntry(f"weekday must be 1-7 (ISO), got {self.weekday}")
        if self.period < 1:
            raise InvalidTimetableEntry(f"period must be >= 1, got {self.period}")

    @property
    def slot(self) -> tuple[str, int, int]:
        return (self.term, self.weekday, self.period)


class ClashKind(StrEnum):
    TEACHER = "teacher_double_booked"
    ROOM = "room_double_booked"
    CLASS = "class_double_booked"


@dataclass(frozen=True)
class Clash:
    """``first`` and ``second`` are the two clashing entries; ``resource`` is the shared teacher,
    room or class id. When one side is existing, it is ``first``; otherwise file order is kept."""

    kind: ClashKind
    resource: str
    first: TimetableEntry
    second: TimetableEntry


_KEYS: tuple[tuple[ClashKind, str], ...] = (
    (ClashKind.TEACHER, "teacher_id"),
    (ClashKind.ROOM, "room_id"),
    (ClashKind.CLASS, "class_id"),
)


def find_clashes(
    existing: Iterable[TimetableEntry], proposed: Sequence[TimetableEntry]
) -> list[Clash]:
    """Every teacher, room and class double booking that a proposed entry takes part in.

    Sorted by (term, weekday, period, kind, first id, second id) so output is deterministic.
    Runs in O(n) buckets plus the pairs inside each bucket. Duplicate ids within ``proposed``
    raise ``InvalidTimetableEntry``.
    """
    proposed_ids = [e.id for e in proposed]
    if len(set(proposed_ids)) != len(proposed_ids):
        raise InvalidTimetableEntry("duplicate entry id in the proposed set")
    replaced = set(proposed_ids)
    kept = [e for e in existing if e.id not in replaced]
    new_ids = set(proposed_ids)
    buckets: dict[tuple[ClashKind, str, tuple[str, int, int]], list[TimetableEntry]] = defaultdict(
        list
    )
    for entry in (*kept, *proposed):
        for kind, attr in _KEYS:
            resource = getattr(entry, attr)
            if resource is not None:
                buckets[(kind, resource, entry.slot)].append(entry)
    clashes: list[Clash] = []
    for (kind, resource, _slot), entries in buckets.items():
        for first, second in combinations(entries, 2):
            if first.id in new_ids or second.id in new_ids:
                clashes.append(Clash(kind, resource, first, second))
    order = {kind: i for i, (kind, _) in enumerate(_KEYS)}
    clashes.sort(key=lambda c: (*c.first.slot, order[c.kind], c.first.id, c.second.id))
    return clashes


@dataclass(frozen=True)
class DayView:
    weekday: int
    label: str
    entries: tuple[TimetableEntry, ...]  # sorted by period; two in one period means a clash


@dataclass(frozen=True)
class TeacherWeek:
    teacher_id: str
    term: str
    days: tuple[DayView, ...]  # Monday..Sunday, only days with lessons
    periods_per_week: int


def teacher_week(entries: Iterable[TimetableEntry], teacher_id: str, term: str) -> TeacherWeek:
    """A teacher's week for one term: lessons grouped by day, ordered by period then class."""
    mine = sorted(
        (e for e in entries if e.teacher_id == teacher_id and e.term == term),
        key=lambda e: (e.weekday, e.period, e.class_id, e.id),
    )
    by_day: dict[int, list[TimetableEntry]] = defaultdict(list)
    for entry in mine:
        by_day[entry.weekday].append(entry)
    days = tuple(DayView(d, _LABELS[d], tuple(by_day[d])) for d in sorted(by_day))
    return TeacherWeek(teacher_id, term, days, len(mine))
