"""ReadReplica under the mock engine: counts, modes, isolation, alarms and the reader hostname."""

from __future__ import annotations

import json
from pathlib import Path

import pulumi
import pytest

from components.replica import PrimaryPreconditionError
from settings.errors import ConfigErrors
from settings.files import ROOT
from tools.engine.mockrun import PlanResult, run_program

RDS = "aws:rds/instance:Instance"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
SG = "aws:ec2/securityGroup:SecurityGroup"
RECORD = "aws:route53/record:Record"
CREDENTIALS = (
    "username",
    "password",
    "manageMasterUserPassword",
    "dbName",
    "engine",
    "engineVersion",
)


def replicas_of(result: PlanResult) -> list:
    return result.of_type(RDS)


@pytest.mark.parametrize(("stack", "count"), [("staging", 1), ("prod", 2)])
def test_each_stack_creates_its_configured_replica_count(plan, stack: str, count: int) -> None:
    found = replicas_of(plan(stack))
    assert len(found) == count, (
        f"{stack}: expected {count} aws:rds/instance replicas, got {len(found)}"
    )


def test_replica_count_follows_config(plan) -> None:
    found = replicas_of(plan("staging", {"replicas": {"count": 3}}))
    assert sorted(r.input("identifier") for r in found) == [
        f"spikeproof-staging-replica-{i}" for i in (1, 2, 3)
    ]


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_replicas_replicate_the_primary_by_arn_with_their_own_subnet_group(
    plan, stack: str
) -> None:
    """Same region too: with a subnet group of their own, the provider asks for the source's ARN
    (RDS refuses the subnet group with the identifier: DBSubnetGroupNotAllowedFault)."""
    for replica in replicas_of(plan(stack)):
        source = replica.input("replicateSourceDb")
        assert source.startswith("arn:aws:rds:") and source.endswith(f":db:core-{stack}-db"), (
            f"{replica.urn}: replicateSourceDb {source!r} is not the primary's ARN"
        )
        assert replica.input("dbSubnetGroupName"), f"{replica.urn}: its own subnet group"
        assert replica.input("kmsKeyId") is None, (
            f"{replica.urn}: same-region replicas inherit the key"
        )


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_replicas_carry_no_credentials_engine_or_database_name(plan, stack: str) -> None:
    for replica in replicas_of(plan(stack)):
        present = [key for key in CREDENTIALS if key in replica.inputs]
        assert present == [], (
            f"{replica.urn}: a replica must not set {present} (they come from the source)"
        )


KEY_ARN = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def test_cross_region_replica_uses_the_primary_arn_and_a_kms_key(plan) -> None:
    result = plan("staging", {"primary": {"region": "us-east-1", "kmsKeyId": KEY_ARN}})
    (replica,) = replicas_of(result)
    assert replica.input("replicateSourceDb") == (
        "arn:aws:rds:us-east-1:111122223333:db:core-staging-db"
    ), f"{replica.urn}: a cross-region replica must name the primary by ARN"
    assert replica.input("kmsKeyId") == KEY_ARN
    lookups = [i for i in result.invokes if i["token"] == "aws:rds/getInstance:getInstance"]
    assert lookups and all(i["args"].get("region") == "us-east-1" for i in lookups), (
        "the primary must be looked up in its own region"
    )


def test_cross_region_encrypted_primary_without_a_key_stops_with_advice() -> None:
    """Known only once the primary is looked up, but the stack file can fix it: a configuration
    error naming the file and the key, not a program error."""
    with pytest.raises(PrimaryPreconditionError) as caught:
        run_program("staging", overrides={"primary": {"region": "us-east-1"}})
    assert isinstance(caught.value, ConfigErrors)
    assert "Pulumi.staging.yaml: spikeproof:primary.kmsKeyId:" in str(caught.value)


