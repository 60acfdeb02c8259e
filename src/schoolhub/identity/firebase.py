"""Verify Firebase ID tokens with firebase-admin (the real library, not a re-implementation).

The public-key URL is configurable (``SCHOOLHUB_FIREBASE_CERT_URL``) so tests can serve certificates of
a locally generated key over loopback; everything else is firebase-admin's own verification.
"""

from __future__ import annotations

import asyncio
from typing import Any

import firebase_admin
from firebase_admin import auth as fb_auth
from firebase_admin import credentials

from schoolhub.platform import settings as settings_mod

_APP_NAME = "schoolhub-auth"


class _NoCredential(credentials.Base):  # type: ignore[misc]
    """ID-token verification needs only the project id and Google's public certificates."""

    def get_credential(self) -> Any:
        from google.auth.credentials import AnonymousCredentials

        return AnonymousCredentials()  # type: ignore[no-untyped-call]


def _app() -> firebase_admin.App:
    try:
        return firebase_admin.get_app(_APP_NAME)
    except ValueError:
        cfg = settings_mod.current()
        if cfg.firebase_cert_url:
            import firebase_admin._token_gen as token_gen

            token_gen.ID_TOKEN_CERT_URI = cfg.firebase_cert_url
        return firebase_admin.initialize_app(
            _NoCredential(), {"projectId": cfg.firebase_project_id}, name=_APP_NAME
        )


async def verify_id_token(id_token: str) -> dict[str, Any]:
    """Return the verified claims; raise ``ValueError`` for any invalid token."""
    app = _app()
    try:
        claims: dict[str, Any] = await asyncio.to_thread(fb_auth.verify_id_token, id_token, app)
    except (
        fb_auth.InvalidIdTokenError,
        fb_auth.ExpiredIdTokenError,
        fb_auth.CertificateFetchError,
        ValueError,
    ) as exc:
        raise ValueError(str(exc)) from exc
    return claims
