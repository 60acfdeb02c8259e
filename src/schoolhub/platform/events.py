"""Handlers for outbox topics. Domains register them in their ``tasks.py``; the worker dispatches.

A handler runs inside the tenant transaction of its event (the row's ``school_id``), so its database
writes commit together with the "processed" mark: replays after a crash do not repeat them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID


@dataclass(frozen=True)
class Event:
    outbox_id: int
    topic: str
    school_id: UUID | None
    payload: dict[str, Any]


Handler = Callable[[Event], Awaitable[None]]
_handlers: dict[str, list[Handler]] = {}


def handles(topic: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        _handlers.setdefault(topic, []).append(fn)
        return fn

    return register


def handlers_for(topic: str) -> list[Handler]:
    return list(_handlers.get(topic, ()))
