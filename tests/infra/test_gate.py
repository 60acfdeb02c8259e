"""The offline infrastructure gate (infra/gate.py) and the Terraform it guards.

Runs the real gate, which calls checkov through ``uv tool run`` (a few seconds per run, about half a
minute for the whole of infra/terraform), on the real tree and on deliberately broken fixtures.
"""

from __future__ import annotations

import importlib.util
import ipaddress
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import hcl2
import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
GATE = REPO_ROOT / "infra" / "gate.py"
TERRAFORM = REPO_ROOT / "infra" / "terraform"
FIXTURES = Path(__file__).resolve().parent / "fixtures"

pytestmark = pytest.mark.skipif(shutil.which("uv") is None, reason="the gate runs checkov via uv")


def load_gate() -> ModuleType:
    spec = importlib.util.spec_from_file_location("schoolhub_infra_gate", GATE)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve annotations through sys.modules
    spec.loader.exec_module(module)
    return module


def run_gate(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(GATE), *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=280,
    )


def stage_line(output: str, stage: str) -> str:
    """The summary line of one stage, e.g. '[    ok] parse   0.4s'."""
    for line in output.splitlines():
        if re.match(rf"^\[\s*(ok|FAILED)\] {stage}\b", line):
            return line
    return ""


# ---------------------------------------------------------------- the real tree


def test_gate_passes_on_real_terraform_and_dockerfile() -> None:
    result = run_gate()
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "gate: PASS" in output
    for stage in ("parse", "skips", "fmt", "checkov"):
        assert "[    ok]" in stage_line(output, stage), output
    # Both frameworks really ran checks, with none failing.
    assert re.search(r"terraform: [1-9]\d* passed, 0 failed", output), output
    assert re.search(r"dockerfile: [1-9]\d* passed, 0 failed", output), output


def test_fixtures_are_outside_the_scanned_tree() -> None:
    gate = load_gate()
    scanned = gate.terraform_files(gate.DEFAULT_PATH)
    assert scanned, "infra/terraform has no .tf files"
    assert not [p for p in scanned if FIXTURES in p.parents]
    assert not FIXTURES.is_relative_to(TERRAFORM)


# ---------------------------------------------------------------- broken fixtures


def test_parse_error_fails_at_parse_stage_before_checkov() -> None:
    result = run_gate(str(FIXTURES / "parse_error"), "--no-dockerfile")
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    line = stage_line(output, "parse")
    assert "FAILED" in line, output
    assert "parse_error/main.tf" in output
    assert stage_line(output, "checkov") == "", "checkov must not run after a parse error"
    assert "gate: FAIL" in output


def test_insecure_bucket_fails_at_checkov_stage() -> None:
    result = run_gate(str(FIXTURES / "checkov_failure"), "--no-dockerfile")
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "[    ok]" in stage_line(output, "parse"), output
    assert "[    ok]" in stage_line(output, "skips"), output
    assert "FAILED" in stage_line(output, "checkov"), output
    assert re.search(r"failed: CKV2?_AWS_\d+ aws_s3_bucket", output), output
    assert "gate: FAIL" in output


def test_skip_without_reason_fails_before_checkov() -> None:
    result = run_gate(str(FIXTURES / "skip_without_reason"), "--no-dockerfile")
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "[    ok]" in stage_line(output, "parse"), output
    assert "FAILED" in stage_line(output, "skips"), output
    assert "checkov:skip=CKV_AWS_18 has no reason" in output
    assert stage_line(output, "checkov") == ""


