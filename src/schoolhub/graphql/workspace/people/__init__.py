"""GraphQL parts: staff directory, students, guardians, bulk import, search, school profile.
Merged by ``schoolhub.graphql.workspace``."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from strawberry.types import Info

from schoolhub.graphql import node
from schoolhub.graphql.workspace.people.mutations import PeopleMutations
from schoolhub.graphql.workspace.people.queries import PeopleQueries
from schoolhub.graphql.workspace.people.types import GuardianLink, ImportJob, Student
from schoolhub.workspace.people import jobs, links
from schoolhub.workspace.people import service as people


async def _students(info: Info, keys: list[UUID]) -> dict[UUID, Any]:
    found = await people.get_students(info.context.require_principal(), keys)
    return {k: Student.from_row(r) for k, r in found.items()}


async def _jobs(info: Info, keys: list[UUID]) -> dict[UUID, Any]:
    found = await jobs.get_jobs(info.context.require_principal(), keys)
    return {k: ImportJob.from_row(r) for k, r in found.items()}


async def _links(info: Info, keys: list[UUID]) -> dict[UUID, Any]:
    found = await links.get_links(info.context.require_principal(), keys)
    return {k: GuardianLink.from_row(r, staff=r["_staff"]) for k, r in found.items()}


node.register("Student", _students)
node.register("GuardianLink", _links)
node.register("ImportJob", _jobs)

QUERIES: tuple[type, ...] = (PeopleQueries,)
MUTATIONS: tuple[type, ...] = (PeopleMutations,)
SUBSCRIPTIONS: tuple[type, ...] = ()
TYPES: tuple[type, ...] = (Student, GuardianLink, ImportJob)
