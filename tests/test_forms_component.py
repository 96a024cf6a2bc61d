"""FormBackend under the mock engine: no VPC, scoped IAM, throttles always explicit, queue and
table settings, alarms to the topic, the Turnstile secret kept secret, deterministic code."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from functions.package import build
from settings import stack_settings
from tools.engine.mockrun import PlanResult, is_secret

FN = "aws:lambda/function:Function"
DNS = "cloudflare:index/dnsRecord:DnsRecord"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
QUEUE = "aws:sqs/queue:Queue"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
STACKS = ("staging", "prod")


def forms_children(result: PlanResult, type_token: str) -> list:
    return [r for r in result.of_type(type_token) if "FormBackend" in r.urn]


def topic_arn(result: PlanResult) -> str:
    (topic,) = result.of_type("aws:sns/topic:Topic")
    return str(topic.outputs["arn"])


@pytest.mark.parametrize("stack", STACKS)
def test_functions_are_arm64_traced_json_logged_reserved_and_outside_any_vpc(
    plan, stack: str
) -> None:
    result = plan(stack)
    functions = {f.name: f for f in result.of_type(FN)}
    assert set(functions) == {"forms-ingest", "forms-worker"}
    expected = {"staging": (10, 2), "prod": (50, 5)}[stack]
    for fn, reserved in zip(
        (functions["forms-ingest"], functions["forms-worker"]), expected, strict=True
    ):
        assert fn.input("vpcConfig") is None, f"{fn.urn}: no network path to the core app"
        assert fn.input("architectures") == ["arm64"] and fn.input("runtime") == "python3.12"
        assert fn.input("reservedConcurrentExecutions") == reserved, fn.urn
        assert fn.input("tracingConfig") == {"mode": "Active"}, fn.urn
        logging = fn.input("loggingConfig")
        assert logging["logFormat"] == "JSON", fn.urn
        (group,) = [g for g in result.of_type("aws:cloudwatch/logGroup:LogGroup")
                    if g.outputs["name"] == logging["logGroup"]]  # fmt: skip
        assert group.input("retentionInDays") == {"staging": 14, "prod": 90}[stack]
        (layer,) = fn.input("layers")
        assert ":017000801446:layer:AWSLambdaPowertoolsPythonV3-python312-arm64:" in layer


@pytest.mark.parametrize("stack", STACKS)
def test_stage_throttle_sets_rate_and_burst_and_logs_access(plan, stack: str) -> None:
    result = plan(stack)
    (stage,) = result.of_type("aws:apigatewayv2/stage:Stage")
    route = stage.input("defaultRouteSettings")
    assert (route["throttlingRateLimit"], route["throttlingBurstLimit"]) == {
        "staging": (20, 40),
        "prod": (200, 400),
    }[stack], "both throttle values explicit (an unset one is 0 and blocks every request)"
    logs = stage.input("accessLogSettings")
    assert logs["destinationArn"].startswith("arn:aws:logs:") and json.loads(logs["format"])


@pytest.mark.parametrize("stack", STACKS)
def test_cors_admits_only_the_marketing_origins_and_routes_are_post(plan, stack: str) -> None:
    result = plan(stack)
    (api,) = result.of_type("aws:apigatewayv2/api:Api")
    hosts = result.outputs["edge_hostnames"]
    assert api.input("corsConfiguration")["allowOrigins"] == [f"https://{h}" for h in hosts]
    routes = sorted(r.input("routeKey") for r in result.of_type("aws:apigatewayv2/route:Route"))
    assert routes == ["POST /contact", "POST /subscribe"]
    (ingest,) = [f for f in result.of_type(FN) if f.name == "forms-ingest"]
    env = ingest.input("environment")["variables"]
    assert env["ALLOWED_ORIGINS"].split(",") == [f"https://{h}" for h in hosts]


@pytest.mark.parametrize("stack", STACKS)
def test_iam_names_only_this_backends_resources(plan, stack: str) -> None:
    result = plan(stack)
    own_arns = {
        str(r.outputs.get("arn"))
        for r in result.resources
        if "FormBackend" in r.urn and r.outputs and r.outputs.get("arn")
    }
    for policy in forms_children(result, ROLE_POLICY):
        document = json.loads(policy.input("policy"))
        for statement in document["Statement"]:
            resources = statement["Resource"]
            resources = resources if isinstance(resources, list) else [resources]
            actions = statement["Action"]
            if any(a.startswith("xray:") for a in actions):
                assert resources == ["*"], "only X-Ray, which has no resource-level permissions"
                continue
            for arn in resources:
                assert arn.removesuffix(":*") in own_arns, f"{policy.name}: {arn} is not ours"
            assert not any(a.startswith(("rds", "rds-db", "rds-data")) for a in actions)


@pytest.mark.parametrize("stack", STACKS)
def test_queue_is_encrypted_redrives_to_the_dlq_and_the_worker_reports_partial_failures(
    plan, stack: str
) -> None:
    result = plan(stack)
    queues = {q.name: q for q in result.of_type(QUEUE)}
    main, dlq = queues["forms-queue"], queues["forms-dlq"]
    for q in (main, dlq):
        assert q.input("sqsManagedSseEnabled") is True, q.urn
    policy = json.loads(main.input("redrivePolicy"))
    assert policy == {"deadLetterTargetArn": dlq.outputs["arn"], "maxReceiveCount": 5}
    (worker,) = [f for f in result.of_type(FN) if f.name == "forms-worker"]
    assert main.input("visibilityTimeoutSeconds") >= 6 * worker.input("timeout")
    (mapping,) = result.of_type("aws:lambda/eventSourceMapping:EventSourceMapping")
    assert mapping.input("functionResponseTypes") == ["ReportBatchItemFailures"]
    assert mapping.input("eventSourceArn") == main.outputs["arn"]
    (table,) = result.of_type("aws:dynamodb/table:Table")
    assert table.input("hashKey") == "email"
    assert table.input("pointInTimeRecovery") == {"enabled": True}


@pytest.mark.parametrize("stack", STACKS)
def test_alarms_cover_errors_throttles_dlq_age_and_5xx_and_notify_the_topic(
    plan, stack: str
) -> None:
    result = plan(stack)
    alarms = {a.name: a for a in forms_children(result, ALARM)}
    assert set(alarms) == {
        "forms-ingest-errors",
        "forms-ingest-throttles",
        "forms-worker-errors",
        "forms-worker-throttles",
        "forms-dlq-depth",
        "forms-oldest-message",
        "forms-api-5xx",
    }
    for alarm in alarms.values():
        assert alarm.input("alarmActions") == [topic_arn(result)], alarm.urn
    dlq = alarms["forms-dlq-depth"]
    assert (dlq.input("threshold"), dlq.input("comparisonOperator")) == (
        0,
        "GreaterThanThreshold",
    ), "one message in the DLQ is already an alarm"


def test_turnstile_secret_reaches_the_ingest_function_only_through_secrets_manager(plan) -> None:
    prod = plan("prod")
    version = prod.named("forms-turnstile-secret-value")
    assert is_secret(version.inputs["secretString"]), "the Turnstile secret must stay secret"
    (ingest,) = [f for f in prod.of_type(FN) if f.name == "forms-ingest"]
    env = ingest.input("environment")["variables"]
    assert env["TURNSTILE_SECRET_ARN"].startswith("arn:aws:secretsmanager:")
    assert not any("0x4AAAAAAA" in str(v) for v in env.values()), "no secret in the environment"
    staging = plan("staging")
    (ingest,) = [f for f in staging.of_type(FN) if f.name == "forms-ingest"]
    assert "TURNSTILE_SECRET_ARN" not in ingest.input("environment")["variables"]


def test_custom_domain_disables_the_default_endpoint(plan) -> None:
    for stack, host in (("prod", "forms.acme-marketing.com"),
                        ("staging", "forms.acme-marketing-staging.com")):  # fmt: skip
        result = plan(stack)
        (api,) = result.of_type("aws:apigatewayv2/api:Api")
        assert api.input("disableExecuteApiEndpoint") is True, stack
        assert result.outputs["form_endpoint"] == f"https://{host}"


@pytest.mark.parametrize("stack", STACKS)
def test_the_form_host_is_proxied_to_the_custom_domain_with_a_usable_certificate(
    plan, stack: str
) -> None:
    """The page posts to https://<host>: the edge's record for it is proxied (so the form rate
    limit counts every post) and points at API Gateway's regional name for the custom domain;
    the domain's certificate is the given ARN, or one requested here and validated by a DNS-only
    record the edge creates, which the validation waits for."""
    result = plan(stack)
    domain = result.named("forms-domain")
    host = domain.input("domainName")
    record = result.named("forms-front-door-dns")
    assert record.input("name") == host and record.input("proxied") is True
    assert record.input("type") == "CNAME"
    target = domain.outputs["domainNameConfiguration"]["targetDomainName"]
    assert record.input("content") == target and target.startswith("d-")
    config = domain.input("domainNameConfiguration")
    assert config["endpointType"] == "REGIONAL" and config["securityPolicy"] == "TLS_1_2"
    custom = stack_settings(stack).forms.custom_domain  # type: ignore[union-attr]
    if custom.certificate_arn is not None:
        assert config["certificateArn"] == custom.certificate_arn
        assert not [r for r in result.of_type(DNS) if r.name.startswith("forms-front-door-acm")]
        return
    cert = result.named("forms-certificate")
    assert cert.input("domainName") == host and cert.input("validationMethod") == "DNS"
    validation = result.named("forms-certificate-validation")
    assert config["certificateArn"] == validation.outputs["certificateArn"]
    (acm,) = [r for r in result.of_type(DNS) if r.name.startswith("forms-front-door-acm")]
    assert acm.input("proxied") is False
    assert validation.input("validationRecordFqdns") == [acm.input("name")]
    assert acm.urn in validation.dependencies


def test_the_form_host_must_be_in_the_edge_zone_and_first_level(config_error) -> None:  # type: ignore[no-untyped-def]
    for domain, needle in (
        ("forms.other-zone.com", "Universal SSL"),
        ("a.forms.acme-marketing-staging.com", "first-level"),
        ("www.acme-marketing-staging.com", "also a marketing hostname"),
    ):
        rendered = config_error(
            "staging", {"forms": {"customDomain": {"domainName": domain}}}
        ).render()
        assert "spikeproof:forms.customDomain.domainName" in rendered and needle in rendered, (
            rendered
        )
    rendered = config_error("staging", {"forms": {"customDomain": None}}).render()
    assert "spikeproof:forms.customDomain" in rendered and "rate limit" in rendered, rendered


def test_pages_are_on_the_marketing_hostnames(plan, config_error) -> None:  # type: ignore[no-untyped-def]
    env = next(f for f in plan("staging").of_type(FN) if f.name == "forms-ingest").input(
        "environment"
    )["variables"]
    assert env["THANK_YOU_URL"] == "https://www.acme-marketing-staging.com/campaigns/thank-you/"
    assert env["ERROR_URL"] == "https://www.acme-marketing-staging.com/campaigns/sign-up-error/"
    rendered = config_error(
        "staging", {"forms": {"pages": {"thankYou": "https://evil.example/thanks"}}}
    ).render()
    assert "spikeproof:forms.pages.thankYou" in rendered and "marketing hostname" in rendered
    rendered = config_error("staging", {"forms": {"pages": {"error": "/oops?x=1"}}}).render()
    assert "spikeproof:forms.pages.error" in rendered, rendered


def test_the_worker_may_dead_letter_and_knows_where(plan) -> None:  # type: ignore[no-untyped-def]
    result = plan("staging")
    worker = result.named("forms-worker")
    dlq = result.named("forms-dlq")
    assert worker.input("environment")["variables"]["DLQ_URL"] == dlq.outputs["url"]
    policy = json.loads(result.named("forms-worker-access").input("policy"))
    sends = [s for s in policy["Statement"] if "sqs:SendMessage" in s["Action"]]
    assert [s["Resource"] for s in sends] == [dlq.outputs["arn"]]


def test_worker_hands_off_to_the_configured_list(plan) -> None:
    env = {
        stack: next(f for f in plan(stack).of_type(FN) if f.name == "forms-worker").input(
            "environment"
        )["variables"]
        for stack in STACKS
    }
    assert env["staging"]["LIST_ADAPTER"] == "sesv2" and env["staging"]["CONTACT_LIST_NAME"]
    assert env["prod"]["LIST_ADAPTER"] == "http"
    assert env["prod"]["LIST_SECRET_ARN"].startswith("arn:aws:secretsmanager:")


def test_code_is_the_deterministic_package(plan, tmp_path: Path) -> None:
    (fn,) = [f for f in plan("prod").of_type(FN) if f.name == "forms-ingest"]
    again = build(tmp_path / "forms.zip")
    assert fn.input("sourceCodeHash") == again.source_code_hash, (
        "a fresh build of unchanged code must hash the same: no diff on the next deploy"
    )


@pytest.mark.parametrize(
    ("overrides", "key_path", "words"),
    [
        ({"edge": None, "site": None, "fleet": {"domainName": "origin.example.com"}},
         "spikeproof:forms",
         "allowed origin"),
        ({"forms": {"throttle": {"rateLimit": 0}}}, "spikeproof:forms.throttle.rateLimit", "> 0"),
        ({"forms": {"throttle": {"burstLimit": -5}}}, "spikeproof:forms.throttle.burstLimit",
         "> 0"),
        ({"forms": {"contactRoute": "/subscribe"}}, "spikeproof:forms.contactRoute", "not"),
        ({"forms": {"worker": {"reservedConcurrency": 1}}},
         "spikeproof:forms.worker.reservedConcurrency", "at least 2"),
        ({"forms": {"mailingList": {"kind": "http"}}}, "spikeproof:forms.mailingList.httpBaseUrl",
         "https"),
        ({"forms": {"ingest": {"memoryMb": 64}}}, "spikeproof:forms.ingest.memoryMb", "128"),
        ({"forms": {"trottle": {}}}, "spikeproof:forms.trottle", "did you mean"),
    ],
)  # fmt: skip
def test_bad_forms_config_is_a_clear_error(
    config_error, overrides: dict[str, object], key_path: str, words: str
) -> None:
    rendered = config_error("staging", overrides).render()
    assert f"Pulumi.staging.yaml: {key_path}:" in rendered, rendered
    assert words in rendered, rendered


@pytest.mark.parametrize(
    ("arn", "words"),
    [
        ("arn:aws:acm:us-east-1:444455556666:certificate/6b1f0c3e-8d2a-4f5b-9c7e-2a4d6e8f0a1b",
         "only use one in the stack's region (eu-west-1)"),
        ("arn:aws:acm:eu-west-1:111122223333:certificate/6b1f0c3e-8d2a-4f5b-9c7e-2a4d6e8f0a1b",
         "belongs to account 111122223333"),
    ],
    ids=["other-region", "other-account"],
)  # fmt: skip
def test_a_certificate_the_api_cannot_use_is_refused(config_error, arn: str, words: str) -> None:  # type: ignore[no-untyped-def]
    rendered = config_error("prod", {"forms": {"customDomain": {"certificateArn": arn}}}).render()
    assert "spikeproof:forms.customDomain.certificateArn" in rendered and words in rendered, (
        rendered
    )


@pytest.mark.parametrize("stack", STACKS)
def test_only_the_edge_can_post_the_ingest_holds_the_edges_secret(plan, stack: str) -> None:
    """The late transform sets the origin header on the form host too; the ingest reads the same
    secret from Secrets Manager (never from plain config) and refuses posts without it."""
    result = plan(stack)
    transform = next(
        r
        for r in result.of_type("cloudflare:index/ruleset:Ruleset")
        if r.input("phase") == "http_request_late_transform"
    )
    host = result.named("forms-domain").input("domainName")
    assert f'"{host}"' in transform.inputs["rules"][0]["expression"]
    secret = result.named("forms-edge-secret-value")
    assert is_secret(secret.inputs["secretString"]), "the value travels only as a Pulumi secret"
    env = result.named("forms-ingest").input("environment")["variables"]
    assert env["EDGE_SECRET_ARN"] == result.named("forms-edge-secret").outputs["arn"]
    assert env["EDGE_HEADER"] == "X-Origin-Verify"
    assert not any("secret" in k.lower() and "ARN" not in k for k in env), env
    policy = json.loads(result.named("forms-ingest-access").input("policy"))
    reads = [
        s["Resource"] for s in policy["Statement"] if "secretsmanager:GetSecretValue" in s["Action"]
    ]
    assert result.named("forms-edge-secret").outputs["arn"] in reads


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_secrets_derived_from_state_free_their_name_when_deleted(plan, stack: str) -> None:  # type: ignore[no-untyped-def]
    """A secret whose value Pulumi writes (Turnstile's, the edge's) is deleted without a recovery
    window, or a re-created stack fails on the name for 30 days; the list provider's key, set out
    of band and held nowhere else, keeps a window to restore it from."""
    secrets = plan(stack).of_type("aws:secretsmanager/secret:Secret")
    assert secrets, stack
    for secret in secrets:
        window = secret.input("recoveryWindowInDays")
        if secret.name.endswith("-list-api-key"):
            assert window is None or window >= 7, f"{secret.urn}: its value exists nowhere else"
        else:
            assert window == 0, f"{secret.urn}: a fixed name kept for 30 days blocks re-creation"


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_what_lambda_checks_against_the_role_waits_for_the_roles_policy(plan, stack: str) -> None:  # type: ignore[no-untyped-def]
    """CreateEventSourceMapping and PutFunctionEventInvokeConfig check the function's role at
    once; its inline policy is a resource of its own, so they depend on it."""
    result = plan(stack)
    mapping = result.named("forms-worker-source")
    assert result.named("forms-worker-access").urn in mapping.dependencies, mapping.urn
    invoke = result.named("forms-ingest-async")
    assert result.named("forms-ingest-access").urn in invoke.dependencies, invoke.urn
