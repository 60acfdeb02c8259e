"""Process configuration, read once from the environment.

Everything the deployment can change is an environment variable; nothing else knows whether PostgreSQL
or Redis are embedded. ``DATABASE_URL`` is the *owner* connection (migrations only);
``DATABASE_APP_URL`` is the non-owner, NOBYPASSRLS role the application uses. When only the owner URL is
given (development, tests), the application URL is derived by swapping the user for ``schoolhub_app``,
a role the first migration creates.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

APP_ROLE = "schoolhub_app"
SYSTEM_ROLE = "schoolhub_system"


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class ConfigurationError(RuntimeError):
    """A setting is missing or malformed; the process must not start."""


def derive_app_dsn(owner_dsn: str, role: str = APP_ROLE, password: str | None = None) -> str:
    """Return ``owner_dsn`` with its user replaced by ``role`` (host, port, database and query kept)."""
    parts = urlsplit(owner_dsn)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = role if password is None else f"{role}:{password}"
    netloc += f"@{host}"
    if parts.port:
        netloc += f":{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


@dataclass(frozen=True)
class Settings:
    env: Environment = Environment.DEVELOPMENT
    data_dir: Path = Path(".data")
    database_url: str | None = None
    database_app_url: str | None = None
    redis_url: str | None = None
    jwt_secret: str = field(default="", repr=False)
    access_token_ttl_s: int = 900
    refresh_token_ttl_s: int = 30 * 24 * 3600
    login_max_failures: int = 5
    login_lockout_s: int = 900
    login_rate_per_minute: int = 20
    otp_ttl_s: int = 300
    otp_max_attempts: int = 5
    firebase_project_id: str = "schoolhub-demo"
    firebase_cert_url: str | None = None
    host: str = "127.0.0.1"
    port: int = 8000
    db_pool_min: int = 2
    db_pool_max: int = 20
    statement_timeout_ms: int = 5000
    allowed_origins: tuple[str, ...] = ()

    @property
    def is_production(self) -> bool:
        return self.env is Environment.PRODUCTION

    @property
    def app_dsn(self) -> str:
        if self.database_app_url:
            return self.database_app_url
        if not self.database_url:
            raise ConfigurationError("DATABASE_URL is not set and no embedded database was started")
        return derive_app_dsn(self.database_url)


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigurationError(f"{name} must be an integer, got {raw!r}") from exc


def _jwt_secret(env: Environment, data_dir: Path) -> str:
    secret = os.environ.get("SCHOOLHUB_JWT_SECRET", "")
    if secret:
        if len(secret) < 32:
            raise ConfigurationError("SCHOOLHUB_JWT_SECRET must be at least 32 characters")
        return secret
    if env is Environment.PRODUCTION:
        raise ConfigurationError("SCHOOLHUB_JWT_SECRET is required in production")
    # Development and tests: one random secret per data directory, so tokens survive restarts.
    path = data_dir / "jwt-secret"
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    path.write_text(secret)
    path.chmod(0o600)
    return secret


def load_settings() -> Settings:
    raw_env = os.environ.get("SCHOOLHUB_ENV", "development")
    try:
        env = Environment(raw_env)
    except ValueError as exc:
        raise ConfigurationError(
            f"SCHOOLHUB_ENV must be one of {[e.value for e in Environment]}, got {raw_env!r}"
        ) from exc
    data_dir = Path(os.environ.get("SCHOOLHUB_DATA_DIR", ".data")).resolve()
    origins = tuple(o for o in os.environ.get("SCHOOLHUB_ALLOWED_ORIGINS", "").split(",") if o)
    return Settings(
        env=env,
        data_dir=data_dir,
        database_url=os.environ.get("DATABASE_URL") or None,
        database_app_url=os.environ.get("DATABASE_APP_URL") or None,
        redis_url=os.environ.get("REDIS_URL") or None,
        jwt_secret=_jwt_secret(env, data_dir),
        access_token_ttl_s=_int("SCHOOLHUB_ACCESS_TOKEN_TTL", 900),
        refresh_token_ttl_s=_int("SCHOOLHUB_REFRESH_TOKEN_TTL", 30 * 24 * 3600),
        firebase_project_id=os.environ.get("SCHOOLHUB_FIREBASE_PROJECT_ID", "schoolhub-demo"),
        firebase_cert_url=os.environ.get("SCHOOLHUB_FIREBASE_CERT_URL") or None,
        host=os.environ.get("SCHOOLHUB_HOST", "127.0.0.1"),
        port=_int("SCHOOLHUB_PORT", 8000),
        db_pool_max=_int("SCHOOLHUB_DB_POOL_MAX", 20),
        allowed_origins=origins,
    )


_current: Settings | None = None


def set_current(settings: Settings) -> None:
    global _current
    _current = settings


def current() -> Settings:
    if _current is None:
        set_current(load_settings())
    assert _current is not None
    return _current
