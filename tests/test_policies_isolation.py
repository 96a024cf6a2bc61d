"""Isolation policies through the Analyzer protocol: nothing may reach, name or grant access to the
primary write database; the only allowed reference is a replica's replicateSourceDb."""

from __future__ import annotations

import base64
import json

import pytest

from tests.policy_support import (
    PRIMARY_ARN,
    PRIMARY_HOST,
    PRIMARY_ID,
    PRIMARY_RESOURCE_ID,
    PRIMARY_SECRET,
    PRIMARY_SG,
    UNKNOWN,
    Case,
    check_absent,
    check_compliant,
    check_unknown,
    check_violating,
    describe,
    res,
    run,
    secret,
)
from tools.engine.analyzer import AnalyzerResource, PolicyPackProcess

SG = "aws:ec2/securityGroup:SecurityGroup"
SG_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
LAMBDA = "aws:lambda/function:Function"
LT = "aws:ec2/launchTemplate:LaunchTemplate"
RDS = "aws:rds/instance:Instance"
IAM_POLICY = "aws:iam/policy:Policy"
FLEET_SG = "sg-0f1ee7000000000aa"
REPLICA_HOST = "spikeproof-prod-replica-1.c4wjf9dy1apy.eu-west-1.rds.amazonaws.com"


def _doc(action: str, resource: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": [action], "Resource": [resource]}],
        }
    )


CASES = [
    Case(
        "ec2-security-group-primary-access",
        compliant=[
            res(
                INGRESS,
                "db-from-fleet",
                {"securityGroupId": "sg-0replica00000001", "referencedSecurityGroupId": FLEET_SG},
            )
        ],
        violating=[
            res(
                INGRESS,
                "open-primary",
                {"securityGroupId": PRIMARY_SG, "referencedSecurityGroupId": FLEET_SG},
            )
        ],
        absent=[res(SG_RULE, "cidr-rule", {"type": "ingress", "cidrBlocks": ["10.0.0.0/16"]})],
        absent_violates=False,
        unknown=[res(INGRESS, "later", {"securityGroupId": UNKNOWN})],
    ),
    Case(
        "ec2-compute-primary-security-group",
        compliant=[res(LAMBDA, "fn", {"vpcConfig": {"securityGroupIds": [FLEET_SG]}})],
        violating=[res(LT, "lt", {"vpcSecurityGroupIds": [FLEET_SG, PRIMARY_SG]})],
        absent=[res(LAMBDA, "fn", {"runtime": "python3.12"})],
        absent_violates=False,
        unknown=[res("aws:ec2/instance:Instance", "vm", {"vpcSecurityGroupIds": UNKNOWN})],
    ),
    Case(
        "any-resource-primary-reference",
        compliant=[res(LAMBDA, "fn", {"environment": {"variables": {"DB_HOST": REPLICA_HOST}}})],
        violating=[
            res(
                LAMBDA,
                "fn",
                {
                    "environment": {
                        "variables": {
                            "DATABASE_URL": f"postgres://app@{PRIMARY_HOST.upper()}.:5432/core"
                        }
                    }
                },
            )
        ],
        absent=[res("aws:sqs/queue:Queue", "q", {"delaySeconds": 0})],
        absent_violates=False,
        unknown=[res(LAMBDA, "fn", {"environment": {"variables": {"DB_HOST": UNKNOWN}}})],
    ),
    Case(
        "iam-policy-primary-access",
        compliant=[
            res(
                IAM_POLICY,
                "p",
                {
                    "policy": _doc(
                        "rds-db:connect",
                        "arn:aws:rds-db:eu-west-1:444455556666:dbuser:db-REPLICA000000000000001/app",
                    )
                },
            )
        ],
        violating=[
            res(
                IAM_POLICY,
                "p",
                {
                    "policy": _doc(
                        "rds-db:connect",
                        f"arn:aws:rds-db:eu-west-1:444455556666:dbuser:{PRIMARY_RESOURCE_ID}/app",
                    )
                },
            )
        ],
        absent=[res(IAM_POLICY, "p", {"name": "no-document"})],
        absent_violates=False,
        unknown=[res(IAM_POLICY, "p", {"policy": UNKNOWN})],
    ),
    Case(
        "rds-instance-primary-replica-source",
        compliant=[res(RDS, "replica", {"replicateSourceDb": PRIMARY_ID})],
        violating=[res(RDS, "replica", {"replicateSourceDb": "core-prod-db-replica-1"})],
        absent=[res(RDS, "standalone", {"engine": "postgres", "instanceClass": "db.t4g.micro"})],
        absent_violates=True,
        unknown=[res(RDS, "replica", {"replicateSourceDb": UNKNOWN})],
    ),
    Case(
        "rds-replica-credentials-forbidden",
        compliant=[
            res(
                RDS, "replica", {"replicateSourceDb": PRIMARY_ID, "manageMasterUserPassword": False}
            )
        ],
        violating=[
            res(RDS, "replica", {"replicateSourceDb": PRIMARY_ID, "password": secret("hunter2")})
        ],
        absent=[res(RDS, "replica", {"replicateSourceDb": PRIMARY_ID})],
        absent_violates=False,
        unknown=[res(RDS, "replica", {"replicateSourceDb": PRIMARY_ID, "username": UNKNOWN})],
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.policy)
def test_compliant(policy_pack: PolicyPackProcess, case: Case) -> None:
    check_compliant(policy_pack, case)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.policy)
