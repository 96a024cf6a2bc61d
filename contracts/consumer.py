"""A typed view of a spikeproof stack's outputs for other teams' Pulumi programs.

    from contracts.consumer import MarketingPlane
    plane = MarketingPlane.from_stack("acme/spikeproof/prod")
    aws.ec2.SecurityGroup(..., ingress=[...], tags={"reader": plane.reader_hostname})

One field per output of the contract (contracts/outputs.schema.json; tests/test_outputs.py checks
that the fields are exactly its properties, required and optional alike). Every field waits for
the contract check: a stack whose `contract_version` has another major version fails the
consumer's deployment with a message, instead of handing it a renamed or retyped value. Optional
outputs (a stack without a fleet, an edge, forms, a static site or campaigns) are None.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import pulumi

SUPPORTED_MAJOR = 1

REQUIRED = frozenset(
    {
        "contract_version",
        "environment",
        "region",
        "alarm_topic_arn",
        "reader_hostname",
        "reader_port",
        "replica_endpoints",
        "replica_identifiers",
        "replica_security_group_id",
    }
)
"""Outputs every spikeproof stack publishes (the schema's `required`)."""


class ContractMismatch(pulumi.RunError):
    """The producer's outputs contract is not the one this helper reads."""


@dataclass(frozen=True)
class MarketingPlane:
    # Always present.
    contract_version: pulumi.Output[str]
    environment: pulumi.Output[str]
    region: pulumi.Output[str]
    alarm_topic_arn: pulumi.Output[str]
    reader_hostname: pulumi.Output[str]
    reader_port: pulumi.Output[int]
    replica_endpoints: pulumi.Output[list[str]]
    replica_identifiers: pulumi.Output[list[str]]
    replica_security_group_id: pulumi.Output[str]
    # The web fleet (1.1+).
    alb_dns_name: pulumi.Output[str | None]
    fleet_security_group_id: pulumi.Output[str | None]
    # The Cloudflare edge (1.1+).
    edge_hostnames: pulumi.Output[list[str] | None]
    edge_zone_id: pulumi.Output[str | None]
    turnstile_site_key: pulumi.Output[str | None]
    # The form backend (1.1+).
    form_endpoint: pulumi.Output[str | None]
    form_dlq_url: pulumi.Output[str | None]
    # Campaigns the stack schedules (1.2+).
    campaign_dashboards: pulumi.Output[dict[str, str] | None]
    # The static site (1.4+).
    site_worker_name: pulumi.Output[str | None]
    site_version_id: pulumi.Output[str | None]
    site_live_version_id: pulumi.Output[str | None]
    site_routes: pulumi.Output[list[str] | None]

    @classmethod
    def from_stack(
        cls, stack_name: str, *, opts: pulumi.ResourceOptions | None = None
    ) -> MarketingPlane:
        ref = pulumi.StackReference(f"spikeproof-{stack_name}", stack_name=stack_name, opts=opts)
        version = ref.require_output("contract_version").apply(
            lambda v: _check_version(stack_name, v)
        )

        def read(name: str) -> pulumi.Output[Any]:
            value = ref.require_output(name) if name in REQUIRED else ref.get_output(name)
            checked = pulumi.Output.all(version, value).apply(lambda t: t[1])
            return checked.apply(_int) if name == "reader_port" else checked

        values = {f.name: read(f.name) for f in fields(cls) if f.name != "contract_version"}
        return cls(contract_version=version, **values)


def _int(value: Any) -> int:
    # StackReference outputs travel as JSON numbers (floats); the port is a whole number.
    return int(value)


def _check_version(stack_name: str, version: Any) -> str:
    text = str(version)
    major = text.split(".", 1)[0]
    if not major.isdigit() or int(major) != SUPPORTED_MAJOR:
        raise ContractMismatch(
            f"stack {stack_name} publishes outputs contract {text!r}; this helper reads major "
            f"version {SUPPORTED_MAJOR}. Update contracts/consumer.py from the spikeproof "
            "repository (docs/outputs.md lists what changed)."
        )
    return text
