"""WebFleet under the mock engine: alarm wiring, edge-only ingress, IMDSv2, encryption,
ignore_changes on desired capacity, scheduled actions across DST, the 403 default."""

from __future__ import annotations

import base64
import json
import subprocess
import sys

import pytest
import yaml

from components.fleet import edge_cidrs, request_count_target
from settings.files import ROOT
from tools.engine.mockrun import PlanResult, is_secret

ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
POLICY = "aws:autoscaling/policy:Policy"
ASG = "aws:autoscaling/group:Group"
SG = "aws:ec2/securityGroup:SecurityGroup"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
SG_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
LT = "aws:ec2/launchTemplate:LaunchTemplate"
SCHEDULE = "aws:autoscaling/schedule:Schedule"
LISTENER = "aws:lb/listener:Listener"
RULE = "aws:lb/listenerRule:ListenerRule"
TOPIC = "aws:sns/topic:Topic"
STACKS = ("staging", "prod")


def topic_arn(result: PlanResult) -> str:
    (topic,) = result.of_type(TOPIC)
    return str(topic.outputs["arn"])


@pytest.mark.parametrize("stack", STACKS)
def test_cpu_high_alarm_triggers_the_scale_out_step_policy(plan, stack: str) -> None:
    result = plan(stack)
    policies = {p.name: p for p in result.of_type(POLICY)}
    step = policies["web-cpu-scale-out"]
    assert step.input("policyType") == "StepScaling"
    assert all(s["scalingAdjustment"] > 0 for s in step.input("stepAdjustments")), (
        "web-cpu-scale-out must only add capacity"
    )
    cpu = result.named("web-cpu-high")
    actions = cpu.input("alarmActions")
    assert step.outputs["arn"] in actions, f"{cpu.urn}: CPU-high must trigger the scale-out policy"
    others = [p.outputs["arn"] for n, p in policies.items() if n != "web-cpu-scale-out"]
    assert not set(others) & set(actions), f"{cpu.urn}: CPU-high points at another policy"
    assert topic_arn(result) in actions, f"{cpu.urn}: CPU-high must also notify the topic"
    assert (cpu.input("threshold"), cpu.input("period"), cpu.input("evaluationPeriods")) == (
        80,
        60,
        5,
    ), "CPU > 80% for 5 minutes"
    assert cpu.input("comparisonOperator") == "GreaterThanThreshold"


@pytest.mark.parametrize("stack", STACKS)
def test_every_fleet_alarm_notifies_the_stack_topic(plan, stack: str) -> None:
    result = plan(stack)
    arn = topic_arn(result)
    names = {
        "web-cpu-high",
        "web-5xx-rate",
        "web-response-time",
        "web-unhealthy-hosts",
        "web-at-max",
    }
    found = {a.name: a for a in result.of_type(ALARM) if a.name.startswith("web-")}
    assert set(found) == names, f"fleet alarms: {sorted(found)}"
    for alarm in found.values():
        assert arn in alarm.input("alarmActions"), f"{alarm.urn} does not notify {arn}"
    at_max = found["web-at-max"]
    (group,) = result.of_type(ASG)
    assert at_max.input("threshold") == group.input("maxSize"), "at-max threshold is maxSize"
    assert at_max.input("comparisonOperator") == "GreaterThanOrEqualToThreshold"


@pytest.mark.parametrize("stack", STACKS)
def test_no_security_group_mixes_inline_and_separate_rules(plan, stack: str) -> None:
    """The provider manages an inline-ruled group's whole rule set and removes rules a separate
    resource added: every group in the plan has one kind or the other."""
    result = plan(stack)
    separate = {
        r.input("securityGroupId")
        for r in [*result.of_type(INGRESS), *result.of_type(EGRESS), *result.of_type(SG_RULE)]
    }
    for group in result.of_type(SG):
        inline = bool(group.input("ingress") or group.input("egress"))
        assert not (inline and group.outputs["id"] in separate), (
            f"{group.urn}: inline rules and separate rule resources on one group"
        )


