"""Offline infrastructure gate: parse every Terraform file, audit checkov skips, then run checkov.

Usage (from the repository root)::

    uv run python infra/gate.py [PATH] [--dockerfile FILE | --no-dockerfile]

PATH defaults to infra/terraform and FILE to the repository's Dockerfile. Stages, in order; the
first failing stage stops the gate with exit status 1:

1. ``parse``: every ``*.tf`` file under PATH is parsed with python-hcl2. checkov exits 0 on files
   it cannot parse (it only counts "parsing errors"), so syntax is checked here, file by file.
2. ``skips``: every ``checkov:skip=`` comment (Terraform files and the Dockerfile) must name a
   check id and give a real reason (``#checkov:skip=CKV_AWS_123:why this is acceptable``).
3. ``fmt``: ``terraform fmt -check`` when a ``terraform`` (or ``tofu``) binary is on PATH;
   formatting needs no provider plugins. Skipped, and said so, when there is no binary.
4. ``checkov``: ``--framework terraform`` over PATH and ``--framework dockerfile`` over the
   Dockerfile (two runs: checkov ignores ``-f`` next to ``-d``), each with
   ``--skip-download --compact --quiet`` in the default mode, where any failed check fails the run.
   ``--hard-fail-on`` is never used: offline it returned 0 with failures. checkov runs in its own
   environment (``uv tool run --from checkov==VERSION``) so its pins never touch the project's
   lock. Its JSON report is read back, and the gate also fails if a report shows failed checks,
   parsing errors or no checks at all, whatever checkov's exit status was.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import hcl2

CHECKOV_VERSION = "3.3.30"
REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PATH = REPO_ROOT / "infra" / "terraform"
DEFAULT_DOCKERFILE = REPO_ROOT / "Dockerfile"
IGNORED_DIRS = frozenset({".terraform", ".git", "__pycache__"})
MIN_REASON_CHARS = 10

# A skip comment as checkov reads it: ``checkov:skip=<ID>[,<ID>...][:<reason>]``.
_SKIP_RE = re.compile(r"checkov:skip=(?P<ids>[^:\s]*)(?::(?P<reason>.*))?")
_CHECK_ID_RE = re.compile(r"^CKV2?_[A-Z0-9]+_\d+$")


@dataclass
class StageResult:
    name: str
    ok: bool
    seconds: float
    detail: list[str] = field(default_factory=list)


@dataclass
class CheckovCounts:
    passed: int = 0
    failed: int = 0
    skipped: int = 0
    parsing_errors: int = 0
    failed_checks: list[str] = field(default_factory=list)
    by_framework: dict[str, tuple[int, int, int]] = field(default_factory=dict)


def terraform_files(root: Path) -> list[Path]:
    """Every ``*.tf`` file under ``root`` (or ``root`` itself), skipping ``.terraform`` caches."""
    if root.is_file():
        return [root] if root.suffix == ".tf" else []
    return sorted(p for p in root.rglob("*.tf") if p.is_file() and not IGNORED_DIRS & set(p.parts))


def parse_stage(files: Sequence[Path]) -> StageResult:
    start = time.monotonic()
    errors: list[str] = []
    if not files:
        errors.append("no .tf files found: nothing to validate")
    for path in files:
        try:
            with path.open(encoding="utf-8") as handle:
                hcl2.load(handle)
        except Exception as exc:  # python-hcl2 raises lark errors and plain ValueErrors
            message = " ".join(str(exc).split())
            errors.append(f"{path}: {type(exc).__name__}: {message[:400]}")
    detail = errors or [f"{len(files)} files parsed"]
    return StageResult("parse", not errors, time.monotonic() - start, detail)


def skip_comments(path: Path) -> list[tuple[int, str, str]]:
    """(line, ids, reason) of every ``checkov:skip=`` comment in ``path``."""
    found: list[tuple[int, str, str]] = []
    text = path.read_text(encoding="utf-8")
    for lineno, line in enumerate(text.splitlines(), start=1):
        for match in _SKIP_RE.finditer(line):
            found.append((lineno, match.group("ids"), (match.group("reason") or "").strip()))
    return found


def skip_comment_problems(path: Path) -> list[str]:
    """``checkov:skip`` comments in ``path`` that lack a valid check id or a real reason."""
    problems: list[str] = []
    for lineno, ids, reason in skip_comments(path):
        bad_ids = [i for i in ids.split(",") if not _CHECK_ID_RE.match(i)]
        if not ids or bad_ids:
            problems.append(f"{path}:{lineno}: checkov:skip without a valid check id: {ids!r}")
        elif len(reason) < MIN_REASON_CHARS:
            problems.append(
                f"{path}:{lineno}: checkov:skip={ids} has no reason (write "
                f"'#checkov:skip={ids}:<why>', at least {MIN_REASON_CHARS} characters)"
            )
    return problems


def skips_stage(files: Iterable[Path]) -> StageResult:
    start = time.monotonic()
    problems: list[str] = []
    count = 0
    for path in files:
        count += len(skip_comments(path))
        problems.extend(skip_comment_problems(path))
    detail = problems or [f"{count} skip comments, each with a check id and a reason"]
    return StageResult("skips", not problems, time.monotonic() - start, detail)


def fmt_stage(root: Path) -> StageResult:
    start = time.monotonic()
    terraform = shutil.which("terraform") or shutil.which("tofu")
    if terraform is None:
        return StageResult("fmt", True, 0.0, ["skipped: no terraform/tofu binary on PATH"])
    target = root if root.is_dir() else root.parent
    quiet_env = {
        "CHECKPOINT_DISABLE": "1",
        "TF_IN_AUTOMATION": "1",
        "TF_CLI_CONFIG_FILE": os.devnull,
    }
    proc = subprocess.run(  # noqa: S603 - fixed argv, no shell
        [terraform, "fmt", "-check", "-recursive", "-list=true", str(target)],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **quiet_env},
    )
    if proc.returncode == 0:
        return StageResult("fmt", True, time.monotonic() - start, ["terraform fmt -check: clean"])
    lines = [f"not formatted (terraform fmt -recursive): {name}" for name in proc.stdout.split()]
    lines += [line for line in proc.stderr.splitlines() if line.strip()]
    return StageResult("fmt", False, time.monotonic() - start, lines)


def checkov_command(target: Path, framework: str, report_file: Path) -> list[str]:
    uv = os.environ.get("UV") or shutil.which("uv")
    if uv is None:
        raise RuntimeError("uv is not on PATH; it runs checkov in its own environment")
    command = [uv, "tool", "run", "--from", f"checkov=={CHECKOV_VERSION}", "checkov"]
    command += ["-d", str(target)] if target.is_dir() else ["-f", str(target)]
    command += ["--framework", framework, "--skip-download", "--compact", "--quiet"]
    command += ["-o", "cli", "-o", "json", "--output-file-path", f"console,{report_file}"]
    return command


def _reports(raw: Any) -> list[dict[str, Any]]:
    if isinstance(raw, list):
        return [r for r in raw if isinstance(r, dict)]
    if isinstance(raw, dict):
        return [raw]
    return []


def read_counts(report_dir: Path) -> CheckovCounts:
    counts = CheckovCounts()
    for report_file in sorted(report_dir.glob("*.json")):
        for report in _reports(json.loads(report_file.read_text(encoding="utf-8"))):
            summary = report.get("summary", {})
            passed = int(summary.get("passed", 0))
            failed = int(summary.get("failed", 0))
            skipped = int(summary.get("skipped", 0))
            counts.passed += passed
            counts.failed += failed
            counts.skipped += skipped
            counts.parsing_errors += int(summary.get("parsing_errors", 0))
            counts.by_framework[str(report.get("check_type", report_file.stem))] = (
                passed,
                failed,
                skipped,
            )
            for check in report.get("results", {}).get("failed_checks", []):
                counts.failed_checks.append(
                    f"{check.get('check_id')} {check.get('resource')} "
                    f"({check.get('file_path')}:{check.get('file_line_range')})"
                )
    return counts


def checkov_stage(targets: Sequence[tuple[str, Path]]) -> tuple[StageResult, CheckovCounts]:
    """Run checkov once per (framework, target); any failure fails the stage."""
    start = time.monotonic()
    detail: list[str] = []
    ok = True
    with tempfile.TemporaryDirectory(prefix="schoolhub-gate-") as tmp:
        # Sequential on purpose: concurrent checkov runs were slower on a shared 2-core runner.
        for framework, target in targets:
            command = checkov_command(target, framework, Path(tmp) / f"{framework}.json")
            proc = subprocess.run(  # noqa: S603 - fixed argv, no shell
                command, capture_output=True, text=True, check=False
            )
            if proc.stdout.strip():
                print(proc.stdout.rstrip())
            detail.append(f"{framework}: checkov exit status {proc.returncode}")
            if proc.returncode != 0:
                ok = False
                if proc.returncode != 1:
                    detail.append(proc.stderr[-2000:])
        try:
            counts = read_counts(Path(tmp))
        except (OSError, ValueError) as exc:
            detail.append(f"could not read checkov's JSON report: {exc}")
            return StageResult("checkov", False, time.monotonic() - start, detail), CheckovCounts()
    for framework, _target in targets:
        passed, failed, _skipped = counts.by_framework.get(framework, (0, 0, 0))
        if passed + failed == 0:
            ok = False
            detail.append(f"{framework}: checkov ran no checks at all")
    if counts.failed or counts.parsing_errors:
        ok = False
    if counts.parsing_errors:
        detail.append(f"checkov reported {counts.parsing_errors} parsing errors")
    detail += [f"failed: {line}" for line in counts.failed_checks]
    return StageResult("checkov", ok, time.monotonic() - start, detail), counts


def _shown(path: Path) -> Path:
    try:
        return path.relative_to(REPO_ROOT)
    except ValueError:
        return path


def print_summary(
    stages: Sequence[StageResult], counts: CheckovCounts | None, files: Sequence[Path], total: float
) -> None:
    print("\n== infrastructure gate summary ==")
    for stage in stages:
        status = "ok" if stage.ok else "FAILED"
        print(f"[{status:>6}] {stage.name:<8} {stage.seconds:6.1f}s")
        for line in stage.detail:
            print(f"           {line}")
    if counts is not None:
        print(
            f"checkov: {counts.passed} passed, {counts.failed} failed, {counts.skipped} skipped, "
            f"{counts.parsing_errors} parsing errors"
        )
        for framework, (passed, failed, skipped) in sorted(counts.by_framework.items()):
            print(f"  {framework}: {passed} passed, {failed} failed, {skipped} skipped")
        print("suppressed checks (inline #checkov:skip, each with its reason):")
        for path in files:
            for lineno, ids, reason in skip_comments(path):
                print(f"  {_shown(path)}:{lineno} {ids}: {reason}")
    verdict = "PASS" if stages and all(s.ok for s in stages) else "FAIL"
    print(f"gate: {verdict} in {total:.1f}s")


def run_gate(root: Path, dockerfile: Path | None) -> int:
    start = time.monotonic()
    stages: list[StageResult] = []
    counts: CheckovCounts | None = None
    tf_files = terraform_files(root)
    audited = [*tf_files, *([dockerfile] if dockerfile is not None else [])]
    stages.append(parse_stage(tf_files))
    if stages[-1].ok:
        stages.append(skips_stage(audited))
    if stages[-1].ok:
        stages.append(fmt_stage(root))
    if stages[-1].ok:
        targets: list[tuple[str, Path]] = [("terraform", root)]
        if dockerfile is not None:
            targets.append(("dockerfile", dockerfile))
        result, counts = checkov_stage(targets)
        stages.append(result)
    print_summary(stages, counts, audited, time.monotonic() - start)
    return 0 if all(s.ok for s in stages) else 1


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Offline gate for infra/terraform and Dockerfile.")
    parser.add_argument("path", nargs="?", type=Path, default=DEFAULT_PATH)
    docker = parser.add_mutually_exclusive_group()
    docker.add_argument("--dockerfile", type=Path, default=None, help="Dockerfile to scan too")
    docker.add_argument("--no-dockerfile", action="store_true", help="scan Terraform only")
    args = parser.parse_args(argv)
    root: Path = args.path.resolve()
    if not root.exists():
        print(f"gate: {root} does not exist", file=sys.stderr)
        return 1
    dockerfile: Path | None = None
    if not args.no_dockerfile:
        dockerfile = (args.dockerfile or DEFAULT_DOCKERFILE).resolve()
        if not dockerfile.is_file():
            print(f"gate: Dockerfile {dockerfile} not found", file=sys.stderr)
            return 1
    return run_gate(root, dockerfile)


if __name__ == "__main__":
    sys.exit(main())
