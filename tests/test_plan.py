"""The offline plan command: its JSON, preview mode and exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from settings.files import ROOT
from tools import plan as plan_tool

KEYS = {"urn", "type", "name", "parent", "custom", "inputs", "dependencies", "propertyDependencies"}


@pytest.fixture(scope="module")
def staging_json(tmp_path_factory: pytest.TempPathFactory) -> dict:
    path = tmp_path_factory.mktemp("plan") / "staging.json"
    assert plan_tool.main(["--stack", "staging", "--json", str(path)]) == plan_tool.EXIT_OK
    return json.loads(path.read_text())


def test_json_has_the_documented_shape(staging_json: dict) -> None:
    assert set(staging_json) == {"stack", "resources", "outputs", "diagnostics"}
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


def test_program_error_prints_no_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "Pulumi.staging.yaml"
    bad.write_text(
        (ROOT / "Pulumi.staging.yaml")
        .read_text()
        .replace(
            "identifier: core-staging-db", "identifier: core-staging-db\n    region: us-east-1"
        )
    )
    proc = subprocess.run(
        [sys.executable, "-m", "tools.plan", "--stack", "staging", "--config-file", str(bad)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2, proc.stderr
    assert "needs a KMS key" in proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout, proc.stderr


def test_table_lists_resources_and_outputs(capsys: pytest.CaptureFixture[str]) -> None:
    assert plan_tool.main(["--stack", "prod"]) == 0
    out = capsys.readouterr().out
    assert "aws:rds/instance:Instance" in out and "replicas-2" in out
    assert 'replicateSourceDb="arn:aws:rds:eu-west-1:444455556666:db:core-prod-db"' in out
    assert 'reader_hostname: "reader.marketing.internal"' in out
