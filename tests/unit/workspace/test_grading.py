"""TT22/2021 (THCS/THPT) and TT27/2020 (primary) grading rules; DOMAIN.md §1."""

from collections.abc import Sequence
from decimal import Decimal as D
from types import MappingProxyType

import pytest

from schoolhub.workspace.grading import (
    CommentSemester,
    CommentSubjectResult,
    LearningLevelResult,
    PromotionDecision,
    ScoredSemester,
    ScoredSubjectResult,
    SubjectResult,
    award,
    comment_semester_result,
    comment_year_result,
    conduct_year_level,
    learning_level,
    promotion_decision,
    reassessment_subjects,
    required_regular_count,
    round_score,
    semester_average,
    validate_score,
    year_average,
)
from schoolhub.workspace.grading_primary import (
    EducationResult,
    EducationResultLevel,
    PrimaryAward,
    PrimaryLevel,
    PrimaryPeriod,
    QualityLevel,
    completes_grade,
    education_result,
    periodic_test_subjects,
    primary_award,
    validate_primary_score,
)
from schoolhub.workspace.grading_rules import (
    TT22_2021,
    TT27_2020,
    Award,
    CommentResult,
    Incomplete,
    IncompleteAssessments,
    Level,
    PromotionOutcome,
    RuleSetNotFound,
    SchoolYearInvalid,
    ScoreOutOfRange,
    ScorePrecision,
    ScoreType,
    SubjectKind,
    SubjectSpec,
    TooManyAssessments,
    Tt22RuleSet,
    require_complete,
    school_year_start,
    tt22_rules,
    tt27_rules,
)

R = TT22_2021
DAT, CD = CommentResult.DAT, CommentResult.CHUA_DAT


# ---------------------------------------------------------------- rule sets, school years


def test_school_year_start() -> None:
    assert school_year_start("2025-2026") == 2025
    assert school_year_start(" 2024-2025 ") == 2024
    for bad in ("2025-2027", "2025", "25-26", "2025/2026", "abcd-efgh"):
        with pytest.raises(SchoolYearInvalid) as info:
            school_year_start(bad)
        assert info.value.code == "SCHOOL_YEAR_INVALID"


@pytest.mark.parametrize(
    ("school_year", "grade", "in_force"),
    [
        ("2021-2022", 6, True),
        ("2021-2022", 7, False),  # grade 7 only from 2022-23
        ("2022-2023", 10, True),
        ("2023-2024", 12, False),
        ("2024-2025", 12, True),
        ("2025-2026", 9, True),
        ("2025-2026", 5, False),  # primary is TT27
    ],
)
def test_tt22_rollout_by_grade(school_year: str, grade: int, in_force: bool) -> None:
    if in_force:
        assert tt22_rules(school_year, grade) is TT22_2021
    else:
        with pytest.raises(RuleSetNotFound) as info:
            tt22_rules(school_year, grade)
        assert info.value.code == "RULESET_NOT_FOUND"


def test_later_rule_set_wins_from_its_effective_year() -> None:
    amended = Tt22RuleSet(
        id="TT22-amended", first_year_by_grade=MappingProxyType({6: 2027}), max_absent_sessions=40
    )
    registry = (TT22_2021, amended)
    assert tt22_rules("2026-2027", 6, registry) is TT22_2021
    assert tt22_rules("2027-2028", 6, registry) is amended
    assert tt22_rules("2027-2028", 7, registry) is TT22_2021


def test_tt27_rollout() -> None:
    assert tt27_rules("2020-2021", 1) is TT27_2020
    assert tt27_rules("2025-2026", 5) is TT27_2020
    with pytest.raises(RuleSetNotFound):
        tt27_rules("2023-2024", 5)  # grade 5 only from 2024-25
    with pytest.raises(RuleSetNotFound):
        tt27_rules("2025-2026", 6)


