"""The printed schema and the mobile app's operations are a contract (Saleor's discipline)."""

from __future__ import annotations

import json

from graphql import build_schema, find_breaking_changes, parse, validate
from schoolhub.graphql import contract

FIX = "run `uv run python -m schoolhub.graphql.contract` and commit the result"


def test_committed_schema_is_current() -> None:
    committed = (contract.ROOT / "schema.graphql").read_text(encoding="utf-8")
    current = contract.printed_schema()
    if committed != current:
        breaking = find_breaking_changes(build_schema(committed), build_schema(current))
        details = "; ".join(c.description for c in breaking) or "no breaking changes"
        raise AssertionError(f"mobile_contract/schema.graphql is stale ({details}): {FIX}")


def test_every_published_operation_validates() -> None:
    schema = build_schema(contract.printed_schema())
    ops = contract.operations()
    assert len(ops) >= 8
    for name, text in ops.items():
        errors = validate(schema, parse(text))
        assert errors == [], f"{name}: {[e.message for e in errors]}"


def test_trusted_documents_manifest_is_current() -> None:
    committed = json.loads((contract.ROOT / "trusted-documents.json").read_text(encoding="utf-8"))
    assert committed == contract.manifest(), FIX


def test_breaking_change_detection_works() -> None:
    """The guard itself: removing a field the app uses is reported as breaking."""
    current = contract.printed_schema()
    broken = current.replace("  refreshToken: String\n", "", 1)
    assert broken != current
    changes = find_breaking_changes(build_schema(current), build_schema(broken))
    assert any("refreshToken" in c.description for c in changes)
