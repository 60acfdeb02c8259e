"""HTTP routes of the payments domain."""

from typing import Any

ROUTES: list[Any] = []
