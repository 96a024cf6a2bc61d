"""Serverless baseline for the form backend: Lambda functions with reserved concurrency, X-Ray
tracing, no VPC attachment and somewhere for failed events to go; API Gateway v2 stages with
positive throttling and access logs; DynamoDB point-in-time recovery; encrypted SQS queues.

Failure-destination rule (stack policy): a function is covered by any of
  - its own `deadLetterConfig.targetArn`;
  - an `aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig` whose functionName is the
    function (name, ARN, or computed from it) with `destinationConfig.onFailure.destination`;
  - an `aws:lambda/eventSourceMapping:EventSourceMapping` from an SQS queue (arn:aws:sqs:...):
    failed batches return to the queue, whose redrive policy owns the dead letters.
"""

from __future__ import annotations

from helpers import (
    Report,
    Unknowns,
    describe,
    for_types,
    get,
    resource_policy,
    stack_policy,
    truthy,
)
from pulumi_policy import ResourceValidationArgs, StackValidationArgs

LAMBDA = "aws:lambda/function:Function"
INVOKE_CONFIG = "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig"
EVENT_SOURCE = "aws:lambda/eventSourceMapping:EventSourceMapping"
STAGE = "aws:apigatewayv2/stage:Stage"
TABLE = "aws:dynamodb/table:Table"
QUEUE = "aws:sqs/queue:Queue"


def _concurrency(args: ResourceValidationArgs, report: Report) -> None:
    reserved = get(args.props, "reservedConcurrentExecutions")
    if reserved is None or int(reserved) <= 0:
        report(
            f"reservedConcurrentExecutions is "
            f"{reserved if reserved is not None else 'unset'}; a spike must not exhaust the "
            "account's concurrency (nor be throttled to 0)."
        )


LAMBDA_CONCURRENCY = resource_policy(
    "lambda-function-reserved-concurrency",
    describe(
        "Lambda functions reserve a positive concurrency.",
        severity="medium",
        remediation="set reserved_concurrent_executions to the form's peak (> 0)",
        rules="Checkov CKV_AWS_115",
    ),
    for_types([LAMBDA], _concurrency),
)


def _tracing(args: ResourceValidationArgs, report: Report) -> None:
    mode = get(args.props, "tracingConfig", "mode")
    if mode != "Active":
        report(f"tracingConfig.mode is {mode or 'unset'}, not Active.")


LAMBDA_TRACING = resource_policy(
    "lambda-function-tracing-active",
    describe(
        "Lambda functions have X-Ray tracing Active.",
        severity="low",
        remediation="tracing_config={'mode': 'Active'}",
        rules="Checkov CKV_AWS_50, trivy AVD-AWS-0066",
    ),
    for_types([LAMBDA], _tracing),
)


def _no_vpc(args: ResourceValidationArgs, report: Report) -> None:
    subnets = get(args.props, "vpcConfig", "subnetIds")
    if subnets:
        report(
            "vpcConfig attaches the function to a VPC; form functions reach only "
            "AWS APIs and must not sit next to the databases."
        )


LAMBDA_NO_VPC = resource_policy(
    "lambda-function-no-vpc",
    describe(
        "Form Lambda functions are not attached to a VPC.",
        severity="medium",
        remediation="remove vpc_config",
        rules="inverse of Checkov CKV_AWS_117 (deliberate: no database access from forms)",
    ),
    for_types([LAMBDA], _no_vpc),
)


def _failure_destinations(args: StackValidationArgs, report: Report) -> None:
    unknowns = Unknowns()
    functions = []
    covered: set[str] = set()
    for r in args.resources:
        kind = r.resource_type
        if kind == LAMBDA:
            functions.append(r)
        elif kind == INVOKE_CONFIG:
            if not unknowns.read(r.props, "destinationConfig", "onFailure", "destination"):
                continue
            name = unknowns.read(r.props, "functionName")
            if name:
                covered.add(str(name))
            covered.update(d.urn for d in r.property_dependencies.get("functionName") or [])
        elif kind == EVENT_SOURCE:
            source = unknowns.read(r.props, "eventSourceArn", default="")
            if not str(source).startswith("arn:aws:sqs:") and not any(
                d.resource_type == QUEUE
                for d in r.property_dependencies.get("eventSourceArn") or []
            ):
                continue
            name = unknowns.read(r.props, "functionName")
            if name:
                covered.add(str(name))
            covered.update(d.urn for d in r.property_dependencies.get("functionName") or [])
    undecided = False
    for fn in functions:
        if unknowns.read(fn.props, "deadLetterConfig", "targetArn"):
            continue
        keys = {fn.urn} | {
            str(v) for v in (unknowns.read(fn.props, "name"), unknowns.read(fn.props, "arn")) if v
        }
        if keys & covered:
            continue
        if unknowns.first is not None:
            undecided = True
            continue
        report(
            "no deadLetterConfig, on-failure destination or SQS event source; "
            "failed form submissions would be lost.",
            fn.urn,
        )
    if undecided:
        unknowns.raise_if_any()


