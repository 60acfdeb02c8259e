"""THCS/THPT grading under Thông tư 22/2021/TT-BGDĐT: subject results, levels, promotion, awards.

Pure functions over ``Decimal`` scores for THCS and THPT (grades 6-12); the thresholds come from a
``Tt22RuleSet`` (``schoolhub.workspace.grading_rules``) chosen by school year and grade. Invariants:

* Scores are ``Decimal`` (or ``int``) in [0, 10] with at most one decimal place (Điều 5 khoản 3).
  Floats are rejected: ``round(8.25, 1) == 8.2`` in binary floating point, the schools'
  answer is 8.3.
* ĐTBmhk = (ΣTX + 2·GK + 3·CK) / (nTX + 5) and ĐTBmcn = (HK1 + 2·HK2) / 3 (Điều 9 khoản 1 điểm b),
  rounded half-up to one decimal place ([unconfirmed] rounding mode, DOMAIN §1.1.4). ĐTBmcn uses the
  *recorded* (rounded) semester averages. Division is exact or carried to 50 significant digits
  before the single rounding step, so a value can never be pushed across a .x5 boundary by an
  intermediate rounding.
* A missing required assessment yields ``Incomplete``, never a smaller denominator or a guessed 0:
  the circular has no rule for missed assessments (DOMAIN §1.1.3), so the record is blocked.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Context, Decimal

from schoolhub.workspace.grading_rules import (
    Award,
    CommentResult,
    Incomplete,
    Level,
    PromotionOutcome,
    ScoreOutOfRange,
    ScorePrecision,
    ScoreType,
    SubjectKind,
    SubjectSpec,
    TooManyAssessments,
    Tt22RuleSet,
)

__all__ = [
    "Award",
    "CommentSemester",
    "CommentSubjectResult",
    "LearningLevelResult",
    "PromotionDecision",
    "PromotionOutcome",
    "ScoredSemester",
    "ScoredSubjectResult",
    "SubjectResult",
    "award",
    "comment_semester_result",
    "comment_year_result",
    "conduct_year_level",
    "learning_level",
    "promotion_decision",
    "reassessment_subjects",
    "required_regular_count",
    "round_score",
    "semester_average",
    "validate_score",
    "year_average",
]


def validate_score(value: Decimal | int, rules: Tt22RuleSet) -> Decimal:
    """Check one recorded score and return it quantised to one decimal place.

    Raises ``ScoreType`` for float/bool/str, ``ScoreOutOfRange`` outside [0, 10] (and for NaN or
    infinities), ``ScorePrecision`` for more than one significant decimal place (``8.50`` is fine,
    ``8.25`` is not: a recorded score has already been rounded).
    """
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise ScoreType(f"score must be Decimal or int, got {type(value).__name__}", value=value)
    score = Decimal(value)
    if not score.is_finite() or not rules.score_min <= score <= rules.score_max:
        raise ScoreOutOfRange(
            f"score {value} outside [{rules.score_min}, {rules.score_max}]", value=value
        )
    quantised = score.quantize(rules.score_quantum)
    if quantised != score:
        raise ScorePrecision(f"score {value} has more than one decimal place", value=value)
    return quantised


def round_score(value: Decimal, rules: Tt22RuleSet) -> Decimal:
    """Round a computed average to one decimal place with the rule set's mode (half-up)."""
    return value.quantize(rules.score_quantum, rounding=rules.rounding)


_DIVISION = Context(prec=50)  # exact enough for any weighted mean of one-decimal scores


def _divide(numerator: Decimal, denominator: int, rules: Tt22RuleSet) -> Decimal:
    # An explicit context instead of ``localcontext()``: same result, no per-call context copy
    # (a class grade sheet divides ~1,000 times).
    return round_score(_DIVISION.divide(numerator, Decimal(denominator)), rules)