def test_default_subject_kind_per_level() -> None:
    assert R.default_kind("GDTC", 7) is SubjectKind.COMMENT
    assert R.default_kind("NGHE_THUAT", 8) is SubjectKind.COMMENT
    assert R.default_kind("AM_NHAC", 11) is SubjectKind.COMMENT
    assert R.default_kind("NGHE_THUAT", 11) is SubjectKind.SCORED  # THPT splits it in two
    assert R.default_kind("GDQPAN", 10) is SubjectKind.SCORED
    assert R.default_kind("TOAN", 6) is SubjectKind.SCORED


# ---------------------------------------------------------------- score validation


def test_validate_score_accepts_integers_and_one_decimal() -> None:
    assert validate_score(D("8"), R) == D("8.0")
    assert validate_score(8, R) == D("8.0")
    assert validate_score(D("0"), R) == D("0.0")
    assert validate_score(D("10"), R) == D("10.0")
    assert validate_score(D("7.5"), R) == D("7.5")
    assert validate_score(D("8.50"), R) == D("8.5")
    assert str(validate_score(D("9"), R)) == "9.0"


@pytest.mark.parametrize(
    ("value", "error", "code"),
    [
        (D("10.1"), ScoreOutOfRange, "SCORE_OUT_OF_RANGE"),
        (D("-0.5"), ScoreOutOfRange, "SCORE_OUT_OF_RANGE"),
        (11, ScoreOutOfRange, "SCORE_OUT_OF_RANGE"),
        (D("NaN"), ScoreOutOfRange, "SCORE_OUT_OF_RANGE"),
        (D("Infinity"), ScoreOutOfRange, "SCORE_OUT_OF_RANGE"),
        (D("8.25"), ScorePrecision, "SCORE_PRECISION"),
        (D("7.05"), ScorePrecision, "SCORE_PRECISION"),
        (8.5, ScoreType, "SCORE_TYPE"),
        ("8.5", ScoreType, "SCORE_TYPE"),
        (True, ScoreType, "SCORE_TYPE"),
    ],
)
def test_validate_score_rejects(value: object, error: type[Exception], code: str) -> None:
    with pytest.raises(error) as info:
        validate_score(value, R)  # type: ignore[arg-type]
    assert info.value.code == code  # type: ignore[attr-defined]


def test_round_score_is_half_up_not_bankers_nor_float() -> None:
    assert round(8.25, 1) == 8.2  # the float trap the rule set avoids
    assert round_score(D("8.25"), R) == D("8.3")
    assert round_score(D("8.35"), R) == D("8.4")
    assert round_score(D("8.249999"), R) == D("8.2")
    assert round_score(D("7.45"), R) == D("7.5")


# ---------------------------------------------------------------- regular assessment count


@pytest.mark.parametrize(
    ("periods", "kind", "cluster", "expected"),
    [
        (35, SubjectKind.SCORED, False, 2),
        (20, SubjectKind.SCORED, False, 2),
        (36, SubjectKind.SCORED, False, 3),
        (70, SubjectKind.SCORED, False, 3),
        (71, SubjectKind.SCORED, False, 4),
        (140, SubjectKind.SCORED, False, 4),
        (105, SubjectKind.SCORED, True, 5),  # THPT topic cluster counts as one more ĐĐGtx
        (35, SubjectKind.COMMENT, False, 2),
        (105, SubjectKind.COMMENT, False, 2),
        (70, SubjectKind.COMMENT, True, 3),
    ],
)
def test_required_regular_count(
    periods: int, kind: SubjectKind, cluster: bool, expected: int
) -> None:
    spec = SubjectSpec(code="X", kind=kind, periods_per_year=periods, has_topic_cluster=cluster)
    assert required_regular_count(spec, R) == expected


# ---------------------------------------------------------------- ĐTBmhk, ĐTBmcn


def test_worked_example_semester_average() -> None:
    scores = ScoredSemester(regular=(D(8), D(9), D(7)), midterm=D(6), final=D(8))
    assert semester_average(scores, 3, R) == D("7.5")


