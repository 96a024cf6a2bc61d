"""Bad stack files: each stops the program before any resource is registered, with a message that
names the stack file, the key path, the bad value, what is allowed and an example fix."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from settings.errors import ConfigErrors
from settings.files import load_stack_config
from tools.engine.mockrun import run_program

NET = "spikeproof:network"

# (case id, overrides on Pulumi.staging.yaml, key path in the message, words the message must say)
BAD: list[tuple[str, dict[str, Any], str, str]] = [
    (
        "count-zero",
        {"replicas": {"count": 0}},
        "spikeproof:replicas.count",
        "greater than or equal to 1",
    ),
    (
        "count-too-many",
        {"replicas": {"count": 16}},
        "spikeproof:replicas.count",
        "less than or equal to 15",
    ),
    (
        "count-not-number",
        {"replicas": {"count": "two"}},
        "spikeproof:replicas.count",
        "must be a whole number",
    ),
    (
        "typo-in-area",
        {"replicas": {"instanceClas": "db.r6g.large"}},
        "spikeproof:replicas.instanceClas",
        "did you mean 'instanceClass'",
    ),
    ("typo-top-level", {"replica": {"count": 2}}, "spikeproof:replica", "did you mean 'replicas'"),
    (
        "pi-retention",
        {"replicas": {"performanceInsightsRetentionDays": 30}},
        "spikeproof:replicas.performanceInsightsRetentionDays",
        "multiple of 31",
    ),
    (
        "monitoring-interval",
        {"replicas": {"monitoringIntervalSeconds": 45}},
        "spikeproof:replicas.monitoringIntervalSeconds",
        "Input should be 0, 1, 5, 10, 15, 30 or 60",
    ),
    (
        "bad-identifier",
        {"primary": {"identifier": "core_db"}},
        "spikeproof:primary.identifier",
        "not an RDS instance identifier",
    ),
    (
        "bad-region",
        {"primary": {"region": "europe"}},
        "spikeproof:primary.region",
        "not an AWS region",
    ),
    (
        "bad-kms",
        {"primary": {"kmsKeyId": "my key"}},
        "spikeproof:primary.kmsKeyId",
        "not a KMS key",
    ),
    ("bad-vpc", {"network": {"vpcId": "vpc-xyz"}}, "spikeproof:network.vpcId", "not a VPC id"),
    (
        "one-subnet",
        {"network": {"privateSubnetIds": ["subnet-0a1b2c3d4e5f60011"]}},
        "spikeproof:network.privateSubnetIds",
        "at least 2 items",
    ),
    (
        "subnet-twice",
        {"network": {"privateSubnetIds": ["subnet-0a1b2c3d4e5f60011"] * 2}},
        "spikeproof:network.privateSubnetIds",
        "lists a subnet twice",
    ),
    (
        "public-is-private",
        {"network": {"publicSubnetIds": ["subnet-0a1b2c3d4e5f60011", "subnet-0a1b2c3d4e5f60112"]}},
        "spikeproof:network.publicSubnetIds",
        "both private and public",
    ),
    ("no-network", {"network": None}, "spikeproof:network", "the network is unknown"),
    (
        "two-networks",
        {"coreStack": {"name": "acme/core/staging"}},
        "spikeproof:network",
        "two sources of truth",
    ),
    (
        "bad-core-stack",
        {"network": None, "coreStack": {"name": "core-prod"}},
        "spikeproof:coreStack.name",
        "org/project/stack",
    ),
    ("no-primary", {"primary": None}, "spikeproof:primary.identifier", "the primary is unknown"),
    (
        "bad-environment",
        {"environment": "Staging!"},
        "spikeproof:environment",
        "should match pattern",
    ),
    (
        "bad-email",
        {"alerting": {"emails": ["oncall-at-example.com"]}},
        "spikeproof:alerting.emails",
        "not e-mail addresses",
    ),
    (
        "bad-zone",
        {"replicas": {"readerDns": {"zoneName": "internal"}}},
        "spikeproof:replicas.readerDns.zoneName",
        "not a DNS zone name",
    ),
    (
        "ttl-too-low",
        {"replicas": {"readerDns": {"ttlSeconds": 1}}},
        "spikeproof:replicas.readerDns.ttlSeconds",
        "greater than or equal to 5",
    ),
    ("protect-not-bool", {"protect": "yes"}, "spikeproof:protect", "must be a boolean"),
    ("missing-region", {"aws:region": None}, "aws:region", "required key is missing"),
    # YAML reads an unquoted id as a number and drops a leading zero; the provider compares strings.
    ("account-unquoted", {"aws:allowedAccountIds": [111122223333]}, "aws:allowedAccountIds",
     "each quoted"),
    ("account-short", {"aws:allowedAccountIds": ["11112222333"]}, "aws:allowedAccountIds",
     "12-digit"),
    ("account-not-list", {"aws:allowedAccountIds": "111122223333,444455556666"},
     "aws:allowedAccountIds", "non-empty list"),
    ("account-empty", {"aws:allowedAccountIds": []}, "aws:allowedAccountIds", "non-empty list"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("overrides", "key_path", "words"), [c[1:] for c in BAD], ids=[c[0] for c in BAD]
)
def test_bad_stack_file_is_reported_and_registers_nothing(
    config_error, overrides: dict[str, Any], key_path: str, words: str
) -> None:
    error = config_error("staging", overrides)
    rendered = error.render()
    assert f"Pulumi.staging.yaml: {key_path}:" in rendered, (
        f"the message must name the stack file and key path {key_path}:\n{rendered}"
    )
    assert words in rendered, f"the message for {key_path} must say '{words}':\n{rendered}"
    assert "Traceback" not in rendered


def test_messages_carry_value_allowed_and_example(config_error) -> None:
    error = config_error("staging", {"replicas": {"performanceInsightsRetentionDays": 30}})
    (only,) = error.errors
    assert only.value == 30
    assert only.allowed and "multiple of 31" in only.allowed
    assert only.example == "spikeproof:replicas.performanceInsightsRetentionDays: 7"


def test_all_problems_are_reported_together(config_error) -> None:
    error = config_error("staging", {"replicas": {"count": 0, "multiAZ": True}})
    paths = sorted(e.key_path for e in error.errors)
    assert paths == ["spikeproof:replicas.count", "spikeproof:replicas.multiAZ"]
    assert "did you mean 'multiAz'" in error.render()


def test_a_secret_value_is_never_echoed(config_error) -> None:
    error = config_error(
        "staging", {"alerting": {"httpsEndpoints": [{"secure": "v1:c2VjcmV0LXdlYmhvb2s="}]}}
    )
    rendered = error.render()
    assert "spikeproof:alerting.httpsEndpoints" in rendered
    assert "offline-plan-secret" not in rendered and "[secret]" in rendered, rendered


def test_required_project_key_without_default_is_reported(tmp_path: Path) -> None:
    stack_file = tmp_path / "Pulumi.staging.yaml"
    stack_file.write_text("config:\n  aws:region: eu-west-1\n")
    with pytest.raises(ConfigErrors, match="spikeproof:environment: stack 'staging' is missing"):
        load_stack_config("staging", config_file=stack_file)


def test_invalid_yaml_names_the_line(tmp_path: Path) -> None:
    stack_file = tmp_path / "Pulumi.staging.yaml"
    stack_file.write_text("config:\n  aws:region: eu-west-1\n   spikeproof:environment: [staging\n")
    with pytest.raises(ConfigErrors, match=r"not valid YAML at line \d+"):
        run_program("staging", config_file=stack_file)


def test_project_defaults_apply_and_stack_values_win() -> None:
    config, secrets, project = load_stack_config("staging")
    assert project == "spikeproof"
    assert config["spikeproof:owner"] == "web-platform", "Pulumi.yaml's default applies"
    assert config["spikeproof:protect"] == "false", "the stack file's value wins"
    assert secrets == frozenset(), "stack files hold no secrets (the origin secret is generated)"


def test_secure_values_are_secret_stand_ins() -> None:
    config, secrets, _ = load_stack_config(
        "staging", overrides={"alerting": {"httpsEndpoints": [{"secure": "v1:abc"}]}}
    )
    assert "spikeproof:alerting" in secrets
    assert "offline-plan-secret" in config["spikeproof:alerting"]
