"""Opaque global ids (Relay): base64 of ``<TypeName>:<uuid>``. Clients must treat them as opaque."""

from __future__ import annotations

from uuid import UUID

from strawberry import relay

from schoolhub.platform.errors import DomainError


class InvalidId(DomainError):
    code = "INVALID_ID"

    def __init__(self, field: str | None = None) -> None:
        super().__init__("malformed id", field=field)


def encode(type_name: str, value: UUID) -> str:
    return str(relay.GlobalID(type_name, str(value)))


def decode_any(raw: str, field: str | None = None) -> tuple[str, UUID]:
    try:
        gid = relay.GlobalID.from_id(raw)
        return gid.type_name, UUID(gid.node_id)
    except Exception as exc:
        raise InvalidId(field) from exc


def decode(raw: str, type_name: str, field: str | None = None) -> UUID:
    kind, value = decode_any(raw, field)
    if kind != type_name:
        raise InvalidId(field)
    return value