def required_regular_count(subject: SubjectSpec, rules: Tt22RuleSet) -> int:
    """Number of regular assessments (ĐĐGtx) per semester, Điều 6 khoản 2.

    Comment subjects: 2. Scored: <= 35 periods/year -> 2, 36..70 -> 3, > 70 -> 4. A THPT topic
    cluster adds one (its result counts as one ĐĐGtx of the subject).
    """
    if subject.periods_per_year < 0:
        raise ValueError("periods_per_year must be >= 0")
    if subject.kind is SubjectKind.COMMENT:
        base = rules.comment_regular_count
    else:
        base = next(
            (n for limit, n in rules.regular_count_bands if subject.periods_per_year <= limit),
            rules.regular_count_above,
        )
    return base + (rules.topic_cluster_regular_count if subject.has_topic_cluster else 0)


@dataclass(frozen=True)
class ScoredSemester:
    """The recorded scores of one scored subject in one semester; ``None`` = not yet recorded."""

    regular: tuple[Decimal, ...]
    midterm: Decimal | None
    final: Decimal | None


def semester_average(
    scores: ScoredSemester, required_regular: int, rules: Tt22RuleSet
) -> Decimal | Incomplete:
    """ĐTBmhk = (ΣTX + 2·GK + 3·CK) / (nTX + 5), or ``Incomplete`` naming the missing slots.

    ``required_regular`` comes from ``required_regular_count``. More regular scores than required
    raises ``TooManyAssessments``: the teacher *chooses* which results to record (Điều 6 khoản 2).
    """
    if len(scores.regular) > required_regular:
        raise TooManyAssessments(
            f"{len(scores.regular)} regular scores recorded, {required_regular} required",
            value=len(scores.regular),
        )
    regular = [validate_score(s, rules) for s in scores.regular]
    midterm = None if scores.midterm is None else validate_score(scores.midterm, rules)
    final = None if scores.final is None else validate_score(scores.final, rules)
    missing = [f"TX{i}" for i in range(len(regular) + 1, required_regular + 1)]
    if midterm is None:
        missing.append("GK")
    if final is None:
        missing.append("CK")
    if missing or midterm is None or final is None:
        return Incomplete(tuple(missing))
    total = sum(regular, Decimal(0)) + rules.midterm_weight * midterm + rules.final_weight * final
    return _divide(total, required_regular + rules.midterm_weight + rules.final_weight, rules)


def year_average(
    hk1: Decimal | Incomplete, hk2: Decimal | Incomplete, rules: Tt22RuleSet
) -> Decimal | Incomplete:
    """ĐTBmcn = (HK1 + 2·HK2) / 3 from the recorded (rounded) semester averages."""
    missing: list[str] = []
    for name, value in (("HK1", hk1), ("HK2", hk2)):
        if isinstance(value, Incomplete):
            missing.append(name)
    if missing or isinstance(hk1, Incomplete) or isinstance(hk2, Incomplete):
        return Incomplete(tuple(missing))
    total = rules.hk1_weight * validate_score(hk1, rules) + rules.hk2_weight * validate_score(
        hk2, rules
    )
    return _divide(total, rules.hk1_weight + rules.hk2_weight, rules)


@dataclass(frozen=True)
class CommentSemester:
    """Đạt/Chưa đạt ratings of one comment subject in one semester; ``None`` = not yet rated."""

    regular: tuple[CommentResult, ...]
    midterm: CommentResult | None
    final: CommentResult | None


def comment_semester_result(
    ratings: CommentSemester, required_regular: int
) -> CommentResult | Incomplete:
    """Điều 9 khoản 1 điểm a: Đạt iff every required assessment exists and all are Đạt.

    The text makes a missing assessment "Chưa đạt"; we return ``Incomplete`` instead so the school
    can hold the make-up assessment first (make-up handling is [unconfirmed], DOMAIN §1.1.3). Once
    the school confirms that no make-up will happen, it records the missing rating as Chưa đạt.
    """
    if len(ratings.regular) > required_regular:
        raise TooManyAssessments(
            f"{len(ratings.regular)} regular ratings recorded, {required_regular} required",
            value=len(ratings.regular),
        )
    missing = [f"TX{i}" for i in range(len(ratings.regular) + 1, required_regular + 1)]
    if ratings.midterm is None:
        missing.append("GK")
    if ratings.final is None:
        missing.append("CK")
    if missing:
        return Incomplete(tuple(missing))
    every = (*ratings.regular, ratings.midterm, ratings.final)
    return (
        CommentResult.DAT if all(r is CommentResult.DAT for r in every) else CommentResult.CHUA_DAT
    )


