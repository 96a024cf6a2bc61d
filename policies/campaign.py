"""Campaign policies: no campaign writes to the primary (mandatory in every stack), none is NO-GO
(mandatory where the config's level is, prod), projected overload needs a pre-warm (advisory).

A stack that references a campaign (`spikeproof:campaigns`) records what the projection says about
it as tags on the campaign's window alarms (components/campaign.py):
`spikeproof:campaign` (name), `-data-access`, `-verdict`, `-peak-origin-rps`,
`-capacity-at-peak-rps`, `-overloaded-minutes` (projected minutes over the fleet's capacity as
deployed, pre-warm included) and `-prewarm-instances` (instances held at the start; 0: none).

The campaign loader already refuses `primary-write`; this pack is the line that holds when a
campaign is recorded by any other path (an older program, a hand-written resource, a loader bug),
and in CI, where previews run with the pack. It does not re-run the projection: the numbers are the
program's, read as recorded, on any resource that carries the tags.
"""

from __future__ import annotations

from helpers import Report, describe, get, resource_policy
from pulumi_policy import EnforcementLevel, ResourceValidationArgs

TAG = "spikeproof:campaign"


def _tag(args: ResourceValidationArgs, suffix: str = "") -> object:
    return get(args.props, "tags", f"{TAG}{suffix}")


def _primary_write(args: ResourceValidationArgs, report: Report) -> None:
    name = _tag(args)
    if name is None:
        return
    access = _tag(args, "-data-access")
    if access is None:
        report(f"campaign {name}: its data access is not recorded (tag {TAG}-data-access).")
    elif str(access) not in ("none", "replica-read"):
        report(
            f"campaign {name} declares data access {access}: a campaign never writes to (or "
            "queries) the core application's primary. Generate per-recipient data (coupon codes) "
            "into the marketing plane's own store before the send and read through the replicas."
        )


CAMPAIGN_PRIMARY_WRITE = resource_policy(
    "campaign-data-access-primary-write",
    describe(
        "No campaign the stack prepares for has data access other than none or replica-read.",
        severity="critical",
        remediation="set the campaign's dataAccess to none or replica-read; pre-generate "
        "per-recipient data into the marketing plane's store",
        rules="no Checkov/trivy/AWSGuard equivalent",
    ),
    _primary_write,
)


def _number(value: object) -> float | None:
    try:
        return float(str(value))
    except ValueError:
        return None


def _prewarm(args: ResourceValidationArgs, report: Report) -> None:
    name = _tag(args)
    if name is None:
        return
    over = _number(_tag(args, "-overloaded-minutes"))
    prewarm = _number(_tag(args, "-prewarm-instances"))
    if over is None or prewarm is None:
        report(
            f"campaign {name}: the projection's tags ({TAG}-overloaded-minutes, "
            f"{TAG}-prewarm-instances) are missing or not numbers."
        )
        return
    if over <= 0:
        return
    peak = _tag(args, "-peak-origin-rps")
    capacity = _tag(args, "-capacity-at-peak-rps")
    if prewarm <= 0:
        report(
            f"campaign {name}: projected origin load exceeds the fleet's capacity for "
            f"{over:.0f} minutes (peak {peak} req/s against {capacity}) and no pre-warm is "
            "scheduled."
        )
    else:
        report(
            f"campaign {name}: even with {prewarm:.0f} instances pre-warmed, projected origin "
            f"load exceeds the fleet's capacity for {over:.0f} minutes (peak {peak} req/s against "
            f"{capacity})."
        )


CAMPAIGN_PREWARM = resource_policy(
    "campaign-capacity-prewarm",
    describe(
        "A campaign whose projected origin load exceeds the fleet's capacity is pre-warmed enough.",
        severity="medium",
        remediation="run python -m tools.preflight <campaign> --stack <stack> and apply its "
        "actions (prewarm.instances, fleet.maxSize, cache-key parameters)",
        rules="no Checkov/trivy/AWSGuard equivalent",
    ),
    _prewarm,
    level=EnforcementLevel.ADVISORY,
)


def _no_go(args: ResourceValidationArgs, report: Report) -> None:
    name = _tag(args)
    if name is None:
        return
    verdict = _tag(args, "-verdict")
    if verdict is None:
        report(f"campaign {name}: the pre-flight's verdict is not recorded (tag {TAG}-verdict).")
    elif str(verdict) == "NO-GO":
        report(
            f"campaign {name}: the pre-flight's verdict as the stack deploys it is NO-GO. Run "
            "python -m tools.preflight for it and apply its actions, or remove it from "
            "spikeproof:campaigns."
        )


CAMPAIGN_NO_GO = resource_policy(
    "campaign-verdict-no-go",
    describe(
        "No campaign the stack prepares for has a NO-GO pre-flight verdict (as projected against "
        "the stack's own rules and fleet, its pre-warm included).",
        severity="high",
        remediation="run python -m tools.preflight <campaign> --stack <stack> and apply its "
        "actions, or move the campaign to a stack and date it can be served on",
        rules="no Checkov/trivy/AWSGuard equivalent",
    ),
    _no_go,
)

POLICIES = [CAMPAIGN_PRIMARY_WRITE, CAMPAIGN_PREWARM, CAMPAIGN_NO_GO]
LOCKED = [CAMPAIGN_PRIMARY_WRITE]
"""Part of the isolation family: mandatory in every stack."""
