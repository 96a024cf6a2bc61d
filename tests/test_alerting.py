"""The alarm topic: subscriptions from config, CloudWatch-only publishing, optional CMK."""

from __future__ import annotations

import json

import pytest

SUB = "aws:sns/topicSubscription:TopicSubscription"


def test_subscriptions_follow_config(plan) -> None:
    result = plan(
        "staging",
        {
            "alerting": {
                "emails": ["a@example.com", "b@example.com"],
                "httpsEndpoints": ["https://hooks.example.com/T0/B0/x"],
            }
        },
    )
    subs = {s.name: (s.input("protocol"), s.input("endpoint")) for s in result.of_type(SUB)}
    assert subs == {
        "alerts-email-0": ("email", "a@example.com"),
        "alerts-email-1": ("email", "b@example.com"),
        "alerts-https-0": ("https", "https://hooks.example.com/T0/B0/x"),
    }
    topic_arn = result.named("alerts-topic").outputs["arn"]
    assert {s.input("topic") for s in result.of_type(SUB)} == {topic_arn}


def test_prod_topic_uses_a_key_cloudwatch_may_use(plan) -> None:
    result = plan("prod")
    key = result.named("alerts-key")
    topic = result.named("alerts-topic")
    assert topic.input("kmsMasterKeyId") == key.outputs["arn"], (
        "the prod topic must be encrypted with the component's own key, not alias/aws/sns"
    )
    policy = json.loads(key.input("policy"))
    service = {"Service": "cloudwatch.amazonaws.com"}
    cloudwatch = [s for s in policy["Statement"] if s.get("Principal") == service]
    assert cloudwatch and set(cloudwatch[0]["Action"]) == {"kms:Decrypt", "kms:GenerateDataKey*"}
    assert key.input("enableKeyRotation") is True


def test_staging_topic_is_unencrypted_as_configured(plan) -> None:
    result = plan("staging")
    assert result.of_type("aws:kms/key:Key") == []
    assert result.named("alerts-topic").input("kmsMasterKeyId") is None


def test_only_this_accounts_cloudwatch_may_publish(plan) -> None:
    result = plan("prod")
    policy = json.loads(result.named("alerts-topic-policy").input("policy"))
    (statement,) = policy["Statement"]
    assert statement["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    assert statement["Action"] == "sns:Publish"
    assert statement["Condition"] == {"StringEquals": {"aws:SourceAccount": "444455556666"}}


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_alarms_reach_the_shared_slack_channel_through_chatbot(plan, stack: str) -> None:  # type: ignore[no-untyped-def]
    """The real path to chat: a Chatbot Slack channel configuration subscribed to the topic, with
    its own role (trusted by chatbot.amazonaws.com only) and a read-only guardrail."""
    result = plan(stack)
    (topic,) = result.of_type("aws:sns/topic:Topic")
    (slack,) = result.of_type("aws:chatbot/slackChannelConfiguration:SlackChannelConfiguration")
    assert slack.input("snsTopicArns") == [topic.outputs["arn"]], f"{slack.urn}: not on the topic"
    assert slack.input("configurationName").endswith("marketing-eng-sync")
    assert slack.input("guardrailPolicyArns") == ["arn:aws:iam::aws:policy/ReadOnlyAccess"], (
        f"{slack.urn}: without a guardrail, AdministratorAccess applies by default"
    )
    (role,) = [r for r in result.of_type("aws:iam/role:Role") if r.name == "alerts-chatbot-role"]
    trust = json.loads(role.input("assumeRolePolicy"))
    assert [s["Principal"] for s in trust["Statement"]] == [{"Service": "chatbot.amazonaws.com"}]
    assert slack.input("iamRoleArn") == role.outputs["arn"]


@pytest.mark.parametrize(
    "url",
    [
        "https://hooks.slack.com/services/T000/B000/XXXX",
        "https://acme.webhook.office.com/webhookb2/abc",
        "https://prod-01.westeurope.logic.azure.com:443/workflows/abc",
    ],
)
def test_a_chat_webhook_is_refused_with_the_key_that_replaces_it(config_error, url: str) -> None:  # type: ignore[no-untyped-def]
    rendered = config_error("staging", {"alerting": {"httpsEndpoints": [url]}}).render()
    assert "spikeproof:alerting.httpsEndpoints" in rendered and "alerting.slack" in rendered
    assert url not in rendered, "webhook URLs carry tokens: never echoed"