def test_violating(policy_pack: PolicyPackProcess, case: Case) -> None:
    check_violating(policy_pack, case)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.policy)
def test_property_absent(policy_pack: PolicyPackProcess, case: Case) -> None:
    check_absent(policy_pack, case)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.policy)
def test_unknown_value(policy_pack: PolicyPackProcess, case: Case) -> None:
    check_unknown(policy_pack, case)


def _flagged(pack: PolicyPackProcess, policy: str, resource: AnalyzerResource) -> bool:
    return any(d.urn == resource.urn for d in run(pack, [resource]).by_policy(policy))


@pytest.mark.parametrize(
    "resource",
    [
        res(
            SG,
            "inline-ingress",
            {
                "ingress": [
                    {
                        "fromPort": 5432,
                        "toPort": 5432,
                        "protocol": "tcp",
                        "securityGroups": [PRIMARY_SG],
                    }
                ]
            },
        ),
        res(
            SG,
            "inline-egress",
            {
                "egress": [
                    {
                        "fromPort": 5432,
                        "toPort": 5432,
                        "protocol": "tcp",
                        "securityGroups": [PRIMARY_SG],
                    }
                ]
            },
        ),
        res(
            SG_RULE,
            "rule-into-primary",
            {"type": "ingress", "securityGroupId": PRIMARY_SG, "sourceSecurityGroupId": FLEET_SG},
        ),
        res(
            SG_RULE,
            "rule-from-fleet",
            {"type": "egress", "securityGroupId": FLEET_SG, "sourceSecurityGroupId": PRIMARY_SG},
        ),
        res(
            EGRESS,
            "egress-to-primary",
            {"securityGroupId": FLEET_SG, "referencedSecurityGroupId": PRIMARY_SG},
        ),
    ],
    ids=lambda r: r.name,
)
def test_every_security_group_rule_form_is_caught(
    policy_pack: PolicyPackProcess, resource: AnalyzerResource
) -> None:
    assert _flagged(policy_pack, "ec2-security-group-primary-access", resource), (
        f"{resource.urn}: rule touching the primary's group {PRIMARY_SG} not flagged"
    )


@pytest.mark.parametrize(
    "resource",
    [
        res(
            LAMBDA,
            "lambda",
            {"vpcConfig": {"securityGroupIds": [PRIMARY_SG], "subnetIds": ["subnet-1"]}},
        ),
        res(LT, "lt-nic", {"networkInterfaces": [{"securityGroups": [PRIMARY_SG]}]}),
        res("aws:ec2/instance:Instance", "vm", {"vpcSecurityGroupIds": [PRIMARY_SG]}),
        res(
            "aws:ecs/service:Service",
            "svc",
            {"networkConfiguration": {"securityGroups": [PRIMARY_SG], "subnets": ["subnet-1"]}},
        ),
        res("aws:rds/proxy:Proxy", "proxy", {"vpcSecurityGroupIds": [PRIMARY_SG]}),
    ],
    ids=lambda r: r.name,
)
def test_compute_joining_primary_group_is_caught(
    policy_pack: PolicyPackProcess, resource: AnalyzerResource
) -> None:
    assert _flagged(policy_pack, "ec2-compute-primary-security-group", resource), (
        f"{resource.urn} joins {PRIMARY_SG} but was not flagged"
    )