def test_worked_example_year_average() -> None:
    assert year_average(D("7.5"), D("8.1"), R) == D("7.9")


def test_half_up_rounding_of_semester_average() -> None:
    # (9 + 8 + 7 + 2*9 + 3*8) / 8 = 66 / 8 = 8.25 -> 8.3
    scores = ScoredSemester(regular=(D(9), D(8), D(7)), midterm=D(9), final=D(8))
    assert semester_average(scores, 3, R) == D("8.3")


def test_repeating_decimal_is_rounded_once() -> None:
    # (7.5 + 8 + 2*7 + 3*9) / 7 = 56.5 / 7 = 8.0714... -> 8.1
    scores = ScoredSemester(regular=(D("7.5"), D(8)), midterm=D(7), final=D(9))
    assert semester_average(scores, 2, R) == D("8.1")
    # (6.0 + 2*6.5) / 3 = 6.333... -> 6.3 ; (6.1 + 2*6.2) / 3 = 6.1666... -> 6.2
    assert year_average(D("6.0"), D("6.5"), R) == D("6.3")
    assert year_average(D("6.1"), D("6.2"), R) == D("6.2")


def test_missing_scores_are_incomplete_never_a_smaller_denominator() -> None:
    scores = ScoredSemester(regular=(D(8), D(9)), midterm=D(6), final=None)
    assert semester_average(scores, 3, R) == Incomplete(("TX3", "CK"))
    only_gk = ScoredSemester(regular=(), midterm=None, final=D(8))
    assert semester_average(only_gk, 2, R) == Incomplete(("TX1", "TX2", "GK"))
    assert Incomplete(("GK",)).code == "INCOMPLETE_ASSESSMENTS"


def test_require_complete() -> None:
    assert require_complete(D("7.5")) == D("7.5")
    with pytest.raises(IncompleteAssessments) as info:
        require_complete(Incomplete(("TX3", "CK")))
    assert info.value.code == "INCOMPLETE_ASSESSMENTS"
    assert str(info.value) == "missing assessments: TX3, CK"
    assert info.value.value == Incomplete(("TX3", "CK"))


def test_too_many_regular_scores_is_an_error() -> None:
    scores = ScoredSemester(regular=(D(8), D(9), D(7)), midterm=D(6), final=D(8))
    with pytest.raises(TooManyAssessments) as info:
        semester_average(scores, 2, R)
    assert info.value.code == "TOO_MANY_ASSESSMENTS"


def test_invalid_score_inside_semester_raises() -> None:
    scores = ScoredSemester(regular=(D("8.25"), D(9)), midterm=D(6), final=D(8))
    with pytest.raises(ScorePrecision):
        semester_average(scores, 2, R)


def test_year_average_incomplete_and_unrounded_input() -> None:
    assert year_average(Incomplete(("CK",)), D("8.1"), R) == Incomplete(("HK1",))
    assert year_average(Incomplete(("CK",)), Incomplete(("GK",)), R) == Incomplete(("HK1", "HK2"))
    with pytest.raises(ScorePrecision):
        year_average(D("7.55"), D("8.1"), R)  # semester values must be the recorded ones


# ---------------------------------------------------------------- comment subjects


def test_comment_semester_result() -> None:
    assert comment_semester_result(CommentSemester((DAT, DAT), DAT, DAT), 2) is DAT
    assert comment_semester_result(CommentSemester((DAT, CD), DAT, DAT), 2) is CD
    assert comment_semester_result(CommentSemester((DAT, DAT), DAT, CD), 2) is CD
    assert comment_semester_result(CommentSemester((DAT,), None, DAT), 2) == Incomplete(
        ("TX2", "GK")
    )
    with pytest.raises(TooManyAssessments):
        comment_semester_result(CommentSemester((DAT, DAT, DAT), DAT, DAT), 2)


def test_comment_year_result_is_semester_two() -> None:
    assert comment_year_result(DAT) is DAT
    assert comment_year_result(CD) is CD
    assert comment_year_result(Incomplete(("GK",))) == Incomplete(("HK2",))


