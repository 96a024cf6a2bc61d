"""A new stack in one command (tools.new_stack), planned offline with answers derived from its
stack file (tools/engine/answers.py) and a policy config derived the same way
(tools.policy_config), including from RDS itself (moto's server)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml

from settings.files import ROOT
from tools import new_stack, policy_config
from tools import plan as plan_tool
from tools.engine.mockrun import run_program

NETWORK = [
    "--vpc",
    "vpc-0123456789abcdef0",
    "--private-subnets",
    "subnet-0123456789abcdef1,subnet-0123456789abcdef2",
    "--public-subnets",
    "subnet-0123456789abcdef3,subnet-0123456789abcdef4",
]


def _new(tmp_path: Path, name: str, *flags: str) -> int:
    return new_stack.main([name, "--project-dir", str(tmp_path), *flags], ask=None)


def _plan(tmp_path: Path, name: str, *extra: str) -> int:
    return plan_tool.main(
        [
            "--stack",
            name,
            "--config-file",
            str(tmp_path / f"Pulumi.{name}.yaml"),
            "--policy-config",
            str(tmp_path / "policies" / "config" / f"{name}.json"),
            *extra,
        ]
    )


def test_a_new_stack_plans_offline_from_one_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    flags = ["--region", "eu-central-1", "--primary", "core-demo-db", "--email", "team@example.com"]
    assert _new(tmp_path, "demo", *flags, *NETWORK) == 0
    written = yaml.safe_load((tmp_path / "Pulumi.demo.yaml").read_text())["config"]
    assert written["spikeproof:environment"] == "demo"
    assert written["spikeproof:primary"] == {"identifier": "core-demo-db"}
    assert "next: make plan STACK=demo" in capsys.readouterr().out
    assert not (ROOT / "tools" / "engine" / "fixtures" / "demo.json").exists()
    assert _plan(tmp_path, "demo") == plan_tool.EXIT_OK
    out = capsys.readouterr().out
    assert "aws:rds:Instance" in out and "no violations" in out
    # The policy config names the primary the derived answers describe, as the pack needs it.
    config = json.loads((tmp_path / "policies" / "config" / "demo.json").read_text())
    primary = config["rds-instance-primary-replica-source"]["primaryDatabase"]
    assert config["all"] == "mandatory", "a protected (default) stack gets every policy mandatory"
    result = run_program("demo", config_file=tmp_path / "Pulumi.demo.yaml")
    replica = result.of_type("aws:rds/instance:Instance")[0]
    assert replica.input("replicateSourceDb") in primary["arns"]
    assert primary["identifiers"] == ["core-demo-db"]
    assert all(e.endswith(".eu-central-1.rds.amazonaws.com") for e in primary["endpoints"])


def test_a_new_stack_with_fleet_and_edge_plans_and_is_unprotected_on_request(
    tmp_path: Path,
) -> None:
    flags = [
        "--region", "us-west-2", "--account", "210987654321", "--core-stack", "acme/core/qa",
        "--email", "qa@example.com", "--no-protect", "--ami", "ami-0a6f3c1e9b2d47f85",
        "--site-bucket", "s3://acme-qa-site/current/", "--zone", "acme-qa.example",
        "--cloudflare-account", "5e4f30211a2b3c4d9a8b7c6d6e7f8092",
        "--slack-workspace", "T07EA123LEP", "--slack-channel", "C07EZ1ABC99",
    ]  # fmt: skip
    assert _new(tmp_path, "qa", *flags) == 0
    assert _plan(tmp_path, "qa") == plan_tool.EXIT_OK
    result = run_program("qa", config_file=tmp_path / "Pulumi.qa.yaml")
    types = {r.type for r in result.resources}
    assert {"aws:autoscaling/group:Group", "cloudflare:index/dnsRecord:DnsRecord"} <= types
    assert any(r.type == "pulumi:pulumi:StackReference" for r in result.resources)
    config = json.loads((tmp_path / "policies" / "config" / "qa.json").read_text())
    assert config["all"] == "advisory"
    assert config["any-resource-primary-reference"] == "mandatory"
    assert (
        "arn:aws:rds:us-west-2:210987654321:db:core-qa-db"
        in (config["rds-instance-primary-replica-source"]["primaryDatabase"]["arns"])
    )


def test_bad_answers_write_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    flags = ["--region", "eu-centrl-1", "--primary", "core-demo-db", "--email", "not-an-address"]
    assert _new(tmp_path, "demo", *flags, *NETWORK) == new_stack.EXIT_ERROR
    err = capsys.readouterr().err
    assert "Pulumi.demo.yaml: aws:region: 'eu-centrl-1' is not an AWS region" in err
    assert "did you mean 'eu-central-1'" in err and "spikeproof:alerting.emails" in err
    assert list(tmp_path.iterdir()) == []
    assert _new(tmp_path, "demo", "--region", "eu-west-1") == new_stack.EXIT_ERROR
    assert "missing: --primary or --core-stack" in capsys.readouterr().err
    assert _new(tmp_path, "Demo Stack!", "--region", "eu-west-1") == new_stack.EXIT_ERROR
    assert "not a stack name" in capsys.readouterr().err


def test_an_existing_stack_file_is_never_overwritten_without_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    existing = tmp_path / "Pulumi.demo.yaml"
    existing.write_text(
        "encryptionsalt: v1:abc123==\nconfig:\n  aws:region: eu-west-1  # hand-tuned\n"
    )
    flags = ["--region", "eu-west-1", "--primary", "core-demo-db", "--email", "a@example.com"]
    assert _new(tmp_path, "demo", *flags, *NETWORK) == new_stack.EXIT_ERROR
    assert "already exists; nothing was written" in capsys.readouterr().err
    assert existing.read_text().endswith("# hand-tuned\n")
    assert _new(tmp_path, "demo", *flags, *NETWORK, "--force") == 0
    assert "core-demo-db" in existing.read_text()
    # The old file is kept, and what decrypts the stack's secrets is carried over.
    assert (tmp_path / "Pulumi.demo.yaml.bak").read_text().endswith("# hand-tuned\n")
    assert yaml.safe_load(existing.read_text())["encryptionsalt"] == "v1:abc123=="


def test_an_account_id_with_a_leading_zero_stays_text(tmp_path: Path) -> None:
    """PyYAML would write 012345678901 bare (YAML 1.1 has no such octal); the CLI's yaml.v3 would
    read it as a number. The stack file quotes it."""
    flags = ["--region", "eu-west-1", "--primary", "core-demo-db", "--email", "a@example.com"]
    assert _new(tmp_path, "demo", *flags, *NETWORK, "--account", "012345678901") == 0
    text = (tmp_path / "Pulumi.demo.yaml").read_text()
    assert '- "012345678901"' in text, text


def test_questions_fill_what_the_flags_leave_out(tmp_path: Path) -> None:
    answers = iter(
        [
            "eu-west-1",  # region
            "",  # account
            "core-demo-db",  # primary
            "",  # core stack
            "vpc-0123456789abcdef0",
            "subnet-0123456789abcdef1, subnet-0123456789abcdef2",
            "subnet-0123456789abcdef3,subnet-0123456789abcdef4",
            "team@example.com",
        ]
    )
    asked: list[str] = []

    def ask(question: str) -> str:
        asked.append(question)
        return next(answers)

    assert new_stack.main(["demo", "--project-dir", str(tmp_path)], ask=ask) == 0
    assert len(asked) == 8 and asked[0].startswith("AWS region")
    written = yaml.safe_load((tmp_path / "Pulumi.demo.yaml").read_text())["config"]
    assert written["spikeproof:network"]["privateSubnetIds"] == [
        "subnet-0123456789abcdef1",
        "subnet-0123456789abcdef2",
    ]


def test_the_policy_config_from_rds_itself(moto_endpoint: str, tmp_path: Path) -> None:
    """--from-aws reads the primary with DescribeDBInstances: moto's server plays RDS."""
    session: Any = boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name="eu-west-1"
    )

    def client(service: str, region_name: str) -> Any:
        return session.client(service, region_name=region_name, endpoint_url=moto_endpoint)

    rds = client("rds", "eu-west-1")
    rds.create_db_instance(
        DBInstanceIdentifier="core-staging-db",
        DBInstanceClass="db.r6g.large",
        Engine="postgres",
        AllocatedStorage=100,
        MasterUsername="core_admin",
        ManageMasterUserPassword=True,
    )
    data = policy_config.derived_config("staging", from_aws=True, client_factory=client)
    primary = data["rds-instance-primary-replica-source"]["primaryDatabase"]
    described = rds.describe_db_instances(DBInstanceIdentifier="core-staging-db")["DBInstances"][0]
    assert primary["identifiers"] == ["core-staging-db"]
    assert primary["arns"] == [described["DBInstanceArn"]]
    assert primary["resourceIds"] == [described["DbiResourceId"]]
    assert primary["endpoints"] == [described["Endpoint"]["Address"]]
    # ManageMasterUserPassword: RDS keeps the master secret, and the pack must know it.
    assert primary["secretArns"] == [described["MasterUserSecret"]["SecretArn"]]
    assert data["all"] == "advisory", "staging is unprotected (spikeproof:protect: false)"