@pytest.mark.parametrize("stack", STACKS)
def test_no_ingress_from_the_whole_internet(plan, stack: str) -> None:
    result = plan(stack)
    alb_sg = result.named("web-alb-sg")
    rules = alb_sg.input("ingress")
    assert rules, "web-alb-sg must have ingress from the edge"
    for rule in rules:
        v4, v6 = rule.get("cidrBlocks") or [], rule.get("ipv6CidrBlocks") or []
        assert "0.0.0.0/0" not in v4 and "::/0" not in v6, f"{alb_sg.urn}: open ingress {rule}"
        assert "173.245.48.0/20" in v4, "Cloudflare's IPv4 ranges expected"
        assert v6 == [], f"{alb_sg.urn}: the load balancer is IPv4-only; IPv6 rules admit nothing"
        assert (rule["fromPort"], rule["toPort"]) == (443, 443), f"{alb_sg.urn}: HTTPS only"
    for sg in result.of_type(SG):
        for rule in sg.input("ingress") or []:
            assert "0.0.0.0/0" not in (rule.get("cidrBlocks") or []), f"{sg.urn}: 0.0.0.0/0"
    for rule in result.of_type(INGRESS):
        assert rule.input("cidrIpv4") != "0.0.0.0/0" and rule.input("cidrIpv6") != "::/0", (
            f"{rule.urn}: ingress from the whole internet"
        )


def test_edge_cidrs_fall_back_to_the_snapshot_and_never_open_the_world() -> None:
    assert edge_cidrs([], ["1.2.3.0/24"]) == ["1.2.3.0/24"], "empty look-up uses the snapshot"
    assert edge_cidrs(None, ["1.2.3.0/24"]) == ["1.2.3.0/24"]
    assert edge_cidrs(["0.0.0.0/0"], ["1.2.3.0/24"]) == ["1.2.3.0/24"], "world range dropped"
    assert edge_cidrs(["5.6.7.0/24"], ["1.2.3.0/24"]) == ["5.6.7.0/24"], "live answer wins"


@pytest.mark.parametrize("stack", STACKS)
def test_launch_template_imdsv2_encryption_no_public_ip(plan, stack: str) -> None:
    (lt,) = plan(stack).of_type(LT)
    meta = lt.input("metadataOptions")
    assert meta["httpTokens"] == "required", f"{lt.urn}: IMDSv2 must be required"
    assert meta["httpPutResponseHopLimit"] == 1, f"{lt.urn}: hop limit must be 1"
    (disk,) = lt.input("blockDeviceMappings")
    assert disk["ebs"]["encrypted"] == "true" and disk["ebs"]["volumeType"] == "gp3", lt.urn
    (nic,) = lt.input("networkInterfaces")
    assert nic["associatePublicIpAddress"] == "false", f"{lt.urn}: no public IP"
    assert lt.input("imageId") == "ami-0a6f3c1e9b2d47f85", f"{lt.urn}: the stack's pinned image"
    cloud_config = yaml.safe_load(base64.b64decode(lt.input("userData")))
    conf = cloud_config["write_files"][0]["content"]
    assert "s-maxage=" in conf and 'add_header Cache-Control "no-store" always;' in conf


def test_staging_cache_lifetimes_reach_the_user_data(plan) -> None:
    (lt,) = plan("staging").of_type(LT)
    conf = yaml.safe_load(base64.b64decode(lt.input("userData")))["write_files"][0]["content"]
    assert "s-maxage=60, stale-while-revalidate=300" in conf, "staging cache settings"
    (prod_lt,) = plan("prod").of_type(LT)
    prod_conf = yaml.safe_load(base64.b64decode(prod_lt.input("userData")))["write_files"][0]
    assert "s-maxage=3600, stale-while-revalidate=86400" in prod_conf["content"], "prod defaults"


@pytest.mark.parametrize("stack", STACKS)
def test_instance_role_has_only_ssm_and_site_read(plan, stack: str) -> None:
    result = plan(stack)
    attachments = result.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
    fleet = [a for a in attachments if a.name.startswith("web-")]
    assert [a.input("policyArn") for a in fleet] == [
        "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"
    ]
    policy = result.named("web-site-read").input("policy")
    assert '"s3:GetObject"' in policy and "s3:PutObject" not in policy


