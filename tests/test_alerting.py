"""The alarm topic: subscriptions from config, CloudWatch-only publishing, optional CMK."""

from __future__ import annotations

import json

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