# ---------------------------------------------------------------- learning level


def scored(*averages: str) -> list[ScoredSubjectResult]:
    return [ScoredSubjectResult(f"S{i}", D(a)) for i, a in enumerate(averages, start=1)]


def comments(*results: CommentResult) -> list[CommentSubjectResult]:
    return [CommentSubjectResult(f"C{i}", r) for i, r in enumerate(results, start=1)]


def level_of(subjects: Sequence[SubjectResult]) -> LearningLevelResult:
    result = learning_level(subjects, R)
    assert isinstance(result, LearningLevelResult)
    return result


def test_tot_needs_all_at_least_6_5_and_six_at_least_8() -> None:
    eight = scored("8.0", "8.0", "8.0", "8.0", "8.0", "8.0", "6.5", "7.0")
    assert level_of([*eight, *comments(DAT, DAT)]) == LearningLevelResult(
        Level.TOT, Level.TOT, None, ()
    )
    five_eights = scored("8.0", "8.0", "8.0", "8.0", "8.0", "7.9", "6.5", "7.0")
    assert level_of(five_eights).level is Level.KHA


def test_kha_and_dat_thresholds() -> None:
    assert level_of(scored("6.5", "6.5", "6.5", "6.5", "6.5", "6.5", "5.0", "5.0")).level is (
        Level.KHA
    )
    # one subject at 4.9 breaks Khá (every ĐTBm >= 5.0) but Đạt holds.
    assert level_of(scored("6.5", "6.5", "6.5", "6.5", "6.5", "6.5", "5.0", "4.9")).level is (
        Level.DAT
    )
    assert level_of(scored("5.0", "5.0", "5.0", "5.0", "5.0", "5.0", "3.5", "4.0")).level is (
        Level.DAT
    )


def test_comment_failure_caps_at_dat_and_two_failures_are_chua_dat() -> None:
    strong = scored("9.0", "9.0", "9.0", "9.0", "9.0", "9.0", "9.0", "9.0")
    one_fail = level_of([*strong, *comments(DAT, CD)])
    assert (one_fail.base_level, one_fail.level) == (Level.DAT, Level.KHA)  # adjusted, see below
    assert one_fail.adjusted_for == "C2"
    two_fails = level_of([*strong, *comments(CD, CD)])
    assert two_fails == LearningLevelResult(Level.CHUA_DAT, Level.CHUA_DAT, None, ())


def test_one_subject_adjustment_raises_two_level_drop_by_one() -> None:
    # Without S8 (3.4) the student is Tốt; with it, Chưa đạt (a subject < 3.5): drop of 3 levels.
    subjects = scored("8.5", "8.5", "8.0", "8.0", "8.0", "8.0", "7.0", "3.4")
    result = level_of([*subjects, *comments(DAT, DAT)])
    assert result == LearningLevelResult(
        level=Level.DAT,
        base_level=Level.CHUA_DAT,
        adjusted_for="S8",
        manual_review=("ONE_SUBJECT_ADJUSTMENT",),
    )


def test_one_level_drop_is_not_adjusted() -> None:
    # Without S8 Tốt; with S8 = 6.0 only Khá: one level, no adjustment.
    result = level_of(scored("8.5", "8.5", "8.0", "8.0", "8.0", "8.0", "7.0", "6.0"))
    assert (result.level, result.adjusted_for) == (Level.KHA, None)


def test_two_weak_subjects_are_not_one_subject() -> None:
    result = level_of(scored("8.5", "8.5", "8.0", "8.0", "8.0", "8.0", "3.0", "3.4"))
    assert result == LearningLevelResult(Level.CHUA_DAT, Level.CHUA_DAT, None, ())


def test_adjustment_can_be_switched_off_by_rule_set() -> None:
    rules = Tt22RuleSet(id="no-adj", first_year_by_grade={}, one_subject_adjustment=False)
    subjects = scored("8.5", "8.5", "8.0", "8.0", "8.0", "8.0", "7.0", "3.4")
    result = learning_level(subjects, rules)
    assert isinstance(result, LearningLevelResult)
    assert result.level is Level.CHUA_DAT


