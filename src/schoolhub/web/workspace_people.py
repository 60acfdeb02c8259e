"""HTTP routes of the workspace people area (spreadsheet upload for imports)."""

from typing import Any

ROUTES: list[Any] = []
