"""The outputs contract: both stacks' exports validate against the schema, secrets are secret, and
the typed consumer helper reads them through a StackReference."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import jsonschema
import pytest

from contracts import CONTRACT_VERSION, load_schema, secret_outputs
from contracts.consumer import REQUIRED, ContractMismatch, MarketingPlane
from settings.files import ROOT
from tools import plan as plan_tool
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
        "signup_endpoint": produced["form_endpoint"],
        "static_routes": produced["site_routes"],
    }


def test_the_consumer_helper_has_one_field_per_output_of_the_contract() -> None:
    schema = load_schema()
    names = [f.name for f in dataclasses.fields(MarketingPlane)]
    assert set(names) == set(schema["properties"]), (
        "contracts/consumer.py MarketingPlane and contracts/outputs.schema.json differ: "
        f"{sorted(set(names) ^ set(schema['properties']))}"
    )
    assert set(REQUIRED) == set(schema["required"])


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_the_consumer_helper_reads_every_output_a_stack_publishes(
    plan, stack: str, tmp_path: Path
) -> None:
    """A program exporting every field of the helper gets back exactly what the stack published
    (None for what it does not): no output is out of the helper's reach."""
    (tmp_path / "Pulumi.yaml").write_text("name: reader\nruntime: python\n")
    (tmp_path / f"Pulumi.{stack}.yaml").write_text(
        f"config:\n  reader:marketingStack: acme/spikeproof/{stack}\n"
    )
    (tmp_path / "__main__.py").write_text(
        "import dataclasses\nimport pulumi\nfrom contracts.consumer import MarketingPlane\n"
        "plane = MarketingPlane.from_stack(pulumi.Config().require('marketingStack'))\n"
        "for f in dataclasses.fields(plane):\n"
        "    pulumi.export(f.name, getattr(plane, f.name))\n"
    )
    produced = plan(stack).plain_outputs()
    got = run_program(stack, program_dir=tmp_path).plain_outputs()
    # An output the stack does not publish is None in the helper, and exporting None exports
    # nothing: what comes back is exactly what the stack published.
    assert got == produced


def test_the_example_consumer_plans_offline_with_one_command(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`make plan-consumer` (README): the example's StackReference is answered by the producing
    stack's own offline plan, no fixtures file."""
    assert "make plan-consumer" in (ROOT / "README.md").read_text()
    makefile = (ROOT / "Makefile").read_text()
    assert "--program-dir examples/consumer" in makefile
    code = plan_tool.main(["--stack", "staging", "--program-dir", str(ROOT / "examples/consumer")])
    out = capsys.readouterr().out
    assert code == 0, out
    assert 'reporting_db_host: "reader.marketing.internal"' in out
    assert "pulumi:pulumi:StackReference" in out


def test_consumer_refuses_another_major_version(plan, tmp_path: Path) -> None:
    produced = {**plan("staging").plain_outputs(), "contract_version": "2.0.0"}
    with pytest.raises(ContractMismatch, match=r"publishes outputs contract '2\.0\.0'"):
        run_program(
            "staging",
            program_dir=ROOT / "examples" / "consumer",
            fixtures_file=_consumer_fixtures(tmp_path, produced),
        )