def test_fewer_than_six_scored_subjects_flags_manual_review() -> None:
    result = level_of(scored("9.0", "9.0", "9.0", "9.0", "9.0"))
    assert result.level is Level.CHUA_DAT
    assert result.manual_review == ("FEWER_THAN_MIN_SCORED_SUBJECTS",)


def test_learning_level_incomplete_names_the_subjects() -> None:
    subjects: list[SubjectResult] = [
        *scored("8.0", "8.0"),
        ScoredSubjectResult("TOAN", Incomplete(("CK",))),
        CommentSubjectResult("GDTC", Incomplete(("GK",))),
    ]
    assert learning_level(subjects, R) == Incomplete(("TOAN", "GDTC"))


# ---------------------------------------------------------------- conduct


T, K, Dt, C = Level.TOT, Level.KHA, Level.DAT, Level.CHUA_DAT


@pytest.mark.parametrize(
    ("hk1", "hk2", "year"),
    [
        (T, T, T), (K, T, T), (Dt, T, K), (C, T, K),
        (T, K, K), (K, K, K), (Dt, K, K), (C, K, Dt),
        (T, Dt, K), (K, Dt, Dt), (Dt, Dt, Dt), (C, Dt, Dt),
        (T, C, C), (K, C, C), (Dt, C, C), (C, C, C),
    ],
)  # fmt: skip
def test_conduct_year_table(hk1: Level, hk2: Level, year: Level) -> None:
    assert conduct_year_level(hk1, hk2, R) is year


def test_level_rank_helpers() -> None:
    assert [lv.rank for lv in Level] == [3, 2, 1, 0]
    assert Level.from_rank(5) is Level.TOT
    assert Level.from_rank(-1) is Level.CHUA_DAT


# ---------------------------------------------------------------- promotion


def test_promotion_decisions() -> None:
    assert promotion_decision(Dt, Dt, 45, R) == PromotionDecision(PromotionOutcome.PROMOTED, ())
    assert promotion_decision(T, T, 46, R) == PromotionDecision(
        PromotionOutcome.REPEAT, ("ABSENCES_OVER_LIMIT",)
    )
    assert promotion_decision(C, K, 3, R) == PromotionDecision(
        PromotionOutcome.SUMMER_CONDUCT_TRAINING, ("CONDUCT_CHUA_DAT",)
    )
    assert promotion_decision(K, C, 3, R) == PromotionDecision(
        PromotionOutcome.SUMMER_REASSESSMENT, ("LEARNING_CHUA_DAT",)
    )
    assert promotion_decision(C, C, 0, R) == PromotionDecision(
        PromotionOutcome.SUMMER_CONDUCT_TRAINING, ("CONDUCT_CHUA_DAT", "LEARNING_CHUA_DAT")
    )
    # Over the absence limit: no summer remediation even if conduct failed too.
    assert promotion_decision(C, Dt, 50, R) == PromotionDecision(
        PromotionOutcome.REPEAT, ("ABSENCES_OVER_LIMIT", "CONDUCT_CHUA_DAT")
    )
    assert promotion_decision(Dt, C, 10, R, after_summer=True) == PromotionDecision(
        PromotionOutcome.REPEAT, ("LEARNING_CHUA_DAT",)
    )
    assert promotion_decision(Dt, Dt, 10, R, after_summer=True).outcome is (
        PromotionOutcome.PROMOTED
    )
    assert promotion_decision(C, C, 99, R, disabled=True) == PromotionDecision(
        PromotionOutcome.PRINCIPAL_DECIDES, ("DISABLED_STUDENT",)
    )
    with pytest.raises(ValueError, match="absent_sessions"):
        promotion_decision(T, T, -1, R)


