"""What a stack creates for each campaign it references: a CloudWatch dashboard and window alarms.

The pre-warm itself is the fleet's (scheduled actions from model/schedule.py, sized by
forecast/projection.py); this component watches the campaign.

Per campaign:
- one `aws.cloudwatch.Dashboard`: requests, 5xx, in-service instances against desired, fleet CPU,
  replica lag, function throttles and queue depth, under a heading with the projection's verdict;
- alarms tighter than the everyday ones, but only inside the campaign's window (pre-warm to end):
  5xx above 1% of requests (everyday 5%), p95 response time above 0.5 s (everyday 1 s), replica lag
  above half the stack's `lagAlarmSeconds`, sign-ups waiting in the queue over 5 minutes (everyday
  15), and fewer instances in service than the pre-warm holds.

How an alarm is limited to a window: CloudWatch has no scheduled threshold, so each window alarm
is a metric-math alarm on `IF(EPOCH(x) >= start AND EPOCH(x) < end, x, quiet)`: the watched
series inside the window and a never-breaching value outside it (EPOCH gives each datapoint's
timestamp in epoch seconds; it is one of the date functions metric math gained in June 2021 with
MINUTE, HOUR and DAY, and the `IF(time condition, ...)` shape is the one AWS's own alarm
suppression tutorial uses). Outside the window the alarm stays OK; the everyday alarms are
untouched.
Rejected: an EventBridge schedule calling PutMetricAlarm to swap thresholds (it would change
resources Pulumi owns behind its back: drift, and a missed call leaves the tight thresholds on),
and alarm suppression (mutes, does not tighten).

The campaign's facts (name, data access, verdict, projected peak and capacity, minutes over
capacity, pre-warm) are tags on every window alarm: the policy pack reads them there
(policies/campaign.py) and the on-call sees them on the alarm.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import pulumi
import pulumi_aws as aws

from components.alerting import Comparison, metric_alarm
from forecast.projection import CampaignFacts

WINDOW_5XX_PERCENT = 1.0
WINDOW_P95_SECONDS = 0.5
WINDOW_QUEUE_AGE_SECONDS = 300
TAG = "spikeproof:campaign"


def fact_tags(facts: CampaignFacts) -> dict[str, str]:
    """The projection's facts as tags (AWS tag values are strings)."""
    return {
        TAG: facts.name,
        f"{TAG}-data-access": facts.data_access,
        f"{TAG}-verdict": facts.verdict,
        f"{TAG}-peak-origin-rps": f"{facts.peak_origin_rps:.0f}",
        f"{TAG}-capacity-at-peak-rps": f"{facts.capacity_at_peak_rps:.0f}",
        f"{TAG}-overloaded-minutes": str(facts.overloaded_minutes),
        f"{TAG}-prewarm-instances": str(facts.prewarm_instances),
    }


def in_window(series: str, start: datetime, end: datetime, outside: str = "0") -> str:
    """Metric math: `series` inside [start, end), `outside` elsewhere."""
    return (
        f"IF(EPOCH({series}) >= {int(start.timestamp())} AND "
        f"EPOCH({series}) < {int(end.timestamp())}, {series}, {outside})"
    )


class WatchedFleet(Protocol):
    """What the monitor reads of the web fleet (CloudWatch dimensions)."""

    @property
    def alb_arn_suffix(self) -> pulumi.Output[str]: ...

    @property
    def target_group_arn_suffix(self) -> pulumi.Output[str]: ...

    @property
    def group_name(self) -> pulumi.Output[str]: ...


class WatchedReplicas(Protocol):
    """What the monitor reads of the read replicas."""

    @property
    def each_identifier(self) -> Sequence[pulumi.Output[str]]: ...

    @property
    def lag_alarm_seconds(self) -> int: ...


class WatchedForms(Protocol):
    """What the monitor reads of the form backend."""

    @property
    def function_names(self) -> Mapping[str, pulumi.Output[str]]: ...

    @property
    def queue_name(self) -> pulumi.Output[str]: ...


@dataclass(frozen=True, kw_only=True)
class CampaignMonitorArgs:
    facts: CampaignFacts
    """What the projection says about the campaign as the stack deploys it."""
    alarm_topic_arn: pulumi.Input[str]
    """SNS topic the window alarms notify."""
    region: str
    """Region of the dashboard's metrics."""
    fleet: WatchedFleet
    """The web fleet: ALB, target group and Auto Scaling group."""
    replicas: WatchedReplicas
    """The read replicas: lag widgets and alarms (half the everyday lag threshold, at least 5 s)."""
    forms: WatchedForms | None
    """The form backend, for throttles, queue depth and age. None: the stack has none."""
    name_prefix: str
    """Prefix of the dashboard name."""

    def __post_init__(self) -> None:
        f = self.facts
        for moment in (f.window_start, f.start, f.end):
            if moment.tzinfo is None:
                raise ValueError("CampaignMonitorArgs: the window's instants must be aware")
        if not f.window_start <= f.start < f.end:
            raise ValueError("CampaignMonitorArgs: the window must run pre-warm <= start < end")