@pytest.mark.parametrize("stack", STACKS)
def test_desired_capacity_is_ignored_after_create(plan, stack: str) -> None:
    (group,) = plan(stack).of_type(ASG)
    assert "desiredCapacity" in group.ignore_changes, (
        f"{group.urn}: a deploy during a spike must not reset desired capacity"
    )
    assert group.input("healthCheckType") == "ELB"
    assert len(group.input("vpcZoneIdentifiers")) >= 2
    refresh = group.input("instanceRefresh")
    assert refresh["strategy"] == "Rolling"
    assert refresh["preferences"]["autoRollback"] is False, (
        f"{group.urn}: with the provider's update order, auto rollback returns to the new version "
        "(terraform-provider-aws#34189); the runbook rolls back instead"
    )
    assert refresh["preferences"]["alarmSpecification"]["alarms"], "the alarms stop a bad roll"


def test_staging_mixes_spot_and_prod_keeps_a_warm_pool(plan) -> None:
    (group,) = plan("staging").of_type(ASG)
    mixed = group.input("mixedInstancesPolicy")
    assert mixed["instancesDistribution"]["onDemandPercentageAboveBaseCapacity"] == 0
    assert mixed["instancesDistribution"]["onDemandBaseCapacity"] == 1
    overrides = [o["instanceType"] for o in mixed["launchTemplate"]["overrides"]]
    assert overrides == ["t4g.medium", "t4g.large"]
    spec = mixed["launchTemplate"]["launchTemplateSpecification"]
    assert spec["version"] == "1", "a pinned version, so template changes roll the fleet"
    assert group.input("capacityRebalance") is True
    assert group.input("warmPool") is None, "AWS rejects a warm pool with mixed instances"
    (prod_group,) = plan("prod").of_type(ASG)
    assert prod_group.input("mixedInstancesPolicy") is None
    pool = prod_group.input("warmPool")
    assert pool["minSize"] == pool["maxGroupPreparedCapacity"] == 6, (
        f"{prod_group.urn}: the pool has an absolute size only when both are set (PutWarmPool)"
    )
    assert prod_group.input("capacityRebalance") is False


def test_request_count_target_derives_from_capacity(plan) -> None:
    assert request_count_target(400, 60) == 14400.0  # 400 rps * 60 s * 60 %
    policy = plan("prod").named("web-request-tracking")
    config = policy.input("targetTrackingConfiguration")
    assert config["targetValue"] == 14400.0
    spec = config["predefinedMetricSpecification"]
    assert spec["predefinedMetricType"] == "ALBRequestCountPerTarget"
    assert spec["resourceLabel"].startswith("app/") and "/targetgroup/" in spec["resourceLabel"]


# Far-future windows, so the test does not rot as the stack file's campaigns pass (actions in the
# past are dropped by design).
DST_WINDOWS = [
    {
        "name": "spring-sale",
        "start": "2035-03-25T00:30",
        "end": "2035-03-25T12:00",
        "timeZone": "Europe/London",
        "capacity": 20,
        "leadMinutes": 45,
    },
    {
        "name": "black-friday-us",
        "start": "2035-11-03T00:00",
        "end": "2035-11-04T23:00",
        "timeZone": "America/New_York",
        "capacity": 30,
        "leadMinutes": 60,
    },
]


def test_prod_scheduled_actions_across_dst(plan) -> None:
    # Only the hand-written windows (tests/test_campaign_stack.py covers the campaigns').
    result = plan("prod", {"fleet": {"campaignWindows": DST_WINDOWS}, "campaigns": None})
    actions = {s.name: s for s in result.of_type(SCHEDULE)}
    expected = {
        # London: window starts in GMT (00:30Z) and ends in BST (12:00 local = 11:00Z).
        "web-spring-sale-prewarm": ("2035-03-24T23:45:00Z", 20, 20, -1),
        "web-spring-sale-release": ("2035-03-25T11:00:00Z", 3, -1, -1),
        # New York: starts in EDT (-4), ends in EST (-5) after the 4 November fall-back.
        "web-black-friday-us-prewarm": ("2035-11-03T03:00:00Z", 30, 30, -1),
        "web-black-friday-us-release": ("2035-11-05T04:00:00Z", 3, -1, -1),
    }
    assert set(actions) == set(expected), sorted(actions)
    (group,) = result.of_type(ASG)
    for name, (start, min_size, desired, max_size) in expected.items():
        got = actions[name]
        assert (
            got.input("startTime"),
            got.input("minSize"),
            got.input("desiredCapacity"),
            got.input("maxSize"),
        ) == (start, min_size, desired, max_size), f"{got.urn}: wrong time or sizes"
        assert got.input("autoscalingGroupName") == group.outputs["name"], got.urn


