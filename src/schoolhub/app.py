"""create_app(): the Litestar application, its lifespan and its HTTP routes."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, ClassVar

from litestar import Litestar, Request, Response, get
from litestar.background_tasks import BackgroundTasks
from litestar.datastructures import State
from litestar.di import Provide
from litestar.status_codes import HTTP_200_OK, HTTP_503_SERVICE_UNAVAILABLE
from litestar_saq import SAQConfig, SAQPlugin
from strawberry.exceptions import ConnectionRejectionError
from strawberry.litestar import make_graphql_controller

from schoolhub import web
from schoolhub.graphql.context import Context, bearer, context_getter
from schoolhub.graphql.schema import build_schema
from schoolhub.platform import db, jobs
from schoolhub.platform import redis as redis_mod
from schoolhub.platform import settings as settings_mod
from schoolhub.platform.errors import DomainError
from schoolhub.platform.settings import Settings

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    settings: Settings
    run_worker: bool
    relay: jobs.OutboxRelay | None = None
    worker_task: asyncio.Task[Any] | None = None
    extras: dict[str, Any] = field(default_factory=dict)


@get("/health/live", sync_to_thread=False, include_in_schema=False)
def live() -> dict[str, str]:
    return {"status": "ok"}


@get("/health/ready", include_in_schema=False)
async def ready() -> Response[dict[str, Any]]:
    checks: dict[str, str] = {}
    try:
        async with db.system():
            await asyncio.wait_for(db.fetch("SELECT 1"), timeout=2.0)
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = f"error: {type(exc).__name__}"
    try:
        await asyncio.wait_for(redis_mod.client().ping(), timeout=2.0)
        checks["redis"] = "ok"
    except Exception as exc:
        checks["redis"] = f"error: {type(exc).__name__}"
    ok = all(v == "ok" for v in checks.values())
    return Response(
        {"status": "ok" if ok else "unavailable", "checks": checks},
        status_code=HTTP_200_OK if ok else HTTP_503_SERVICE_UNAVAILABLE,
    )


@get("/api/me", include_in_schema=False)
async def plain_me(request: Request[Any, Any, State]) -> Response[dict[str, Any]]:
    """The same data as the GraphQL ``me`` query of the benchmark, as plain JSON, through the same
    services (kept for simple clients and as the benchmark's baseline)."""
    from schoolhub.identity import service as identity
    from schoolhub.tenants import service as tenants

    token = bearer(request.headers.get("authorization"))
    try:
        principal = await identity.load_principal(token or "")
    except DomainError as exc:
        return Response({"error": {"code": exc.code, "message": exc.message}}, status_code=401)
    assert principal.profile is not None
    schools = await tenants.get_schools(principal, [g.school_id for g in principal.school_grants])
    return Response(
        {
            "id": str(principal.user_id),
            "login": principal.profile.login,
            "fullName": principal.profile.full_name,
            "memberships": [
                {
                    "role": g.role.value,
                    "school": {
                        "id": str(g.school_id),
                        "code": schools[g.school_id]["code"],
                        "name": schools[g.school_id]["name"],
                    },
                }
                for g in principal.school_grants
                if g.school_id in schools
            ],
        }
    )


def _graphql_response() -> Response[Any]:
    return Response({}, background=BackgroundTasks([]))


def _graphql_controller(settings: Settings) -> type:
    schema = build_schema(production=settings.is_production)
    base = make_graphql_controller(
        schema,
        path="/graphql",
        context_getter=context_getter,
        graphql_ide=None if settings.is_production else "graphiql",
        allow_queries_via_get=False,
        allowed_origins=settings.allowed_origins,
        connection_init_wait_timeout=__import__("datetime").timedelta(seconds=10),
    )

    class GraphQLController(base):  # type: ignore[misc, valid-type]
        # strawberry provides ``response`` with a sync function run in a worker thread on every
        # request (a thread hop for building an empty Response); the same, on the event loop.
        dependencies: ClassVar[dict[str, Any]] = {
            **base.dependencies,
            "response": Provide(_graphql_response, sync_to_thread=False),
        }

        async def on_ws_connect(self, context: Context) -> dict[str, Any] | None:
            params = context.connection_params or {}
            token = params.get("token") or bearer(str(params.get("Authorization") or ""))
            await context.authenticate(str(token) if token else None)
            if context.auth_error is not None or not context.principal_value.is_authenticated:
                code = context.auth_error.code if context.auth_error else "UNAUTHENTICATED"
                raise ConnectionRejectionError({"code": code})
            params["token"] = token
            context.connection_params = params
            return {"userId": str(context.principal_value.user_id)}

    return GraphQLController


def _no_store(response: Response[Any]) -> Response[Any]:
    response.headers["Cache-Control"] = "private, no-store"
    return response


def create_app(settings: Settings | None = None, *, run_worker: bool | None = None) -> Litestar:
    """Build the app. ``settings`` must carry reachable DATABASE_URL and REDIS_URL values."""
    settings = settings or settings_mod.current()
    settings_mod.set_current(settings)
    if run_worker is None:
        run_worker = not settings.is_production
    runtime = Runtime(settings=settings, run_worker=run_worker)
    # The queue object is created now (it connects lazily) so litestar-saq can expose it to handlers
    # (dependency `task_queues`) and, in development, serve its dashboard at /saq.
    queue = jobs.make_queue(settings.redis_url or "redis://127.0.0.1:6379/0")
    saq_plugin = SAQPlugin(
        SAQConfig(
            queue_instances={jobs.QUEUE_NAME: queue},
            web_enabled=not settings.is_production,
            use_server_lifespan=False,
        )
    )

    @contextlib.asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        db.DB.configure(settings.app_dsn)
        await db.DB.start(
            min_size=settings.db_pool_min,
            max_size=settings.db_pool_max,
            statement_timeout_ms=settings.statement_timeout_ms,
        )
        assert settings.redis_url
        redis_mod.connect(settings.redis_url)
        runtime.relay = jobs.OutboxRelay(queue)
        runtime.relay.start()
        worker = jobs.make_worker(queue) if runtime.run_worker else None
        if worker is not None:
            runtime.worker_task = asyncio.create_task(worker.start(), name="saq-worker")
        app.state.runtime = runtime
        try:
            yield
        finally:
            if worker is not None:
                with contextlib.suppress(Exception):
                    await worker.stop()
            await runtime.relay.stop()
            with contextlib.suppress(Exception):
                await queue.disconnect()
            await redis_mod.close()
            await db.DB.stop()

    return Litestar(
        route_handlers=[live, ready, plain_me, *web.ROUTES, _graphql_controller(settings)],
        plugins=[saq_plugin],
        lifespan=[lifespan],
        after_request=_no_store,
        request_max_body_size=1_000_000,
        debug=False,
    )
