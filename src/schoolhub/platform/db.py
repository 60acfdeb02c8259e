"""Database access: one piccolo engine, tenant-scoped transactions, after-commit hooks.

Rules this module enforces (see ARCHITECTURE.md "Tenancy" and STACK.md §2):

* The tenant is set with ``set_config('app.school_id', ..., true)`` as the first statement of every
  transaction, never with a session ``SET``; a pooled connection therefore never carries a tenant into
  the next request (and asyncpg's pool runs ``RESET ALL`` on release anyway).
* GraphQL resolves sibling fields concurrently. Each service call opens its own transaction (its own
  pooled connection), and any concurrent use *inside* one transaction is serialised by a lock, because
  one asyncpg connection cannot run two statements at once.
* A nested ``tenant()`` joins the outer transaction only when it asks for the same scope; asking for a
  different school inside a transaction is a programming error and raises.
* Side effects (pub/sub, waking the outbox relay) are registered with :func:`after_commit` and run only
  once the outermost transaction has committed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal
from uuid import UUID

from piccolo.engine.postgres import PostgresEngine, PostgresTransaction
from piccolo.querystring import QueryString

log = logging.getLogger(__name__)

AfterCommit = Callable[[], Awaitable[None]]


class ScopeError(RuntimeError):
    """A transaction was opened with a scope that conflicts with the current one."""


@dataclass(frozen=True)
class Scope:
    """What row-level security sees for one transaction."""

    school_id: UUID | None = None
    user_id: UUID | None = None


SYSTEM = Scope()


class ScopedTransaction(PostgresTransaction):  # type: ignore[misc]
    __slots__ = ("after_commit_hooks", "lock", "scope")

    def __init__(self, engine: SchoolHubEngine, scope: Scope) -> None:
        super().__init__(engine=engine, allow_nested=True)
        self.scope = scope
        parent = self._parent
        if parent is not None and getattr(parent, "scope", None) != scope:
            raise ScopeError(
                "a transaction for another scope is already open in this task; "
                "open one transaction per school"
            )
        self.lock = asyncio.Lock()
        self.after_commit_hooks: list[AfterCommit] = []

    async def begin(self) -> None:
        await super().begin()  # type: ignore[no-untyped-call]
        school = str(self.scope.school_id) if self.scope.school_id else ""
        user = str(self.scope.user_id) if self.scope.user_id else ""
        await self.connection.execute(
            "SELECT set_config('app.school_id', $1, true), set_config('app.user_id', $2, true)",
            school,
            user,
        )
        DB.query_count += 1

    async def __aexit__(
        self, exception_type: Any, exception: Any, traceback: Any
    ) -> Literal[False]:
        """Commit or roll back; never suppresses the exception."""
        is_outer = self._parent is None
        await super().__aexit__(exception_type, exception, traceback)
        if is_outer and exception is None and self._committed:
            for hook in self.after_commit_hooks:
                try:
                    await hook()
                except Exception:
                    # The change is committed; a failed side effect must not turn it into an error.
                    log.exception("after-commit hook failed")
        return False


class SchoolHubEngine(PostgresEngine):  # type: ignore[misc]
    """A piccolo PostgresEngine that knows about tenant scopes."""

    def __init__(self) -> None:
        super().__init__(config={"dsn": "postgresql:///unconfigured"})
        self.query_count = 0

    async def check_version(self) -> None:
        """Piccolo probes the server from ``__init__``; we configure the DSN later, at startup."""

    async def prep_database(self) -> None:
        """No extensions to create (UUID defaults use core ``gen_random_uuid()``)."""

    def configure(self, dsn: str) -> None:
        self.config = {"dsn": dsn}

    def transaction(self, allow_nested: bool = True) -> PostgresTransaction:
        current = self.current_transaction.get()
        scope = current.scope if isinstance(current, ScopedTransaction) else SYSTEM
        return ScopedTransaction(self, scope)

    def scoped(self, scope: Scope) -> ScopedTransaction:
        return ScopedTransaction(self, scope)

    async def run_querystring(self, querystring: QueryString, in_pool: bool = True) -> Any:
        self.query_count += 1
        current = self.current_transaction.get()
        if isinstance(current, ScopedTransaction):
            async with current.lock:
                return await super().run_querystring(querystring, in_pool)
        return await super().run_querystring(querystring, in_pool)

    async def run_ddl(self, ddl: str, in_pool: bool = True) -> Any:
        self.query_count += 1
        current = self.current_transaction.get()
        if isinstance(current, ScopedTransaction):
            async with current.lock:
                return await super().run_ddl(ddl, in_pool)
        return await super().run_ddl(ddl, in_pool)

    async def start(
        self, min_size: int = 2, max_size: int = 20, statement_timeout_ms: int = 5000
    ) -> None:
        await self.start_connection_pool(
            min_size=min_size,
            max_size=max_size,
            command_timeout=30,
            server_settings={
                "statement_timeout": str(statement_timeout_ms),
                "application_name": "schoolhub",
            },
        )

    async def stop(self, grace_s: float = 10.0) -> None:
        """Close the pool; connections still checked out after ``grace_s`` (a task stuck in a
        transaction) are terminated rather than waited for forever, and that is logged."""
        pool = self.pool
        if pool is None:
            return
        try:
            await asyncio.wait_for(pool.close(), timeout=grace_s)
        except TimeoutError:
            log.warning("database pool: connections still in use after %.0fs; terminating", grace_s)
            pool.terminate()
        self.pool = None


DB = SchoolHubEngine()


def tenant(school_id: UUID, user_id: UUID | None = None) -> ScopedTransaction:
    """A transaction in which row-level security shows exactly one school."""
    return DB.scoped(Scope(school_id=school_id, user_id=user_id))


def identity(user_id: UUID) -> ScopedTransaction:
    """A transaction that sees only the rows RLS grants to this user across schools (memberships)."""
    return DB.scoped(Scope(user_id=user_id))


def system() -> ScopedTransaction:
    """A transaction with no tenant: province-wide tables only; tenant tables show nothing."""
    return DB.scoped(SYSTEM)


def current() -> ScopedTransaction | None:
    tx = DB.current_transaction.get()
    return tx if isinstance(tx, ScopedTransaction) else None


def after_commit(hook: AfterCommit) -> None:
    """Run ``hook`` once the current transaction commits (immediately when there is none)."""
    tx = current()
    if tx is None:
        raise ScopeError("after_commit() needs an open transaction")
    outer: Any = tx
    while outer._parent is not None:
        outer = outer._parent
    outer.after_commit_hooks.append(hook)


async def fetch(sql: str, *args: Any) -> list[dict[str, Any]]:
    """Run raw SQL (``$1`` placeholders) on the current transaction's connection."""
    tx = current()
    if tx is None:
        raise ScopeError("raw SQL must run inside tenant(), identity() or system()")
    async with tx.lock:
        DB.query_count += 1
        rows = await tx.connection.fetch(sql, *args)
    return [dict(r) for r in rows]


async def fetchrow(sql: str, *args: Any) -> dict[str, Any] | None:
    rows = await fetch(sql, *args)
    return rows[0] if rows else None


async def execute(sql: str, *args: Any) -> str:
    tx = current()
    if tx is None:
        raise ScopeError("raw SQL must run inside tenant(), identity() or system()")
    async with tx.lock:
        DB.query_count += 1
        result: str = await tx.connection.execute(sql, *args)
    return result