def comment_year_result(semester_2: CommentResult | Incomplete) -> CommentResult | Incomplete:
    """Điều 9 khoản 1 điểm a: the year result of a comment subject is its semester II result."""
    if isinstance(semester_2, Incomplete):
        return Incomplete(("HK2",))
    return semester_2


@dataclass(frozen=True)
class ScoredSubjectResult:
    """A scored subject's ĐTBmhk (semester) or ĐTBmcn (year), or ``Incomplete``."""

    code: str
    average: Decimal | Incomplete


@dataclass(frozen=True)
class CommentSubjectResult:
    code: str
    result: CommentResult | Incomplete


SubjectResult = ScoredSubjectResult | CommentSubjectResult


@dataclass(frozen=True)
class LearningLevelResult:
    """Semester or year learning level (Điều 9 khoản 2, 3).

    ``base_level`` is the table result; ``level`` is after the one-subject adjustment, which names
    the subject in ``adjusted_for``. ``manual_review`` carries reasons a human must look at it:
    ``"FEWER_THAN_MIN_SCORED_SUBJECTS"`` (exemptions, disabled students: Điều 11, 12 khoản 4) and
    ``"ONE_SUBJECT_ADJUSTMENT"`` (Điều 9 khoản 3 wording [unconfirmed]: for legal review).
    """

    level: Level
    base_level: Level
    adjusted_for: str | None
    manual_review: tuple[str, ...]


def _table_level(
    averages: Sequence[Decimal], comments: Sequence[CommentResult], rules: Tt22RuleSet
) -> Level:
    fails = sum(1 for c in comments if c is CommentResult.CHUA_DAT)
    need = rules.min_subject_count

    def count(at_least: Decimal) -> int:
        return sum(1 for a in averages if a >= at_least)

    if (
        fails == 0
        and all(a >= rules.tot_floor for a in averages)
        and count(rules.tot_count_min) >= need
    ):
        return Level.TOT
    if (
        fails == 0
        and all(a >= rules.kha_floor for a in averages)
        and count(rules.kha_count_min) >= need
    ):
        return Level.KHA
    if (
        fails <= rules.dat_max_comment_fails
        and count(rules.dat_count_min) >= need
        and all(a >= rules.dat_floor_exclusive for a in averages)
    ):
        return Level.DAT
    return Level.CHUA_DAT


def learning_level(
    subjects: Sequence[SubjectResult], rules: Tt22RuleSet
) -> LearningLevelResult | Incomplete:
    """Tốt/Khá/Đạt/Chưa đạt from per-subject results (there is no overall GPA under TT22).

    Pass semester results (ĐTBmhk, semester comment results) for a semester level and year results
    (ĐTBmcn, year comment results) for the year level. Any ``Incomplete`` subject -> ``Incomplete``
    naming those subject codes.

    One-subject adjustment (Điều 9 khoản 3, [S] only, FLAGGED FOR LEGAL REVIEW): recompute the table
    level leaving out each subject in turn; if leaving out one subject lifts the level by two or
    more, the drop is "only because of one subject" and the result is raised to the adjacent level
    (one above the table level, as under the predecessor TT58/2011).
    """
    incomplete = tuple(
        s.code
        for s in subjects
        if isinstance(s.average if isinstance(s, ScoredSubjectResult) else s.result, Incomplete)
    )
    if incomplete:
        return Incomplete(incomplete)
    entries: list[tuple[str, Decimal | CommentResult]] = []
    for s in subjects:
        value = s.average if isinstance(s, ScoredSubjectResult) else s.result
        assert not isinstance(value, Incomplete)
        entries.append((s.code, value))

    def level_of(items: Sequence[tuple[str, Decimal | CommentResult]]) -> Level:
        averages = [v for _, v in items if isinstance(v, Decimal)]
        comments = [v for _, v in items if isinstance(v, CommentResult)]
        return _table_level(averages, comments, rules)

    base = level_of(entries)
    review: list[str] = []
    if sum(1 for _, v in entries if isinstance(v, Decimal)) < rules.min_subject_count:
        review.append("FEWER_THAN_MIN_SCORED_SUBJECTS")
    adjusted_for: str | None = None
    level = base
    if rules.one_subject_adjustment and base is not Level.TOT:
        for i, (code, _) in enumerate(entries):
            without = level_of(entries[:i] + entries[i + 1 :])
            if without.rank - base.rank >= 2:
                adjusted_for = code
                level = Level.from_rank(base.rank + 1)
                review.append("ONE_SUBJECT_ADJUSTMENT")
                break
    return LearningLevelResult(level, base, adjusted_for, tuple(review))


