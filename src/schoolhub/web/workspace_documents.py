"""HTTP routes of the documents area (signed, expiring file downloads)."""

from typing import Any

ROUTES: list[Any] = []
