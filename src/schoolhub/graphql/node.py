"""``node(id:)`` and ``nodes(ids:)``: one entry point for every Node type.

Each type registers a batch resolver that goes through the type's service with the caller's
principal; an object the caller may not see resolves to null, exactly like one that does not exist.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from uuid import UUID

import strawberry
from strawberry import relay
from strawberry.types import Info

from schoolhub.graphql import ids
from schoolhub.graphql.identity.types import User
from schoolhub.graphql.tenants.types import Membership, OrgUnit, School
from schoolhub.platform.errors import InvalidInput
from schoolhub.tenants import service as tenants

Resolver = Callable[[Info, list[UUID]], Awaitable[dict[UUID, Any]]]
MAX_NODES = 100


async def _schools(info: Info, keys: list[UUID]) -> dict[UUID, Any]:
    rows = await info.context.loaders.school.load_many(keys)
    return {k: School.from_row(r) for k, r in zip(keys, rows, strict=True) if r}


async def _users(info: Info, keys: list[UUID]) -> dict[UUID, Any]:
    rows = await info.context.loaders.user.load_many(keys)
    return {k: User.from_row(r) for k, r in zip(keys, rows, strict=True) if r}


async def _org_units(info: Info, keys: list[UUID]) -> dict[UUID, Any]:
    rows = await info.context.loaders.org_unit.load_many(keys)
    return {k: OrgUnit.from_row(r) for k, r in zip(keys, rows, strict=True) if r}


async def _memberships(info: Info, keys: list[UUID]) -> dict[UUID, Any]:
    rows = await tenants.memberships_by_ids(info.context.require_principal(), keys)
    return {r["id"]: Membership.from_row(r) for r in rows}


RESOLVERS: dict[str, Resolver] = {
    "School": _schools,
    "User": _users,
    "OrgUnit": _org_units,
    "Membership": _memberships,
}


def register(type_name: str, resolver: Resolver) -> None:
    RESOLVERS[type_name] = resolver


async def resolve_many(info: Info, raw_ids: list[strawberry.ID]) -> list[relay.Node | None]:
    info.context.require_principal()
    if len(raw_ids) > MAX_NODES:
        raise InvalidInput(f"at most {MAX_NODES} ids per call", field="ids")
    parsed = [ids.decode_any(raw, "ids") for raw in raw_ids]
    by_type: dict[str, list[UUID]] = {}
    for type_name, key in parsed:
        by_type.setdefault(type_name, []).append(key)
    found: dict[tuple[str, UUID], Any] = {}
    for type_name, keys in by_type.items():
        resolver = RESOLVERS.get(type_name)
        if resolver is None:
            continue
        for key, obj in (await resolver(info, keys)).items():
            found[(type_name, key)] = obj
    return [found.get(p) for p in parsed]


@strawberry.type
class NodeQueries:
    @strawberry.field(description="Fetch any object by its global id; null if it is not visible.")
    async def node(self, info: Info, id: strawberry.ID) -> relay.Node | None:
        return (await resolve_many(info, [id]))[0]

    @strawberry.field(description="Fetch up to 100 objects by global id; null where not visible.")
    async def nodes(self, info: Info, ids: list[strawberry.ID]) -> list[relay.Node | None]:
        return await resolve_many(info, ids)