@pytest.mark.parametrize(
    ("comment", "problem"),
    [
        ("#checkov:skip=CKV_AWS_18", "has no reason"),
        ("#checkov:skip=CKV_AWS_18:", "has no reason"),
        ("#checkov:skip=CKV_AWS_18:   ", "has no reason"),
        ("#checkov:skip=CKV_AWS_18:ok", "has no reason"),
        ("#checkov:skip=:because we said so", "without a valid check id"),
        ("#checkov:skip=all:because we said so", "without a valid check id"),
        ("#checkov:skip=CKV_AWS_18:logging target bucket, cannot log itself", None),
        ("#checkov:skip=CKV2_AWS_62:events go through EventBridge rules", None),
        ("# checkov:skip=CKV_K8S_35:the app reads its settings from env vars", None),
    ],
)
def test_skip_comment_audit(tmp_path: Path, comment: str, problem: str | None) -> None:
    gate = load_gate()
    path = tmp_path / "main.tf"
    path.write_text(f'resource "aws_s3_bucket" "b" {{\n  {comment}\n  bucket = "b"\n}}\n')
    problems = gate.skip_comment_problems(path)
    if problem is None:
        assert problems == []
    else:
        assert len(problems) == 1
        assert problem in problems[0]
        assert f"{path}:2:" in problems[0]


def test_missing_path_fails() -> None:
    result = run_gate(str(FIXTURES / "does-not-exist"), "--no-dockerfile")
    assert result.returncode == 1
    assert "does not exist" in result.stderr


# ---------------------------------------------------------------- conventions of the real tree


def _terraform_documents() -> Iterator[tuple[Path, dict[str, Any]]]:
    for path in sorted(TERRAFORM.rglob("*.tf")):
        with path.open(encoding="utf-8") as handle:
            yield path, hcl2.load(handle)


_SECRETISH = re.compile(r"(password|secret|token|private_key|hash_secret)")
_REFERENCE = re.compile(r"(_arn|_arns|_name|_names|_version|_versions|_id|_ids)$")


def test_variables_are_typed_documented_and_secrets_sensitive() -> None:
    problems: list[str] = []
    count = 0
    for path, document in _terraform_documents():
        for block in document.get("variable", []):
            for quoted, body in block.items():
                name = quoted.strip('"')
                count += 1
                where = f"{path.relative_to(REPO_ROOT)}: variable {name}"
                if not str(body.get("description", "")).strip():
                    problems.append(f"{where} has no description")
                if "type" not in body:
                    problems.append(f"{where} has no type")
                secretish = _SECRETISH.search(name) and not _REFERENCE.search(name)
                if secretish and body.get("sensitive") is not True:
                    problems.append(f"{where} looks secret but is not sensitive = true")
    assert count > 50
    assert problems == []


def test_outputs_are_documented() -> None:
    problems: list[str] = []
    for path, document in _terraform_documents():
        for block in document.get("output", []):
            for name, body in block.items():
                if not str(body.get("description", "")).strip():
                    problems.append(f"{path.relative_to(REPO_ROOT)}: output {name}")
    assert problems == []


def test_no_secret_value_can_reach_state() -> None:
    """Generated secrets are ephemeral and written write-only; nothing stores a secret in state."""
    problems: list[str] = []
    for path, document in _terraform_documents():
        shown = path.relative_to(REPO_ROOT)
        for block in document.get("resource", []):
            for resource_type, instances in block.items():
                if resource_type in {"random_password", "random_string", "tls_private_key"}:
                    problems.append(f"{shown}: resource {resource_type} keeps its value in state")
                for name, body in instances.items():
                    for attribute in ("secret_string", "secret_binary", "password", "auth_token"):
                        if attribute in body:
                            problems.append(f"{shown}: {resource_type}.{name}.{attribute}")
                    if resource_type == "aws_elasticache_user" and "passwords" in body:
                        problems.append(f"{shown}: {resource_type}.{name}.passwords")
    assert problems == []


# ---------------------------------------------------------------- rendered coturn configuration

TURN_MODULE = TERRAFORM / "modules" / "turn"


