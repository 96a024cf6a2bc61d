"""The alarm topic every component routes to, its subscriptions, and the one way alarms are built.

Creates an SNS topic (optionally encrypted with a customer-managed KMS key that CloudWatch may use;
the AWS-managed `alias/aws/sns` key cannot receive alarms), a topic policy that lets only this
account's CloudWatch alarms publish, e-mail / HTTPS subscriptions, and the shared Slack channel
through AWS Chatbot (a Slack channel configuration subscribed to the topic, its role and a read-only
guardrail). Does not authorise the Slack workspace (a one-time console step, docs/first-deploy.md)
or create on-call schedules.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import pulumi
import pulumi_aws as aws

from components.iam import policy_json, service_trust
from settings.core import AlertingSettings

Comparison = Literal[
    "GreaterThanThreshold",
    "GreaterThanOrEqualToThreshold",
    "LessThanThreshold",
    "LessThanOrEqualToThreshold",
]


@dataclass(frozen=True, kw_only=True)
class AlertingArgs:
    config: AlertingSettings
    """What the stack file decides: e-mail and HTTPS subscribers, topic encryption. Defaults and
    checks live in settings/core.py."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Tags on top of the stack's aws:defaultTags. Default: none."""


class Alerting(pulumi.ComponentResource):
    topic_arn: pulumi.Output[str]
    """ARN of the topic every alarm's actions point at."""

    def __init__(
        self, name: str, args: AlertingArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("spikeproof:ops:Alerting", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        caller = aws.get_caller_identity_output(opts=pulumi.InvokeOutputOptions(parent=self))
        partition = aws.get_partition_output(opts=pulumi.InvokeOutputOptions(parent=self))

        key_arn: pulumi.Output[str] | None = None
        if args.config.encrypted:
            key_policy = pulumi.Output.all(caller.account_id, partition.partition).apply(
                lambda parts: _key_policy(parts[0], parts[1])
            )
            key = aws.kms.Key(
                f"{name}-key",
                description=f"Encrypts the {name} alarm topic; usable by CloudWatch alarms.",
                enable_key_rotation=True,
                deletion_window_in_days=30,
                policy=key_policy,
                tags={**args.tags, "Name": f"{name}-key"},
                opts=child,
            )
            key_arn = key.arn

        topic = aws.sns.Topic(
            f"{name}-topic",
            kms_master_key_id=key_arn,
            tags={**args.tags, "Name": f"{name}-topic"},
            opts=child,
        )
        aws.sns.TopicPolicy(
            f"{name}-topic-policy",
            arn=topic.arn,
            policy=pulumi.Output.all(topic.arn, caller.account_id).apply(
                lambda parts: _topic_policy(parts[0], parts[1])
            ),
            opts=child,
        )
        # HTTPS endpoints must confirm the subscription themselves (SNS posts a
        # SubscriptionConfirmation to them); until they do, the subscription stays pending and
        # nothing is delivered.
        subscribers: list[tuple[str, pulumi.Input[str]]] = [
            *(("email", address) for address in args.config.emails),
            # The URLs carry their tokens: secrets in state and in every output.
            *(("https", pulumi.Output.secret(url)) for url in args.config.https_endpoints),
        ]
        counts: dict[str, int] = {}
        for protocol, endpoint in subscribers:
            index = counts[protocol] = counts.get(protocol, -1) + 1
            aws.sns.TopicSubscription(
                f"{name}-{protocol}-{index}",
                topic=topic.arn,
                protocol=protocol,
                endpoint=endpoint,
                opts=child,
            )

        slack = args.config.slack
        if slack is not None:
            # The real path to chat: an SNS subscription to a Slack webhook can never confirm.
            # AWS Chatbot assumes this role to read what it shows; the guardrail caps what anyone
            # in the channel can do through it at read-only.
            chatbot_role = aws.iam.Role(
                f"{name}-chatbot-role",
                assume_role_policy=service_trust("chatbot.amazonaws.com"),
                tags={**args.tags, "Name": f"{name}-chatbot-role"},
                opts=child,
            )
            aws.iam.RolePolicyAttachment(
                f"{name}-chatbot-read",
                role=chatbot_role.name,
                policy_arn=partition.partition.apply(
                    lambda p: f"arn:{p}:iam::aws:policy/CloudWatchReadOnlyAccess"
                ),
                opts=child,
            )
            aws.chatbot.SlackChannelConfiguration(
                f"{name}-slack",
                configuration_name=f"{name}-{slack.channel_name}"[:128],
                slack_team_id=slack.workspace_id,
                slack_channel_id=slack.channel_id,
                iam_role_arn=chatbot_role.arn,
                guardrail_policy_arns=[
                    partition.partition.apply(lambda p: f"arn:{p}:iam::aws:policy/ReadOnlyAccess")
                ],
                sns_topic_arns=[topic.arn],
                logging_level="ERROR",
                tags={**args.tags, "Name": f"{name}-slack"},
                opts=child,
            )

        self.topic_arn = topic.arn
        self.register_outputs({"topic_arn": self.topic_arn})


def metric_alarm(
    name: str,
    *,
    parent: pulumi.Resource,
    description: str,
    threshold: pulumi.Input[float],
    comparison: Comparison,
    actions: Sequence[pulumi.Input[str]],
    namespace: str | None = None,
    metric_name: str | None = None,
    dimensions: Mapping[str, pulumi.Input[str]] | None = None,
    statistic: str = "Average",
    extended_statistic: str | None = None,
    metric_queries: Sequence[aws.cloudwatch.MetricAlarmMetricQueryArgsDict] | None = None,
    period_seconds: int = 60,
    evaluation_periods: int = 5,
    datapoints_to_alarm: int | None = None,
    treat_missing_data: str = "missing",
    ok_actions: bool = True,
    scaling_actions: Sequence[pulumi.Input[str]] = (),
    tags: Mapping[str, str] | None = None,
) -> aws.cloudwatch.MetricAlarm:
    """One CloudWatch alarm, built the same way everywhere: every alarm of the program comes from
    here (tests/test_alarm_catalogue.py checks they all notify the topic on ALARM and OK).

    One metric (`namespace`, `metric_name`, `dimensions`, and `statistic` or a percentile in
    `extended_statistic`), or metric math in `metric_queries` (each query carries its own period).
    `actions` receive ALARM and OK (unless `ok_actions` is false); `scaling_actions` (scaling
    policies) only ALARM: a policy must not run on recovery. `datapoints_to_alarm` defaults to
    `evaluation_periods`, as CloudWatch's does. The description is what the on-call person reads
    first, so say what it means.
    """
    one = metric_queries is None
    single = (namespace, metric_name, dimensions, extended_statistic)
    if one and (namespace is None or metric_name is None):
        raise ValueError(f"alarm {name}: a single-metric alarm needs namespace and metric_name")
    if not one and any(v is not None for v in single):
        raise ValueError(f"alarm {name}: metric_queries carry their own metrics; give no other")
    return aws.cloudwatch.MetricAlarm(
        name,
        alarm_description=description,
        namespace=namespace,
        metric_name=metric_name,
        dimensions=dict(dimensions or {}) if one else None,
        statistic=statistic if one and extended_statistic is None else None,
        extended_statistic=extended_statistic,
        period=period_seconds if one else None,
        metric_queries=None if metric_queries is None else list(metric_queries),
        evaluation_periods=evaluation_periods,
        datapoints_to_alarm=datapoints_to_alarm or evaluation_periods,
        threshold=threshold,
        comparison_operator=comparison,
        treat_missing_data=treat_missing_data,
        alarm_actions=[*actions, *scaling_actions],
        ok_actions=list(actions) if ok_actions else [],
        tags=None if tags is None else dict(tags),
        opts=pulumi.ResourceOptions(parent=parent),
    )


def _key_policy(account_id: str, partition: str) -> str:
    return policy_json(
        [
            {
                "Sid": "AccountAdministers",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:{partition}:iam::{account_id}:root"},
                "Action": "kms:*",
                "Resource": "*",
            },
            {
                "Sid": "CloudWatchAlarmsEncrypt",
                "Effect": "Allow",
                "Principal": {"Service": "cloudwatch.amazonaws.com"},
                "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
                "Resource": "*",
                "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
            },
        ]
    )


def _topic_policy(topic_arn: str, account_id: str) -> str:
    return policy_json(
        [
            {
                "Sid": "CloudWatchAlarmsPublish",
                "Effect": "Allow",
                "Principal": {"Service": "cloudwatch.amazonaws.com"},
                "Action": "sns:Publish",
                "Resource": topic_arn,
                "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
            }
        ]
    )
