"""Kernel tables: transactional outbox and audit logs. DDL: migrations/m0001_foundation.py."""

from __future__ import annotations

from piccolo.columns import JSONB, UUID, BigSerial, ForeignKey, Text, Timestamptz
from piccolo.table import Table

from schoolhub.platform.db import DB
from schoolhub.tenants.tables import School


class Outbox(Table, tablename="platform_outbox", db=DB):
    id = BigSerial(primary_key=True)
    school_id = ForeignKey(School, db_column_name="school_id", null=True)
    topic = Text()
    payload = JSONB()
    created_at = Timestamptz()
    relayed_at = Timestamptz(null=True, default=None)
    processed_at = Timestamptz(null=True, default=None)


class AuditLog(Table, tablename="platform_audit_log", db=DB):
    id = BigSerial(primary_key=True)
    at = Timestamptz()
    actor_user_id = UUID(null=True, default=None)
    action = Text()
    target_type = Text(default="")
    target_id = Text(default="")
    org_unit_id = UUID(null=True, default=None)
    ip = Text(default="")
    details = JSONB()


class SchoolAuditLog(Table, tablename="school_audit_log", db=DB):
    id = BigSerial(primary_key=True)
    school_id = ForeignKey(School, db_column_name="school_id")
    at = Timestamptz()
    actor_user_id = UUID(null=True, default=None)
    action = Text()
    target_type = Text(default="")
    target_id = Text(default="")
    details = JSONB()
