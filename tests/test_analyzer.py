"""tools/engine/analyzer.py: the pack driven like the engine drives it (launch, port handshake,
info, config reconciliation and validation, Configure/ConfigureStack, Analyze, AnalyzeStack,
shutdown), and the shipped stacks analysed with their own policy configs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from settings.files import ROOT
from tests import (
    test_policies_budget,
    test_policies_campaign,
    test_policies_compute,
    test_policies_data,
    test_policies_edge,
    test_policies_isolation,
    test_policies_serverless,
)
from tests.conftest import PlanFn
from tests.policy_support import CONFIG, PRIMARY_HOST, describe, res, run, secret
from tools.engine.analyzer import (
    UNKNOWN,
    AnalyzerError,
    AnalyzerResource,
    PolicyConfigError,
    PolicyPackProcess,
    analyze,
    from_plan,
    load_policy_config,
    scratch_pack,
)
from tools.engine.answers import FIXTURES

LAMBDA = "aws:lambda/function:Function"
ISOLATION = (
    "ec2-security-group-primary-access",
    "ec2-compute-primary-security-group",
    "any-resource-primary-reference",
    "iam-policy-primary-access",
    "rds-instance-primary-replica-source",
    "rds-replica-credentials-forbidden",
)


def test_every_policy_in_the_pack_has_the_four_cases(policy_pack: PolicyPackProcess) -> None:
    names = {p.name for p in policy_pack.policies()}
    cased = [
        c.policy
        for module in (
            test_policies_isolation,
            test_policies_data,
            test_policies_compute,
            test_policies_edge,
            test_policies_serverless,
            test_policies_campaign,
            test_policies_budget,
        )
        for c in module.CASES
    ]
    assert len(cased) == len(set(cased)), "a policy has two case sets"
    assert names == set(cased), (
        f"policies without cases: {sorted(names - set(cased))}; "
        f"cases without policies: {sorted(set(cased) - names)}"
    )


def test_every_policy_is_documented(policy_pack: PolicyPackProcess) -> None:
    doc = (ROOT / "docs" / "policies.md").read_text()
    missing = [p.name for p in policy_pack.policies() if f"`{p.name}`" not in doc]
    assert not missing, f"docs/policies.md lacks {missing}"


def test_policy_metadata(policy_pack: PolicyPackProcess) -> None:
    for p in policy_pack.policies():
        assert p.name.count("-") >= 2, f"{p.name}: names are <service>-<resource>-<rule>"
        for needle in ("severity:", "rules:", "Fix:"):
            assert needle in p.description, f"{p.name}: description lacks {needle!r}"
        assert p.severity in ("low", "medium", "high", "critical"), f"{p.name}: no severity"
        assert p.remediation_steps, f"{p.name}: no remediation steps"
        assert p.tags and p.tags[0] in p.description, f"{p.name}: rule ids not tagged"
    holders = [p.name for p in policy_pack.policies() if "primaryDatabase" in str(p.config_schema)]
    assert holders == ["rds-instance-primary-replica-source"], "the primary is configured once"
    isolation = [p for p in policy_pack.policies() if p.name in ISOLATION]
    assert len(isolation) == 6 and all(p.severity in ("high", "critical") for p in isolation)
    types = {p.name: p.policy_type for p in policy_pack.policies()}
    assert types["rds-replica-lag-alarm"] == "POLICY_TYPE_STACK"
    assert types["any-resource-primary-reference"] == "POLICY_TYPE_RESOURCE"


def _config(tmp_path: Path, body: object) -> Path:
    path = tmp_path / "policy.json"
    path.write_text(body if isinstance(body, str) else json.dumps(body))
    return path


def _prod_with(**changes: object) -> dict[str, object]:
    config = json.loads(CONFIG["prod"].read_text())
    config.update(changes)
    return config


@pytest.mark.parametrize(
    ("body", "needles"),
    [
        ("{not json", ["not valid JSON"]),
        ({"all": "strict"}, ["policy 'all'", "'enforcementLevel'", '"strict"', "advisory"]),
        (
            {"rds-instance-encrypted": "mandatory"},
            ["policy 'rds-instance-encrypted'", "no such policy"],
        ),
        (
            _prod_with(
                **{
                    "rds-instance-primary-replica-source": {
                        "primaryDatabase": {"identifiers": "core-prod-db"}
                    }
                }
            ),
            [
                "policy 'rds-instance-primary-replica-source'",
                "primaryDatabase.identifiers",
                "is not of type 'array'",
            ],
        ),
        (
            _prod_with(
                **{
                    "rds-instance-primary-replica-source": {
                        "primaryDatabase": {"identifiers": ["x"], "hostnames": ["h"]}
                    }
                }
            ),
            ["policy 'rds-instance-primary-replica-source'", "'hostnames' was unexpected"],
        ),
        (
            _prod_with(**{"rds-instance-deletion-protection": {"required": "yes"}}),
            [
                "policy 'rds-instance-deletion-protection'",
                "property 'required'",
                "'yes' is not of type 'boolean'",
            ],
        ),
        (
            _prod_with(**{"sqs-queue-encryption": {"enforcementLevel": "mandatory", "kms": True}}),
            ["policy 'sqs-queue-encryption'", "takes no properties"],
        ),
    ],
    ids=["json", "level", "unknown-policy", "type", "extra-key", "bool", "no-props"],
)
def test_config_errors_name_file_policy_and_property(
    policy_pack: PolicyPackProcess, tmp_path: Path, body: object, needles: list[str]
) -> None:
    path = _config(tmp_path, body)
    with pytest.raises(PolicyConfigError) as info:
        load_policy_config(path, policy_pack.policies())
    text = info.value.render()
    assert str(path) in text, text
    for needle in needles:
        assert needle in text, f"{needle!r} missing from:\n{text}"


def test_missing_primary_database_uses_schema_default_and_is_rejected(
    policy_pack: PolicyPackProcess, tmp_path: Path
) -> None:
    """The default (empty lists) is applied first, then validated: identifiers needs one, so a
    config that forgets the primary cannot silently disable isolation."""
    config = _prod_with()
    del config["rds-instance-primary-replica-source"]
    with pytest.raises(PolicyConfigError) as info:
        load_policy_config(_config(tmp_path, config), policy_pack.policies())
    text = info.value.render()
    assert "policy 'rds-instance-primary-replica-source'" in text, text
    assert "property 'primaryDatabase.identifiers'" in text, text
    assert "[] should be non-empty" in text or "is too short" in text, text


def test_schema_defaults_applied(policy_pack: PolicyPackProcess, tmp_path: Path) -> None:
    config = _prod_with()
    assert "rds-instance-deletion-protection" not in config, "prod.json states only exceptions"
    reconciled = load_policy_config(_config(tmp_path, config), policy_pack.policies())
    level, props = reconciled["rds-instance-deletion-protection"]
    assert (level, props) == ("mandatory", {"required": True}), (level, props)


def test_disabled_policy_does_not_run(policy_pack: PolicyPackProcess, tmp_path: Path) -> None:
    path = _config(tmp_path, _prod_with(**{"sqs-queue-encryption": "disabled"}))
    queue = res("aws:sqs/queue:Queue", "q", {})
    assert run(policy_pack, [queue], config_file=path).by_policy("sqs-queue-encryption") == []
    assert run(policy_pack, [queue]).by_policy("sqs-queue-encryption"), "enabled by prod.json"


def test_secret_values_are_unwrapped_and_still_checked(policy_pack: PolicyPackProcess) -> None:
    fn = res(LAMBDA, "fn", {"environment": secret({"variables": {"DB": PRIMARY_HOST}})})
    result = run(policy_pack, [fn])
    assert result.by_policy("any-resource-primary-reference"), describe(result)


def test_diagnostic_and_skipped_shapes(policy_pack: PolicyPackProcess) -> None:
    queue = res("aws:sqs/queue:Queue", "q", {"sqsManagedSseEnabled": UNKNOWN})
    fn = res(LAMBDA, "fn", {"tracingConfig": {"mode": "PassThrough"}})
    result = run(policy_pack, [queue, fn], preview=True)
    tracing = result.by_policy("lambda-function-tracing-active")[0].to_json()
    assert set(tracing) == {"policyName", "enforcementLevel", "urn", "message"}
    assert tracing["urn"] == fn.urn and tracing["enforcementLevel"] == "mandatory"
    skipped = result.skipped_policy("sqs-queue-encryption")
    assert [s.urn for s in skipped] == [queue.urn], describe(result)
    assert "sqsManagedSseEnabled can't be known during preview" in skipped[0].reason
    assert not any(d.policy_name == "sqs-queue-encryption" for d in result.diagnostics)


def test_one_shot_analyze_launches_and_stops_the_pack() -> None:
    result = analyze(
        [
            AnalyzerResource(
                urn="urn:pulumi:prod::spikeproof::aws:sqs/queue:Queue::q",
                type="aws:sqs/queue:Queue",
                name="q",
                inputs={},
            )
        ],
        stack="prod",
        config_file=CONFIG["prod"],
    )
    assert [d.policy_name for d in result.diagnostics] == ["sqs-queue-encryption"]


def test_close_stops_the_process() -> None:
    pack = PolicyPackProcess()
    pack.start(stack="prod")
    proc = pack._proc
    assert proc is not None and proc.poll() is None
    pack.close()
    assert proc.poll() == 0, f"the pack must exit cleanly on SIGINT, got {proc.returncode}"
    assert "Traceback" not in pack.stderr, pack.stderr


@pytest.mark.parametrize("stack", ["staging", "prod"])
@pytest.mark.parametrize("preview", [False, True], ids=["update", "preview"])
def test_shipped_stacks_have_no_violations(
    policy_pack: PolicyPackProcess, plan: PlanFn, stack: str, preview: bool
) -> None:
    result = run(
        policy_pack, from_plan(plan(stack, preview=preview).resources), stack=stack, preview=preview
    )
    assert result.mandatory == [], describe(result)
    assert result.diagnostics == [], describe(result)
    if not preview:
        assert result.skipped == [], f"update mode has no unknowns:\n{describe(result)}"


def test_plan_with_primary_reference_is_blocked(
    policy_pack: PolicyPackProcess, plan: PlanFn
) -> None:
    """A recorded plan whose resource names the primary is blocked (the shipped program names it
    only in replicateSourceDb)."""
    resources = from_plan(plan("prod").resources)
    replica = next(r for r in resources if r.type == "aws:rds/instance:Instance")
    leaked = AnalyzerResource(
        urn=replica.urn,
        type=replica.type,
        name=replica.name,
        inputs={**replica.inputs, "tags": {"source-host": PRIMARY_HOST}},
    )
    result = run(policy_pack, [leaked if r.urn == replica.urn else r for r in resources])
    assert [d.urn for d in result.mandatory] == [replica.urn], describe(result)


@pytest.mark.parametrize("preview", [False, True], ids=["update", "preview"])
def test_shipped_replicas_without_lag_alarms_are_caught(
    policy_pack: PolicyPackProcess, plan: PlanFn, preview: bool
) -> None:
    """The clean result above is not vacuous: drop the program's lag alarms and both prod
    replicas are reported, in update mode (identifier outputs) and preview (dependencies)."""
    resources = [
        r for r in from_plan(plan("prod", preview=preview).resources) if not r.name.endswith("-lag")
    ]
    replicas = sorted(r.urn for r in resources if r.type == "aws:rds/instance:Instance")
    result = run(policy_pack, resources, preview=preview)
    found = sorted(d.urn for d in result.by_policy("rds-replica-lag-alarm"))
    assert len(replicas) == 2 and found == replicas, describe(result)


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_policy_config_primary_matches_the_stack(stack: str) -> None:
    """policies/config/<stack>.json names the primary the stack replicates (the fixture's answer
    for it), stated once."""
    config = json.loads(CONFIG[stack].read_text())
    primaries = [
        (name, v["primaryDatabase"])
        for name, v in config.items()
        if isinstance(v, dict) and "primaryDatabase" in v
    ]
    assert [name for name, _ in primaries] == ["rds-instance-primary-replica-source"], (
        f"{CONFIG[stack].name}: the primary is stated once, under the replica-source policy"
    )
    primary = primaries[0][1]
    fixture = json.loads((FIXTURES / f"{stack}.json").read_text())
    answers = [
        i["result"] for i in fixture["invokes"] if i["token"] == "aws:rds/getInstance:getInstance"
    ]
    region = next(i for i in answers if f".{_region(stack)}." in i["address"])
    assert region["dbInstanceIdentifier"] in primary["identifiers"]
    assert region["address"] in primary["endpoints"]
    assert region["dbInstanceArn"] in primary["arns"]
    assert region["resourceId"] in primary["resourceIds"]
    assert set(region["vpcSecurityGroups"]) <= set(primary["securityGroupIds"])


def _region(stack: str) -> str:
    text = (ROOT / f"Pulumi.{stack}.yaml").read_text()
    return text.split("aws:region:", 1)[1].split()[0]


def test_broken_pack_reports_its_error(tmp_path: Path) -> None:
    pack = PolicyPackProcess(
        scratch_pack(tmp_path, "raise RuntimeError('policy module is broken')\n")
    )
    with pytest.raises(AnalyzerError) as info:
        pack.start(stack="prod")
    assert "did not print its port" in str(info.value)
    assert "policy module is broken" in str(info.value), str(info.value)


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_the_shipped_policy_config_holds_what_the_stack_file_derives(stack: str) -> None:
    """tools.policy_config derives the primary's identity from the stack file and the plan's own
    answers; every value it derives is in the checked-in config (which may hold more: the
    cross-region endpoints, a secret the core stack owns)."""
    from tools.policy_config import derived_config

    shipped = json.loads(CONFIG[stack].read_text())["rds-instance-primary-replica-source"]
    derived = derived_config(stack)["rds-instance-primary-replica-source"]
    for key, values in derived["primaryDatabase"].items():
        assert set(values) <= set(shipped["primaryDatabase"].get(key, [])), (stack, key, values)
    assert derived_config(stack)["all"] == shipped_level(stack)


def shipped_level(stack: str) -> str:
    return str(json.loads(CONFIG[stack].read_text())["all"])
