"""Diacritic-insensitive Vietnamese search: the shared SQL helper and the people search.

How it works (reuse it for documents, notices, anything with a Vietnamese name or title):

1. Store the folded text in a generated column: ``name_folded text GENERATED ALWAYS AS
   (vn_fold(name)) STORED``. ``vn_fold`` (migration m0003) is the SQL twin of
   ``schoolhub.platform.vntext.fold``: "Nguyễn Đông" -> "nguyen dong". Index it with pg_trgm when
   present (``CREATE INDEX ... USING gin (name_folded gin_trgm_ops)``); the migration creates the
   extension when it can and falls back to a plain index otherwise. The SQL is identical either way.
2. Filter in SQL with :func:`folded_match`: every folded word of the query must occur in the folded
   column (``LIKE '%word%'``, which pg_trgm's GIN index serves), so "nguyen" finds "Nguyễn" and
   "dong ha" finds "Đông Hà". :func:`prefix_first_order` keeps the likeliest candidates inside
   the SQL ``LIMIT``.
3. Rank in Python with ``vntext.rank(query, text)`` (:func:`rank_hits`): a match that holds with
   the diacritics as typed ("Đông") outranks one that only holds after folding ("Dòng", "Dong").

Usage::

    words = query_words(q)                      # raises INVALID_SEARCH_QUERY when empty/too long
    match, args = folded_match("d.title_folded", 3, words)
    rows = await db.fetch(
        f"SELECT d.id, d.title FROM doc d WHERE d.school_id = $1 AND {match}"
        f" ORDER BY {prefix_first_order('d.title_folded', 2)} LIMIT 200",
        school_id, vntext.fold(q), *args)
    hits = rank_hits(q, rows, key=lambda r: r["title"])
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar
from uuid import UUID

from schoolhub.platform import db, vntext
from schoolhub.platform.errors import InvalidInput
from schoolhub.platform.principal import STAFF_ROLES, Principal
from schoolhub.workspace.people import access
from schoolhub.workspace.people.errors import WorkspacePeopleErrorCode as E

MAX_QUERY_LENGTH = 100
CANDIDATES = 200
_STAFF_ROLE_VALUES = sorted(r.value for r in STAFF_ROLES)
T = TypeVar("T")


def query_words(query: str) -> list[str]:
    """Folded words of a search query (only letters and digits, so safe inside LIKE patterns)."""
    if len(query) > MAX_QUERY_LENGTH:
        raise InvalidInput("query too long", code=E.INVALID_SEARCH_QUERY, field="query")
    words = vntext.tokens(query)
    if not words:
        raise InvalidInput("empty query", code=E.INVALID_SEARCH_QUERY, field="query")
    return words[:8]


def folded_match(column: str, first_param: int, words: Sequence[str]) -> tuple[str, list[str]]:
    """``(predicate, args)``: each folded word occurs in ``column``, one ``LIKE`` per word (so a
    pg_trgm GIN index on the column serves it); placeholders start at ``$first_param``.

    ``column`` must already be folded (a ``vn_fold`` generated column, or ``vn_fold(expr)``);
    ``words`` come from :func:`query_words` (letters and digits only: no LIKE wildcards)."""
    parts = [f"{column} LIKE ${first_param + i}" for i in range(len(words))]
    return "(" + " AND ".join(parts) + ")", [f"%{w}%" for w in words]


def prefix_first_order(column: str, param: int) -> str:
    """ORDER BY expression: whole-string prefix matches of the folded query ``$param`` first."""
    return f"(left({column}, length(${param}::text)) = ${param}::text) DESC, length({column})"


def rank_hits(
    query: str, rows: Sequence[T], key: Callable[[T], str], *, keep_order: bool = False
) -> list[tuple[int, T]]:
    """``(score, row)`` with score > 0, best first (exact-diacritic matches before folded ones).

    Rows that passed the word filter but no ``vntext.rank`` tier (words in another order) keep a
    score of 1 so they still show, last. Within a tier: alphabetical by folded key, or, with
    ``keep_order``, the order of ``rows`` (e.g. the SQL's prefix-first, newest-first order)."""
    scored = [(vntext.rank(query, key(r)) or 1, r) for r in rows]
    if keep_order:
        scored.sort(key=lambda pair: -pair[0])  # stable: ties keep their input order
    else:
        scored.sort(key=lambda pair: (-pair[0], vntext.fold(key(pair[1]))))
    return scored


async def search_people(
    principal: Principal, school_id: UUID, query: str, *, first: int = 20
) -> list[dict[str, Any]]:
    """Students (as far as the caller may see them) and staff of one school, ranked together.

    Staff of the school only; a teacher finds only the students of their homeroom classes."""
    access.require_staff(principal, school_id)
    scope = access.student_scope(principal, school_id)
    words = query_words(query)
    visible, scope_args = scope.sql(3)
    student_match, match_args = folded_match("s.name_folded", 7, words)
    staff_match, _ = folded_match("vn_fold(u.full_name)", 3, words)
    async with db.tenant(school_id, principal.user_id):
        students = await db.fetch(
            "SELECT s.id, s.full_name, s.student_code, c.name AS class_name"  # noqa: S608 (constant SQL fragments and placeholders only)
            " FROM workspace_student s LEFT JOIN workspace_class c"
            "   ON c.school_id = s.school_id AND c.id = s.class_id"
            f" WHERE s.school_id = $1 AND {visible} AND {student_match}"
            f" ORDER BY {prefix_first_order('s.name_folded', 2)} LIMIT {CANDIDATES}",
            school_id,
            vntext.fold(query),
            *scope_args,
            *match_args,
        )
        staff = await db.fetch(
            "SELECT u.id, u.full_name, array_agg(m.role ORDER BY m.role) AS roles"  # noqa: S608 (constant SQL fragments and placeholders only)
            " FROM tenants_membership m JOIN identity_user u ON u.id = m.user_id"
            " WHERE m.school_id = $1 AND m.revoked_at IS NULL AND m.role = ANY($2::text[])"
            f"   AND {staff_match} GROUP BY u.id LIMIT {CANDIDATES}",
            school_id,
            _STAFF_ROLE_VALUES,
            *match_args,
        )
    rows = [
        {
            "kind": "student",
            "id": r["id"],
            "full_name": r["full_name"],
            "detail": " · ".join(x for x in (r["student_code"], r["class_name"]) if x),
        }
        for r in students
    ] + [
        {
            "kind": "staff",
            "id": r["id"],
            "full_name": r["full_name"],
            "detail": ", ".join(r["roles"]),
        }
        for r in staff
    ]
    ranked = rank_hits(query, rows, key=lambda r: str(r["full_name"]))
    return [{**row, "score": score} for score, row in ranked[:first]]