@pytest.mark.parametrize(
    ("key", "words"),
    [
        ("alias/marketing-replicas", "not a KMS key ARN"),
        ("1234abcd-12ab-34cd-56ef-1234567890ab", "not a KMS key ARN"),
        ("arn:aws:kms:eu-west-1:111122223333:alias/marketing-replicas", "not a KMS key ARN"),
        ("arn:aws:kms:us-east-1:111122223333:key/1234abcd", "the key is in us-east-1"),
    ],
)
def test_a_replica_key_must_be_a_key_arn_of_the_stacks_region(
    config_error, key: str, words: str
) -> None:  # type: ignore[no-untyped-def]
    rendered = config_error(
        "staging", {"primary": {"region": "us-east-1", "kmsKeyId": key}}
    ).render()
    assert "spikeproof:primary.kmsKeyId" in rendered and words in rendered, rendered


def test_a_primary_whose_password_rds_manages_cannot_have_replicas(tmp_path: Path) -> None:
    """RDS refuses read replicas of an instance with ManageMasterUserPassword (all engines but
    SQL Server; terraform-aws-rds#532): stopped before any replica, naming the primary."""
    fixtures = json.loads((ROOT / "tools/engine/fixtures/staging.json").read_text())
    for invoke in fixtures["invokes"]:
        if invoke["token"] == "aws:rds/getInstance:getInstance":
            invoke["result"]["masterUserSecrets"] = [
                {"secretArn": "arn:aws:secretsmanager:eu-west-1:111122223333:secret:rds!db-x",
                 "secretStatus": "active", "kmsKeyId": KEY_ARN}
            ]  # fmt: skip
    path = tmp_path / "fixtures.json"
    path.write_text(json.dumps(fixtures))
    with pytest.raises(PrimaryPreconditionError) as caught:
        run_program("staging", fixtures_file=path)
    message = str(caught.value)
    assert "spikeproof:primary.identifier" in message and "ManageMasterUserPassword" in message


def test_primary_without_backups_stops_before_any_replica(tmp_path: Path) -> None:
    fixtures = json.loads((ROOT / "tools/engine/fixtures/staging.json").read_text())
    for invoke in fixtures["invokes"]:
        if invoke["token"] == "aws:rds/getInstance:getInstance":
            invoke["result"]["backupRetentionPeriod"] = 0
    path = tmp_path / "staging.json"
    path.write_text(json.dumps(fixtures))
    with pytest.raises(PrimaryPreconditionError, match="keeps no automated backups") as caught:
        run_program("staging", fixtures_file=path)
    registered = [r.type for r in getattr(caught.value, "registered", [])]
    assert RDS not in registered, "no replica may be registered when the primary has no backups"


def test_a_group_of_their_own_would_drop_the_primarys_parameters(tmp_path: Path) -> None:
    """The primary (fixture: core-postgres16) has its own group; a replica group with only the
    listed parameters would drop its custom ones: stopped with the reason and the fix."""
    overrides = {"replicas": {"parameterGroup": {"family": "postgres16", "parameters": {"x": "1"}}}}
    with pytest.raises(PrimaryPreconditionError, match="core-postgres16") as caught:
        run_program("staging", overrides=overrides)
    assert "remove replicas.parameterGroup" in str(caught.value)
    assert "Pulumi.staging.yaml: spikeproof:replicas.parameterGroup:" in str(caught.value)
    registered = [r.type for r in getattr(caught.value, "registered", [])]
    assert RDS not in registered


def test_instance_class_defaults_to_the_primarys(plan) -> None:
    # prod sets no class: the primary's (db.r6g.2xlarge in the fixture) is used.
    for replica in replicas_of(plan("prod")):
        assert replica.input("instanceClass") == "db.r6g.2xlarge", replica.urn
    (staging,) = replicas_of(plan("staging"))
    assert staging.input("instanceClass") == "db.t4g.medium", "an explicit class wins"


