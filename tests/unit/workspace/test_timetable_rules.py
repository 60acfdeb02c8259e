"""Timetable clash detection and the teacher's weekly view."""

import pytest

from schoolhub.workspace.timetable_rules import (
    Clash,
    ClashKind,
    DayView,
    InvalidTimetableEntry,
    TeacherWeek,
    TimetableEntry,
    find_clashes,
    teacher_week,
    weekday_label,
)

HK1 = "2026-2027/HK1"


def entry(
    entry_id: str,
    class_id: str,
    teacher: str | None,
    room: str | None,
    slot: tuple[int, int],
    *,
    subject: str = "TOAN",
    term: str = HK1,
) -> TimetableEntry:
    """``slot`` is (ISO weekday, period)."""
    weekday, period = slot
    return TimetableEntry(entry_id, class_id, subject, teacher, room, weekday, period, term)


def test_weekday_labels_follow_iso_numbering() -> None:
    assert [weekday_label(d) for d in range(1, 8)] == [
        "Thứ 2", "Thứ 3", "Thứ 4", "Thứ 5", "Thứ 6", "Thứ 7", "Chủ nhật",
    ]  # fmt: skip
    with pytest.raises(InvalidTimetableEntry):
        weekday_label(0)


@pytest.mark.parametrize(("weekday", "period"), [(0, 1), (8, 1), (1, 0), (1, -2)])
def test_entry_validation(weekday: int, period: int) -> None:
    with pytest.raises(InvalidTimetableEntry) as info:
        entry("x", "6A", "t1", "r1", (weekday, period))
    assert info.value.code == "INVALID_TIMETABLE_ENTRY"


def test_no_clash_in_different_slots_terms_or_resources() -> None:
    existing = [entry("e1", "6A", "gv_lan", "P101", (1, 1))]
    proposed = [
        entry("p1", "6A", "gv_lan", "P101", (1, 2)),  # next period
        entry("p2", "6A", "gv_lan", "P101", (2, 1)),  # next day
        entry("p3", "6A", "gv_lan", "P101", (1, 1), term="2026-2027/HK2"),  # other term
        entry("p4", "6B", "gv_minh", "P102", (1, 1)),  # same slot, nothing shared
    ]
    assert find_clashes(existing, proposed) == []


def test_teacher_room_and_class_clashes_name_both_entries() -> None:
    e1 = entry("e1", "6A", "gv_lan", "P101", (1, 1))
    e2 = entry("e2", "7B", "gv_minh", "P201", (3, 4))
    p_teacher = entry("p1", "6B", "gv_lan", "P102", (1, 1))
    p_room = entry("p2", "8C", "gv_hoa", "P201", (3, 4))
    p_class = entry("p3", "6A", "gv_tuan", None, (1, 1), subject="VAN")
    clashes = find_clashes([e1, e2], [p_teacher, p_room, p_class])
    assert clashes == [
        Clash(ClashKind.TEACHER, "gv_lan", e1, p_teacher),
        Clash(ClashKind.CLASS, "6A", e1, p_class),
        Clash(ClashKind.ROOM, "P201", e2, p_room),
    ]


def test_one_pair_can_clash_on_several_resources_and_proposed_entries_clash_together() -> None:
    p1 = entry("p1", "9A", "gv_lan", "LAB", (5, 3))
    p2 = entry("p2", "9A", "gv_lan", "LAB", (5, 3))
    p3 = entry("p3", "9B", "gv_lan", None, (5, 3))
    assert find_clashes([], [p1, p2, p3]) == [
        Clash(ClashKind.TEACHER, "gv_lan", p1, p2),
        Clash(ClashKind.TEACHER, "gv_lan", p1, p3),
        Clash(ClashKind.TEACHER, "gv_lan", p2, p3),
        Clash(ClashKind.ROOM, "LAB", p1, p2),
        Clash(ClashKind.CLASS, "9A", p1, p2),
    ]


def test_existing_clashes_are_not_reported_again() -> None:
    e1 = entry("e1", "6A", "gv_lan", None, (2, 2))
    e2 = entry("e2", "6B", "gv_lan", None, (2, 2))
    assert find_clashes([e1, e2], []) == []
    p = entry("p", "6C", "gv_lan", None, (2, 2))
    assert find_clashes([e1, e2], [p]) == [
        Clash(ClashKind.TEACHER, "gv_lan", e1, p),
        Clash(ClashKind.TEACHER, "gv_lan", e2, p),
    ]


def test_editing_an_entry_replaces_its_stored_version() -> None:
    stored = entry("e1", "6A", "gv_lan", "P101", (1, 1))
    moved_room = entry("e1", "6A", "gv_lan", "P105", (1, 1))
    assert find_clashes([stored], [moved_room]) == []
    other = entry("e2", "6B", "gv_minh", "P105", (1, 1))
    assert find_clashes([stored, other], [moved_room]) == [
        Clash(ClashKind.ROOM, "P105", other, moved_room)
    ]


def test_entries_without_teacher_or_room_never_clash_on_them() -> None:
    flag_ceremony_a = entry("a", "6A", None, None, (1, 1), subject="CHAO_CO")
    flag_ceremony_b = entry("b", "6B", None, None, (1, 1), subject="CHAO_CO")
    assert find_clashes([flag_ceremony_a], [flag_ceremony_b]) == []


def test_duplicate_proposed_ids_are_rejected() -> None:
    with pytest.raises(InvalidTimetableEntry, match="duplicate"):
        find_clashes(
            [], [entry("p", "6A", None, None, (1, 1)), entry("p", "6B", None, None, (1, 2))]
        )


def test_teacher_week() -> None:
    entries = [
        entry("a", "6A", "gv_lan", "P1", (3, 2)),
        entry("b", "7A", "gv_lan", "P1", (1, 4)),
        entry("c", "6B", "gv_lan", "P1", (1, 1)),
        entry("d", "6B", "gv_minh", "P1", (1, 2)),  # someone else
        entry("e", "8A", "gv_lan", "P1", (1, 1), term="2026-2027/HK2"),  # other term
        entry("f", "9A", "gv_lan", "P2", (7, 1)),  # Sunday make-up lesson
        entry("g", "6A", "gv_lan", "P3", (1, 1)),  # a clash shows as two entries in period 1
    ]
    by_id = {e.id: e for e in entries}
    assert teacher_week(entries, "gv_lan", HK1) == TeacherWeek(
        teacher_id="gv_lan",
        term=HK1,
        days=(
            DayView(1, "Thứ 2", (by_id["g"], by_id["c"], by_id["b"])),
            DayView(3, "Thứ 4", (by_id["a"],)),
            DayView(7, "Chủ nhật", (by_id["f"],)),
        ),
        periods_per_week=5,
    )
    assert teacher_week(entries, "gv_nobody", HK1) == TeacherWeek("gv_nobody", HK1, (), 0)
