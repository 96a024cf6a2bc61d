"""The outputs contract: both stacks' exports validate against the schema, secrets are secret, and
the typed consumer helper reads them through a StackReference."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from contracts import CONTRACT_VERSION, load_schema, secret_outputs
from contracts.consumer import ContractMismatch
from settings.files import ROOT
from tools.engine.mockrun import run_program


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_exports_validate_against_the_contract(plan, stack: str) -> None:
    outputs = plan(stack).plain_outputs()
    errors = sorted(
        jsonschema.Draft202012Validator(load_schema()).iter_errors(outputs), key=lambda e: e.path
    )
    assert errors == [], f"{stack}: " + "; ".join(
        f"{'/'.join(map(str, e.path)) or '(root)'}: {e.message}" for e in errors
    )


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_secret_outputs_are_exactly_the_contracts_secrets(plan, stack: str) -> None:
    result = plan(stack)
    assert result.secret_outputs == secret_outputs(), (
        f"{stack}: outputs that are Pulumi secrets {sorted(result.secret_outputs)} must be exactly "
        f"those the contract marks x-secret {sorted(secret_outputs())}"
    )


def test_contract_version_output_matches_the_package(plan) -> None:
    assert plan("staging").plain_outputs()["contract_version"] == CONTRACT_VERSION
    assert load_schema()["properties"]["contract_version"]["pattern"].startswith(
        "^" + CONTRACT_VERSION.split(".")[0]
    ), "the schema's version pattern must pin the current major"


def test_schema_documents_every_output(plan) -> None:
    schema = load_schema()
    docs = (ROOT / "docs" / "outputs.md").read_text()
    for name, spec in schema["properties"].items():
        assert spec.get("description"), f"output {name} needs a description in the schema"
        assert f"`{name}`" in docs, f"output {name} is missing from docs/outputs.md"
    assert set(plan("prod").outputs) == set(schema["properties"])


def _consumer_fixtures(tmp_path: Path, outputs: dict) -> Path:
    fixtures = {
        "accountId": "777788889999",
        "region": "eu-west-1",
        "invokes": [],
        "stackReferences": {"acme/spikeproof/staging": outputs},
    }
    path = tmp_path / "consumer.json"
    path.write_text(json.dumps(fixtures))
    return path


def test_consumer_reads_the_outputs_through_a_stack_reference(plan, tmp_path: Path) -> None:
    produced = plan("staging").plain_outputs()
    result = run_program(
        "staging",
        program_dir=ROOT / "examples" / "consumer",
        fixtures_file=_consumer_fixtures(tmp_path, produced),
    )
    got = result.plain_outputs()
    assert got == {
        "reporting_db_host": produced["reader_hostname"],
        "reporting_db_port": produced["reader_port"],
        "page_to": produced["alarm_topic_arn"],
    }


def test_consumer_refuses_another_major_version(plan, tmp_path: Path) -> None:
    produced = {**plan("staging").plain_outputs(), "contract_version": "2.0.0"}
    with pytest.raises(ContractMismatch, match=r"publishes outputs contract '2\.0\.0'"):
        run_program(
            "staging",
            program_dir=ROOT / "examples" / "consumer",
            fixtures_file=_consumer_fixtures(tmp_path, produced),
        )
