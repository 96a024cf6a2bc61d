"""Serverless (form backend) baseline policies through the Analyzer protocol."""

from __future__ import annotations

import pytest

from tests.policy_support import (
    UNKNOWN,
    Case,
    check_absent,
    check_compliant,
    check_unknown,
    check_violating,
    describe,
    res,
    run,
)
from tools.engine.analyzer import AnalyzerResource, PolicyPackProcess

LAMBDA = "aws:lambda/function:Function"
EIC = "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig"
ESM = "aws:lambda/eventSourceMapping:EventSourceMapping"
STAGE = "aws:apigatewayv2/stage:Stage"
TABLE = "aws:dynamodb/table:Table"
QUEUE = "aws:sqs/queue:Queue"
DLQ = "arn:aws:sqs:eu-west-1:444455556666:forms-dlq"


def _fn(**props: object) -> AnalyzerResource:
    return res(
        LAMBDA,
        "forms-submit",
        {"runtime": "python3.12", **props},
        outputs={"name": "forms-submit-9c1d", **props},
    )


def _stage(**settings: object) -> dict[str, object]:
    return {"defaultRouteSettings": settings}


CASES = [
    Case(
        "lambda-function-reserved-concurrency",
        compliant=[_fn(reservedConcurrentExecutions=20)],
        violating=[_fn(reservedConcurrentExecutions=-1)],
        absent=[_fn()],
        absent_violates=True,
        unknown=[_fn(reservedConcurrentExecutions=UNKNOWN)],
    ),
    Case(
        "lambda-function-tracing-active",
        compliant=[_fn(tracingConfig={"mode": "Active"})],
        violating=[_fn(tracingConfig={"mode": "PassThrough"})],
        absent=[_fn()],
        absent_violates=True,
        unknown=[_fn(tracingConfig={"mode": UNKNOWN})],
    ),
    Case(
        "lambda-function-no-vpc",
        compliant=[_fn(vpcConfig={"subnetIds": [], "securityGroupIds": []})],
        violating=[_fn(vpcConfig={"subnetIds": ["subnet-1"], "securityGroupIds": ["sg-1"]})],
        absent=[_fn()],
        absent_violates=False,
        unknown=[_fn(vpcConfig={"subnetIds": UNKNOWN})],
    ),
    Case(
        "lambda-function-failure-destination",
        compliant=[_fn(deadLetterConfig={"targetArn": DLQ})],
        violating=[_fn()],
        absent=[_fn(), res(EIC, "forms-submit-async", {"functionName": "forms-submit-9c1d"})],
        absent_violates=True,
        unknown=[
            res(LAMBDA, "forms-submit", {"name": UNKNOWN}),
            res(
                EIC,
                "forms-submit-async",
                {"functionName": UNKNOWN, "destinationConfig": {"onFailure": {"destination": DLQ}}},
            ),
        ],
    ),
    Case(
        "apigatewayv2-stage-throttling",
        compliant=[res(STAGE, "api", _stage(throttlingBurstLimit=200, throttlingRateLimit=100))],
        violating=[res(STAGE, "api", _stage(throttlingBurstLimit=0, throttlingRateLimit=100))],
        absent=[res(STAGE, "api", {"autoDeploy": True})],
        absent_violates=True,
        unknown=[res(STAGE, "api", _stage(throttlingBurstLimit=UNKNOWN))],
    ),
    Case(
        "apigatewayv2-stage-access-logs",
        compliant=[
            res(
                STAGE,
                "api",
                {
                    "accessLogSettings": {
                        "destinationArn": "arn:aws:logs:eu-west-1:444455556666:log-group:api",
                        "format": "$context.requestId",
                    }
                },
            )
        ],
        violating=[res(STAGE, "api", {"accessLogSettings": {"format": "$context.requestId"}})],
        absent=[res(STAGE, "api", {})],
        absent_violates=True,
        unknown=[res(STAGE, "api", {"accessLogSettings": UNKNOWN})],
    ),
    Case(
        "dynamodb-table-point-in-time-recovery",
        compliant=[res(TABLE, "t", {"pointInTimeRecovery": {"enabled": True}})],
        violating=[res(TABLE, "t", {"pointInTimeRecovery": {"enabled": False}})],
        absent=[res(TABLE, "t", {"billingMode": "PAY_PER_REQUEST"})],
        absent_violates=True,
        unknown=[res(TABLE, "t", {"pointInTimeRecovery": {"enabled": UNKNOWN}})],
    ),
    Case(
        "sqs-queue-encryption",
        compliant=[res(QUEUE, "q", {"sqsManagedSseEnabled": True})],
        violating=[res(QUEUE, "q", {"sqsManagedSseEnabled": False})],
        absent=[res(QUEUE, "q", {"delaySeconds": 0})],
        absent_violates=True,
        unknown=[res(QUEUE, "q", {"sqsManagedSseEnabled": UNKNOWN})],
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.policy)
def test_compliant(policy_pack: PolicyPackProcess, case: Case) -> None:
    check_compliant(policy_pack, case)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.policy)
def test_violating(policy_pack: PolicyPackProcess, case: Case) -> None:
    check_violating(policy_pack, case)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.policy)
def test_property_absent(policy_pack: PolicyPackProcess, case: Case) -> None:
    check_absent(policy_pack, case)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.policy)
def test_unknown_value(policy_pack: PolicyPackProcess, case: Case) -> None:
    check_unknown(policy_pack, case)


@pytest.mark.parametrize(
    "cover",
    [
        res(
            EIC,
            "async",
            {
                "functionName": "forms-submit-9c1d",
                "destinationConfig": {"onFailure": {"destination": DLQ}},
            },
        ),
        res(
            ESM,
            "from-queue",
            {
                "functionName": "forms-submit-9c1d",
                "eventSourceArn": "arn:aws:sqs:eu-west-1:444455556666:forms",
            },
        ),
    ],
    ids=lambda r: r.name,
)
def test_failure_destination_alternatives(
    policy_pack: PolicyPackProcess, cover: AnalyzerResource
) -> None:
    result = run(policy_pack, [_fn(), cover])
    assert not result.by_policy("lambda-function-failure-destination"), (
        f"{cover.urn} covers the function's failures:\n{describe(result)}"
    )


def test_kinesis_event_source_is_not_a_failure_destination(policy_pack: PolicyPackProcess) -> None:
    stream = res(
        ESM,
        "from-stream",
        {
            "functionName": "forms-submit-9c1d",
            "eventSourceArn": "arn:aws:kinesis:eu-west-1:1:stream/s",
        },
    )
    result = run(policy_pack, [_fn(), stream])
    assert result.by_policy("lambda-function-failure-destination"), describe(result)
