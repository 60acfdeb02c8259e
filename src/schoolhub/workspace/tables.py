"""Workspace tables (classes, students, guardian links). DDL: migrations/m0001_foundation.py.

Every row carries ``school_id`` and composite foreign keys include it, so a row can never point at
another school's class or student (and the tables can later be distributed by ``school_id``).
"""

from __future__ import annotations

from piccolo.columns import UUID, Boolean, Date, ForeignKey, SmallInt, Text, Timestamptz
from piccolo.table import Table

from schoolhub.identity.tables import User
from schoolhub.platform.db import DB
from schoolhub.tenants.tables import School


class SchoolClass(Table, tablename="workspace_class", db=DB):
    id = UUID(primary_key=True)
    school_id = ForeignKey(School, db_column_name="school_id")
    school_year = Text()
    name = Text()
    grade = SmallInt()
    homeroom_teacher_id = ForeignKey(User, db_column_name="homeroom_teacher_id", null=True)
    created_at = Timestamptz()


class Student(Table, tablename="workspace_student", db=DB):
    id = UUID(primary_key=True)
    school_id = ForeignKey(School, db_column_name="school_id")
    student_code = Text()
    full_name = Text()
    date_of_birth = Date(null=True, default=None)
    gender = Text(default="unknown")
    class_id = UUID(null=True, default=None)
    user_id = ForeignKey(User, db_column_name="user_id", null=True)
    created_at = Timestamptz()


class GuardianLink(Table, tablename="workspace_guardian_link", db=DB):
    id = UUID(primary_key=True)
    school_id = ForeignKey(School, db_column_name="school_id")
    student_id = UUID()
    guardian_user_id = ForeignKey(User, db_column_name="guardian_user_id")
    relationship = Text()
    is_primary = Boolean(default=False)
    custody_restricted = Boolean(default=False)
    created_at = Timestamptz()
