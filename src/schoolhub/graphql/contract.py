"""The mobile contract: printed schema, the app's operations and their trusted-document hashes.

``uv run python -m schoolhub.graphql.contract`` rewrites ``mobile_contract/schema.graphql`` and
``mobile_contract/trusted-documents.json``; ``tests/contract`` fails when either is stale, when an
operation no longer validates, or when the schema change breaks a published operation.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

from schoolhub.graphql.schema import build_schema

ROOT = Path(__file__).resolve().parents[3] / "mobile_contract"


def printed_schema() -> str:
    return build_schema(production=False).as_str().rstrip() + "\n"


def operations() -> dict[str, str]:
    """Relative path -> document text, for every operation the mobile app ships."""
    return {
        str(path.relative_to(ROOT)): path.read_text(encoding="utf-8")
        for path in sorted((ROOT / "operations").rglob("*.graphql"))
    }


def manifest() -> dict[str, str]:
    """sha256 of each document -> its path (Apollo-style persisted/trusted documents)."""
    return {hashlib.sha256(text.encode()).hexdigest(): name for name, text in operations().items()}


def write() -> None:
    (ROOT / "schema.graphql").write_text(printed_schema(), encoding="utf-8")
    (ROOT / "trusted-documents.json").write_text(
        json.dumps(manifest(), indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )


if __name__ == "__main__":
    write()
    sys.stdout.write(f"wrote {ROOT / 'schema.graphql'} and trusted-documents.json\n")
