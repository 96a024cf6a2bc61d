"""The spikeproof CrossGuard pack: builds the PolicyPack and nothing else (its constructor serves
the Analyzer protocol until the engine stops it; tests never import this module). Before that, the
SDK's Configure is made to refuse a config that lowers the isolation family (helpers.py)."""

from __future__ import annotations

import budget
import campaign
import compute
import data
import edge
import isolation
import serverless
from helpers import lock_enforcement
from pulumi_policy import EnforcementLevel, PolicyPack
from pulumi_policy import policy as sdk

# Mandatory in every stack, whatever --policy-pack-config says (docs/policies.md).
lock_enforcement(
    sdk._PolicyAnalyzerServicer,
    [p.name for p in (*isolation.POLICIES, *campaign.LOCKED)],
)

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
        *budget.POLICIES,
    ],
)
