"""Encryption of merchant hash secrets at rest, and the signing key of internal payment events.

Keys come from ``SCHOOLHUB_SECRETS_KEY``: comma-separated ``<version>:<urlsafe-base64 32 bytes>``;
the highest version encrypts, every listed version decrypts (rotation: add a new version, re-encrypt
with :func:`reencrypt` at leisure, then drop the old one). Without the variable (development and
tests only) one random key is kept in ``<data_dir>/payments-secrets-key``. Keys and plaintexts are
never logged or put in exception messages.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from schoolhub.platform import settings as settings_mod

ENV = "SCHOOLHUB_SECRETS_KEY"
KEY_FILE = "payments-secrets-key"


class SecretsConfigError(RuntimeError):
    pass


@dataclass(frozen=True)
class Keyring:
    keys: dict[int, bytes] = field(repr=False)

    @property
    def current_version(self) -> int:
        return max(self.keys)

    def key(self, version: int) -> bytes:
        try:
            return self.keys[version]
        except KeyError:
            raise SecretsConfigError(f"secrets key version {version} is not configured") from None


def parse_keyring(raw: str) -> Keyring:
    keys: dict[int, bytes] = {}
    for part in raw.split(","):
        version, sep, b64 = part.strip().partition(":")
        if not sep or not version.isdigit():
            raise SecretsConfigError(f"{ENV} must be '<version>:<base64 key>[,...]'")
        try:
            key = base64.urlsafe_b64decode(b64.encode() + b"=" * (-len(b64) % 4))
        except ValueError:
            raise SecretsConfigError(f"{ENV}: key is not base64") from None
        if len(key) != 32:
            raise SecretsConfigError(f"{ENV}: each key must be 32 bytes")
        keys[int(version)] = key
    if not keys:
        raise SecretsConfigError(f"{ENV} is empty")
    return Keyring(keys)


@lru_cache(maxsize=1)
def keyring() -> Keyring:
    raw = os.environ.get(ENV, "").strip()
    if raw:
        return parse_keyring(raw)
    cfg = settings_mod.current()
    if cfg.is_production:
        raise SecretsConfigError(f"{ENV} is required in production")
    path = cfg.data_dir / KEY_FILE
    if not path.exists():
        cfg.data_dir.mkdir(parents=True, exist_ok=True)
        path.write_text("1:" + base64.urlsafe_b64encode(secrets.token_bytes(32)).decode())
        path.chmod(0o600)
    return parse_keyring(path.read_text().strip())


def _aad(school_id: object, tmn_code: str) -> bytes:
    return f"schoolhub.payments.merchant:{school_id}:{tmn_code}".encode()


def encrypt_secret(plaintext: str, *, school_id: object, tmn_code: str) -> tuple[bytes, int]:
    """AES-256-GCM, bound (AAD) to the school and terminal; returns (nonce+ciphertext, version)."""
    ring = keyring()
    version = ring.current_version
    nonce = secrets.token_bytes(12)
    sealed = AESGCM(ring.key(version)).encrypt(nonce, plaintext.encode(), _aad(school_id, tmn_code))
    return nonce + sealed, version


def decrypt_secret(blob: bytes, version: int, *, school_id: object, tmn_code: str) -> str:
    key = keyring().key(version)
    return (
        AESGCM(key).decrypt(bytes(blob[:12]), bytes(blob[12:]), _aad(school_id, tmn_code)).decode()
    )


def _event_key(version: int) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"schoolhub.payments.events.v1"
    ).derive(keyring().key(version))


def canonical(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str).encode()


def sign_event(payload: dict[str, Any]) -> dict[str, Any]:
    """``{"payload":..., "signature": "k<version>=<hex hmac-sha256>"}`` for the outbox."""
    version = keyring().current_version
    mac = hmac.new(_event_key(version), canonical(payload), hashlib.sha256).hexdigest()
    return {"payload": payload, "signature": f"k{version}={mac}"}


def verify_event(envelope: dict[str, Any]) -> bool:
    try:
        head, mac = str(envelope["signature"]).split("=", 1)
        version = int(head.removeprefix("k"))
        key = _event_key(version)
    except (KeyError, ValueError, SecretsConfigError):
        return False
    expected = hmac.new(key, canonical(envelope["payload"]), hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, mac)