@pytest.mark.parametrize("stack", STACKS)
def test_https_default_is_403_and_only_the_origin_header_forwards(plan, stack: str) -> None:
    result = plan(stack)
    listeners = {lst.name: lst for lst in result.of_type(LISTENER)}
    (default,) = listeners["web-https"].input("defaultActions")
    assert default["type"] == "fixed-response", "requests without the header must not forward"
    assert default["fixedResponse"]["statusCode"] == "403"
    assert set(listeners) == {"web-https"}, (
        "the edge reaches the origin over HTTPS only (Full (strict)): no port-80 listener"
    )
    assert result.named("web-alb").input("ipAddressType") == "ipv4"
    (rule,) = result.of_type(RULE)
    (condition,) = rule.input("conditions")
    assert condition["httpHeader"]["httpHeaderName"] == "X-Origin-Verify"
    (password,) = result.of_type("random:index/randomPassword:RandomPassword")
    assert condition["httpHeader"]["values"] == [password.outputs["result"]], (
        f"{rule.urn}: the header value must be the generated origin secret"
    )
    assert is_secret(rule.inputs["conditions"][0]["httpHeader"]["values"][0]), (
        f"{rule.urn}: the header value must travel as a secret"
    )
    (action,) = rule.input("actions")
    assert action["type"] == "forward"


@pytest.mark.parametrize("stack", STACKS)
def test_alb_hardening(plan, stack: str) -> None:
    (alb,) = plan(stack).of_type("aws:lb/loadBalancer:LoadBalancer")
    assert alb.input("dropInvalidHeaderFields") is True
    assert alb.input("desyncMitigationMode") == "strictest"
    prod = stack == "prod"
    assert alb.input("enableDeletionProtection") is prod
    assert bool(alb.input("accessLogs")) is prod, "access logs where the stack asks"


@pytest.mark.parametrize("stack", STACKS)
def test_replicas_admit_the_fleet_and_outputs_are_exported(plan, stack: str) -> None:
    result = plan(stack)
    fleet_sg = result.named("web-sg").outputs["id"]
    admitted = [r.input("referencedSecurityGroupId") for r in result.of_type(INGRESS)]
    assert fleet_sg in admitted, "the replicas' group must admit the fleet's"
    outputs = result.plain_outputs()
    assert outputs["fleet_security_group_id"] == fleet_sg
    assert outputs["alb_dns_name"].endswith(".elb.amazonaws.com")


@pytest.mark.parametrize(
    ("fleet", "key_path", "words"),
    [
        ({"minSize": 5, "maxSize": 4}, "spikeproof:fleet.minSize", "above maxSize"),
        ({"desiredCapacity": 9}, "spikeproof:fleet.desiredCapacity", "outside minSize"),
        ({"warmPoolSize": 5}, "spikeproof:fleet.warmPoolSize", "larger than maxSize"),
        ({"instanceTypes": []}, "spikeproof:fleet.instanceTypes", "empty"),
        ({"spot": {"spotPercent": 101}}, "spikeproof:fleet.spot.spotPercent", "0-100"),
        ({"spot": {"spotPercent": -1}}, "spikeproof:fleet.spot.spotPercent", "0-100"),
        ({"warmPoolSize": 2}, "spikeproof:fleet.warmPoolSize", "cannot be combined with spot"),
        ({"perInstanceCapacityRps": 0}, "spikeproof:fleet.perInstanceCapacityRps", "> 0"),
        ({"perInstanceCapacityRps": -5}, "spikeproof:fleet.perInstanceCapacityRps", "> 0"),
        (
            {
                "campaignWindows": [
                    {
                        "name": "backwards",
                        "start": "2027-05-01T10:00",
                        "end": "2027-05-01T09:00",
                        "timeZone": "Europe/London",
                        "capacity": 3,
                    }
                ]
            },
            "spikeproof:fleet.campaignWindows",
            "campaignWindows[backwards].end",
        ),
        (
            {
                "campaignWindows": [
                    {
                        "name": "first",
                        "start": "2027-05-01T09:00",
                        "end": "2027-05-01T12:00",
                        "timeZone": "Europe/London",
                        "capacity": 3,
                    },
                    {
                        "name": "second",
                        "start": "2027-05-01T07:00",
                        "end": "2027-05-01T09:30",
                        "timeZone": "America/New_York",
                        "capacity": 3,
                        "leadMinutes": 0,
                    },
                ]
            },
            "spikeproof:fleet.campaignWindows",
            "overlaps",
        ),
    ],
)
def test_bad_fleet_config_names_the_key_and_registers_nothing(
    config_error, fleet: dict[str, object], key_path: str, words: str
) -> None:
    error = config_error("staging", {"fleet": fleet})
    rendered = error.render()
    assert f"Pulumi.staging.yaml: {key_path}:" in rendered, rendered
    assert words in rendered, f"{key_path}: expected '{words}' in:\n{rendered}"


