"""Where the marketing plane plugs into the core application: network ids and the primary's id.

Read from the stack's own config (spikeproof:network, spikeproof:primary) or from the core
application's stack through a StackReference (spikeproof:coreStack). Nothing of the core is managed
here: a StackReference only reads another stack's outputs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi

from settings import Settings


@dataclass(frozen=True)
class NetworkFacts:
    """The core application's network, as the fleet and the replicas need it."""

    vpc_id: pulumi.Input[str]
    private_subnet_ids: pulumi.Input[Sequence[str]]
    """Instance and replica subnets, at least two zones."""
    public_subnet_ids: pulumi.Input[Sequence[str]]
    """Load balancer subnets, at least two zones."""


@dataclass(frozen=True)
class CoreFacts:
    network: NetworkFacts
    primary_identifier: pulumi.Input[str]


def core_facts(settings: Settings) -> CoreFacts:
    """Network ids and the primary identifier, explicit config first, else the core stack."""
    ref: pulumi.StackReference | None = None
    if settings.core_stack is not None:
        ref = pulumi.StackReference("core", stack_name=settings.core_stack.name)

    def from_core(output_name: str) -> pulumi.Output[object]:
        assert ref is not None  # settings guarantee a source for every fact
        return ref.require_output(output_name)

    core = settings.core_stack
    if settings.network is not None:
        vpc_id: pulumi.Input[str] = settings.network.vpc_id
        private: pulumi.Input[Sequence[str]] = list(settings.network.private_subnet_ids)
        public: pulumi.Input[Sequence[str]] = list(settings.network.public_subnet_ids)
    else:
        assert core is not None
        vpc_id = from_core(core.vpc_id_output)  # type: ignore[assignment]
        private = from_core(core.private_subnet_ids_output)  # type: ignore[assignment]
        public = from_core(core.public_subnet_ids_output)  # type: ignore[assignment]
    if settings.primary.identifier is not None:
        primary: pulumi.Input[str] = settings.primary.identifier
    else:
        assert core is not None
        primary = from_core(core.primary_identifier_output)  # type: ignore[assignment]
    return CoreFacts(NetworkFacts(vpc_id, private, public), primary)
