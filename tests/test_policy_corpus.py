"""The offline plan with the policy pack: a corpus of small violating programs, each run through
the full plan machinery (mock runtime, recording monitor, Analyzer protocol), must be blocked; the
shipped stacks pass; policy-config errors stop the plan with a clear message."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from settings.files import ROOT
from tools import plan as plan_tool

CORPUS = ROOT / "tests" / "policy_corpus"
STACK_FILE = CORPUS / "Pulumi.prod.yaml"

EXPECTED = {
    "lambda_env_primary": "any-resource-primary-reference",
    "sg_rule_into_primary": "ec2-security-group-primary-access",
    "launch_template_primary_sg": "ec2-compute-primary-security-group",
    "standalone_database": "rds-instance-primary-replica-source",
    "iam_connect_primary": "iam-policy-primary-access",
    "dns_to_primary": "any-resource-primary-reference",
    "user_data_primary": "any-resource-primary-reference",
    "cloudflare_unproxied": "cloudflare-dns-record-proxied",
    "asg_without_scaling": "autoscaling-group-scaling-policy",
}


def test_corpus_is_complete() -> None:
    cases = {p.name for p in CORPUS.iterdir() if (p / "__main__.py").exists()}
    assert cases == set(EXPECTED), f"cases without expectations: {cases ^ set(EXPECTED)}"


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_violating_program_is_blocked(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "plan.json"
    code = plan_tool.main(
        [
            "--stack",
            "prod",
            "--program-dir",
            str(CORPUS / case),
            "--config-file",
            str(STACK_FILE),
            "--json",
            str(out),
        ]
    )
    printed = capsys.readouterr()
    assert code == plan_tool.EXIT_POLICY, f"{case}: exit {code}\n{printed.out}\n{printed.err}"
    diagnostics = json.loads(out.read_text())["diagnostics"]
    hits = [d for d in diagnostics if d["policyName"] == EXPECTED[case]]
    assert hits and all(d["enforcementLevel"] == "mandatory" for d in hits), (
        f"{case}: expected a mandatory {EXPECTED[case]} diagnostic, got {diagnostics}"
    )
    assert all(d["urn"].startswith("urn:pulumi:prod::spikeproof::") for d in hits), hits
    assert f"[mandatory] {EXPECTED[case]}" in printed.out, printed.out
    assert "mandatory policy violation" in printed.err


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_shipped_stack_plans_clean_in_preview_and_lists_skips(
    stack: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "plan.json"
    assert plan_tool.main(["--stack", stack, "--preview", "--json", str(out)]) == 0
    printed = capsys.readouterr().out
    assert json.loads(out.read_text())["diagnostics"] == []
    assert "no violations" in printed
    assert "skipped until apply" in printed, printed


def test_policy_config_error_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "prod.json"
    config = json.loads((ROOT / "policies" / "config" / "prod.json").read_text())
    config["rds-instance-primary-replica-source"]["primaryDatabase"]["identifiers"] = []
    bad.write_text(json.dumps(config))
    code = plan_tool.main(["--stack", "prod", "--policy-config", str(bad)])
    err = capsys.readouterr().err
    assert code == plan_tool.EXIT_ERROR, err
    assert f"policy config {bad}" in err
    assert (
        "policy 'rds-instance-primary-replica-source': property 'primaryDatabase.identifiers'"
        in err
    )