def _render(template: Path, variables: dict[str, Any], tmp_path: Path) -> str:
    """Render a Terraform template with the real `templatefile` (terraform console needs no providers)."""
    terraform = shutil.which("terraform") or shutil.which("tofu")
    if terraform is None:
        pytest.skip("no terraform/tofu binary to render templates with")
    vars_file = tmp_path / f"{template.stem}.json"
    vars_file.write_text(json.dumps(variables))
    expression = f'templatefile("{template}", jsondecode(file("{vars_file}")))\n'
    result = subprocess.run(
        [terraform, "console"],
        input=expression,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
        env={**os.environ, "TF_CLI_CONFIG_FILE": os.devnull, "CHECKPOINT_DISABLE": "1"},
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "<<EOT"
    assert lines[-1] == "EOT"
    return "\n".join(lines[1:-1])


def _turn_locals() -> dict[str, Any]:
    with (TURN_MODULE / "main.tf").open(encoding="utf-8") as handle:
        document = hcl2.load(handle)
    merged: dict[str, Any] = {}
    for block in document["locals"]:
        merged.update(block)
    return merged


def _ranges(
    lines: list[str], key: str
) -> list[tuple[ipaddress.IPv4Address | ipaddress.IPv6Address, ...]]:
    found = []
    for line in lines:
        if line.startswith(f"{key}="):
            value = line.split("=", 1)[1]
            bounds = value.split("-") if "-" in value else [value, value]
            found.append(tuple(ipaddress.ip_address(b) for b in bounds))
    return found


def test_coturn_config_denies_private_peers_and_narrows_relay_range(tmp_path: Path) -> None:
    denied = [str(r).strip('"') for r in _turn_locals()["denied_peer_ranges"]]
    media = ipaddress.ip_network("10.40.64.0/20")
    conf = _render(
        TURN_MODULE / "turnserver.conf.tftpl",
        {
            "hostname": "turn-1.example.org",
            "realm": "example.org",
            "min_port": 50000,
            "max_port": 59999,
            "user_quota": 12,
            "total_quota": 2000,
            "denied_peer_ranges": denied,
            "allowed_peer_ranges": [f"{media.network_address}-{media.broadcast_address}"],
        },
        tmp_path,
    )
    lines = [line.strip() for line in conf.splitlines()]
    assert "min-port=50000" in lines
    assert "max-port=59999" in lines
    for flag in ("use-auth-secret", "no-multicast-peers", "no-tcp-relay", "no-cli", "fingerprint"):
        assert flag in lines
    assert not [line for line in lines if line.startswith("allow-loopback-peers")]
    assert not [line for line in lines if line.startswith("static-auth-secret")]

    deny = _ranges(lines, "denied-peer-ip")
    for address in (
        "10.1.2.3",
        "172.20.0.1",
        "192.168.1.1",
        "127.0.0.1",
        "169.254.169.254",
        "169.254.10.10",
        "100.64.0.1",
        "0.0.0.0",
        "224.0.0.1",
        "::1",
        "fe80::1",
        "fd00:ec2::254",
    ):
        ip = ipaddress.ip_address(address)
        assert any(
            lo.version == ip.version and lo <= ip <= hi  # type: ignore[operator]
            for lo, hi in deny
        ), f"{address} is not denied"
    public = ipaddress.ip_address("203.0.113.7")
    assert not any(lo.version == 4 and lo <= public <= hi for lo, hi in deny)  # type: ignore[operator]
    assert _ranges(lines, "allowed-peer-ip") == [(media.network_address, media.broadcast_address)]


def test_coturn_boot_script_reads_the_secret_at_boot(tmp_path: Path) -> None:
    script = _render(
        TURN_MODULE / "cloud-init.sh.tftpl",
        {
            "hostname": "turn-1.example.org",
            "realm": "example.org",
            "public_ip": "203.0.113.7",
            "region": "ap-southeast-1",
            "turn_secret_arn": "arn:aws:secretsmanager:ap-southeast-1:111122223333:secret:x/turn",
            "acme_email": "ops@example.org",
            "turnserver_conf": "min-port=50000",
        },
        tmp_path,
    )
    assert "aws secretsmanager get-secret-value" in script
    assert "printf 'static-auth-secret=%s\\n' \"$secret\"" in script
    assert "external-ip=%s/%s" in script
    assert "--dns-route53" in script