@pytest.mark.parametrize(
    ("overrides", "key_path", "words"),
    [
        ({"edge": {"originHostname": "other.example.com"}}, "spikeproof:edge.originHostname",
         "fleet's load balancer is the edge's origin"),
        ({"fleet": {"domainName": "origin.example.com"}}, "spikeproof:fleet.domainName",
         "covers edge.hostnames"),
        ({"edge": None}, "spikeproof:fleet.domainName", "certificate needs a name"),
        ({"fleet": None}, "spikeproof:edge.originHostname", "origin is unknown"),
    ],
)  # fmt: skip
def test_fleet_and_edge_agree_on_one_origin(
    config_error, overrides: dict[str, object], key_path: str, words: str
) -> None:
    rendered = config_error("staging", overrides).render()
    assert f"Pulumi.staging.yaml: {key_path}:" in rendered, rendered
    assert words in rendered, rendered


@pytest.mark.parametrize("stack", STACKS)
def test_certificate_covers_the_edge_hostnames_and_waits_for_the_edge_records(
    plan, stack: str
) -> None:
    result = plan(stack)
    cert = result.named("web-cert")
    hosts = result.outputs["edge_hostnames"]
    assert [cert.input("domainName"), *(cert.input("subjectAlternativeNames") or [])] == hosts
    records = {
        r.input("name"): r
        for r in result.of_type("cloudflare:index/dnsRecord:DnsRecord")
        if r.name.startswith("edge-acm-validation-")
    }
    expected = {
        o["resourceRecordName"].rstrip("."): o["resourceRecordValue"].rstrip(".")
        for o in cert.outputs["domainValidationOptions"]
    }
    assert {name: r.input("content") for name, r in records.items()} == expected, (
        "one DNS-only record per certificate name, with ACM's values"
    )
    validation = result.named("web-cert-validation")
    assert sorted(validation.input("validationRecordFqdns")) == sorted(records)
    assert {r.urn for r in records.values()} <= set(validation.dependencies), (
        "the validation must wait for the Cloudflare records"
    )
    (https,) = [x for x in result.of_type(LISTENER) if x.name == "web-https"]
    assert https.input("certificateArn") == validation.outputs["certificateArn"]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"domain_names": []}, "domain_names"),
        ({"campaign_windows": [object()]}, "now"),
    ],
)
def test_fleet_args_reject_what_settings_cannot_check(
    overrides: dict[str, object], field: str
) -> None:
    """The fleet's own keys are checked by settings (tests/test_settings.py); the Args check only
    what other resources supply."""
    from components.core import NetworkFacts
    from components.fleet import WebFleetArgs
    from settings import stack_settings

    config = stack_settings("staging").fleet
    base: dict[str, object] = {
        "config": config,
        "network": NetworkFacts("vpc-1", ["a", "b"], ["c", "d"]),
        "domain_names": ["origin.example.com"],
        "origin_header_name": "X-Origin-Verify",
        "origin_secret": "x" * 32,
        "alarm_topic_arn": "arn:aws:sns:eu-west-1:111122223333:t",
        "name_prefix": "t",
        "region": "eu-west-1",
    }
    with pytest.raises(ValueError, match=f"WebFleetArgs.{field}"):
        WebFleetArgs(**{**base, **overrides})  # type: ignore[arg-type]