_USER_DATA = base64.b64encode(
    f"#!/bin/bash\necho 'DB={PRIMARY_HOST}' >> /etc/app.env\n".encode()
).decode()


@pytest.mark.parametrize(
    "resource",
    [
        res(LT, "user-data", {"userData": _USER_DATA}),
        res(
            "aws:ssm/parameter:Parameter",
            "json-doc",
            {"value": json.dumps({"db": {"host": PRIMARY_HOST, "port": 5432}})},
        ),
        res(
            "aws:route53/record:Record",
            "r53",
            {"name": "db.marketing.internal", "type": "CNAME", "records": [f"{PRIMARY_HOST}."]},
        ),
        res(
            "cloudflare:index/dnsRecord:DnsRecord",
            "cf",
            {"name": "db", "type": "CNAME", "content": PRIMARY_HOST.upper()},
        ),
        res(
            "aws:rds/proxyTarget:ProxyTarget",
            "proxy-target",
            {"dbInstanceIdentifier": PRIMARY_ID, "dbProxyName": "p", "targetGroupName": "default"},
        ),
        res(
            "aws:dms/endpoint:Endpoint",
            "dms",
            {"endpointType": "source", "engineName": "postgres", "serverName": PRIMARY_HOST},
        ),
        res(
            LAMBDA,
            "secret-env",
            {"environment": {"variables": {"DB_SECRET": secret(PRIMARY_SECRET)}}},
        ),
        res(LAMBDA, "arn-env", {"environment": {"variables": {"DB": PRIMARY_ARN}}}),
        res(
            "aws:cloudwatch/metricAlarm:MetricAlarm",
            "watch-primary",
            {"dimensions": {"DBInstanceIdentifier": PRIMARY_ID}},
        ),
    ],
    ids=lambda r: r.name,
)
def test_primary_reference_is_caught_anywhere(
    policy_pack: PolicyPackProcess, resource: AnalyzerResource
) -> None:
    assert _flagged(policy_pack, "any-resource-primary-reference", resource), (
        f"{resource.urn} carries the primary's identity but was not flagged"
    )


@pytest.mark.parametrize(
    "value",
    [
        f"{PRIMARY_ID}-replica-1",
        f"my-{PRIMARY_ID}",
        f"{PRIMARY_ID}_archive",
        f"{PRIMARY_ID}2.cxyz12ab34cd.eu-west-1.rds.amazonaws.com",
        REPLICA_HOST,
    ],
)
def test_identifiers_match_whole_tokens_only(policy_pack: PolicyPackProcess, value: str) -> None:
    resource = res(LAMBDA, "fn", {"environment": {"variables": {"X": value}}})
    result = run(policy_pack, [resource])
    assert not result.by_policy("any-resource-primary-reference"), (
        f"{value!r} is not the primary, but was flagged:\n{describe(result)}"
    )


def test_replica_source_is_the_only_allowed_reference(policy_pack: PolicyPackProcess) -> None:
    replica = res(RDS, "replica", {"replicateSourceDb": PRIMARY_ARN, "storageEncrypted": True})
    assert not run(policy_pack, [replica]).by_policy("any-resource-primary-reference")
    assert not run(policy_pack, [replica]).by_policy("rds-instance-primary-replica-source"), (
        "the primary's ARN is an accepted replicateSourceDb"
    )
    elsewhere = res(
        RDS, "replica", {"replicateSourceDb": PRIMARY_ID, "tags": {"source": PRIMARY_ID}}
    )
    assert _flagged(policy_pack, "any-resource-primary-reference", elsewhere), (
        "the allowance covers replicateSourceDb only, not tags"
    )


