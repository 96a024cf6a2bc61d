"""What a campaign day needs ready, as documented values: account quotas' defaults, lead times and
the waiting room's sizing rules. Pure: constants with their sources, and the arithmetic on them.

Each value names where it was read (2026-12-07). Where AWS documents no figure (how long a quota
increase takes, how long a replica takes to create), the value here is this project's planning
figure, said to be one on every line that uses it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Documented:
    value: float
    unit: str
    source: str
    planning: bool = False
    """True: no source gives a figure; this is the project's own planning value."""


EC2_ON_DEMAND_STANDARD_VCPUS = Documented(
    5.0,
    "vCPUs",
    "Service Quotas L-1216C47A 'Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) "
    "instances': 5.0 in AWS's CLI example of get-aws-default-service-quota "
    "(docs.aws.amazon.com/cli/latest/userguide/cli_service-quotas_code_examples.html)",
)
EC2_QUOTA_CODE = "L-1216C47A"
SPOT_QUOTA_CODE = "L-34B43A08"
"""'All Standard (A, C, D, H, I, M, R, T, Z) Spot Instance Requests': no default value was found
in AWS's documentation, so there is none here; the account's is read with --from-aws."""
LAMBDA_CONCURRENCY = Documented(
    1000.0,
    "concurrent executions",
    "Lambda quotas: 'Concurrent executions | 1,000 | Tens of thousands'; 'New AWS accounts "
    "have reduced concurrency' (docs.aws.amazon.com/lambda/latest/dg/limits.html)",
)
LAMBDA_UNRESERVED_MINIMUM = Documented(
    100.0,
    "concurrent executions",
    "'You can reserve up to the Unreserved account concurrency value ... minus 100' (Lambda "
    "developer guide, configuration-concurrency.html)",
)
API_THROTTLE_RPS = Documented(
    10000.0,
    "requests/s",
    "API Gateway quotas: 10,000 RPS per account and Region across HTTP, REST and WebSocket "
    "APIs, burst 5,000 (2,500/1,250 in 13 newer Regions); quota L-8A5B8E43 "
    "(docs.aws.amazon.com/apigateway/latest/developerguide/limits.html)",
)
API_QUOTA_CODE = "L-8A5B8E43"
API_LOW_REGIONS = frozenset(
    {
        "af-south-1", "eu-south-1", "ap-southeast-3", "ap-south-2", "ap-southeast-4",
        "eu-south-2", "eu-central-2", "il-central-1", "me-central-1", "ap-southeast-5",
        "ca-west-1", "mx-central-1", "ap-southeast-7",
    }
)  # fmt: skip
"""Regions whose default is 2,500 RPS (the same page lists them)."""
SES_SANDBOX_DAY = Documented(
    200.0,
    "emails/24 h",
    "SES quotas: 'If your account is in the sandbox, you can send up to 200 emails per 24-hour "
    "period' (docs.aws.amazon.com/ses/latest/dg/quotas.html)",
)
SES_SANDBOX_RATE = Documented(
    1.0, "emails/s", "SES quotas: '...you can send 1 email per second' (same page)"
)
DYNAMODB_NEW_TABLE_WRITES = Documented(
    4000.0,
    "writes/s",
    "DynamoDB: 'New on-demand tables will be able to sustain up to 4,000 writes per second'; "
    "throttling 'if the throughput exceeds twice the previous peak within the same 30 minutes' "
    "(DynamoDB developer guide, pre-warming-on-demand-capacity-mode.html)",
)
QUOTA_INCREASE_HOURS = Documented(
    72.0,
    "hours",
    "planning figure: AWS documents no duration for a quota increase ('Plan to request any "
    "quota increases in advance', Amazon ECS service quotas page); 3 days",
    planning=True,
)
REPLICA_CREATE_MINUTES = Documented(
    60.0,
    "minutes",
    "planning figure: RDS documents no duration ('RDS takes a DB snapshot of your source ... "
    "An active, long-running transaction can slow the process', USER_ReadRepl.Create.html)",
    planning=True,
)
LCU_RESERVATION_HOURS = Documented(
    4.0,
    "hours",
    "ALB LCU reservation: 'Most requests are typically fulfilled within a few minutes, but can "
    "take up to a few hours' (request-capacity-unit-reservation.html); 4 h planned",
    planning=True,
)
DYNAMODB_PREWARM_HOURS = Documented(
    24.0,
    "hours",
    "DynamoDB: 'start this process at least 24 hours before the anticipated peak' "
    "(pre-warming-on-demand-capacity-mode.html)",
)
WAITING_ROOM_ORIGIN_SHARE = Documented(
    0.75,
    "of origin capacity",
    "Cloudflare Waiting Room best practices: total active users 'to 75% of your origin's "
    "traffic capacity' (developers.cloudflare.com/waiting-room/reference/best-practices/)",
)
WAITING_ROOM_MINIMUM = Documented(
    200.0,
    "users",
    "Cloudflare: total active users and new users per minute 'must be greater than 200' "
    "(waiting-room/reference/configuration-settings/)",
)
WAITING_ROOM_EVENT_PREQUEUE_MINUTES = Documented(
    5.0,
    "minutes",
    "Cloudflare: prequeue_start_time 'Must occur at least 5 minutes before event_start_time'; "
    "events are a Waiting Room Advanced (Enterprise add-on) feature "
    "(waiting-room/additional-options/create-events/, plans feature table)",
)
STEEP_RAMP_LCU = 50.0
"""Above this many LCUs an hour at the peak, an ALB LCU reservation is proposed: a load balancer
scales on its own but not instantly, and a step from idle to a campaign's peak is the case AWS
documents the reservation for. A project threshold, not an AWS figure."""


def api_throttle_default(region: str) -> Documented:
    if region in API_LOW_REGIONS:
        return Documented(2500.0, "requests/s", API_THROTTLE_RPS.source)
    return API_THROTTLE_RPS