def test_replica_hardening(plan) -> None:
    for replica in replicas_of(plan("prod")):
        name = replica.urn
        assert replica.input("storageEncrypted") is True, f"{name}: storage must be encrypted"
        assert replica.input("publiclyAccessible") is False, f"{name}: must not be public"
        assert replica.input("deletionProtection") is True, (
            f"{name}: prod keeps deletion protection"
        )
        assert replica.input("performanceInsightsEnabled") is True, name
        assert replica.input("performanceInsightsRetentionPeriod") == 31, name
        assert replica.input("monitoringInterval") == 15, name
        assert replica.input("monitoringRoleArn"), f"{name}: enhanced monitoring needs its role"
        assert replica.input("enabledCloudwatchLogsExports") == ["postgresql", "upgrade"], name
        assert replica.input("parameterGroupName") == "core-postgres16", (
            f"{name}: the replicas use the primary's own parameter group (none of its custom "
            "parameters dropped)"
        )
        assert replica.input("maxAllocatedStorage") == 1000, (
            f"{name}: storage autoscaling up to the primary's ceiling"
        )
        assert replica.protect, f"{name}: prod replicas are protected"
        assert "replicateSourceDb" in replica.replace_on_changes, (
            f"{name}: a source change must replace (then be blocked), never promote in place"
        )


def test_staging_turns_protection_off_as_configured(plan) -> None:
    (replica,) = replicas_of(plan("staging"))
    assert replica.protect is False and replica.input("deletionProtection") is False


def test_security_group_admits_only_the_given_groups_on_the_db_port(plan) -> None:
    result = plan("staging")
    (group,) = [g for g in result.of_type(SG) if g.name == "replicas-sg"]
    assert "ingress" not in group.inputs and "egress" not in group.inputs, (
        f"{group.urn}: rules live in separate resources, none inline"
    )
    assert result.of_type(RULE) == [] or all(
        r.input("referencedSecurityGroupId") for r in result.of_type(RULE)
    )


def test_allowed_groups_become_one_ingress_rule_each() -> None:
    from components.core import NetworkFacts
    from components.replica import ReadReplica, ReadReplicaArgs
    from settings.core import PrimarySettings, ReplicaSettings

    result = _component_run(
        lambda: ReadReplica(
            "r",
            ReadReplicaArgs(
                config=ReplicaSettings.model_validate({}),
                primary=PrimarySettings.model_validate({}),
                primary_identifier="core-staging-db",
                stack_region="eu-west-1",
                network=NetworkFacts(
                    vpc_id="vpc-0a1b2c3d4e5f60718",
                    private_subnet_ids=["subnet-0a1b2c3d4e5f60011", "subnet-0a1b2c3d4e5f60012"],
                    public_subnet_ids=[],
                ),
                allowed_security_group_ids=["sg-0000000000000000a", "sg-0000000000000000b"],
                alarm_topic_arn="arn:aws:sns:eu-west-1:111122223333:alerts",
                protect=True,
                name_prefix="t",
            ),
        )
    )
    rules = result.of_type(RULE)
    assert sorted(r.input("referencedSecurityGroupId") for r in rules) == [
        "sg-0000000000000000a",
        "sg-0000000000000000b",
    ]
    for rule in rules:
        assert rule.input("fromPort") == rule.input("toPort") == 5432, f"{rule.urn}: DB port only"
        assert rule.input("ipProtocol") == "tcp", rule.urn
        assert rule.input("cidrIpv4") is None and rule.input("cidrIpv6") is None, (
            f"{rule.urn}: no CIDR ingress into the replicas"
        )


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_every_replica_has_five_alarms_wired_to_the_topic(plan, stack: str) -> None:
    result = plan(stack)
    topic = result.named("alerts-topic").outputs["arn"]
    for replica in replicas_of(result):
        identifier = replica.input("identifier")
        alarms = [
            a
            for a in result.of_type(ALARM)
            if a.input("dimensions") == {"DBInstanceIdentifier": identifier}
        ]
        metrics = sorted(a.input("metricName") for a in alarms)
        assert metrics == sorted(
            [
                "ReplicaLag",
                "CPUUtilization",
                "FreeableMemory",
                "FreeStorageSpace",
                "DatabaseConnections",
            ]
        ), f"{replica.urn}: alarms {metrics}"
        for alarm in alarms:
            assert alarm.input("alarmActions") == [topic], f"{alarm.urn} must notify {topic}"
            assert alarm.input("namespace") == "AWS/RDS", alarm.urn