@pytest.mark.parametrize(
    ("action", "resource"),
    [
        ("rds:*", PRIMARY_ARN),
        ("rds-data:ExecuteStatement", PRIMARY_ARN),
        ("secretsmanager:GetSecretValue", PRIMARY_SECRET),
        ("rds-db:connect", "*"),
    ],
)
def test_iam_grants_on_primary_are_caught(
    policy_pack: PolicyPackProcess, action: str, resource: str
) -> None:
    role = res(
        "aws:iam/role:Role",
        "role",
        {
            "assumeRolePolicy": "{}",
            "inlinePolicies": [{"name": "db", "policy": _doc(action, resource)}],
        },
    )
    assert _flagged(policy_pack, "iam-policy-primary-access", role), (
        f"{role.urn}: inline policy allowing {action} on {resource} not flagged"
    )


def test_iam_deny_statement_is_not_a_grant(policy_pack: PolicyPackProcess) -> None:
    doc = json.dumps({"Statement": [{"Effect": "Deny", "Action": "rds:*", "Resource": "*"}]})
    policy = res(IAM_POLICY, "guard", {"policy": doc})
    assert not run(policy_pack, [policy]).by_policy("iam-policy-primary-access")


GUARD_RAIL = {
    "Sid": "NeverThePrimary",
    "Effect": "Deny",
    "Action": ["rds:*", "rds-db:connect", "secretsmanager:GetSecretValue"],
    "Resource": [
        PRIMARY_ARN,
        PRIMARY_SECRET,
        f"arn:aws:rds-db:eu-west-1:444455556666:dbuser:{PRIMARY_RESOURCE_ID}/*",
    ],
}
READ_REPLICAS = {
    "Effect": "Allow",
    "Action": "rds-db:connect",
    "Resource": "arn:aws:rds-db:eu-west-1:444455556666:dbuser:db-REPLICA1/marketing_ro",
}


@pytest.mark.parametrize("form", ["json-text", "structured"])
def test_a_guard_rail_denying_the_primary_passes_every_isolation_policy(
    policy_pack: PolicyPackProcess, form: str
) -> None:
    """A platform team adds an explicit Deny of the primary to a marketing role: it names the
    primary, but denies; neither the reference scan nor the IAM policy may flag it."""
    doc = {"Version": "2012-10-17", "Statement": [READ_REPLICAS, GUARD_RAIL]}
    value = json.dumps(doc) if form == "json-text" else doc
    policy = res(IAM_POLICY, "guard-rail", {"policy": value})
    found = run(policy_pack, [policy]).diagnostics
    assert not found, f"{policy.urn}: a Deny of the primary was flagged: {found}"


@pytest.mark.parametrize("form", ["json-text", "structured"])
def test_an_allow_beside_a_deny_still_names_the_primary(
    policy_pack: PolicyPackProcess, form: str
) -> None:
    """Only Deny statements are set aside: an Allow naming the primary in the same document is
    still a reference and a grant."""
    allow = {"Effect": "Allow", "Action": "rds:DescribeDBInstances", "Resource": PRIMARY_ARN}
    doc = {"Version": "2012-10-17", "Statement": [GUARD_RAIL, allow]}
    value = json.dumps(doc) if form == "json-text" else doc
    found = run(policy_pack, [res(IAM_POLICY, "mixed", {"policy": value})])
    assert found.by_policy("any-resource-primary-reference"), "the Allow names the primary"


def test_isolation_is_mandatory_in_staging_too(policy_pack: PolicyPackProcess) -> None:
    staging_primary = "core-staging-db"
    bad = res(RDS, "replica", {"replicateSourceDb": "someone-elses-db"}, stack="staging")
    found = run(policy_pack, [bad], stack="staging").by_policy(
        "rds-instance-primary-replica-source"
    )
    assert found and all(d.enforcement_level == "mandatory" for d in found), (
        f"{bad.urn}: isolation must be mandatory in staging"
    )
    good = res(RDS, "replica", {"replicateSourceDb": staging_primary}, stack="staging")
    assert not run(policy_pack, [good], stack="staging").by_policy(
        "rds-instance-primary-replica-source"
    ), "staging's own primary is configured in policies/config/staging.json"


