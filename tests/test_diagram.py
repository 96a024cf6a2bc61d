"""The architecture diagram: drawn from the offline plan, committed current, ready for new parts."""

from __future__ import annotations

import dataclasses
import random

import pytest

from tools import diagram
from tools.engine.mockrun import PlanResult, RecordedResource, run_program


@pytest.fixture(scope="module")
def prod() -> PlanResult:
    return run_program("prod")


def test_committed_diagram_matches_the_plan(prod: PlanResult) -> None:
    committed = diagram.DOC.read_text()
    assert diagram.block(prod) in committed, (
        "docs/architecture.md: the diagram differs from the offline plan of prod; "
        "run `make diagram` and commit the result"
    )


def test_replication_flows_from_the_primary_into_the_replicas(prod: PlanResult) -> None:
    source = prod.named("replicas-1").input("replicateSourceDb")
    text = diagram.render(prod)
    node = diagram._ident("primary", source)
    assert f'{node}[("primary database<br/>{source}")]' in text, (
        f"diagram: the primary {source} is not drawn in the core plane"
    )
    assert f'{node} ==>|"replication"| c_replicas_aws_rds_Instance' in text


def test_alarms_point_at_the_alerting_topic(prod: PlanResult) -> None:
    text = diagram.render(prod)
    assert (
        'c_replicas_aws_cloudwatch_MetricAlarm -->|"alarmActions, okActions"| '
        "c_alerts_aws_sns_Topic" in text
    ), "diagram: replica alarms must be drawn routing to the alerts topic"


def test_core_stack_outputs_feed_the_components_that_read_them(prod: PlanResult) -> None:
    text = diagram.render(prod)
    ref = prod.named("core").input("name")
    assert f'ref_core[/"stack outputs<br/>{ref}"/]' in text
    core_edges = [line for line in text.splitlines() if line.startswith("  ref_core -.->")]
    readers = {line.rsplit("| ", 1)[1] for line in core_edges}
    assert readers == {"c_replicas", "c_web"}, core_edges


def test_staging_without_a_core_stack_draws_only_its_primary() -> None:
    text = diagram.render(run_program("staging"))
    assert "ref_core" not in text, "staging reads no core stack; none should be drawn"
    node = diagram._ident("primary", "arn:aws:rds:eu-west-1:111122223333:db:core-staging-db")
    assert f'{node} ==>|"replication"|' in text


def _extended(plan: PlanResult) -> PlanResult:
    """The prod plan plus a web fleet component and a loose resource, as later branches add."""
    stack_urn = next(r.urn for r in plan.resources if r.type == "pulumi:pulumi:Stack")
    core = plan.named("core").urn
    replicas_sg = plan.named("replicas-sg").urn
    base = "urn:pulumi:prod::spikeproof::"
    fleet = RecordedResource(
        urn=f"{base}spikeproof:web:Fleet::fleet",
        type="spikeproof:web:Fleet",
        name="fleet",
        parent=stack_urn,
        custom=False,
        inputs={},
    )
    asg = RecordedResource(
        urn=f"{base}spikeproof:web:Fleet$aws:autoscaling/group:Group::fleet-asg",
        type="aws:autoscaling/group:Group",
        name="fleet-asg",
        parent=fleet.urn,
        custom=True,
        inputs={},
        property_dependencies={"vpcZoneIdentifiers": [core]},
    )
    rule = RecordedResource(
        urn=f"{base}spikeproof:web:Fleet$aws:vpc/securityGroupIngressRule:"
        "SecurityGroupIngressRule::fleet-to-replicas",
        type="aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
        name="fleet-to-replicas",
        parent=fleet.urn,
        custom=True,
        inputs={},
        property_dependencies={"securityGroupId": [replicas_sg]},
    )
    loose = RecordedResource(
        urn=f"{base}aws:s3/bucketV2:BucketV2::loose-bucket",
        type="aws:s3/bucketV2:BucketV2",
        name="loose-bucket",
        parent=stack_urn,
        custom=True,
        inputs={},
    )
    return dataclasses.replace(plan, resources=[*plan.resources, fleet, asg, rule, loose])


def test_components_that_land_later_are_drawn_with_their_edges(prod: PlanResult) -> None:
    text = diagram.render(_extended(prod))
    assert 'subgraph c_fleet["fleet · spikeproof:web:Fleet"]' in text, "fleet component missing"
    assert 'c_fleet_aws_autoscaling_Group["aws.autoscaling.Group<br/>fleet-asg"]' in text
    assert (
        'c_fleet_aws_vpc_SecurityGroupIngressRule -->|"securityGroupId"| '
        "c_replicas_aws_ec2_SecurityGroup" in text
    ), "diagram: a fleet rule on the replicas' security group must be drawn across components"
    assert 'ref_core -.->|"vpcZoneIdentifiers"| c_fleet' in text
    assert 'stack_aws_s3_BucketV2["aws.s3.BucketV2<br/>loose-bucket"]' in text, (
        "loose resource missing"
    )
    table = diagram.component_table(_extended(prod))
    assert "| `fleet` | `spikeproof:web:Fleet` | 2 |" in table, table


def test_render_is_independent_of_registration_order(prod: PlanResult) -> None:
    shuffled = list(prod.resources)
    random.Random(8).shuffle(shuffled)
    assert diagram.render(dataclasses.replace(prod, resources=shuffled)) == diagram.render(prod)


def test_splice_replaces_only_the_generated_block() -> None:
    document = f"intro\n{diagram.BEGIN}\nold\n{diagram.END}\noutro\n"
    spliced = diagram.splice(document, f"{diagram.BEGIN}\nnew\n{diagram.END}")
    assert spliced == f"intro\n{diagram.BEGIN}\nnew\n{diagram.END}\noutro\n"
    with pytest.raises(ValueError, match="lacks the markers"):
        diagram.splice("no markers here", "x")