def test_lag_alarm_threshold_and_missing_data(plan) -> None:
    result = plan("staging")
    lag = result.named("replicas-1-lag")
    assert lag.input("threshold") == 900, "staging: above its idle primary's quiet minutes"
    assert lag.input("comparisonOperator") == "GreaterThanThreshold"
    assert lag.input("treatMissingData") == "breaching", "a silent replica is a lagging replica"


def test_reader_hostname_is_one_weighted_name_over_all_replicas(plan) -> None:
    result = plan("prod")
    records = result.of_type(RECORD)
    replicas = replicas_of(result)
    assert len(records) == len(replicas) == 2
    assert {r.input("name") for r in records} == {"reader.marketing.internal"}
    assert sorted(r.input("records")[0] for r in records) == sorted(
        r.outputs["address"] for r in replicas
    ), "each weighted record points at one replica"
    assert all(r.input("weightedRoutingPolicies") == [{"weight": 1}] for r in records)
    assert len({r.input("setIdentifier") for r in records}) == 2
    zone = result.named("replicas-zone")
    assert zone.input("vpcs") == [{"vpcId": "vpc-0f9e8d7c6b5a40312"}], (
        "private zone in the core VPC"
    )
    assert result.plain_outputs()["reader_hostname"] == "reader.marketing.internal"


def test_existing_zone_is_used_instead_of_creating_one(plan) -> None:
    result = plan("staging", {"replicas": {"readerDns": {"zoneId": "Z0123456789ABCDEFGHIJ"}}})
    assert [r for r in result.resources if r.type == "aws:route53/zone:Zone"] == []
    assert {r.input("zoneId") for r in result.of_type(RECORD)} == {"Z0123456789ABCDEFGHIJ"}


def test_prod_reads_network_and_primary_from_the_core_stack(plan) -> None:
    result = plan("prod")
    refs = [r for r in result.resources if r.type == "pulumi:pulumi:StackReference"]
    assert [r.id for r in refs] == ["acme/core/prod"]
    subnets = result.named("replicas-subnets").input("subnetIds")
    assert subnets == [
        "subnet-0f9e8d7c6b5a40011",
        "subnet-0f9e8d7c6b5a40012",
        "subnet-0f9e8d7c6b5a40013",
    ]


def _component_run(build) -> PlanResult:
    """Run one component alone under the same recording engine, as a tiny program."""
    import tools.engine.mockrun as mockrun

    program = Path(__file__).parent / "programs" / "component"
    program.mkdir(parents=True, exist_ok=True)
    holder = {"build": build}
    mockrun.COMPONENT_UNDER_TEST = holder  # read by the tiny program below
    (program / "__main__.py").write_text(
        # Written ruff-clean: the file is committed and `make check` lints it.
        'import tools.engine.mockrun as m\n\nm.COMPONENT_UNDER_TEST["build"]()\n'
    )
    (program / "Pulumi.yaml").write_text("name: spikeproof\nruntime: python\n")
    (program / "Pulumi.staging.yaml").write_text("config:\n  aws:region: eu-west-1\n")
    assert pulumi is not None
    return run_program("staging", program_dir=program)


def test_replicas_wait_for_the_monitoring_roles_policy(plan) -> None:  # type: ignore[no-untyped-def]
    """RDS checks the enhanced-monitoring role's permissions when the replica is created (prod
    monitors; staging's interval is 0, with no role)."""
    result = plan("prod")
    attachment = result.named("replicas-monitoring-policy")
    for replica in replicas_of(result):
        assert attachment.urn in replica.dependencies, f"{replica.urn}: created before its policy"
