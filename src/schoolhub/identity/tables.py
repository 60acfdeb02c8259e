"""Province-wide identity: one user per person, sessions (refresh-token families), refresh tokens."""

from __future__ import annotations

from piccolo.columns import UUID, Boolean, Bytea, ForeignKey, Text, Timestamptz
from piccolo.table import Table

from schoolhub.platform.db import DB


class User(Table, tablename="identity_user", db=DB):
    id = UUID(primary_key=True)
    login = Text(unique=True)
    full_name = Text()
    phone = Text(null=True, default=None, unique=True)
    email = Text(null=True, default=None)
    password_hash = Text(null=True, default=None, secret=True)
    firebase_uid = Text(null=True, default=None, unique=True)
    is_active = Boolean(default=True)
    created_at = Timestamptz()


class Session(Table, tablename="identity_session", db=DB):
    id = UUID(primary_key=True)
    user_id = ForeignKey(User, db_column_name="user_id")
    method = Text()
    created_at = Timestamptz()
    revoked_at = Timestamptz(null=True, default=None)
    revoked_reason = Text(null=True, default=None)


class RefreshToken(Table, tablename="identity_refresh_token", db=DB):
    id = UUID(primary_key=True)
    session_id = ForeignKey(Session, db_column_name="session_id")
    token_hash = Bytea(unique=True)
    created_at = Timestamptz()
    expires_at = Timestamptz()
    used_at = Timestamptz(null=True, default=None)
