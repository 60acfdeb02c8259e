"""GraphQL parts: attendance, leave requests, monthly reports. Merged by ``schoolhub.graphql.workspace``."""

from typing import Any
from uuid import UUID

from schoolhub.graphql import node
from schoolhub.graphql.workspace.attendance.mutations import AttendanceMutations
from schoolhub.graphql.workspace.attendance.queries import AttendanceQueries
from schoolhub.graphql.workspace.attendance.types import (
    AttendanceRecord,
    AttendanceReport,
    AttendanceSheet,
    LeaveRequest,
)
from schoolhub.workspace.attendance import service

QUERIES: tuple[type, ...] = (AttendanceQueries,)
MUTATIONS: tuple[type, ...] = (AttendanceMutations,)
SUBSCRIPTIONS: tuple[type, ...] = ()
TYPES: tuple[type, ...] = (AttendanceRecord, AttendanceSheet, LeaveRequest, AttendanceReport)


async def _records(info: Any, keys: list[UUID]) -> dict[UUID, Any]:
    rows = await service.visible_by_ids(info.context.require_principal(), "record", keys)
    return {k: AttendanceRecord.from_row(r) for k, r in rows.items()}


async def _leaves(info: Any, keys: list[UUID]) -> dict[UUID, Any]:
    rows = await service.visible_by_ids(info.context.require_principal(), "leave", keys)
    return {k: LeaveRequest.from_row(r) for k, r in rows.items()}


node.register("AttendanceRecord", _records)
node.register("LeaveRequest", _leaves)