def test_reassessment_subjects() -> None:
    year: list[SubjectResult] = [
        ScoredSubjectResult("TOAN", D("4.9")),
        ScoredSubjectResult("VAN", D("5.0")),
        CommentSubjectResult("GDTC", CD),
        CommentSubjectResult("HDTN_HN", DAT),
        ScoredSubjectResult("ANH", Incomplete(("HK2",))),
    ]
    assert reassessment_subjects(year, R) == ("TOAN", "GDTC")


# ---------------------------------------------------------------- awards


def test_awards() -> None:
    six_nines = [D("9.0")] * 6 + [D("8.0"), D("7.0")]
    five_nines = [D("9.0")] * 5 + [D("8.9"), D("8.0"), D("7.0")]
    assert award(T, T, six_nines, R) is Award.XUAT_SAC
    assert award(T, T, five_nines, R) is Award.GIOI
    assert award(K, T, six_nines, R) is None
    assert award(T, K, six_nines, R) is None


# ---------------------------------------------------------------- TT27 primary


def test_primary_scores_are_integers_0_to_10() -> None:
    assert validate_primary_score(0, TT27_2020) == 0
    assert validate_primary_score(10, TT27_2020) == 10
    assert validate_primary_score(D("7.0"), TT27_2020) == 7
    with pytest.raises(ScorePrecision) as precision:
        validate_primary_score(D("7.5"), TT27_2020)
    assert precision.value.code == "SCORE_PRECISION"
    with pytest.raises(ScoreOutOfRange):
        validate_primary_score(11, TT27_2020)
    with pytest.raises(ScoreOutOfRange):
        validate_primary_score(-1, TT27_2020)
    with pytest.raises(ScoreType):
        validate_primary_score(7.0, TT27_2020)  # type: ignore[arg-type]
    with pytest.raises(ScoreOutOfRange):
        validate_primary_score(D("NaN"), TT27_2020)


P = PrimaryPeriod


@pytest.mark.parametrize(
    ("grade", "period", "expected"),
    [
        (1, P.MID_SEMESTER_1, set()),
        (1, P.END_SEMESTER_1, {"TIENG_VIET", "TOAN"}),
        (2, P.END_OF_YEAR, {"TIENG_VIET", "TOAN"}),
        (3, P.END_OF_YEAR, {"TIENG_VIET", "TOAN", "NGOAI_NGU_1", "TIN_HOC_CONG_NGHE"}),
        (3, P.MID_SEMESTER_2, set()),
        (4, P.MID_SEMESTER_1, {"TIENG_VIET", "TOAN"}),
        (5, P.MID_SEMESTER_2, {"TIENG_VIET", "TOAN"}),
        (
            5,
            P.END_OF_YEAR,
            {
                "TIENG_VIET",
                "TOAN",
                "NGOAI_NGU_1",
                "TIN_HOC_CONG_NGHE",
                "LICH_SU_DIA_LI",
                "KHOA_HOC",
            },
        ),
    ],
)
def test_periodic_tests_per_grade_and_period(
    grade: int, period: PrimaryPeriod, expected: set[str]
) -> None:
    assert periodic_test_subjects(grade, period, TT27_2020) == expected


def test_periodic_tests_reject_non_primary_grade() -> None:
    with pytest.raises(ValueError, match="primary grades"):
        periodic_test_subjects(6, P.END_OF_YEAR, TT27_2020)


def formation(level: QualityLevel, **overrides: QualityLevel) -> dict[str, QualityLevel]:
    levels = dict.fromkeys((*TT27_2020.qualities, *TT27_2020.competencies), level)
    levels.update(overrides)
    return levels


def grade2(
    subjects: PrimaryLevel,
    quality: QualityLevel,
    tv: int,
    toan: int,
    **overrides: QualityLevel,
) -> EducationResult | Incomplete:
    levels = {"TIENG_VIET": subjects, "TOAN": subjects, "DAO_DUC": PrimaryLevel.HOAN_THANH_TOT}
    return education_result(
        2, levels, formation(quality, **overrides), {"TIENG_VIET": tv, "TOAN": toan}, TT27_2020
    )