def test_known_reference_reported_even_when_other_values_are_unknown(
    policy_pack: PolicyPackProcess,
) -> None:
    """The scan reads every known value; an unknown elsewhere does not hide a known leak."""
    fn = res(
        LAMBDA,
        "fn",
        {"role": UNKNOWN, "environment": {"variables": {"DB": PRIMARY_HOST, "Q": UNKNOWN}}},
    )
    result = run(policy_pack, [fn], preview=True)
    assert [d.urn for d in result.by_policy("any-resource-primary-reference")] == [fn.urn], (
        describe(result)
    )
    assert not result.skipped_policy("any-resource-primary-reference"), describe(result)


# --- issue 17: the bypasses a hurried engineer might write, and their controls -----------------

ACCOUNT = PRIMARY_ARN.split(":")[4]
REGION = PRIMARY_ARN.split(":")[3]
SECRET_NAME = PRIMARY_SECRET.split(":secret:", 1)[1].rsplit("-", 1)[0]
SECRET_BASE = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:{SECRET_NAME}"
DBUSER = f"arn:aws:rds-db:{REGION}:{ACCOUNT}:dbuser"


def _statements(*statements: dict[str, object]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _allow(action: object, resource: object, *, key: str = "Resource") -> dict[str, object]:
    return {"Effect": "Allow", "Action": action, key: resource}


IAM_BYPASSES = {
    "secret-trailing-star": _statements(_allow("secretsmanager:GetSecretValue", f"{SECRET_BASE}*")),
    "secret-six-question-marks": _statements(
        _allow("secretsmanager:GetSecretValue", f"{SECRET_BASE}-??????")
    ),
    "rds-star-on-id-prefix": _statements(
        _allow("rds:*", f"arn:aws:rds:{REGION}:{ACCOUNT}:db:{PRIMARY_ID[:6]}*")
    ),
    "rds-any-region-account": _statements(_allow("rds:Modify*", "arn:aws:rds:*:*:db:core-*")),
    "rds-db-connect-any-resource-id": _statements(
        _allow("rds-db:connect", f"{DBUSER}:*/marketing")
    ),
    "rds-db-connect-this-user": _statements(
        _allow("rds-db:connect", f"{DBUSER}:{PRIMARY_RESOURCE_ID}/marketing")
    ),
    "not-resource-grants-the-rest": _statements(
        _allow(
            "secretsmanager:GetSecretValue",
            f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:marketing/*",
            key="NotResource",
        )
    ),
    "not-action-grants-the-rest": json.dumps(
        {"Statement": {"Effect": "Allow", "NotAction": ["s3:*", "sqs:*"], "Resource": "*"}}
    ),
    "statement-as-object": json.dumps({"Statement": _allow("rds:*", PRIMARY_ARN)}),
    "policy-variable": _statements(
        _allow("rds:*", f"arn:aws:rds:{REGION}:{ACCOUNT}:db:${{aws:PrincipalTag/db}}")
    ),
    "automated-snapshot": _statements(
        _allow(
            "rds:RestoreDBInstanceFromDBSnapshot",
            f"arn:aws:rds:{REGION}:{ACCOUNT}:snapshot:rds:{PRIMARY_ID}-*",
        )
    ),
    "secret-by-name-action-case": _statements(
        _allow("SecretsManager:getsecretvalue", f"{SECRET_BASE}-??????")
    ),
    # A variable in NotResource excludes one resource per principal, not the primary's secret.
    "not-resource-with-a-variable": _statements(
        _allow(
            "secretsmanager:GetSecretValue",
            f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:${{aws:username}}",
            key="NotResource",
        )
    ),
    # Valid in IAM, and long: must neither be missed nor crash the preview.
    "a-very-long-pattern": _statements(_allow("rds:*", "arn:aws:rds:" + "*" * 3000)),
}

IAM_CONTROLS = {
    "deny-guard-naming-the-primary": _statements(
        {"Effect": "Deny", "Action": "*", "Resource": [PRIMARY_ARN, PRIMARY_SECRET]},
        _allow("rds:Describe*", f"arn:aws:rds:{REGION}:{ACCOUNT}:db:spikeproof-prod-replica-*"),
    ),
    "replica-prefixed-grant": _statements(
        _allow("rds:*", f"arn:aws:rds:{REGION}:{ACCOUNT}:db:{PRIMARY_ID}-replica-*")
    ),
    "one-question-mark-short": _statements(
        _allow("secretsmanager:GetSecretValue", f"{SECRET_BASE}-?????")
    ),
    "near-miss-secret-name": _statements(
        _allow("secretsmanager:GetSecretValue", f"{SECRET_BASE}-old-??????")
    ),
    "other-account": _statements(
        _allow(
            "secretsmanager:GetSecretValue",
            f"arn:aws:secretsmanager:{REGION}:111122223333:secret:{SECRET_NAME}-??????",
        )
    ),
    "other-database-user": _statements(_allow("rds-db:connect", f"{DBUSER}:db-REPLICA0001/*")),
    "not-resource-excluding-the-secret": _statements(
        _allow("secretsmanager:GetSecretValue", [f"{SECRET_BASE}-??????"], key="NotResource")
    ),
    "not-action-excluding-the-services": json.dumps(
        {
            "Statement": {
                "Effect": "Allow",
                "NotAction": ["rds:*", "rds-db:*", "rds-data:*", "secretsmanager:*"],
                "Resource": "*",
            }
        }
    ),
    "other-service-on-star": _statements(_allow(["sqs:SendMessage", "logs:*"], "*")),
}


@pytest.mark.parametrize("name", sorted(IAM_BYPASSES))
def test_iam_bypass_is_caught(policy_pack: PolicyPackProcess, name: str) -> None:
    policy = res(IAM_POLICY, name, {"policy": IAM_BYPASSES[name]})
    result = run(policy_pack, [policy])
    assert result.by_policy("iam-policy-primary-access"), (
        f"{policy.urn}: {name} reaches the primary but was not flagged\n"
        f"{IAM_BYPASSES[name]}\n{describe(result)}"
    )


def test_a_policy_document_passed_as_an_object_is_read(policy_pack: PolicyPackProcess) -> None:
    """pulumi_aws accepts `policy=` as a PolicyDocument object, not only as JSON text."""
    doc = {"Statement": [{"Effect": "Allow", "Action": "rds:*", "Resource": "*"}]}
    policy = res(IAM_POLICY, "as-object", {"policy": doc})
    assert _flagged(policy_pack, "iam-policy-primary-access", policy)


def test_deeply_nested_json_does_not_fail_the_preview(policy_pack: PolicyPackProcess) -> None:
    nested = res(LAMBDA, "deep", {"environment": {"variables": {"X": "[" * 50_000 + "Statement"}}})
    result = run(policy_pack, [nested])
    assert not result.by_policy("iam-policy-primary-access"), describe(result)


def test_a_policy_document_is_found_by_shape_on_any_resource(
    policy_pack: PolicyPackProcess,
) -> None:
    """Not a list of resource types: a document on a type nobody listed is still read."""
    doc = _statements(_allow("secretsmanager:GetSecretValue", f"{SECRET_BASE}-*"))
    for resource in (
        res("aws:kms/key:Key", "key", {"policy": doc}),
        res("aws:iam/role:Role", "role", {"inlinePolicies": [{"name": "x", "policy": doc}]}),
        res(
            "aws:ssoadmin/permissionSetInlinePolicy:PermissionSetInlinePolicy",
            "sso",
            {
                "inlinePolicy": doc,
            },
        ),
    ):
        assert _flagged(policy_pack, "iam-policy-primary-access", resource), (
            f"{resource.urn}: a grant on the primary's secret in {resource.type} was not flagged"
        )


@pytest.mark.parametrize("name", sorted(IAM_CONTROLS))
def test_iam_control_passes(policy_pack: PolicyPackProcess, name: str) -> None:
    policy = res(IAM_POLICY, name, {"policy": IAM_CONTROLS[name]})
    result = run(policy_pack, [policy])
    assert not result.by_policy("iam-policy-primary-access"), (
        f"{policy.urn}: {name} does not reach the primary but was flagged\n{describe(result)}"
    )


def test_the_secret_by_name_is_caught_and_near_misses_are_not(
    policy_pack: PolicyPackProcess,
) -> None:
    by_name = res(LAMBDA, "by-name", {"environment": {"variables": {"DB_SECRET": SECRET_NAME}}})
    upper = res(LAMBDA, "upper", {"environment": {"variables": {"S": SECRET_NAME.upper()}}})
    in_url = res(
        LAMBDA,
        "in-url",
        {"environment": {"variables": {"U": f"https://sm.example/get?id={SECRET_NAME}&v=1"}}},
    )
    for resource in (by_name, upper, in_url):
        assert _flagged(policy_pack, "any-resource-primary-reference", resource), (
            f"{resource.urn}: the primary's secret by name was not flagged"
        )
    for near in (f"{SECRET_NAME}-old", f"{SECRET_NAME}2", f"x{SECRET_NAME}"):
        quiet = res(LAMBDA, "near", {"environment": {"variables": {"S": near}}})
        result = run(policy_pack, [quiet])
        assert not result.by_policy("any-resource-primary-reference"), (
            f"{near!r} is another secret, but was flagged:\n{describe(result)}"
        )


def test_the_primary_group_anywhere_is_named_once(policy_pack: PolicyPackProcess) -> None:
    """A security group id in any property is the reference policy's; where the group policies
    look (an attachment) it is theirs alone, so one mistake is one diagnostic."""
    env = res(LAMBDA, "env-sg", {"environment": {"variables": {"SG": PRIMARY_SG}}})
    assert _flagged(policy_pack, "any-resource-primary-reference", env)
    attached = res(LT, "lt", {"vpcSecurityGroupIds": [PRIMARY_SG]})
    result = run(policy_pack, [attached])
    assert result.by_policy("ec2-compute-primary-security-group"), describe(result)
    assert not result.by_policy("any-resource-primary-reference"), describe(result)


@pytest.mark.parametrize(
    "override",
    [
        {"iam-policy-primary-access": "advisory"},
        {"any-resource-primary-reference": {"enforcementLevel": "disabled"}},
        {"campaign-data-access-primary-write": "remediate"},
        {"all": "advisory"},
    ],
    ids=["advisory", "disabled", "remediate", "all-advisory"],
)
def test_no_config_can_lower_the_isolation_family(
    policy_pack: PolicyPackProcess, tmp_path, override: dict[str, object]
) -> None:
    from tests.policy_support import CONFIG
    from tools.engine.analyzer import PolicyConfigError

    config = {**json.loads(CONFIG["prod"].read_text()), **override}
    path = tmp_path / "lowered.json"
    path.write_text(json.dumps(config))
    with pytest.raises(PolicyConfigError) as info:
        run(policy_pack, [res(RDS, "replica", {"replicateSourceDb": PRIMARY_ID})], config_file=path)
    text = info.value.render()
    assert str(path) in text and "mandatory in every stack" in text, text
    lowered = next(iter(override)) if "all" not in override else "iam-policy-primary-access"
    assert lowered in text, text
    # The pack is usable again afterwards (the refusal did not leave it half-configured).
    assert not run(policy_pack, [res(RDS, "ok", {"replicateSourceDb": PRIMARY_ID})]).by_policy(
        "rds-instance-primary-replica-source"
    )


@pytest.mark.parametrize("form", ["json-text", "structured"])
def test_a_deny_shaped_value_outside_a_policy_still_names_the_primary(
    policy_pack: PolicyPackProcess, form: str
) -> None:
    """Only IAM statements under a policy property are set aside: the primary's host in an
    environment variable or any other property, wrapped to look like a Deny, is still a
    reference (a bypass the review found)."""
    wrapped = {"Statement": [{"Effect": "Deny", "Host": PRIMARY_HOST}]}
    value = json.dumps(wrapped) if form == "json-text" else wrapped
    fn = res(LAMBDA, "fn", {"environment": {"variables": {"DB": value}}, "tags": {"x": value}})
    found = run(policy_pack, [fn]).by_policy("any-resource-primary-reference")
    assert found, f"{fn.urn}: a Deny-shaped wrapper hid the primary's host"
    shaped = {"Statement": [{"Effect": "Deny", "Action": "rds:*", "Resource": PRIMARY_ARN}]}
    value = json.dumps(shaped) if form == "json-text" else shaped
    fn = res(LAMBDA, "fn2", {"environment": {"variables": {"DB": value}}})
    assert run(policy_pack, [fn]).by_policy("any-resource-primary-reference"), (
        "even an IAM-shaped Deny outside a policy property is just text"
    )
