"""From recorded assessments to subject results (pure; the formulas live in ``workspace.grading``).

Averages are never entered or stored: the grade sheet and the học bạ compute them from the recorded
scores each time, so a correction can never leave a stale average behind.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from schoolhub.platform.errors import InvalidInput
from schoolhub.workspace import grading
from schoolhub.workspace.grading_rules import (
    CommentResult,
    GradingError,
    Incomplete,
    RuleSetNotFound,
    SchoolYearInvalid,
    Tt22RuleSet,
    tt22_rules,
)
from schoolhub.workspace.structure.errors import WorkspaceStructureErrorCode as E
from schoolhub.workspace.structure.setup.service import regular_assessments

RATINGS = {"DAT": CommentResult.DAT, "CHUA_DAT": CommentResult.CHUA_DAT}


def rules_for(school_year: str, grade: int) -> Tt22RuleSet:
    """TT22 rules for grades 6-12. Grades 1-5 are assessed under TT27 by ``grades.primary``; a
    TT22 operation on them is ``GRADING_NOT_SUPPORTED`` (and the reverse there)."""
    try:
        return tt22_rules(school_year, grade)
    except (RuleSetNotFound, SchoolYearInvalid) as exc:
        hint = " (primary grades use the TT27 operations)" if 1 <= grade <= 5 else ""
        raise InvalidInput(
            f"no secondary grading rules for grade {grade} in {school_year}{hint}",
            code=E.GRADING_NOT_SUPPORTED,
        ) from exc


def check_value(
    subject: dict[str, Any],
    kind: str,
    slot: int,
    score: Decimal | None,
    rating: str | None,
    rules: Tt22RuleSet,
) -> tuple[Decimal | None, str | None]:
    """Validate one assessment for its subject: slot in range, score or rating as the kind needs."""
    regular = regular_assessments(subject)
    if kind not in ("TX", "GK", "CK") or (kind == "TX" and not 1 <= slot <= regular):
        raise InvalidInput(
            f"assessment must be TX1..TX{regular}, GK or CK",
            code=E.INVALID_ASSESSMENT,
            field="slot",
        )
    if kind != "TX" and slot != 1:
        raise InvalidInput("GK and CK have slot 1", code=E.INVALID_ASSESSMENT, field="slot")
    if subject["kind"] == "comment":
        if rating not in RATINGS or score is not None:
            raise InvalidInput(
                "a comment subject takes a rating (Đạt / Chưa đạt)",
                code=E.INVALID_ASSESSMENT,
                field="rating",
            )
        return None, rating
    if score is None or rating is not None:
        raise InvalidInput(
            "a scored subject takes a score", code=E.INVALID_ASSESSMENT, field="score"
        )
    try:
        return grading.validate_score(score, rules), None
    except GradingError as exc:
        code = E.SCORE_PRECISION if exc.code == "SCORE_PRECISION" else E.SCORE_OUT_OF_RANGE
        raise InvalidInput(str(exc), code=code, field="score") from exc


def display(score: Decimal | None, rating: str | None) -> str:
    return str(score) if score is not None else str(rating)


@dataclass(frozen=True)
class TermOutcome:
    """A subject's semester result: ``average`` (scored) or ``result`` (comment), or ``missing``."""

    average: Decimal | None
    result: str | None
    missing: tuple[str, ...]

    def as_grading(self) -> Decimal | CommentResult | Incomplete:
        if self.missing:
            return Incomplete(self.missing)
        if self.average is not None:
            return self.average
        assert self.result is not None
        return RATINGS[self.result]


def term_outcome(
    subject: dict[str, Any], scores: Iterable[dict[str, Any]], rules: Tt22RuleSet
) -> TermOutcome:
    regular = subject.get("regular_assessments") or regular_assessments(subject)
    by_key = {(s["kind"], s["slot"]): s for s in scores}
    missing = [f"TX{i}" for i in range(1, regular + 1) if ("TX", i) not in by_key]
    missing += [k for k in ("GK", "CK") if (k, 1) not in by_key]
    if missing:
        return TermOutcome(None, None, tuple(missing))
    tx = tuple(by_key[("TX", i)] for i in range(1, regular + 1))
    gk, ck = by_key[("GK", 1)], by_key[("CK", 1)]
    if subject["kind"] == "comment":
        outcome = grading.comment_semester_result(
            grading.CommentSemester(
                tuple(RATINGS[s["rating"]] for s in tx),
                RATINGS[gk["rating"]],
                RATINGS[ck["rating"]],
            ),
            regular,
        )
        assert not isinstance(outcome, Incomplete)
        return TermOutcome(None, "DAT" if outcome is CommentResult.DAT else "CHUA_DAT", ())
    average = grading.semester_average(
        grading.ScoredSemester(tuple(s["score"] for s in tx), gk["score"], ck["score"]),
        regular,
        rules,
    )
    assert not isinstance(average, Incomplete)
    return TermOutcome(average, None, ())


def year_outcome(
    subject: dict[str, Any], hk1: TermOutcome, hk2: TermOutcome, rules: Tt22RuleSet
) -> TermOutcome:
    if subject["kind"] == "comment":
        year = grading.comment_year_result(
            Incomplete(hk2.missing) if hk2.missing else RATINGS[hk2.result or "CHUA_DAT"]
        )
        if isinstance(year, Incomplete):
            return TermOutcome(None, None, year.missing)
        return TermOutcome(None, "DAT" if year is CommentResult.DAT else "CHUA_DAT", ())
    avg = grading.year_average(
        Incomplete(hk1.missing) if hk1.missing else (hk1.average or Decimal(0)),
        Incomplete(hk2.missing) if hk2.missing else (hk2.average or Decimal(0)),
        rules,
    )
    if isinstance(avg, Incomplete):
        return TermOutcome(None, None, avg.missing)
    return TermOutcome(avg, None, ())
