"""The tenant scope under concurrency and pooling (STACK.md §2 pitfalls, RELIABILITY.md §1.2)."""

from __future__ import annotations

import asyncio
from uuid import UUID

import httpx
import pytest

from schoolhub.platform import db
from schoolhub.platform.db import ScopeError
from tests.support import factories


async def _count_students(school: UUID | None) -> int:
    scope = db.tenant(school) if school else db.system()
    async with scope:
        row = await db.fetchrow("SELECT count(*) AS n FROM workspace_student")
    assert row is not None
    return int(row["n"])


async def test_pooled_connections_never_leak_a_tenant(app: httpx.AsyncClient) -> None:
    """Interleave many scoped reads of two schools with 'forgetful' unscoped reads on one pool."""
    p = await factories.province()
    a, b = await factories.school(p), await factories.school(p)
    async with db.tenant(b.school_id):
        from schoolhub.workspace import repository as ws

        await ws.insert_student(b.school_id, "EXTRA1", "Học sinh thêm", None, "male", b.class_id)
    jobs = []
    for i in range(60):
        jobs.append(
            _count_students(a.school_id if i % 3 == 0 else b.school_id if i % 3 == 1 else None)
        )
    results = await asyncio.gather(*jobs)
    for i, n in enumerate(results):
        expected = 2 if i % 3 == 0 else 3 if i % 3 == 1 else 0
        assert n == expected, (i, n)
    # A pooled connection used outside any transaction sees no tenant rows at all.
    rows = await db.DB._run_in_pool("SELECT count(*) AS n FROM workspace_student")
    assert rows[0]["n"] == 0


async def test_concurrent_queries_in_one_transaction_are_serialised(app: httpx.AsyncClient) -> None:
    p = await factories.province()
    a = await factories.school(p)
    async with db.tenant(a.school_id):
        results = await asyncio.gather(
            *[db.fetch("SELECT count(*) AS n FROM workspace_student") for _ in range(10)]
        )
    assert [r[0]["n"] for r in results] == [2] * 10


async def test_nested_scope_for_another_school_is_refused(app: httpx.AsyncClient) -> None:
    p = await factories.province()
    a, b = await factories.school(p), await factories.school(p)
    with pytest.raises(ScopeError):
        async with db.tenant(a.school_id), db.tenant(b.school_id):
            pass