def conduct_year_level(hk1: Level, hk2: Level, rules: Tt22RuleSet) -> Level:
    """Year conduct from the two semester levels (Điều 8, table DOMAIN §1.1.6)."""
    return rules.conduct_year_table[(hk1, hk2)]


@dataclass(frozen=True)
class PromotionDecision:
    outcome: PromotionOutcome
    reasons: tuple[str, ...]


def promotion_decision(
    conduct_year: Level,
    learning_year: Level,
    absent_sessions: int,
    rules: Tt22RuleSet,
    *,
    after_summer: bool = False,
    disabled: bool = False,
) -> PromotionDecision:
    """Điều 12-14: promotion needs conduct >= Đạt, learning >= Đạt and <= 45 absent sessions.

    Absences are sessions in the education plan at 1 per day, excused or not. Over the limit means
    repeating with no summer remediation. Otherwise conduct Chưa đạt goes to summer training first
    (the order when both fail is [unconfirmed]: re-assessment only once conduct has reached Đạt);
    conduct >= Đạt with learning Chưa đạt goes to summer re-assessment. Call again with
    ``after_summer=True`` and the post-summer levels for the final decision.
    """
    if absent_sessions < 0:
        raise ValueError("absent_sessions must be >= 0")
    if disabled:
        return PromotionDecision(PromotionOutcome.PRINCIPAL_DECIDES, ("DISABLED_STUDENT",))
    reasons: list[str] = []
    if absent_sessions > rules.max_absent_sessions:
        reasons.append("ABSENCES_OVER_LIMIT")
    if conduct_year is Level.CHUA_DAT:
        reasons.append("CONDUCT_CHUA_DAT")
    if learning_year is Level.CHUA_DAT:
        reasons.append("LEARNING_CHUA_DAT")
    if not reasons:
        return PromotionDecision(PromotionOutcome.PROMOTED, ())
    if after_summer or "ABSENCES_OVER_LIMIT" in reasons:
        return PromotionDecision(PromotionOutcome.REPEAT, tuple(reasons))
    if conduct_year is Level.CHUA_DAT:
        return PromotionDecision(PromotionOutcome.SUMMER_CONDUCT_TRAINING, tuple(reasons))
    return PromotionDecision(PromotionOutcome.SUMMER_REASSESSMENT, tuple(reasons))


def reassessment_subjects(
    year_results: Sequence[SubjectResult], rules: Tt22RuleSet
) -> tuple[str, ...]:
    """Điều 14: comment subjects Chưa đạt and scored subjects with ĐTBmcn < 5.0, in input order.

    How a re-test score replaces ĐTBmcn (1:1 or combined) is [unconfirmed]; the caller records the
    new year result and calls ``learning_level`` and ``promotion_decision(after_summer=True)``
    again.
    """
    codes: list[str] = []
    for s in year_results:
        if isinstance(s, ScoredSubjectResult):
            if isinstance(s.average, Decimal) and s.average < rules.reassessment_below:
                codes.append(s.code)
        elif s.result is CommentResult.CHUA_DAT:
            codes.append(s.code)
    return tuple(codes)


def award(
    conduct_year: Level,
    learning_year: Level,
    year_averages: Sequence[Decimal],
    rules: Tt22RuleSet,
) -> Award | None:
    """Điều 15: Giỏi = year conduct Tốt and learning Tốt; Xuất sắc also needs six ĐTBmcn >= 9.0.

    ``year_averages`` are the ĐTBmcn of the scored subjects only.
    """
    if conduct_year is not Level.TOT or learning_year is not Level.TOT:
        return None
    if sum(1 for a in year_averages if a >= rules.excellence_min) >= rules.excellence_count:
        return Award.XUAT_SAC
    return Award.GIOI
