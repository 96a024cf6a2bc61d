"""The form backend (`spikeproof:forms:FormBackend`): the marketing plane's only write path.

Browser -> HTTP API (POST /subscribe, POST <contact route>; CORS for the marketing origins; stage
throttle with rate and burst both explicit; JSON access logs) -> ingest Lambda (validates, answers
202) -> SQS (SSE, DLQ by redrive policy) -> worker Lambda (partial batch failures) -> DynamoDB
(keyed by normalised email, PITR) -> mailing list (SES v2 contact list, or an HTTP provider whose
API key sits in a Secrets Manager secret).

Deliberately absent: any VPC configuration (no network path to the core application), any
reference to the primary. Function code is `functions/forms`, packaged deterministically by
`functions.package` (the caller passes the archive and its hash); Powertools comes from AWS's
public layer (docs/forms.md). IAM is scoped to exactly this component's queue, DLQ, table, list,
secrets and log groups.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import pulumi
import pulumi_aws as aws

from components.acm import validation_options
from components.alerting import metric_alarm
from components.iam import policy_output, service_trust
from settings.forms import FormsSettings, FunctionSettings

POWERTOOLS_ACCOUNT = "017000801446"
RUNTIME = "python3.12"


@dataclass(frozen=True, kw_only=True)
class FunctionCode:
    """The deterministic zip of functions/forms (`functions.package.build`)."""

    archive: pulumi.Archive
    source_code_hash: str
    """Its base64 SHA-256 (Lambda's source_code_hash): unchanged code, no diff."""

    @classmethod
    def of(cls, package: PackagedZip) -> FunctionCode:
        return cls(
            archive=pulumi.FileArchive(str(package.path)),
            source_code_hash=package.source_code_hash,
        )


class PackagedZip(Protocol):
    """What the packager returns (`functions.package.Package`): the zip and its hash."""

    @property
    def path(self) -> Path: ...
    @property
    def source_code_hash(self) -> str: ...


@dataclass(frozen=True, kw_only=True)
class FormBackendArgs:
    config: FormsSettings
    """What the stack file decides: throttle, function sizes, the list, the custom domain.
    Defaults, bounds and cross-field rules live in settings/forms.py."""
    code: FunctionCode
    """The functions' code."""
    region: str
    """The stack's region (the Powertools layer is regional)."""
    allowed_origins: Sequence[str]
    """Browser origins allowed to post (https://<marketing hostname>)."""
    alarm_topic_arn: pulumi.Input[str]
    """SNS topic every alarm notifies."""
    turnstile_secret: pulumi.Input[str] | None = None
    """Turnstile secret key (a Pulumi secret). Given: stored in Secrets Manager and required."""
    edge_secret: pulumi.Input[str] | None = None
    """The value the edge sets in `edge_header` on the form host (a Pulumi secret). Given: kept
    in Secrets Manager and required by the ingest, so only posts through the edge are admitted."""
    edge_header: str = "X-Origin-Verify"
    """The header the edge sets it in."""
    thank_you_url: str
    """Page a plain form post is sent to (303) once accepted."""
    error_url: str
    """Page a refused plain form post is sent to (303), the problem in its query string."""
    certificate_validation_fqdns: pulumi.Input[Sequence[str]] | None = None
    """Names of the DNS validation records of the certificate this component requests when
    customDomain.certificateArn is unset (the edge creates them from
    `domain_validation_options`)."""
    name_prefix: str
    """Prefix for physical names, e.g. spikeproof-prod."""

    def __post_init__(self) -> None:
        if not self.allowed_origins:
            raise ValueError("FormBackendArgs.allowed_origins is empty")


class FormBackend(pulumi.ComponentResource):
    endpoint: pulumi.Output[str]
    """Base URL the form posts to (`<endpoint>/subscribe`)."""
    queue_url: pulumi.Output[str]
    dlq_url: pulumi.Output[str]
    """The dead-letter queue, for `python -m tools.redrive --dlq-url`."""
    table_name: pulumi.Output[str]
    queue_name: pulumi.Output[str]
    """The submissions queue's name (CloudWatch's QueueName dimension)."""
    function_names: dict[str, pulumi.Output[str]]
    """Function role (ingest, worker) to its name (CloudWatch's FunctionName dimension)."""
    hostname: str | None
    """The API's own hostname (customDomain.domainName), which the edge proxies."""
    domain_target: pulumi.Output[str] | None
    """API Gateway's regional name for the custom domain: the edge's record points there."""
    domain_validation_options: pulumi.Output[list[dict[str, str]]] | None
    """DNS validation of the certificate this component requested (None: one was given)."""

    def __init__(
        self, name: str, args: FormBackendArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("spikeproof:forms:FormBackend", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        prefix = f"{args.name_prefix}-forms"
        config = args.config

        # --- Queue, dead-letter queue, table, list.
        dlq = aws.sqs.Queue(
            f"{name}-dlq",
            name=f"{prefix}-dlq",
            sqs_managed_sse_enabled=True,
            message_retention_seconds=14 * 24 * 3600,
            opts=child,
        )
        queue = aws.sqs.Queue(
            f"{name}-queue",
            name=f"{prefix}-queue",
            sqs_managed_sse_enabled=True,
            message_retention_seconds=4 * 24 * 3600,
            # AWS's rule for a Lambda source: at least six times the function timeout.
            visibility_timeout_seconds=6 * config.worker.timeout_seconds,
            redrive_policy=dlq.arn.apply(
                lambda arn: json.dumps(
                    {"deadLetterTargetArn": arn, "maxReceiveCount": config.worker.max_receive_count}
                )
            ),
            opts=child,
        )
        table = aws.dynamodb.Table(
            f"{name}-subscribers",
            name=f"{prefix}-subscribers",
            billing_mode="PAY_PER_REQUEST",
            hash_key="email",
            attributes=[{"name": "email", "type": "S"}],
            point_in_time_recovery={"enabled": True},
            server_side_encryption={"enabled": True},
            deletion_protection_enabled=True,
            opts=child,
        )
        list_env: dict[str, pulumi.Input[str]]
        list_statement: dict[str, Any]
        if config.mailing_list.kind == "ses":
            contact_list = aws.sesv2.ContactList(
                f"{name}-contact-list",
                contact_list_name=f"{prefix}-newsletter",
                description="Marketing sign-ups (spikeproof form backend)",
                opts=child,
            )
            list_env = {
                "LIST_ADAPTER": "sesv2",
                "CONTACT_LIST_NAME": contact_list.contact_list_name,
            }
            list_statement = {
                "Effect": "Allow",
                "Action": ["ses:CreateContact", "ses:GetContact", "ses:UpdateContact"],
                "Resource": contact_list.arn,
            }
        else:
            api_key = aws.secretsmanager.Secret(
                f"{name}-list-api-key",
                name=f"{prefix}/list-api-key",
                description="Mailing-list provider API key; set the value out of band "
                "(aws secretsmanager put-secret-value), never in stack config.",
                opts=child,
            )
            list_env = {
                "LIST_ADAPTER": "http",
                "HTTP_LIST_BASE_URL": str(config.mailing_list.http_base_url),
                "HTTP_LIST_ID": str(config.mailing_list.http_list_id),
                "LIST_SECRET_ARN": api_key.arn,
            }
            list_statement = {
                "Effect": "Allow",
                "Action": ["secretsmanager:GetSecretValue"],
                "Resource": api_key.arn,
            }

        def stored_secret(
            role: str, description: str, value: pulumi.Input[str]
        ) -> tuple[pulumi.Output[str], list[dict[str, Any]]]:
            """A Secrets Manager secret holding `value` (a Pulumi secret end to end): its ARN and
            the statement that lets the ingest read it. Deleted without a recovery window: the
            value lives in Pulumi state and is written again by any re-created stack, while the
            default 30-day window would keep the fixed name taken and fail that re-creation
            ("a secret with this name is already scheduled for deletion"). The list provider's
            key above keeps the window: it holds a value nothing else has."""
            secret = aws.secretsmanager.Secret(
                f"{name}-{role}",
                name=f"{prefix}/{role}",
                description=description,
                recovery_window_in_days=0,
                opts=child,
            )
            aws.secretsmanager.SecretVersion(
                f"{name}-{role}-value",
                secret_id=secret.id,
                secret_string=pulumi.Output.secret(value),
                opts=child,
            )
            read = {
                "Effect": "Allow",
                "Action": ["secretsmanager:GetSecretValue"],
                "Resource": secret.arn,
            }
            return secret.arn, [read]

        turnstile_env: dict[str, pulumi.Input[str]] = {}
        turnstile_statements: list[dict[str, Any]] = []
        if args.turnstile_secret is not None:
            arn, turnstile_statements = stored_secret(
                "turnstile-secret",
                "Cloudflare Turnstile secret key (from the edge component)",
                args.turnstile_secret,
            )
            turnstile_env = {"TURNSTILE_SECRET_ARN": arn}
        edge_env: dict[str, pulumi.Input[str]] = {}
        edge_statements: list[dict[str, Any]] = []
        if args.edge_secret is not None:
            arn, edge_statements = stored_secret(
                "edge-secret",
                "The header value the Cloudflare edge adds to form posts; the ingest refuses a "
                "post without it (it reached API Gateway directly)",
                args.edge_secret,
            )
            edge_env = {"EDGE_SECRET_ARN": arn, "EDGE_HEADER": args.edge_header}

        # --- Functions: log groups first (named, so retention applies from the first line).
        layer = (
            f"arn:aws:lambda:{args.region}:{POWERTOOLS_ACCOUNT}:layer:"
            f"AWSLambdaPowertoolsPythonV3-python312-arm64:{config.powertools_layer_version}"
        )
        functions: dict[str, aws.lambda_.Function] = {}
        access: dict[str, aws.iam.RolePolicy] = {}
        specs: list[tuple[str, FunctionSettings, str, dict[str, pulumi.Input[str]], list[Any]]] = [
            (
                "ingest",
                config.ingest,
                "forms.lambda_ingest.handler",
                {
                    "QUEUE_URL": queue.url,
                    "ALLOWED_ORIGINS": ",".join(args.allowed_origins),
                    "MAX_BODY_BYTES": str(config.ingest.max_body_bytes),
                    "CONTACT_PATH": config.contact_route,
                    "THANK_YOU_URL": args.thank_you_url,
                    "ERROR_URL": args.error_url,
                    **turnstile_env,
                    **edge_env,
                },
                [
                    {"Effect": "Allow", "Action": ["sqs:SendMessage"], "Resource": queue.arn},
                    # Failure destination of asynchronous invocations (API Gateway's are sync).
                    {"Effect": "Allow", "Action": ["sqs:SendMessage"], "Resource": dlq.arn},
                    *turnstile_statements,
                    *edge_statements,
                ],
            ),
            (
                "worker",
                config.worker,
                "forms.lambda_worker.handler",
                {"TABLE_NAME": table.name, "DLQ_URL": dlq.url, **list_env},
                [
                    {
                        "Effect": "Allow",
                        "Action": [
                            "sqs:ReceiveMessage",
                            "sqs:DeleteMessage",
                            "sqs:ChangeMessageVisibility",
                            "sqs:GetQueueAttributes",
                        ],
                        "Resource": queue.arn,
                    },
                    # A message failing the schema check is moved to the DLQ at once.
                    {"Effect": "Allow", "Action": ["sqs:SendMessage"], "Resource": dlq.arn},
                    {
                        "Effect": "Allow",
                        "Action": ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"],
                        "Resource": table.arn,
                    },
                    list_statement,
                ],
            ),
        ]
        for role_name, size, handler, env, statements in specs:
            fn_name = f"{prefix}-{role_name}"
            logs = aws.cloudwatch.LogGroup(
                f"{name}-{role_name}-logs",
                name=f"/aws/lambda/{fn_name}",
                retention_in_days=config.log_retention_days,
                opts=child,
            )
            role = aws.iam.Role(
                f"{name}-{role_name}-role",
                assume_role_policy=service_trust("lambda.amazonaws.com"),
                opts=child,
            )
            access[role_name] = aws.iam.RolePolicy(
                f"{name}-{role_name}-access",
                role=role.id,
                policy=policy_output(
                    [
                        *statements,
                        {
                            "Effect": "Allow",
                            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                            "Resource": pulumi.Output.concat(logs.arn, ":*"),
                        },
                        {
                            # X-Ray has no resource-level permissions.
                            "Effect": "Allow",
                            "Action": ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
                            "Resource": "*",
                        },
                    ]
                ),
                opts=child,
            )
            functions[role_name] = aws.lambda_.Function(
                f"{name}-{role_name}",
                name=fn_name,
                role=role.arn,
                runtime=RUNTIME,
                architectures=["arm64"],
                handler=handler,
                code=args.code.archive,
                source_code_hash=args.code.source_code_hash,
                layers=[layer],
                memory_size=size.memory_mb,
                timeout=size.timeout_seconds,
                reserved_concurrent_executions=size.reserved_concurrency,
                tracing_config={"mode": "Active"},
                logging_config={"log_format": "JSON", "log_group": logs.name},
                environment={
                    "variables": {
                        **env,
                        "POWERTOOLS_SERVICE_NAME": f"forms-{role_name}",
                        "POWERTOOLS_LOG_LEVEL": "INFO",
                    }
                },
                opts=pulumi.ResourceOptions(parent=self, depends_on=[logs]),
            )
        ingest, worker = functions["ingest"], functions["worker"]

        # Both are checked against the function's role when created: Lambda refuses an SQS
        # destination the role may not SendMessage to, and an event source the role may not
        # ReceiveMessage from ("The provided execution role does not have permissions to call
        # ReceiveMessage on SQS"). The role's inline policy is a resource of its own, created in
        # parallel with the function unless these wait for it.
        aws.lambda_.FunctionEventInvokeConfig(
            f"{name}-ingest-async",
            function_name=ingest.name,
            maximum_retry_attempts=0,
            destination_config={"on_failure": {"destination": dlq.arn}},
            opts=pulumi.ResourceOptions(parent=self, depends_on=[access["ingest"]]),
        )
        aws.lambda_.EventSourceMapping(
            f"{name}-worker-source",
            event_source_arn=queue.arn,
            function_name=worker.arn,
            batch_size=config.worker.batch_size,
            maximum_batching_window_in_seconds=1,
            function_response_types=["ReportBatchItemFailures"],
            scaling_config={"maximum_concurrency": config.worker.reserved_concurrency},
            opts=pulumi.ResourceOptions(parent=self, depends_on=[access["worker"]]),
        )

        # --- HTTP API.
        api = aws.apigatewayv2.Api(
            f"{name}-api",
            name=prefix,
            protocol_type="HTTP",
            cors_configuration={
                "allow_origins": list(args.allowed_origins),
                "allow_methods": ["POST", "OPTIONS"],
                "allow_headers": ["content-type"],
                "max_age": 600,
            },
            disable_execute_api_endpoint=config.custom_domain is not None,
            opts=child,
        )
        integration = aws.apigatewayv2.Integration(
            f"{name}-ingest-integration",
            api_id=api.id,
            integration_type="AWS_PROXY",
            integration_uri=ingest.invoke_arn,
            payload_format_version="2.0",
            timeout_milliseconds=(config.ingest.timeout_seconds + 1) * 1000,
            opts=child,
        )
        for route_name, path in (("subscribe", "/subscribe"), ("contact", config.contact_route)):
            aws.apigatewayv2.Route(
                f"{name}-{route_name}-route",
                api_id=api.id,
                route_key=f"POST {path}",
                target=pulumi.Output.concat("integrations/", integration.id),
                opts=child,
            )
        access_logs = aws.cloudwatch.LogGroup(
            f"{name}-api-logs",
            name=f"/aws/apigateway/{prefix}",
            retention_in_days=config.log_retention_days,
            opts=child,
        )
        stage = aws.apigatewayv2.Stage(
            f"{name}-stage",
            api_id=api.id,
            name="$default",
            auto_deploy=True,
            default_route_settings={
                "throttling_rate_limit": config.throttle.rate_limit,
                "throttling_burst_limit": config.throttle.burst_limit,
                "detailed_metrics_enabled": True,
            },
            access_log_settings={
                "destination_arn": access_logs.arn,
                "format": json.dumps(
                    {
                        "requestId": "$context.requestId",
                        "ip": "$context.identity.sourceIp",
                        "route": "$context.routeKey",
                        "status": "$context.status",
                        "latencyMs": "$context.responseLatency",
                        "integrationError": "$context.integrationErrorMessage",
                    }
                ),
            },
            opts=child,
        )
        aws.lambda_.Permission(
            f"{name}-api-invoke",
            action="lambda:InvokeFunction",
            function=ingest.name,
            principal="apigateway.amazonaws.com",
            source_arn=pulumi.Output.concat(api.execution_arn, "/*/*"),
            opts=child,
        )
        endpoint: pulumi.Output[str] = api.api_endpoint
        custom = config.custom_domain
        self.hostname = custom.domain_name if custom is not None else None
        self.domain_target = None
        self.domain_validation_options = None
        if custom is not None:
            certificate_arn: pulumi.Input[str]
            if custom.certificate_arn is not None:
                certificate_arn = custom.certificate_arn
            else:
                # Regional endpoint: the certificate must be in the API's own region (API
                # Gateway developer guide, "Setting up a regional custom domain name").
                certificate = aws.acm.Certificate(
                    f"{name}-certificate",
                    domain_name=custom.domain_name,
                    validation_method="DNS",
                    opts=child,
                )
                self.domain_validation_options = validation_options(certificate)
                certificate_arn = aws.acm.CertificateValidation(
                    f"{name}-certificate-validation",
                    certificate_arn=certificate.arn,
                    validation_record_fqdns=args.certificate_validation_fqdns,
                    opts=child,
                ).certificate_arn
            domain = aws.apigatewayv2.DomainName(
                f"{name}-domain",
                domain_name=custom.domain_name,
                domain_name_configuration={
                    "certificate_arn": certificate_arn,
                    "endpoint_type": "REGIONAL",
                    "security_policy": "TLS_1_2",
                },
                opts=child,
            )
            self.domain_target = domain.domain_name_configuration.target_domain_name
            aws.apigatewayv2.ApiMapping(
                f"{name}-domain-mapping",
                api_id=api.id,
                domain_name=domain.id,
                stage=stage.id,
                opts=child,
            )
            endpoint = pulumi.Output.from_input(f"https://{custom.domain_name}")

        # --- Alarms.
        actions = [args.alarm_topic_arn]
        for role_name, fn in functions.items():
            for metric, meaning in (
                ("Errors", "invocations failing (dependency down or a bug)"),
                ("Throttles", "reserved concurrency exhausted: raise it or the API throttle"),
            ):
                metric_alarm(
                    f"{name}-{role_name}-{metric.lower()}",
                    parent=self,
                    description=f"forms {role_name}: {meaning}",
                    namespace="AWS/Lambda",
                    metric_name=metric,
                    dimensions={"FunctionName": fn.name},
                    threshold=0,
                    comparison="GreaterThanThreshold",
                    statistic="Sum",
                    evaluation_periods=5,
                    datapoints_to_alarm=2,
                    treat_missing_data="notBreaching",
                    actions=actions,
                )
        metric_alarm(
            f"{name}-dlq-depth",
            parent=self,
            description="forms: messages in the dead-letter queue; fix the cause, then redrive "
            "(docs/forms.md, python -m tools.redrive)",
            namespace="AWS/SQS",
            metric_name="ApproximateNumberOfMessagesVisible",
            dimensions={"QueueName": dlq.name},
            threshold=0,
            comparison="GreaterThanThreshold",
            statistic="Maximum",
            evaluation_periods=1,
            treat_missing_data="notBreaching",
            actions=actions,
        )
        metric_alarm(
            f"{name}-oldest-message",
            parent=self,
            description="forms: sign-ups waiting over 15 minutes; the worker is not keeping up "
            "or is failing",
            namespace="AWS/SQS",
            metric_name="ApproximateAgeOfOldestMessage",
            dimensions={"QueueName": queue.name},
            threshold=900,
            comparison="GreaterThanThreshold",
            statistic="Maximum",
            evaluation_periods=3,
            treat_missing_data="notBreaching",
            actions=actions,
        )
        metric_alarm(
            f"{name}-api-5xx",
            parent=self,
            description="forms API: 5xx answers (ingest failing or unreachable)",
            namespace="AWS/ApiGateway",
            metric_name="5xx",
            dimensions={"ApiId": api.id, "Stage": "$default"},
            threshold=5,
            comparison="GreaterThanThreshold",
            statistic="Sum",
            evaluation_periods=5,
            datapoints_to_alarm=3,
            treat_missing_data="notBreaching",
            actions=actions,
        )

        self.endpoint = endpoint
        self.queue_url = queue.url
        self.dlq_url = dlq.url
        self.table_name = table.name
        self.queue_name = queue.name
        self.function_names = {role: fn.name for role, fn in functions.items()}
        self.register_outputs(
            {
                "endpoint": self.endpoint,
                "queue_url": self.queue_url,
                "dlq_url": self.dlq_url,
                "table_name": self.table_name,
            }
        )
