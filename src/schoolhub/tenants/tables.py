"""Organisation tree, schools (the tenants) and memberships. DDL: migrations/m0001_foundation.py."""

from __future__ import annotations

from typing import Any

from piccolo.columns import UUID, Boolean, Date, ForeignKey, Text, Timestamptz
from piccolo.table import Table

from schoolhub.identity.tables import User
from schoolhub.platform.db import DB


class OrgUnit(Table, tablename="tenants_org_unit", db=DB):
    id = UUID(primary_key=True)
    kind = Text()
    code = Text(unique=True)
    name = Text()
    parent_id: ForeignKey[Any] = ForeignKey("self", db_column_name="parent_id", null=True)
    valid_from = Date()
    valid_to = Date(null=True)
    created_at = Timestamptz()


class School(Table, tablename="tenants_school", db=DB):
    id = UUID(primary_key=True)
    code = Text(unique=True)
    name = Text()
    level = Text()
    ownership = Text()
    org_unit_id = ForeignKey(OrgUnit, db_column_name="org_unit_id")
    address = Text(default="")
    active = Boolean(default=True)
    created_at = Timestamptz()


class Membership(Table, tablename="tenants_membership", db=DB):
    id = UUID(primary_key=True)
    school_id = ForeignKey(School, db_column_name="school_id")
    user_id = ForeignKey(User, db_column_name="user_id")
    role = Text()
    created_at = Timestamptz()
    revoked_at = Timestamptz(null=True, default=None)


class OfficeMembership(Table, tablename="tenants_office_membership", db=DB):
    id = UUID(primary_key=True)
    org_unit_id = ForeignKey(OrgUnit, db_column_name="org_unit_id")
    user_id = ForeignKey(User, db_column_name="user_id")
    role = Text()
    created_at = Timestamptz()
    revoked_at = Timestamptz(null=True, default=None)