def test_a_fleet_without_an_edge_plans_and_finishes() -> None:
    """A fleet with its own domain and no Cloudflare edge: the certificate has no validation
    records from the edge, so no deferred output may be left unresolved (the engine would wait
    for it for ever: this once hung). A child process, so a regression fails instead of hanging."""
    script = (
        "from tools.engine.mockrun import run_program\n"
        "r = run_program('staging', overrides={'edge': None, 'forms': None, 'site': None,"
        " 'fleet': {'domainName': 'origin.marketing.example.com'}})\n"
        "print(len(r.of_type('aws:lb/loadBalancer:LoadBalancer')),"
        " len(r.of_type('aws:acm/certificateValidation:CertificateValidation')))\n"
    )
    try:
        done = subprocess.run(
            [sys.executable, "-c", script],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    except subprocess.TimeoutExpired:
        pytest.fail("the plan of a fleet without an edge did not finish in 120 s")
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["1", "0"], done.stdout


def test_several_types_without_spot_are_on_demand_capacity_fallback(plan) -> None:  # type: ignore[no-untyped-def]
    """Types beyond the first are not ignored: all on-demand, launched in the listed order."""
    overrides = {"fleet": {"spot": None, "instanceTypes": ["t4g.medium", "t4g.large"]}}
    (group,) = plan("staging", overrides).of_type(ASG)
    mixed = group.input("mixedInstancesPolicy")
    assert mixed is not None, f"{group.urn}: two types must form a mixed instances policy"
    dist = mixed["instancesDistribution"]
    assert dist["onDemandPercentageAboveBaseCapacity"] == 100
    assert dist["onDemandAllocationStrategy"] == "prioritized"
    assert [o["instanceType"] for o in mixed["launchTemplate"]["overrides"]] == [
        "t4g.medium",
        "t4g.large",
    ]


def test_several_types_with_a_warm_pool_are_refused(config_error) -> None:  # type: ignore[no-untyped-def]
    overrides = {"fleet": {"instanceTypes": ["m7g.large", "m6g.large"]}}
    rendered = config_error("prod", overrides).render()
    assert "spikeproof:fleet.warmPoolSize" in rendered and "several instance types" in rendered


def test_launches_wait_for_the_instance_to_serve_the_current_site(plan) -> None:  # type: ignore[no-untyped-def]
    """A launch lifecycle hook holds every instance (into the warm pool or service) until its
    readiness report; the role may complete it for this group only; the image is the pinned one."""
    from model.webserver import HOOK_HEARTBEAT_SECONDS, LIFECYCLE_HOOK
    from settings import stack_settings

    result = plan("prod")
    (group,) = result.of_type(ASG)
    # On the group, so the first instances and the first warm pool are held too; a separate
    # LifecycleHook is attached only after the group has launched them.
    assert result.of_type("aws:autoscaling/lifecycleHook:LifecycleHook") == [], (
        "a separate LifecycleHook misses the group's first launches"
    )
    (hook,) = group.input("initialLifecycleHooks")
    assert hook == {
        "name": LIFECYCLE_HOOK,
        "lifecycleTransition": "autoscaling:EC2_INSTANCE_LAUNCHING",
        "defaultResult": "ABANDON",
        "heartbeatTimeout": HOOK_HEARTBEAT_SECONDS,
    }, f"{group.urn}: the hook is ForceNew; any per-stack value in it would replace the group"
    assert result.named("web-lifecycle").urn in group.dependencies, (
        "the group waits for the permission to complete its hook"
    )
    wait = group.input("waitForCapacityTimeout")
    assert wait.endswith("m") and int(wait[:-1]) * 60 > HOOK_HEARTBEAT_SECONDS, (
        f"{group.urn}: creation must wait longer than the hook may hold the first instances"
    )
    (policy,) = [
        p for p in result.of_type("aws:iam/rolePolicy:RolePolicy") if p.name == "web-lifecycle"
    ]
    statements = json.loads(policy.input("policy"))["Statement"]
    complete = next(s for s in statements if s["Action"] == "autoscaling:CompleteLifecycleAction")
    assert complete["Resource"].endswith("autoScalingGroupName/web-asg-*")
    (template,) = result.of_type("aws:ec2/launchTemplate:LaunchTemplate")
    assert template.input("imageId") == stack_settings("prod").fleet.ami_id  # type: ignore[union-attr]


def test_request_scaling_and_proxied_dns_wait_for_the_forward_rule(plan) -> None:  # type: ignore[no-untyped-def]
    """ALBRequestCountPerTarget needs the target group attached (a rule forwarding to it), and
    visitors must not be sent to the load balancer before its HTTPS listener forwards."""
    result = plan("prod")
    forward = result.named("web-from-edge")
    tracking = result.named("web-request-tracking")
    assert forward.urn in tracking.dependencies, f"{tracking.urn} must wait for {forward.urn}"
    proxied = [
        r
        for r in result.of_type("cloudflare:index/dnsRecord:DnsRecord")
        if r.input("proxied") and r.name.startswith("edge-dns-")
    ]
    assert proxied and all(forward.urn in r.dependencies for r in proxied), (
        "every proxied marketing record must wait for the origin's forward rule"
    )


@pytest.mark.parametrize("stack", STACKS)
def test_shipped_campaign_windows_leave_scale_out_headroom(stack: str) -> None:
    """A window pre-warmed to maxSize leaves scaling nothing to add and keeps the at-max alarm
    firing for the whole window."""
    from settings import stack_settings

    fleet = stack_settings(stack).fleet
    assert fleet is not None
    for window in fleet.campaign_windows:
        assert window.capacity < fleet.max_size, (
            f"Pulumi.{stack}.yaml: campaign window {window.name} pre-warms to {window.capacity} "
            f"of maxSize {fleet.max_size}"
        )


def test_the_log_writer_is_elbs_account_in_old_regions_and_the_service_in_new_ones() -> None:
    from components.fleet import elb_log_principal

    assert elb_log_principal("eu-west-1") == {"AWS": "arn:aws:iam::156460612806:root"}
    assert elb_log_principal("eu-central-2") == {
        "Service": "logdelivery.elasticloadbalancing.amazonaws.com"
    }


def test_the_load_balancer_logs_to_a_bucket_elb_may_write(plan) -> None:  # type: ignore[no-untyped-def]
    """The bucket is created with the policy ELB needs in the stack's region (its own account in
    regions opened before August 2022, the log delivery service in later ones), SSE-S3 only, and
    the load balancer waits for both: ELB checks its access when logging is turned on."""
    import json

    result = plan("prod", {"fleet": {"accessLogs": {"retentionDays": 30}}})
    alb = result.named("web-alb")
    bucket = result.named("web-alb-logs")
    assert alb.input("accessLogs")["bucket"] == bucket.outputs["id"]
    assert alb.input("accessLogs")["prefix"] == "spikeproof-prod"
    policy = result.named("web-alb-logs-policy")
    encryption = result.named("web-alb-logs-encryption")
    assert {policy.urn, encryption.urn} <= set(alb.dependencies), alb.urn
    assert result.named("web-alb-logs-public-access").urn in policy.dependencies, policy.urn
    (allow, _deny) = json.loads(policy.input("policy"))["Statement"]
    assert allow["Principal"] == {"AWS": "arn:aws:iam::156460612806:root"}  # prod: eu-west-1
    assert allow["Action"] == "s3:PutObject"
    assert allow["Resource"].endswith("/spikeproof-prod/AWSLogs/*")
    (rule,) = encryption.input("rules")
    assert rule["applyServerSideEncryptionByDefault"]["sseAlgorithm"] == "AES256"
    (expire,) = result.named("web-alb-logs-retention").input("rules")
    assert expire["expiration"]["days"] == 30


def test_the_elb_log_accounts_are_regions_botocore_knows() -> None:
    from components.fleet import ELB_LOG_ACCOUNTS
    from settings.providers import aws_regions

    assert set(ELB_LOG_ACCOUNTS) <= aws_regions(), set(ELB_LOG_ACCOUNTS) - aws_regions()
