"""Primary-school (tiểu học) assessment under Thông tư 27/2020/TT-BGDĐT.

Pure functions; thresholds come from a ``Tt27RuleSet`` (``schoolhub.workspace.grading_rules``).
Invariants (DOMAIN §1.2):

* Regular assessment is comment-only; periodic assessment gives each subject/activity a level
  T (Hoàn thành tốt) / H (Hoàn thành) / C (Chưa hoàn thành) at mid-HK1, end-HK1, mid-HK2 and end of
  year.
* Periodic test scores are integers 0..10 (no decimals; 0 is allowed under TT27).
* Tests exist at end-HK1 and end-of-year in Tiếng Việt, Toán, Ngoại ngữ 1, Lịch sử và Địa lí, Khoa
  học, Tin học và Công nghệ where taught in that grade; grades 4-5 also test Tiếng Việt and Toán at
  mid-HK1 and mid-HK2 (Điều 7 khoản 1).
* The end-of-year education result (Điều 9 khoản 2): the Hoàn thành xuất sắc and Hoàn thành tốt rows
  are [P]; the Hoàn thành row (every test >= 5) is [unconfirmed] and every result it decides is
  marked
  ``needs_legal_review``. There is no absence rule at primary.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from schoolhub.workspace.grading_rules import (
    Incomplete,
    ScoreOutOfRange,
    ScorePrecision,
    ScoreType,
    Tt27RuleSet,
)

__all__ = [
    "EducationResult",
    "EducationResultLevel",
    "PrimaryAward",
    "PrimaryLevel",
    "PrimaryPeriod",
    "QualityLevel",
    "completes_grade",
    "education_result",
    "periodic_test_subjects",
    "primary_award",
    "validate_primary_score",
]


class PrimaryLevel(StrEnum):
    """Periodic level of a subject or educational activity (Điều 7 khoản 1)."""

    HOAN_THANH_TOT = "T"
    HOAN_THANH = "H"
    CHUA_HOAN_THANH = "C"


class QualityLevel(StrEnum):
    """Level of a quality or competency; wording [unconfirmed] (DOMAIN §1.2)."""

    TOT = "Tốt"
    DAT = "Đạt"
    CAN_CO_GANG = "Cần cố gắng"


class PrimaryPeriod(StrEnum):
    MID_SEMESTER_1 = "GK1"
    END_SEMESTER_1 = "CK1"
    MID_SEMESTER_2 = "GK2"
    END_OF_YEAR = "CN"


class EducationResultLevel(StrEnum):
    HOAN_THANH_XUAT_SAC = "Hoàn thành xuất sắc"
    HOAN_THANH_TOT = "Hoàn thành tốt"
    HOAN_THANH = "Hoàn thành"
    CHUA_HOAN_THANH = "Chưa hoàn thành"


@dataclass(frozen=True)
class EducationResult:
    level: EducationResultLevel
    # True when the [unconfirmed] Hoàn thành row decided the level (HT, or CHT below Hoàn thành
    # tốt).
    needs_legal_review: bool


class PrimaryAward(StrEnum):
    XUAT_SAC = "Học sinh Xuất sắc"
    # Vietnamese title reconstructed from a translation: [unconfirmed wording].
    TIEU_BIEU = "Học sinh Tiêu biểu hoàn thành tốt trong học tập và rèn luyện"


def validate_primary_score(value: int | Decimal, rules: Tt27RuleSet) -> int:
    """A periodic test score: an integer in [0, 10]. ``Decimal("7.0")`` is accepted as 7."""
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise ScoreType(f"score must be int or Decimal, got {type(value).__name__}", value=value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ScoreOutOfRange(f"score {value} is not a number", value=value)
        if value != value.to_integral_value():
            raise ScorePrecision(f"primary test scores are integers, got {value}", value=value)
    score = int(value)
    if not rules.score_min <= score <= rules.score_max:
        raise ScoreOutOfRange(
            f"score {value} outside [{rules.score_min}, {rules.score_max}]", value=value
        )
    return score


def periodic_test_subjects(grade: int, period: PrimaryPeriod, rules: Tt27RuleSet) -> frozenset[str]:
    """Subject codes that have a periodic test (bài kiểm tra định kì) in ``grade`` at ``period``."""
    if not 1 <= grade <= 5:
        raise ValueError(f"primary grades are 1-5, got {grade}")
    if period in (PrimaryPeriod.END_SEMESTER_1, PrimaryPeriod.END_OF_YEAR):
        return frozenset(
            code for code, first in rules.end_term_test_subjects.items() if grade >= first
        )
    if grade in rules.midterm_test_grades:
        return rules.midterm_test_subjects
    return frozenset()


def education_result(
    grade: int,
    subject_levels: Mapping[str, PrimaryLevel],
    quality_levels: Mapping[str, QualityLevel],
    year_end_scores: Mapping[str, int],
    rules: Tt27RuleSet,
) -> EducationResult | Incomplete:
    """End-of-year education result (Điều 9 khoản 2), given by the homeroom teacher.

    ``subject_levels`` are end-of-year levels of every subject/activity taught; ``quality_levels``
    must cover the 5 qualities and 10 competencies of the rule set; ``year_end_scores`` must hold a
    score for every end-of-year test of the grade. Anything missing -> ``Incomplete`` naming it.
    """
    required_tests = periodic_test_subjects(grade, PrimaryPeriod.END_OF_YEAR, rules)
    missing = [f"TEST:{c}" for c in sorted(required_tests) if c not in year_end_scores]
    missing += [q for q in (*rules.qualities, *rules.competencies) if q not in quality_levels]
    if not subject_levels:
        missing.append("SUBJECT_LEVELS")
    if missing:
        return Incomplete(tuple(missing))
    scores = [validate_primary_score(year_end_scores[c], rules) for c in sorted(required_tests)]
    levels = set(subject_levels.values())
    formation = set(quality_levels.values())
    all_t = levels == {PrimaryLevel.HOAN_THANH_TOT}
    all_tot = formation == {QualityLevel.TOT}
    if all_t and all_tot and all(s >= rules.excellent_min_score for s in scores):
        return EducationResult(EducationResultLevel.HOAN_THANH_XUAT_SAC, needs_legal_review=False)
    if all_t and all_tot and all(s >= rules.good_min_score for s in scores):
        return EducationResult(EducationResultLevel.HOAN_THANH_TOT, needs_legal_review=False)
    if (
        rules.pass_min_score is not None
        and PrimaryLevel.CHUA_HOAN_THANH not in levels
        and QualityLevel.CAN_CO_GANG not in formation
        and all(s >= rules.pass_min_score for s in scores)
    ):
        return EducationResult(EducationResultLevel.HOAN_THANH, needs_legal_review=True)
    return EducationResult(EducationResultLevel.CHUA_HOAN_THANH, needs_legal_review=True)


def completes_grade(result: EducationResult) -> bool:
    """Điều 11: the grade is completed at Hoàn thành xuất sắc, Hoàn thành tốt or Hoàn thành.

    Otherwise the teacher plans support and an additional assessment; if it still fails the
    principal decides promotion or repetition (a human decision, not computed here).
    """
    return result.level is not EducationResultLevel.CHUA_HOAN_THANH


def primary_award(result: EducationResult, *, outstanding_recognised: bool) -> PrimaryAward | None:
    """Điều 13: Xuất sắc = Hoàn thành xuất sắc; Tiêu biểu = Hoàn thành tốt plus an outstanding
    result in a subject or clear progress in a quality/competency, recognised by the class."""
    if result.level is EducationResultLevel.HOAN_THANH_XUAT_SAC:
        return PrimaryAward.XUAT_SAC
    if result.level is EducationResultLevel.HOAN_THANH_TOT and outstanding_recognised:
        return PrimaryAward.TIEU_BIEU
    return None