@dataclass(frozen=True, kw_only=True)
class DashboardInputs:
    """Plain values the dashboard body is built from (resolved outputs)."""

    facts: CampaignFacts
    region: str
    load_balancer: str
    target_group: str
    group_name: str
    replica_identifiers: Sequence[str] = ()
    function_names: Sequence[str] = ()
    queue_name: str | None = None
    notes: Sequence[str] = field(default_factory=list)


def dashboard_body(d: DashboardInputs) -> dict[str, Any]:
    """The dashboard JSON: a heading, then two graphs per row, one per signal the stack has."""
    f = d.facts
    widgets: list[dict[str, Any]] = [
        {
            "type": "text",
            "x": 0,
            "y": 0,
            "width": 24,
            "height": 3,
            "properties": {
                "markdown": "\n\n".join(
                    [
                        f"# Campaign {f.name}: {f.verdict}",
                        f"Pre-warm {f.window_start:%Y-%m-%d %H:%M}, start {f.start:%H:%M}, end "
                        f"{f.end:%Y-%m-%d %H:%M} UTC. Projected peak origin load "
                        f"{f.peak_origin_rps:,.0f} req/s against {f.capacity_at_peak_rps:,.0f}; "
                        f"{f.prewarm_instances} instances held from the pre-warm.",
                        *d.notes,
                    ]
                )
            },
        }
    ]

    def graph(title: str, metrics: list[list[Any]], stat: str = "Sum") -> None:
        i = len(widgets) - 1
        widgets.append(
            {
                "type": "metric",
                "x": (i % 2) * 12,
                "y": 3 + (i // 2) * 6,
                "width": 12,
                "height": 6,
                "properties": {
                    "title": title,
                    "region": d.region,
                    "stat": stat,
                    "period": 60,
                    "view": "timeSeries",
                    "metrics": metrics,
                },
            }
        )

    lb = ["LoadBalancer", d.load_balancer]
    graph("Requests at the origin (ALB)", [["AWS/ApplicationELB", "RequestCount", *lb]])
    graph(
        "5xx (ALB and targets)",
        [
            ["AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count", *lb],
            ["AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", *lb],
        ],
    )
    group = ["AutoScalingGroupName", d.group_name]
    graph(
        "In-service instances (and desired)",
        [
            ["AWS/AutoScaling", "GroupInServiceInstances", *group],
            ["AWS/AutoScaling", "GroupDesiredCapacity", *group],
        ],
        stat="Maximum",
    )
    graph("Fleet CPU %", [["AWS/EC2", "CPUUtilization", *group]], stat="Average")
    if d.replica_identifiers:
        graph(
            "Replica lag (s)",
            [["AWS/RDS", "ReplicaLag", "DBInstanceIdentifier", r] for r in d.replica_identifiers],
            stat="Maximum",
        )
    if d.function_names:
        graph(
            "Form function throttles",
            [["AWS/Lambda", "Throttles", "FunctionName", n] for n in d.function_names],
        )
    if d.queue_name:
        graph(
            "Form queue depth",
            [["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", d.queue_name]],
            stat="Maximum",
        )
    # The campaign's own time range (absolute, ISO 8601 UTC): half an hour before the pre-warm to
    # an hour after the end, so the page shows the campaign whenever it is opened.
    return {
        "start": _stamp(f.window_start - timedelta(minutes=30)),
        "end": _stamp(f.end + timedelta(hours=1)),
        "periodOverride": "inherit",
        "widgets": widgets,
    }


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _metric(
    qid: str, namespace: str, metric_name: str, dims: Mapping[str, Any], stat: str
) -> aws.cloudwatch.MetricAlarmMetricQueryArgsDict:
    return {
        "id": qid,
        "metric": {
            "namespace": namespace,
            "metric_name": metric_name,
            "dimensions": dict(dims),
            "period": 60,
            "stat": stat,
        },
    }


def _expression(
    qid: str, expression: str, label: str
) -> aws.cloudwatch.MetricAlarmMetricQueryArgsDict:
    return {"id": qid, "expression": expression, "label": label, "return_data": True}


class CampaignMonitor(pulumi.ComponentResource):
    dashboard_name: pulumi.Output[str]
    """Name of the campaign's CloudWatch dashboard."""

    def __init__(
        self, name: str, args: CampaignMonitorArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("spikeproof:ops:CampaignMonitor", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        f = args.facts
        load_balancer = args.fleet.alb_arn_suffix
        target_group = args.fleet.target_group_arn_suffix
        group_name = args.fleet.group_name
        replica_identifiers = list(args.replicas.each_identifier)
        function_names = list(args.forms.function_names.values()) if args.forms else []
        queue_name = args.forms.queue_name if args.forms else None
        begin, end = f.window_start, f.end
        tags = fact_tags(f)
        topic = [args.alarm_topic_arn]

        def window_alarm(
            role: str,
            description: str,
            threshold: float,
            queries: list[aws.cloudwatch.MetricAlarmMetricQueryArgsDict],
            comparison: Comparison = "GreaterThanThreshold",
        ) -> None:
            metric_alarm(
                f"{name}-{role}",
                parent=self,
                description=f"Campaign {f.name}, its window only: {description} "
                "(docs/runbooks/alarms.md)",
                comparison=comparison,
                threshold=threshold,
                evaluation_periods=3,
                datapoints_to_alarm=3,
                treat_missing_data="notBreaching",
                metric_queries=queries,
                actions=topic,
                tags=tags,
            )

        lb = {"LoadBalancer": load_balancer}
        window_alarm(
            "window-5xx",
            f"5xx above {WINDOW_5XX_PERCENT:g}% of requests for 3 minutes",
            WINDOW_5XX_PERCENT,
            [
                {
                    "id": "rate",
                    "expression": "100 * (FILL(elb, 0) + FILL(target, 0)) / FILL(requests, 1)",
                    "label": "5xx percent",
                },
                _expression("window", in_window("rate", begin, end), "5xx percent, in window"),
                _metric("elb", "AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count", lb, "Sum"),
                _metric("target", "AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", lb, "Sum"),
                _metric("requests", "AWS/ApplicationELB", "RequestCount", lb, "Sum"),
            ],
        )
        window_alarm(
            "window-response-time",
            f"p95 target response time above {WINDOW_P95_SECONDS:g} s for 3 minutes",
            WINDOW_P95_SECONDS,
            [
                _metric(
                    "p95",
                    "AWS/ApplicationELB",
                    "TargetResponseTime",
                    {**lb, "TargetGroup": target_group},
                    "p95",
                ),
                _expression("window", in_window("p95", begin, end), "p95, in window"),
            ],
        )
        if f.own_prewarm_instances and f.own_prewarm_ready is not None:
            # From when the campaign's own pre-warm is in service (its action plus boot and
            # warm-up, at the earliest the start) to the end; outside, the series reads as the
            # pre-warm itself, which is never below it. A pre-warm borrowed from another window
            # is that window's business: no alarm here.
            held = f.own_prewarm_instances
            window_alarm(
                "window-capacity",
                f"fewer than {held} instances in service (the pre-warm did not run or instances "
                "fail to launch)",
                held,
                [
                    _metric(
                        "inservice",
                        "AWS/AutoScaling",
                        "GroupInServiceInstances",
                        {"AutoScalingGroupName": group_name},
                        "Minimum",
                    ),
                    _expression(
                        "window",
                        in_window("inservice", f.own_prewarm_ready, end, outside=str(held)),
                        "in-service instances, in window",
                    ),
                ],
                comparison="LessThanThreshold",
            )
        lag = max(5, args.replicas.lag_alarm_seconds // 2)
        for i, replica in enumerate(replica_identifiers, 1):
            window_alarm(
                f"window-replica-{i}-lag",
                f"replica {i} lag above {lag} s for 3 minutes",
                lag,
                [
                    _metric(
                        "lag", "AWS/RDS", "ReplicaLag", {"DBInstanceIdentifier": replica}, "Maximum"
                    ),
                    _expression("window", in_window("lag", begin, end), "replica lag, in window"),
                ],
            )
        if queue_name is not None:
            window_alarm(
                "window-queue-age",
                f"sign-ups waiting over {WINDOW_QUEUE_AGE_SECONDS // 60} minutes in the form "
                "queue for 3 minutes",
                WINDOW_QUEUE_AGE_SECONDS,
                [
                    _metric(
                        "age",
                        "AWS/SQS",
                        "ApproximateAgeOfOldestMessage",
                        {"QueueName": queue_name},
                        "Maximum",
                    ),
                    _expression(
                        "window", in_window("age", begin, end), "oldest sign-up, in window"
                    ),
                ],
            )

        n_rep, n_fn = len(replica_identifiers), len(function_names)
        inputs: list[pulumi.Input[str]] = [
            load_balancer,
            target_group,
            group_name,
            queue_name or "",
            *replica_identifiers,
            *function_names,
        ]
        notes = [
            f"Data access: {f.data_access}. {f.overloaded_minutes} projected minutes over "
            "capacity. Runbooks: docs/runbooks/campaign-day.md, docs/runbooks/alarms.md; "
            f"pre-flight: python -m tools.preflight {f.name} --stack <stack>.",
        ]

        def body(values: list[str]) -> str:
            lb_suffix, tg, group, queue, *rest = values
            return json.dumps(
                dashboard_body(
                    DashboardInputs(
                        facts=f,
                        region=args.region,
                        load_balancer=lb_suffix,
                        target_group=tg,
                        group_name=group,
                        replica_identifiers=rest[:n_rep],
                        function_names=rest[n_rep : n_rep + n_fn],
                        queue_name=queue or None,
                        notes=notes,
                    )
                ),
                sort_keys=True,
            )

        dashboard = aws.cloudwatch.Dashboard(
            f"{name}-dashboard",
            dashboard_name=f"{args.name_prefix}-campaign-{f.name}",
            dashboard_body=pulumi.Output.all(*inputs).apply(body),
            opts=child,
        )
        self.dashboard_name = dashboard.dashboard_name
        self.register_outputs({"dashboard_name": self.dashboard_name})
