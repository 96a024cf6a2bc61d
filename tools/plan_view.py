"""The offline plan printed the way `pulumi preview` prints an update: a tree of resources by parent
with the operation's mark (`+` create, `>` read), the type in the CLI's short form
(`aws:rds:Instance`), the name and the plan, then the outputs and a `Resources:` summary.

Unlike the CLI, each resource also gets the few inputs that decide it (instance classes, sizes,
limits, record names: INPUTS), on a line under its name, so a reviewer sees what would be built
without `--json`. Everything fits the given width (the terminal's, else 100 columns).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import textwrap
from collections.abc import Mapping
from typing import Any

from tools.engine.mockrun import PlanResult, RecordedResource, display

STANDIN_NOTE = (
    "Ids, ARNs, endpoints and DNS names are offline stand-ins derived from the stack file "
    "(tools/engine/answers.py), not values read from AWS or Cloudflare."
)

# The inputs that decide each type, as dotted paths into its wire-form inputs; `#rules` shows a
# list's length. Every custom type the program registers has an entry (tests/test_plan.py).
INPUTS: dict[str, tuple[str, ...]] = {
    "aws:acm/certificate:Certificate": ("domainName", "validationMethod"),
    "aws:acm/certificateValidation:CertificateValidation": ("#validationRecordFqdns",),
    "aws:apigatewayv2/api:Api": ("protocolType", "disableExecuteApiEndpoint"),
    "aws:apigatewayv2/apiMapping:ApiMapping": ("stage",),
    "aws:apigatewayv2/domainName:DomainName": ("domainName",),
    "aws:apigatewayv2/integration:Integration": ("integrationType", "timeoutMilliseconds"),
    "aws:apigatewayv2/route:Route": ("routeKey",),
    "aws:apigatewayv2/stage:Stage": (
        "name",
        "defaultRouteSettings.throttlingRateLimit",
        "defaultRouteSettings.throttlingBurstLimit",
    ),
    "aws:autoscaling/group:Group": (
        "minSize",
        "maxSize",
        "desiredCapacity",
        "warmPool.minSize",
        "initialLifecycleHooks.heartbeatTimeout",
    ),
    "aws:autoscaling/policy:Policy": (
        "policyType",
        "targetTrackingConfiguration.targetValue",
        "#stepAdjustments",
    ),
    "aws:autoscaling/schedule:Schedule": ("startTime", "minSize", "maxSize", "desiredCapacity"),
    "aws:chatbot/slackChannelConfiguration:SlackChannelConfiguration": (
        "configurationName",
        "slackChannelId",
    ),
    "aws:cloudwatch/dashboard:Dashboard": ("dashboardName",),
    "aws:cloudwatch/logGroup:LogGroup": ("name", "retentionInDays"),
    "aws:cloudwatch/metricAlarm:MetricAlarm": (
        "metricName",
        "comparisonOperator",
        "threshold",
        "period",
        "evaluationPeriods",
    ),
    "aws:dynamodb/table:Table": ("billingMode", "hashKey", "deletionProtectionEnabled"),
    "aws:ec2/launchTemplate:LaunchTemplate": (
        "imageId",
        "instanceType",
        "metadataOptions.httpTokens",
    ),
    "aws:ec2/securityGroup:SecurityGroup": ("description",),
    "aws:iam/instanceProfile:InstanceProfile": (),
    "aws:iam/role:Role": (),
    "aws:iam/rolePolicy:RolePolicy": (),
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": ("policyArn",),
    "aws:kms/key:Key": ("enableKeyRotation", "deletionWindowInDays"),
    "aws:lambda/eventSourceMapping:EventSourceMapping": (
        "batchSize",
        "scalingConfig.maximumConcurrency",
    ),
    "aws:lambda/function:Function": (
        "runtime",
        "architectures",
        "memorySize",
        "timeout",
        "reservedConcurrentExecutions",
    ),
    "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig": ("maximumRetryAttempts",),
    "aws:lambda/permission:Permission": ("principal",),
    "aws:lb/listener:Listener": ("protocol", "port", "sslPolicy"),
    "aws:lb/listenerRule:ListenerRule": ("priority",),
    "aws:lb/loadBalancer:LoadBalancer": (
        "loadBalancerType",
        "internal",
        "enableDeletionProtection",
    ),
    "aws:lb/targetGroup:TargetGroup": ("protocol", "port", "targetType"),
    "aws:rds/instance:Instance": (
        "identifier",
        "instanceClass",
        "replicateSourceDb",
        "multiAz",
        "deletionProtection",
    ),
    "aws:rds/parameterGroup:ParameterGroup": ("family",),
    "aws:rds/subnetGroup:SubnetGroup": ("#subnetIds",),
    "aws:route53/record:Record": ("name", "type", "records"),
    "aws:route53/zone:Zone": ("name",),
    "aws:s3/bucket:Bucket": ("bucketPrefix",),
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": ("rules.expiration.days",),
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": ("rule.objectOwnership",),
    "aws:s3/bucketPolicy:BucketPolicy": (),
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": ("blockPublicPolicy",),
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": (
        "rules.applyServerSideEncryptionByDefault.sseAlgorithm",
    ),
    "aws:secretsmanager/secret:Secret": ("name", "recoveryWindowInDays"),
    "aws:secretsmanager/secretVersion:SecretVersion": ("secretString",),
    "aws:sesv2/contactList:ContactList": ("contactListName",),
    "aws:sns/topic:Topic": ("kmsMasterKeyId",),
    "aws:sns/topicPolicy:TopicPolicy": (),
    "aws:sns/topicSubscription:TopicSubscription": ("protocol", "endpoint"),
    "aws:sqs/queue:Queue": ("visibilityTimeoutSeconds", "messageRetentionSeconds"),
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": (
        "referencedSecurityGroupId",
        "cidrIpv4",
        "fromPort",
        "toPort",
    ),
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": (
        "referencedSecurityGroupId",
        "cidrIpv4",
        "fromPort",
        "toPort",
    ),
    "cloudflare:index/argoTieredCaching:ArgoTieredCaching": ("value",),
    "cloudflare:index/dnsRecord:DnsRecord": ("name", "type", "content", "proxied"),
    "cloudflare:index/ruleset:Ruleset": ("phase", "#rules"),
    "cloudflare:index/tieredCache:TieredCache": ("value",),
    "cloudflare:index/turnstileWidget:TurnstileWidget": ("mode", "domains"),
    "cloudflare:index/waitingRoom:WaitingRoom": (
        "host",
        "path",
        "totalActiveUsers",
        "newUsersPerMinute",
    ),
    "cloudflare:index/worker:Worker": ("name",),
    "cloudflare:index/workerVersion:WorkerVersion": ("compatibilityDate", "assets.directory"),
    "cloudflare:index/workersDeployment:WorkersDeployment": ("strategy",),
    "cloudflare:index/workersRoute:WorkersRoute": ("pattern",),
    "cloudflare:index/zoneCacheReserve:ZoneCacheReserve": ("value",),
    "cloudflare:index/zoneSetting:ZoneSetting": ("settingId", "value"),
    "pulumi:pulumi:StackReference": ("name",),
    "random:index/randomPassword:RandomPassword": ("length",),
}


def width() -> int:
    """The terminal's width when printing to one (COLUMNS honoured), else 100 columns."""
    if os.environ.get("COLUMNS", "").isdigit():
        return max(60, int(os.environ["COLUMNS"]))
    if sys.stdout.isatty():
        return max(60, shutil.get_terminal_size((100, 24)).columns)
    return 100


