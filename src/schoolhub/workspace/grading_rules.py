"""Grading vocabulary and versioned rule sets (Thông tư 22/2021 and Thông tư 27/2020 of BGDĐT).

Every threshold and weight used by ``schoolhub.workspace.grading`` (THCS/THPT, TT22) and
``schoolhub.workspace.grading_primary`` (tiểu học, TT27) lives in a frozen rule-set dataclass here,
never as a literal in the computation. Rule sets are effective-dated by school year (``"2025-2026"``
-> start year 2025) and by grade, because both circulars were rolled in grade by grade and a draft
amending both is in circulation (CV 4582/BGDĐT-GDPT, 2026, [unconfirmed]); an amendment becomes a
new rule set appended to the registry tuple with its own ``first_year_by_grade``, and older school
years keep computing as they did.

Source tags follow /work/shared/docs/DOMAIN.md §1: anything marked [unconfirmed] is implemented as
the best reading available and must be checked against the official text before production.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from types import MappingProxyType
from typing import ClassVar, TypeVar

__all__ = [
    "TT22_2021",
    "TT22_RULE_SETS",
    "TT27_2020",
    "TT27_RULE_SETS",
    "Award",
    "CommentResult",
    "GradingError",
    "Incomplete",
    "IncompleteAssessments",
    "Level",
    "PromotionOutcome",
    "RuleSetNotFound",
    "SchoolYearInvalid",
    "ScoreOutOfRange",
    "ScorePrecision",
    "ScoreType",
    "SubjectKind",
    "SubjectSpec",
    "TooManyAssessments",
    "Tt22RuleSet",
    "Tt27RuleSet",
    "require_complete",
    "school_year_start",
    "tt22_rules",
    "tt27_rules",
]

_T = TypeVar("_T")


class SubjectKind(StrEnum):
    """TT22 Điều 5: scored (nhận xét kết hợp điểm số) or comment-only (đánh giá bằng nhận xét)."""

    SCORED = "scored"
    COMMENT = "comment"


class CommentResult(StrEnum):
    DAT = "Đạt"
    CHUA_DAT = "Chưa đạt"


class Level(StrEnum):
    """Four-level scale shared by learning results (Điều 9) and conduct (Điều 8) under TT22."""

    TOT = "Tốt"
    KHA = "Khá"
    DAT = "Đạt"
    CHUA_DAT = "Chưa đạt"

    @property
    def rank(self) -> int:
        """3 for Tốt down to 0 for Chưa đạt; compare levels through this, never by string."""
        return _LEVEL_RANK[self]

    @classmethod
    def from_rank(cls, rank: int) -> "Level":
        return _RANK_LEVEL[max(0, min(3, rank))]


_LEVEL_RANK = {Level.TOT: 3, Level.KHA: 2, Level.DAT: 1, Level.CHUA_DAT: 0}
_RANK_LEVEL = {v: k for k, v in _LEVEL_RANK.items()}


class PromotionOutcome(StrEnum):
    """End-of-year decision under TT22 Điều 12-14."""

    PROMOTED = "promoted"  # lên lớp / hoàn thành chương trình (grade 9, 12)
    SUMMER_CONDUCT_TRAINING = "summer_conduct_training"  # Điều 13
    SUMMER_REASSESSMENT = "summer_reassessment"  # Điều 14
    REPEAT = "repeat"  # ở lại lớp (Điều 12 khoản 3)
    PRINCIPAL_DECIDES = "principal_decides"  # disabled students (Điều 12 khoản 4)


class Award(StrEnum):
    """End-of-year awards under TT22 Điều 15."""

    XUAT_SAC = "Học sinh Xuất sắc"
    GIOI = "Học sinh Giỏi"


@dataclass(frozen=True)
class SubjectSpec:
    """One subject as taught to one grade, from the school's curriculum plan.

    ``periods_per_year`` drives the number of regular assessments (Điều 6); ``has_topic_cluster``
    (THPT cụm chuyên đề học tập) adds one regular assessment per semester.
    """

    code: str
    kind: SubjectKind
    periods_per_year: int
    has_topic_cluster: bool = False


@dataclass(frozen=True)
class Incomplete:
    """A result that cannot be computed because required assessments are missing.

    TT22 has no rule for a missed assessment (make-up test? zero? DOMAIN §1.1.3 [unconfirmed]), so
    the computation is blocked and the record flagged instead of shrinking the denominator or
    guessing.
    ``missing`` names the slots, e.g. ``("TX3", "GK")`` or ``("HK2",)`` or subject codes.
    """

    missing: tuple[str, ...]
    code: str = "INCOMPLETE_ASSESSMENTS"


class GradingError(ValueError):
    """Base of grading validation errors; ``code`` is stable and safe to show to API clients."""

    code: ClassVar[str] = "GRADING_ERROR"

    def __init__(self, message: str, *, value: object = None) -> None:
        super().__init__(message)
        self.value = value


class ScoreType(GradingError):
    """A score given as float/bool/other: scores are ``Decimal`` (or ``int``) only, never binary
    floats."""

    code = "SCORE_TYPE"


class ScoreOutOfRange(GradingError):
    code = "SCORE_OUT_OF_RANGE"


class ScorePrecision(GradingError):
    """TT22: at most one decimal place (Điều 5 khoản 3). TT27: integers only."""

    code = "SCORE_PRECISION"


class IncompleteAssessments(GradingError):
    """Raised by ``require_complete`` for callers that cannot proceed with an ``Incomplete``
    (e.g. locking a học bạ page); ``value`` is the ``Incomplete``."""

    code = "INCOMPLETE_ASSESSMENTS"


def require_complete(value: _T | Incomplete) -> _T:
    """Return ``value`` unless it is ``Incomplete``, which raises ``IncompleteAssessments``."""
    if isinstance(value, Incomplete):
        raise IncompleteAssessments(f"missing assessments: {', '.join(value.missing)}", value=value)
    return value


class TooManyAssessments(GradingError):
    code = "TOO_MANY_ASSESSMENTS"


class RuleSetNotFound(GradingError):
    code = "RULESET_NOT_FOUND"


class SchoolYearInvalid(GradingError):
    code = "SCHOOL_YEAR_INVALID"


def school_year_start(school_year: str) -> int:
    """``"2025-2026"`` -> 2025. Rejects anything that is not two consecutive four-digit years."""
    parts = school_year.strip().split("-")
    if (
        len(parts) != 2
        or not all(len(p) == 4 and p.isascii() and p.isdigit() for p in parts)
        or int(parts[1]) != int(parts[0]) + 1
    ):
        raise SchoolYearInvalid(f"not a school year: {school_year!r}", value=school_year)
    return int(parts[0])


def _frozen(mapping: Mapping[int, int]) -> Mapping[int, int]:
    return MappingProxyType(dict(mapping))


@dataclass(frozen=True, eq=False)  # identity eq/hash: usable as a cache key
class Tt22RuleSet:
    """Thresholds of Thông tư 22/2021/TT-BGDĐT (THCS, THPT). Field comments give the article."""

    id: str
    # Rollout (DOMAIN §0): grade 6 in 2021-22; 7, 10 in 2022-23; 8, 11 in 2023-24; 9, 12 in 2024-25.
    first_year_by_grade: Mapping[int, int]
    last_year: int | None = None  # last school-year start this set applies to; None = open-ended
    # Điều 5 khoản 3: 10-point scale, integer or one decimal place "sau khi làm tròn số".
    score_min: Decimal = Decimal(0)
    score_max: Decimal = Decimal(10)
    score_quantum: Decimal = Decimal("0.1")
    # [unconfirmed as a legal requirement] the text says only "làm tròn số"; practice is half-up.
    rounding: str = ROUND_HALF_UP
    # Điều 6 khoản 2: (max periods/year, ĐĐGtx per semester) bands, checked in order; above the last
    # band -> ``regular_count_above``. "35 tiết" is read as "<= 35" [interpretation, DOMAIN §1.1.2].
    regular_count_bands: tuple[tuple[int, int], ...] = ((35, 2), (70, 3))
    regular_count_above: int = 4
    comment_regular_count: int = 2
    topic_cluster_regular_count: int = 1
    # Điều 9 khoản 1 điểm b (formula [S], four sources agree).
    midterm_weight: int = 2
    final_weight: int = 3
    hk1_weight: int = 1
    hk2_weight: int = 2
    # Điều 9 khoản 2 (table DOMAIN §1.1.5).
    min_subject_count: int = 6
    tot_floor: Decimal = Decimal("6.5")
    tot_count_min: Decimal = Decimal("8.0")
    kha_floor: Decimal = Decimal("5.0")
    kha_count_min: Decimal = Decimal("6.5")
    dat_count_min: Decimal = Decimal("5.0")
    dat_floor_exclusive: Decimal = Decimal("3.5")  # Đạt: no subject below 3.5
    dat_max_comment_fails: int = 1
    # Điều 9 khoản 3 one-subject adjustment: [S] third-party quote only. FLAGGED FOR LEGAL REVIEW.
    one_subject_adjustment: bool = True
    # Điều 8, year conduct from the semesters: (hk1, hk2) -> year; [P] partial, two [S] agree.
    conduct_year_table: Mapping[tuple[Level, Level], Level] = field(
        default_factory=lambda: MappingProxyType(_CONDUCT_YEAR_TABLE)
    )
    # Điều 12 khoản 1: absent sessions allowed per school year (1 per day, excused or not).
    max_absent_sessions: int = 45
    # Điều 14: scored subjects below this ĐTBmcn are re-assessed in summer.
    reassessment_below: Decimal = Decimal("5.0")
    # Điều 15: Xuất sắc needs at least this many scored subjects with ĐTBmcn >= excellence_min.
    excellence_count: int = 6
    excellence_min: Decimal = Decimal("9.0")
    # Điều 5 khoản 1 (list [P]; per-level split [S]). Codes are the platform's subject codes.
    comment_subjects_thcs: frozenset[str] = frozenset({"GDTC", "NGHE_THUAT", "NDGDDP", "HDTN_HN"})
    comment_subjects_thpt: frozenset[str] = frozenset(
        {"GDTC", "AM_NHAC", "MI_THUAT", "NDGDDP", "HDTN_HN"}
    )

    def applies_to(self, year_start: int, grade: int) -> bool:
        first = self.first_year_by_grade.get(grade)
        if first is None or year_start < first:
            return False
        return self.last_year is None or year_start <= self.last_year

    def default_kind(self, subject_code: str, grade: int) -> SubjectKind:
        """Form of assessment of a subject code at a grade (6-9 THCS, 10-12 THPT)."""
        comment = self.comment_subjects_thcs if grade <= 9 else self.comment_subjects_thpt
        return SubjectKind.COMMENT if subject_code in comment else SubjectKind.SCORED


_L = Level
_CONDUCT_YEAR_TABLE: dict[tuple[Level, Level], Level] = {
    # (HK1, HK2) -> year.   HK2 Tốt:
    (_L.TOT, _L.TOT): _L.TOT,
    (_L.KHA, _L.TOT): _L.TOT,
    (_L.DAT, _L.TOT): _L.KHA,
    (_L.CHUA_DAT, _L.TOT): _L.KHA,
    # HK2 Khá:
    (_L.TOT, _L.KHA): _L.KHA,
    (_L.KHA, _L.KHA): _L.KHA,
    (_L.DAT, _L.KHA): _L.KHA,
    (_L.CHUA_DAT, _L.KHA): _L.DAT,
    # HK2 Đạt:
    (_L.TOT, _L.DAT): _L.KHA,
    (_L.KHA, _L.DAT): _L.DAT,
    (_L.DAT, _L.DAT): _L.DAT,
    (_L.CHUA_DAT, _L.DAT): _L.DAT,
    # HK2 Chưa đạt: always Chưa đạt.
    (_L.TOT, _L.CHUA_DAT): _L.CHUA_DAT,
    (_L.KHA, _L.CHUA_DAT): _L.CHUA_DAT,
    (_L.DAT, _L.CHUA_DAT): _L.CHUA_DAT,
    (_L.CHUA_DAT, _L.CHUA_DAT): _L.CHUA_DAT,
}

TT22_2021 = Tt22RuleSet(
    id="TT22/2021",
    first_year_by_grade=_frozen({6: 2021, 7: 2022, 10: 2022, 8: 2023, 11: 2023, 9: 2024, 12: 2024}),
)
TT22_RULE_SETS: tuple[Tt22RuleSet, ...] = (TT22_2021,)


@dataclass(frozen=True, eq=False)  # identity eq/hash: usable as a cache key
class Tt27RuleSet:
    """Thresholds of Thông tư 27/2020/TT-BGDĐT (tiểu học). Field comments give the article."""

    id: str
    first_year_by_grade: Mapping[int, int]  # grade 1 in 2020-21 ... grade 5 in 2024-25
    last_year: int | None = None
    # Điều 7 khoản 1: 10-point scale, integers only; 0 allowed ("không cho điểm 0" was dropped).
    score_min: int = 0
    score_max: int = 10
    # Điều 7 khoản 1 điểm b: end-of-semester-I and end-of-year tests; subject code -> first grade
    # it is taught (Chương trình GDPT 2018; the grade bounds are [unconfirmed], DOMAIN §1.2).
    end_term_test_subjects: Mapping[str, int] = field(
        default_factory=lambda: _frozen_str(
            {
                "TIENG_VIET": 1,
                "TOAN": 1,
                "NGOAI_NGU_1": 3,
                "TIN_HOC_CONG_NGHE": 3,
                "LICH_SU_DIA_LI": 4,
                "KHOA_HOC": 4,
            }
        )
    )
    # Grades 4 and 5 only: Tiếng Việt and Toán also at mid-semester I and mid-semester II.
    midterm_test_grades: frozenset[int] = frozenset({4, 5})
    midterm_test_subjects: frozenset[str] = frozenset({"TIENG_VIET", "TOAN"})
    # Điều 9 khoản 2, minimum end-of-year test score per level.
    excellent_min_score: int = 9  # Hoàn thành xuất sắc [P]
    good_min_score: int = 7  # Hoàn thành tốt [P]
    # Hoàn thành row: [unconfirmed: not in the retrieved text]; None disables the row so every
    # student below Hoàn thành tốt becomes Chưa hoàn thành and is sent for manual review.
    pass_min_score: int | None = 5
    # Five qualities and ten competencies (3 general + 7 specific), assessed at end of HK1 and year.
    qualities: tuple[str, ...] = ("YEU_NUOC", "NHAN_AI", "CHAM_CHI", "TRUNG_THUC", "TRACH_NHIEM")
    competencies: tuple[str, ...] = (
        "TU_CHU_TU_HOC", "GIAO_TIEP_HOP_TAC", "GIAI_QUYET_VAN_DE",
        "NGON_NGU", "TINH_TOAN", "KHOA_HOC", "CONG_NGHE", "TIN_HOC", "THAM_MI", "THE_CHAT",
    )  # fmt: skip

    def applies_to(self, year_start: int, grade: int) -> bool:
        first = self.first_year_by_grade.get(grade)
        if first is None or year_start < first:
            return False
        return self.last_year is None or year_start <= self.last_year


def _frozen_str(mapping: Mapping[str, int]) -> Mapping[str, int]:
    return MappingProxyType(dict(mapping))


TT27_2020 = Tt27RuleSet(
    id="TT27/2020",
    first_year_by_grade=_frozen({1: 2020, 2: 2021, 3: 2022, 4: 2023, 5: 2024}),
)
TT27_RULE_SETS: tuple[Tt27RuleSet, ...] = (TT27_2020,)


def tt22_rules(
    school_year: str, grade: int, registry: Sequence[Tt22RuleSet] = TT22_RULE_SETS
) -> Tt22RuleSet:
    """The TT22-family rule set in force for ``grade`` in ``school_year``; later entries win."""
    start = school_year_start(school_year)
    for rules in reversed(registry):
        if rules.applies_to(start, grade):
            return rules
    raise RuleSetNotFound(
        f"no THCS/THPT rule set for grade {grade} in {school_year}", value=(school_year, grade)
    )


def tt27_rules(
    school_year: str, grade: int, registry: Sequence[Tt27RuleSet] = TT27_RULE_SETS
) -> Tt27RuleSet:
    """The TT27-family rule set in force for ``grade`` in ``school_year``; later entries win."""
    start = school_year_start(school_year)
    for rules in reversed(registry):
        if rules.applies_to(start, grade):
            return rules
    raise RuleSetNotFound(
        f"no primary rule set for grade {grade} in {school_year}", value=(school_year, grade)
    )
