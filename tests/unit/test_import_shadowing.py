"""The stdlib ``platform`` and graphql-core must be what Python imports, not our packages."""

import importlib
import sys
import sysconfig
from pathlib import Path


def test_stdlib_platform_is_imported() -> None:
    import platform

    stdlib = Path(sysconfig.get_paths()["stdlib"]).resolve()
    assert Path(platform.__file__).resolve().parent == stdlib
    assert callable(platform.system)


def test_graphql_core_is_imported() -> None:
    import graphql

    assert hasattr(graphql, "specified_rules")
    assert "site-packages" in Path(graphql.__file__).parts
    assert importlib.import_module("schoolhub.graphql").__name__ == "schoolhub.graphql"


def test_our_packages_live_under_schoolhub() -> None:
    import schoolhub.graphql
    import schoolhub.platform

    assert schoolhub.platform.__name__ == "schoolhub.platform"
    assert Path(schoolhub.graphql.__file__).parent.parent.name == "schoolhub"
    assert "schoolhub" not in Path(sys.modules["platform"].__file__ or "").parts


def test_domains_never_import_the_api_layer() -> None:
    """Domain packages must not import schoolhub.graphql, litestar or strawberry (one-way rule)."""
    root = Path(__file__).resolve().parents[2] / "src" / "schoolhub"
    offenders = []
    for domain in ("platform", "tenants", "identity", "workspace", "payments", "realtime"):
        for path in (root / domain).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            for banned in (
                "schoolhub.graphql",
                "import litestar",
                "from litestar",
                "import strawberry",
                "from strawberry",
            ):
                if banned in text:
                    offenders.append(f"{path.relative_to(root)}: {banned}")
    assert offenders == []