LAMBDA_FAILURE_DESTINATION = stack_policy(
    "lambda-function-failure-destination",
    describe(
        "Every Lambda function has a dead-letter target, an on-failure destination "
        "(FunctionEventInvokeConfig) or an SQS event source.",
        severity="high",
        remediation="add dead_letter_config or a FunctionEventInvokeConfig with on_failure",
        rules="Checkov CKV_AWS_116 (dead-letter part)",
    ),
    _failure_destinations,
)


def _throttling(args: ResourceValidationArgs, report: Report) -> None:
    settings = get(args.props, "defaultRouteSettings")
    for key in ("throttlingBurstLimit", "throttlingRateLimit"):
        value = get(settings, key)
        if value is None or float(value) <= 0:
            report(f"defaultRouteSettings.{key} is {value}, must be set and > 0.")


STAGE_THROTTLING = resource_policy(
    "apigatewayv2-stage-throttling",
    describe(
        "API Gateway v2 stages set positive default burst and rate throttling.",
        severity="high",
        remediation="default_route_settings={'throttling_burst_limit': N, "
        "'throttling_rate_limit': R} with N, R > 0",
        rules="no Checkov/trivy equivalent for v2 stages",
    ),
    for_types([STAGE], _throttling),
)


def _stage_logs(args: ResourceValidationArgs, report: Report) -> None:
    logs = get(args.props, "accessLogSettings")
    if not (get(logs, "destinationArn") and get(logs, "format")):
        report("accessLogSettings needs destinationArn and format.")


STAGE_ACCESS_LOGS = resource_policy(
    "apigatewayv2-stage-access-logs",
    describe(
        "API Gateway v2 stages write access logs.",
        severity="medium",
        remediation="access_log_settings={'destination_arn': log_group.arn, 'format': ...}",
        rules="Checkov CKV_AWS_76, trivy AVD-AWS-0001",
    ),
    for_types([STAGE], _stage_logs),
)


def _pitr(args: ResourceValidationArgs, report: Report) -> None:
    if not truthy(get(args.props, "pointInTimeRecovery", "enabled", default=False)):
        report("pointInTimeRecovery.enabled is not true.")


DYNAMODB_PITR = resource_policy(
    "dynamodb-table-point-in-time-recovery",
    describe(
        "DynamoDB tables have point-in-time recovery.",
        severity="medium",
        remediation="point_in_time_recovery={'enabled': True}",
        rules="Checkov CKV_AWS_28, trivy AVD-AWS-0024",
    ),
    for_types([TABLE], _pitr),
)


def _sqs_encryption(args: ResourceValidationArgs, report: Report) -> None:
    managed = truthy(get(args.props, "sqsManagedSseEnabled", default=False))
    if not managed and not get(args.props, "kmsMasterKeyId"):
        report("neither sqsManagedSseEnabled nor kmsMasterKeyId is set.")


SQS_ENCRYPTION = resource_policy(
    "sqs-queue-encryption",
    describe(
        "SQS queues are encrypted (SSE-SQS or KMS), explicitly.",
        severity="medium",
        remediation="sqs_managed_sse_enabled=True or kms_master_key_id=...",
        rules="Checkov CKV_AWS_27, trivy AVD-AWS-0096",
    ),
    for_types([QUEUE], _sqs_encryption),
)

POLICIES = [
    LAMBDA_CONCURRENCY,
    LAMBDA_TRACING,
    LAMBDA_NO_VPC,
    LAMBDA_FAILURE_DESTINATION,
    STAGE_THROTTLING,
    STAGE_ACCESS_LOGS,
    DYNAMODB_PITR,
    SQS_ENCRYPTION,
]
