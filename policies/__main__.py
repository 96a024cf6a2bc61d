"""The spikeproof CrossGuard pack: builds the PolicyPack and nothing else (its constructor serves
the Analyzer protocol until the engine stops it; tests never import this module)."""

from __future__ import annotations

import campaign
import compute
import data
import edge
import isolation
import serverless
from pulumi_policy import EnforcementLevel, PolicyPack

PolicyPack(
    name="spikeproof",
    description="Marketing never touches the primary write database; security baseline.",
    enforcement_level=EnforcementLevel.MANDATORY,
    policies=[
        *isolation.POLICIES,
        *data.POLICIES,
        *compute.POLICIES,
        *edge.POLICIES,
        *serverless.POLICIES,
        *campaign.POLICIES,
    ],
)
