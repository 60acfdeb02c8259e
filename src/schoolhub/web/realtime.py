"""HTTP routes of the realtime domain."""

from typing import Any

ROUTES: list[Any] = []