def short_type(token: str) -> str:
    """The CLI's display form: `aws:rds/instance:Instance` is shown as `aws:rds:Instance` (the
    module's last segment dropped when it is the type's name, as pulumi's simplifyTypeName)."""
    parts = token.split(":")
    if len(parts) != 3 or "/" not in parts[1]:
        return token
    module, _, member = parts[1].rpartition("/")
    if member.lower() == parts[2].lower():
        return f"{parts[0]}:{module}:{parts[2]}"
    return token


def _lookup(inputs: Mapping[str, Any], path: str) -> Any:
    current: Any = inputs
    for part in path.split("."):
        if isinstance(current, list) and len(current) == 1:
            current = current[0]
        if not isinstance(current, Mapping) or part not in current:
            return None
        current = current[part]
    return current


def _value(value: Any, limit: int = 64) -> str:
    if isinstance(value, str):
        text = value
    elif isinstance(value, list) and all(not isinstance(v, (list, dict)) for v in value):
        text = ",".join(str(v) for v in value)
    else:
        text = json.dumps(value, separators=(",", ":"))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def inputs_line(resource: RecordedResource) -> str:
    shown = display(resource.inputs)
    parts: list[str] = []
    for path in INPUTS.get(resource.type, ()):
        if path.startswith("#"):
            found = _lookup(shown, path[1:])
            if isinstance(found, list):
                parts.append(f"{path[1:]}: {len(found)}")
            continue
        found = _lookup(shown, path)
        if found is not None and found != "":
            parts.append(f"{path}={_value(found)}")
    if resource.protect:
        parts.append("protect")
    if resource.ignore_changes:
        parts.append(f"ignoreChanges={','.join(resource.ignore_changes)}")
    if resource.replace_on_changes:
        parts.append(f"replaceOnChanges={','.join(resource.replace_on_changes)}")
    return " ".join(parts)


