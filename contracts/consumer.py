"""A typed view of a spikeproof stack's outputs for other teams' Pulumi programs.

    from contracts.consumer import MarketingPlane
    plane = MarketingPlane.from_stack("acme/spikeproof/prod")
    aws.ec2.SecurityGroup(..., ingress=[...], tags={"reader": plane.reader_hostname})

Every field waits for the contract check: a stack whose `contract_version` has another major version
fails the consumer's deployment with a message, instead of handing it a renamed or retyped value.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi

SUPPORTED_MAJOR = 1


class ContractMismatch(pulumi.RunError):
    """The producer's outputs contract is not the one this helper reads."""


@dataclass(frozen=True)
class MarketingPlane:
    contract_version: pulumi.Output[str]
    environment: pulumi.Output[str]
    region: pulumi.Output[str]
    alarm_topic_arn: pulumi.Output[str]
    reader_hostname: pulumi.Output[str]
    reader_port: pulumi.Output[int]
    replica_endpoints: pulumi.Output[list[str]]
    replica_identifiers: pulumi.Output[list[str]]
    replica_security_group_id: pulumi.Output[str]
    # Optional fields (1.1+): None when the producing stack has no such component.
    alb_dns_name: pulumi.Output[str | None]
    edge_hostnames: pulumi.Output[list[str] | None]
    turnstile_site_key: pulumi.Output[str | None]
    form_endpoint: pulumi.Output[str | None]
    campaign_dashboards: pulumi.Output[dict[str, str] | None]

    @classmethod
    def from_stack(
        cls, stack_name: str, *, opts: pulumi.ResourceOptions | None = None
    ) -> MarketingPlane:
        ref = pulumi.StackReference(f"spikeproof-{stack_name}", stack_name=stack_name, opts=opts)
        version = ref.require_output("contract_version").apply(
            lambda v: _check_version(stack_name, v)
        )

        def field(name: str) -> pulumi.Output[Any]:
            return pulumi.Output.all(version, ref.require_output(name)).apply(lambda t: t[1])

        def optional(name: str) -> pulumi.Output[Any]:
            return pulumi.Output.all(version, ref.get_output(name)).apply(lambda t: t[1])

        return cls(
            contract_version=version,
            environment=field("environment"),
            region=field("region"),
            alarm_topic_arn=field("alarm_topic_arn"),
            reader_hostname=field("reader_hostname"),
            reader_port=field("reader_port").apply(int),
            replica_endpoints=field("replica_endpoints"),
            replica_identifiers=field("replica_identifiers"),
            replica_security_group_id=field("replica_security_group_id"),
            alb_dns_name=optional("alb_dns_name"),
            edge_hostnames=optional("edge_hostnames"),
            turnstile_site_key=optional("turnstile_site_key"),
            form_endpoint=optional("form_endpoint"),
            campaign_dashboards=optional("campaign_dashboards"),
        )


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
