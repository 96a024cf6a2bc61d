"""The offline plan command: its JSON, preview mode and exit codes."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from settings.files import ROOT
from tools import plan as plan_tool
from tools.engine.mockrun import run_program

# The smallest stack the program accepts: replicas and alerting, no fleet, edge or forms.
MINIMAL_STACK = """config:
  aws:region: eu-central-1
  spikeproof:environment: {environment}
  spikeproof:primary:
    identifier: core-{environment}-db
  spikeproof:network:
    vpcId: vpc-0123456789abcdef0
    privateSubnetIds: [subnet-0123456789abcdef1, subnet-0123456789abcdef2]
    publicSubnetIds: [subnet-0123456789abcdef3, subnet-0123456789abcdef4]
"""
KEYS = {"urn", "type", "name", "parent", "custom", "inputs", "dependencies", "propertyDependencies"}


@pytest.fixture(scope="module")
def staging_json(tmp_path_factory: pytest.TempPathFactory) -> dict:
    path = tmp_path_factory.mktemp("plan") / "staging.json"
    assert plan_tool.main(["--stack", "staging", "--json", str(path)]) == plan_tool.EXIT_OK
    return json.loads(path.read_text())


def test_json_has_the_documented_shape(staging_json: dict) -> None:
    assert set(staging_json) == {
        "stack",
        "resources",
        "outputs",
        "diagnostics",
        "skippedPolicies",
    }
    assert staging_json["stack"] == "staging"
    assert isinstance(staging_json["diagnostics"], list)
    for resource in staging_json["resources"]:
        assert set(resource) == KEYS, f"{resource['urn']}: keys {sorted(resource)}"
        assert resource["urn"].startswith("urn:pulumi:staging::spikeproof::")


def test_inputs_are_in_wire_form_with_camel_case_keys(staging_json: dict) -> None:
    replica = next(r for r in staging_json["resources"] if r["type"] == "aws:rds/instance:Instance")
    assert replica["inputs"]["replicateSourceDb"] == (
        "arn:aws:rds:eu-west-1:111122223333:db:core-staging-db"
    )
    assert "replicate_source_db" not in replica["inputs"]
    assert replica["parent"].endswith("spikeproof:data:ReadReplica::replicas")
    assert any("replicas-subnets" in dep for dep in replica["dependencies"]), (
        "the replica depends on its subnet group"
    )
    assert "dbSubnetGroupName" in replica["propertyDependencies"]


def test_secrets_and_unknowns_are_shown_as_markers() -> None:
    from tools.engine.mockrun import SECRET_SIG, SIG_KEY, UNKNOWN, display, plain

    wire = {
        "endpoint": {SIG_KEY: SECRET_SIG, "value": "https://hooks.example.com/token"},
        "arn": UNKNOWN,
        "port": 5432,
    }
    assert display(wire) == {"endpoint": "[secret]", "arn": "[unknown]", "port": 5432}
    assert plain(wire) == {"endpoint": "https://hooks.example.com/token", "arn": None, "port": 5432}


def test_preview_leaves_computed_values_unknown(tmp_path: Path) -> None:
    path = tmp_path / "preview.json"
    assert plan_tool.main(["--stack", "prod", "--preview", "--json", str(path)]) == 0
    data = json.loads(path.read_text())
    assert data["outputs"]["alarm_topic_arn"] == "[unknown]", (
        "a new topic's ARN is unknown in preview"
    )
    assert data["outputs"]["reader_hostname"] == "reader.marketing.internal", "known at plan time"
    replica = next(r for r in data["resources"] if r["type"] == "aws:rds/instance:Instance")
    assert replica["inputs"]["vpcSecurityGroupIds"] == ["[unknown]"]
    assert replica["inputs"]["replicateSourceDb"].endswith(":db:core-prod-db"), (
        "invokes still answer in preview"
    )


def test_config_error_exits_2_with_the_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "Pulumi.staging.yaml"
    bad.write_text((ROOT / "Pulumi.staging.yaml").read_text().replace("count: 1", "count: -1"))
    assert plan_tool.main(["--stack", "staging", "--config-file", str(bad)]) == plan_tool.EXIT_ERROR
    err = capsys.readouterr().err
    assert "Pulumi.staging.yaml: spikeproof:replicas.count:" in err


def test_unknown_stack_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert plan_tool.main(["--stack", "qa"]) == plan_tool.EXIT_ERROR
    assert "stack file not found" in capsys.readouterr().err


def _plan_command(*args: str) -> subprocess.CompletedProcess[str]:
    """The plan as a command, in its own process: what a person sees, tracebacks included."""
    return subprocess.run(
        [sys.executable, "-m", "tools.plan", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_program_error_prints_no_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "Pulumi.staging.yaml"
    bad.write_text(
        (ROOT / "Pulumi.staging.yaml")
        .read_text()
        .replace(
            "identifier: core-staging-db", "identifier: core-staging-db\n    region: us-east-1"
        )
    )
    proc = _plan_command("--stack", "staging", "--config-file", str(bad))
    assert proc.returncode == 2, proc.stderr
    assert "needs a KMS key" in proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout, proc.stderr


def test_prints_like_pulumi_preview_within_100_columns(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert plan_tool.main(["--stack", "prod", "--width", "100"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= 100, max(lines, key=len)
    assert lines[0].startswith("Previewing update (prod)")
    # The tree: the stack at the root, components under it, their resources under them, with
    # the CLI's short type names and its operation marks.
    assert any(
        re.match(r"^ \+   pulumi:pulumi:Stack +spikeproof-prod +create$", ln) for ln in lines
    )
    assert any(
        re.match(r"^ \+   ├─ spikeproof:data:ReadReplica +replicas +create$", ln) for ln in lines
    )
    assert any(re.match(r"^ \+   │  ├─ aws:rds:Instance +replicas-2 +create$", ln) for ln in lines)
    assert any(re.match(r"^ >   ├─ pulumi:pulumi:StackReference +core +read$", ln) for ln in lines)
    # The inputs that decide a resource, under it.
    assert "replicateSourceDb=arn:aws:rds:eu-west-1:444455556666:db:core-prod-db" in out
    assert "minSize=3 maxSize=30 desiredCapacity=4" in out
    assert re.search(r"runtime=python3\.\d+ architectures=arm64 memorySize=\d+ timeout=\d+", out)
    # The summary counts every registration, as the CLI's does.
    result = run_program("prod")
    creates = sum(1 for r in result.resources if not r.read)
    assert f"Resources:\n    + {creates} to create\n    > 1 to read" in out
    assert "offline stand-ins" in out
    assert 'reader_hostname: "reader.marketing.internal"' in out


def test_every_registered_type_shows_its_deciding_inputs() -> None:
    from tools.plan_view import INPUTS

    for stack in ("staging", "prod"):
        types = {r.type for r in run_program(stack).resources if r.custom}
        assert types <= set(INPUTS), (
            f"add to tools/plan_view.py INPUTS: {sorted(types - set(INPUTS))}"
        )


def test_preview_collapses_skipped_policies_into_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "preview.json"
    assert plan_tool.main(["--stack", "staging", "--preview", "--json", str(path)]) == 0
    out = capsys.readouterr().out
    skipped = json.loads(path.read_text())["skippedPolicies"]
    assert skipped, "preview leaves values unknown, so some checks wait for apply"
    assert len([ln for ln in out.splitlines() if "skipped until apply" in ln]) == 1
    assert f"{len(skipped)} checks of" in out
    assert max(len(line) for line in out.splitlines()) <= 100


def test_an_error_in_a_program_names_its_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.yaml").write_text("name: broken\nruntime: python\n")
    (tmp_path / "Pulumi.dev.yaml").write_text("config:\n  aws:region: eu-west-1\n")
    (tmp_path / "__main__.py").write_text(
        "import pulumi\n\nsizes = {'small': 1}\npulumi.export('n', sizes['small'] + 'x')\n"
    )
    proc = _plan_command("--stack", "dev", "--program-dir", str(tmp_path))
    assert proc.returncode == 2, proc.stderr
    assert "program error (TypeError) at __main__.py:4:" in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr


def test_a_missing_policy_config_is_derived_before_the_program_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A stack without policies/config/<stack>.json still gets its policy check, from a config
    derived from the stack file, and the output says so; a named file that is missing is an
    error found before the program runs."""
    stack_file = tmp_path / "Pulumi.qa.yaml"
    stack_file.write_text(MINIMAL_STACK.format(environment="qa"))
    assert plan_tool.main(["--stack", "qa", "--config-file", str(stack_file)]) == 0
    out = capsys.readouterr().out
    assert "policies/config/qa.json is missing: derived from the stack file" in out
    assert "no violations" in out
    missing = tmp_path / "nope.json"
    code = plan_tool.main(
        ["--stack", "staging", "--policy-config", str(missing), "--json", str(tmp_path / "x.json")]
    )
    assert code == plan_tool.EXIT_ERROR
    assert "file not found" in capsys.readouterr().err
    assert not (tmp_path / "x.json").exists(), "nothing planned with a missing policy config"