def _fit(text: str, room: int) -> str:
    return text if len(text) <= room else text[: max(1, room - 1)] + "…"


def _wrap(words: str, room: int) -> list[str]:
    """Lines of at most `room` columns, broken at spaces only; a word longer than a line is cut."""
    lines = textwrap.wrap(words, room, break_long_words=False, break_on_hyphens=False)
    return [_fit(line, room) for line in lines]


def tree(result: PlanResult, columns: int) -> list[str]:
    by_parent: dict[str, list[RecordedResource]] = {}
    stack = next((r for r in result.resources if r.type == "pulumi:pulumi:Stack"), None)
    for r in result.resources:
        if r is not stack:
            by_parent.setdefault(r.parent or (stack.urn if stack else ""), []).append(r)
    # (mark, guide + type, name, plan, the guides an inputs line carries, inputs)
    rows: list[tuple[str, str, str, str, str, str]] = []

    def walk(resource: RecordedResource, prefix: str, last: bool, depth: int) -> None:
        guide = "" if depth == 0 else prefix + ("└─ " if last else "├─ ")
        child_prefix = "" if depth == 0 else prefix + ("   " if last else "│  ")
        children = by_parent.get(resource.urn, [])
        mark, plan = (">", "read") if resource.read else ("+", "create")
        carry = child_prefix + ("│  " if children else "")
        inputs = inputs_line(resource) if resource.custom else ""
        rows.append((mark, guide + short_type(resource.type), resource.name, plan, carry, inputs))
        for i, child in enumerate(children):
            walk(child, child_prefix, i == len(children) - 1, depth + 1)

    for root in [stack] if stack else by_parent.get("", []):
        walk(root, "", True, 0)

    type_width = min(max((len(r[1]) for r in rows), default=4), columns // 2)
    name_width = min(max((len(r[2]) for r in rows), default=4), columns - type_width - 17)
    lines = [f"     {'Type':<{type_width}}  {'Name':<{name_width}}  Plan"]
    for mark, type_, name, plan, carry, inputs in rows:
        lines.append(
            f" {mark:<3} {_fit(type_, type_width):<{type_width}}  "
            f"{_fit(name, name_width):<{name_width}}  {plan}"
        )
        # The inputs under the resource, the tree's guides carried down beside them.
        for piece in _wrap(inputs, columns - 5 - len(carry)) if inputs else []:
            lines.append(f"     {carry}{piece}")
    return lines


def render(result: PlanResult, columns: int | None = None) -> str:
    columns = columns or width()
    title = f"Previewing update ({result.stack}), offline: nothing is deployed"
    if result.preview:
        title += "; computed values unknown as in `pulumi preview`"
    lines = [_fit(title, columns), "", *tree(result, columns), ""]
    shown = display(result.outputs)
    if shown:
        lines.append("Outputs:")
        for key in sorted(shown):
            lines.append(_fit(f"    {key}: {json.dumps(shown[key])}", columns))
        lines.append("")
    creates = sum(1 for r in result.resources if not r.read)
    reads = sum(1 for r in result.resources if r.read)
    lines += ["Resources:", f"    + {creates} to create"]
    if reads:
        lines.append(f"    > {reads} to read")
    lines += ["", *_wrap(STANDIN_NOTE, columns)]
    for line in result.logs:
        lines.append(_fit(f"log {line}", columns))
    return "\n".join(lines)