def test_education_result_levels() -> None:
    T_, H_, C_ = PrimaryLevel.HOAN_THANH_TOT, PrimaryLevel.HOAN_THANH, PrimaryLevel.CHUA_HOAN_THANH
    good, ok = QualityLevel.TOT, QualityLevel.DAT
    L = EducationResultLevel
    assert grade2(T_, good, 9, 10) == EducationResult(L.HOAN_THANH_XUAT_SAC, False)
    assert grade2(T_, good, 9, 8) == EducationResult(L.HOAN_THANH_TOT, False)
    assert grade2(T_, good, 7, 7) == EducationResult(L.HOAN_THANH_TOT, False)
    # Not Tốt in one competency -> not Hoàn thành tốt; the Hoàn thành row [unconfirmed] applies.
    assert grade2(T_, good, 10, 10, TINH_TOAN=ok) == EducationResult(L.HOAN_THANH, True)
    assert grade2(H_, ok, 5, 6) == EducationResult(L.HOAN_THANH, True)
    assert grade2(H_, ok, 4, 10) == EducationResult(L.CHUA_HOAN_THANH, True)
    assert grade2(C_, good, 10, 10) == EducationResult(L.CHUA_HOAN_THANH, True)
    assert grade2(H_, ok, 9, 9, NHAN_AI=QualityLevel.CAN_CO_GANG) == EducationResult(
        L.CHUA_HOAN_THANH, True
    )


def test_education_result_without_the_unconfirmed_row() -> None:
    rules = tt27_rules("2025-2026", 2)
    strict = type(rules)(id="strict", first_year_by_grade={2: 2020}, pass_min_score=None)
    levels = {"TIENG_VIET": PrimaryLevel.HOAN_THANH, "TOAN": PrimaryLevel.HOAN_THANH}
    result = education_result(
        2, levels, formation(QualityLevel.DAT), {"TIENG_VIET": 8, "TOAN": 8}, strict
    )
    assert result == EducationResult(EducationResultLevel.CHUA_HOAN_THANH, True)


def test_education_result_incomplete_and_invalid_scores() -> None:
    levels = {"TIENG_VIET": PrimaryLevel.HOAN_THANH}
    partial = formation(QualityLevel.TOT)
    del partial["TRUNG_THUC"]
    assert education_result(
        4, levels, partial, {"TIENG_VIET": 8, "TOAN": 8}, TT27_2020
    ) == Incomplete(
        (
            "TEST:KHOA_HOC",
            "TEST:LICH_SU_DIA_LI",
            "TEST:NGOAI_NGU_1",
            "TEST:TIN_HOC_CONG_NGHE",
            "TRUNG_THUC",
        )
    )
    assert education_result(1, {}, formation(QualityLevel.TOT), {}, TT27_2020) == Incomplete(
        ("TEST:TIENG_VIET", "TEST:TOAN", "SUBJECT_LEVELS")
    )
    with pytest.raises(ScoreOutOfRange):
        education_result(
            1, levels, formation(QualityLevel.TOT), {"TIENG_VIET": 11, "TOAN": 8}, TT27_2020
        )


def test_completion_and_primary_awards() -> None:
    L = EducationResultLevel
    xs, htt = (
        EducationResult(L.HOAN_THANH_XUAT_SAC, False),
        EducationResult(L.HOAN_THANH_TOT, False),
    )
    ht, cht = EducationResult(L.HOAN_THANH, True), EducationResult(L.CHUA_HOAN_THANH, True)
    assert [completes_grade(r) for r in (xs, htt, ht, cht)] == [True, True, True, False]
    assert primary_award(xs, outstanding_recognised=False) is PrimaryAward.XUAT_SAC
    assert primary_award(htt, outstanding_recognised=True) is PrimaryAward.TIEU_BIEU
    assert primary_award(htt, outstanding_recognised=False) is None
    assert primary_award(ht, outstanding_recognised=True) is None
