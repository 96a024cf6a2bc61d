"""Realistic computed outputs for the offline plan's mock engine.

A real `pulumi up` gets ids, ARNs, endpoints and DNS names back from the provider. Here each
resource type that other resources or the outputs contract read gets the same shapes, derived
deterministically from the resource's type and name so that two plans of the same program print the
same values. Register a type with `@computes("<type token>")`; unregistered types get an id and, for
AWS, an ARN. In preview the engine knows none of these for a create, so `compute_state` is not
consulted then.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Where:
    """The account and region the mock engine pretends to deploy into."""

    account_id: str
    region: str


State = dict[str, Any]
Computer = Callable[[str, Mapping[str, Any], Where], tuple[str, State]]
_COMPUTERS: dict[str, Computer] = {}


def computes(type_token: str) -> Callable[[Computer], Computer]:
    def register(fn: Computer) -> Computer:
        _COMPUTERS[type_token] = fn
        return fn

    return register


def digest(*parts: str, length: int = 17, alphabet: str = "0123456789abcdef") -> str:
    """Deterministic pseudo-random characters from the given parts."""
    raw = hashlib.sha256("\x00".join(parts).encode()).digest()
    while len(raw) < length:
        raw += hashlib.sha256(raw).digest()
    return "".join(alphabet[b % len(alphabet)] for b in raw[:length])


def auto_name(name: str, inputs: Mapping[str, Any], key: str = "name") -> str:
    """Pulumi auto-naming: the logical name plus a 7-character suffix, unless the name is set."""
    given = inputs.get(key)
    return given if isinstance(given, str) and given else f"{name}-{digest(name, length=7)}"


def _service(type_token: str) -> str:
    module = type_token.split(":")[1].split("/")[0]
    return {"cloudwatch": "cloudwatch", "lb": "elasticloadbalancing", "vpc": "ec2"}.get(
        module, module
    )


def compute_state(
    type_token: str, name: str, inputs: Mapping[str, Any], where: Where
) -> tuple[str, State]:
    """The (id, outputs) a real create would return: inputs plus the computed properties."""
    fn = _COMPUTERS.get(type_token)
    if fn is not None:
        rid, extra = fn(name, inputs, where)
    elif type_token.startswith("aws:"):
        rid = f"{name}-{digest(type_token, name, length=8)}"
        extra = {"arn": f"arn:aws:{_service(type_token)}:{where.region}:{where.account_id}:{rid}"}
    elif type_token.startswith("pulumi:providers:"):
        rid = digest(type_token, name, length=32)
        extra = {}
    else:
        rid = digest(type_token, name, length=32)
        extra = {}
    return rid, {**inputs, **extra, "id": rid}


@computes("aws:rds/instance:Instance")
def _rds_instance(name: str, inputs: Mapping[str, Any], where: Where) -> tuple[str, State]:
    identifier = auto_name(name, inputs, "identifier")
    port = 5432
    cluster = digest(where.account_id, length=11, alphabet="abcdefghijklmnopqrstuvwxyz0123456789")
    address = f"{identifier}.c{cluster}.{where.region}.rds.amazonaws.com"
    return identifier, {
        "identifier": identifier,
        "address": address,
        "endpoint": f"{address}:{port}",
        "port": port,
        "arn": f"arn:aws:rds:{where.region}:{where.account_id}:db:{identifier}",
        "resourceId": "db-"
        + digest(identifier, length=26, alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"),
        "hostedZoneId": "Z29XKXDKYMONMX",
        "status": "available",
    }


@computes("aws:ec2/securityGroup:SecurityGroup")
def _security_group(name: str, inputs: Mapping[str, Any], where: Where) -> tuple[str, State]:
    rid = "sg-" + digest(name)
    return rid, {
        "name": auto_name(name, inputs),
        "arn": f"arn:aws:ec2:{where.region}:{where.account_id}:security-group/{rid}",
        "ownerId": where.account_id,
    }


@computes("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
@computes("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")
def _sg_rule(name: str, inputs: Mapping[str, Any], where: Where) -> tuple[str, State]:
    rid = "sgr-" + digest("rule", name)
    return rid, {
        "securityGroupRuleId": rid,
        "arn": f"arn:aws:ec2:{where.region}:{where.account_id}:security-group-rule/{rid}",
    }


@computes("aws:sns/topic:Topic")
def _topic(name: str, inputs: Mapping[str, Any], where: Where) -> tuple[str, State]:
    topic = auto_name(name, inputs)
    arn = f"arn:aws:sns:{where.region}:{where.account_id}:{topic}"
    return arn, {"name": topic, "arn": arn, "owner": where.account_id}


@computes("aws:sns/topicSubscription:TopicSubscription")
def _subscription(name: str, inputs: Mapping[str, Any], where: Where) -> tuple[str, State]:
    arn = f"{inputs.get('topic', 'arn:aws:sns:x:0:t')}:{digest(name, length=36)}"
    return arn, {"arn": arn}


@computes("aws:kms/key:Key")
def _kms_key(name: str, inputs: Mapping[str, Any], where: Where) -> tuple[str, State]:
    h = digest(name, length=32)
    key_id = f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"
    return key_id, {
        "keyId": key_id,
        "arn": f"arn:aws:kms:{where.region}:{where.account_id}:key/{key_id}",
    }


@computes("aws:iam/role:Role")
def _role(name: str, inputs: Mapping[str, Any], where: Where) -> tuple[str, State]:
    role = auto_name(name, inputs)
    return role, {
        "name": role,
        "arn": f"arn:aws:iam::{where.account_id}:role/{role}",
        "uniqueId": "AROA" + digest(role, length=17, alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"),
    }


@computes("aws:iam/instanceProfile:InstanceProfile")
def _profile(name: str, inputs: Mapping[str, Any], where: Where) -> tuple[str, State]:
    profile = auto_name(name, inputs)
    return profile, {
        "name": profile,
        "arn": f"arn:aws:iam::{where.account_id}:instance-profile/{profile}",
    }


@computes("aws:iam/policy:Policy")
def _policy(name: str, inputs: Mapping[str, Any], where: Where) -> tuple[str, State]:
    policy = auto_name(name, inputs)
    arn = f"arn:aws:iam::{where.account_id}:policy/{policy}"
    return arn, {"name": policy, "arn": arn}


@computes("aws:route53/zone:Zone")
def _zone(name: str, inputs: Mapping[str, Any], where: Where) -> tuple[str, State]:
    zone_id = "Z" + digest(name, length=20, alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
    return zone_id, {
        "zoneId": zone_id,
        "arn": f"arn:aws:route53:::hostedzone/{zone_id}",
        "nameServers": ["ns-0.awsdns-00.com.", "ns-512.awsdns-00.net."],
    }


@computes("aws:route53/record:Record")
def _record(name: str, inputs: Mapping[str, Any], where: Where) -> tuple[str, State]:
    fqdn = str(inputs.get("name", name))
    rid = f"{inputs.get('zoneId', 'Z')}_{fqdn}_{inputs.get('type', 'A')}"
    if inputs.get("setIdentifier"):
        rid += f"_{inputs['setIdentifier']}"
    return rid, {"fqdn": fqdn}


@computes("aws:rds/subnetGroup:SubnetGroup")
@computes("aws:rds/parameterGroup:ParameterGroup")
def _rds_named(name: str, inputs: Mapping[str, Any], where: Where) -> tuple[str, State]:
    group = auto_name(name, inputs)
    kind = "subgrp" if "subnetIds" in inputs else "pg"
    return group, {
        "name": group,
        "arn": f"arn:aws:rds:{where.region}:{where.account_id}:{kind}:{group}",
    }


@computes("aws:cloudwatch/metricAlarm:MetricAlarm")
def _alarm(name: str, inputs: Mapping[str, Any], where: Where) -> tuple[str, State]:
    alarm = auto_name(name, inputs)
    return alarm, {
        "name": alarm,
        "arn": f"arn:aws:cloudwatch:{where.region}:{where.account_id}:alarm:{alarm}",
    }


# --- Web fleet (components/fleet.py)


@computes("aws:lb/loadBalancer:LoadBalancer")
def _alb(name: str, inputs: Mapping[str, Any], where: Where) -> tuple[str, State]:
    lb = auto_name(name, inputs)[:32]
    suffix = f"app/{lb}/{digest(name, length=16)}"
    arn = f"arn:aws:elasticloadbalancing:{where.region}:{where.account_id}:loadbalancer/{suffix}"
    return arn, {
        "name": lb,
        "arn": arn,
        "arnSuffix": suffix,
        "dnsName": f"{lb}-{digest(name, length=10, alphabet='0123456789')}"
        f".{where.region}.elb.amazonaws.com",
        "zoneId": "Z32O12XQLNTSW2",
    }


@computes("aws:lb/targetGroup:TargetGroup")
def _target_group(name: str, inputs: Mapping[str, Any], where: Where) -> tuple[str, State]:
    tg = auto_name(name, inputs)[:32]
    suffix = f"targetgroup/{tg}/{digest(name, length=16)}"
    arn = f"arn:aws:elasticloadbalancing:{where.region}:{where.account_id}:{suffix}"
    return arn, {"name": tg, "arn": arn, "arnSuffix": suffix}


@computes("aws:autoscaling/group:Group")
def _asg(name: str, inputs: Mapping[str, Any], where: Where) -> tuple[str, State]:
    group = auto_name(name, inputs)
    arn = (
        f"arn:aws:autoscaling:{where.region}:{where.account_id}:autoScalingGroup:"
        f"{digest(name, length=8)}-0000-4000-8000-000000000000:autoScalingGroupName/{group}"
    )
    return group, {"name": group, "arn": arn}


@computes("aws:autoscaling/policy:Policy")
def _scaling_policy(name: str, inputs: Mapping[str, Any], where: Where) -> tuple[str, State]:
    policy = auto_name(name, inputs)
    arn = (
        f"arn:aws:autoscaling:{where.region}:{where.account_id}:scalingPolicy:"
        f"{digest(name, length=8)}-0000-4000-8000-000000000000:autoScalingGroupName/"
        f"{inputs.get('autoscalingGroupName')}:policyName/{policy}"
    )
    return policy, {"name": policy, "arn": arn}


@computes("aws:ec2/launchTemplate:LaunchTemplate")
def _launch_template(name: str, inputs: Mapping[str, Any], where: Where) -> tuple[str, State]:
    lt = "lt-" + digest(name, length=17)
    return lt, {
        "arn": f"arn:aws:ec2:{where.region}:{where.account_id}:launch-template/{lt}",
        "latestVersion": 1,
        "defaultVersion": 1,
    }


@computes("aws:acm/certificate:Certificate")
def _certificate(name: str, inputs: Mapping[str, Any], where: Where) -> tuple[str, State]:
    cert_id = f"{digest(name, length=8)}-1111-4222-8333-{digest(name, 'c', length=12)}"
    domains = [str(inputs.get("domainName")), *(inputs.get("subjectAlternativeNames") or [])]
    arn = f"arn:aws:acm:{where.region}:{where.account_id}:certificate/{cert_id}"
    return arn, {
        "arn": arn,
        "status": "PENDING_VALIDATION",
        # One DNS validation record per name, in ACM's own order (sorted, not the request's).
        "domainValidationOptions": [
            {
                "domainName": domain,
                "resourceRecordName": f"_{digest(domain, length=32)}.{domain}.",
                "resourceRecordType": "CNAME",
                "resourceRecordValue": f"_{digest(domain, 'v', length=32)}.acm-validations.aws.",
            }
            for domain in sorted(domains)
        ],
    }


@computes("random:index/randomPassword:RandomPassword")
def _random_password(name: str, inputs: Mapping[str, Any], where: Where) -> tuple[str, State]:
    length = int(inputs.get("length", 16))
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    return "none", {"result": digest("password", name, length=length, alphabet=alphabet)}


@computes("cloudflare:index/turnstileWidget:TurnstileWidget")
def _turnstile(name: str, inputs: Mapping[str, Any], where: Where) -> tuple[str, State]:
    sitekey = "0x4AAAAAAA" + digest(
        "sitekey", name, length=12, alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    )
    return sitekey, {
        "sitekey": sitekey,
        "secret": "0x4AAAAAAA" + digest("secret", name, length=24),
    }


# --- Form backend (components/forms.py)


@computes("aws:sqs/queue:Queue")
def _queue(name: str, inputs: Mapping[str, Any], where: Where) -> tuple[str, State]:
    queue = auto_name(name, inputs)
    url = f"https://sqs.{where.region}.amazonaws.com/{where.account_id}/{queue}"
    return url, {
        "name": queue,
        "url": url,
        "arn": f"arn:aws:sqs:{where.region}:{where.account_id}:{queue}",
    }


@computes("aws:lambda/function:Function")
def _function(name: str, inputs: Mapping[str, Any], where: Where) -> tuple[str, State]:
    fn = auto_name(name, inputs)
    arn = f"arn:aws:lambda:{where.region}:{where.account_id}:function:{fn}"
    return fn, {
        "name": fn,
        "arn": arn,
        "qualifiedArn": f"{arn}:$LATEST",
        "invokeArn": f"arn:aws:apigateway:{where.region}:lambda:path/2015-03-31/functions/"
        f"{arn}/invocations",
        "version": "$LATEST",
    }


@computes("aws:apigatewayv2/api:Api")
def _http_api(name: str, inputs: Mapping[str, Any], where: Where) -> tuple[str, State]:
    api_id = digest(name, length=10, alphabet="abcdefghijklmnopqrstuvwxyz0123456789")
    return api_id, {
        "apiEndpoint": f"https://{api_id}.execute-api.{where.region}.amazonaws.com",
        "executionArn": f"arn:aws:execute-api:{where.region}:{where.account_id}:{api_id}",
        "arn": f"arn:aws:apigateway:{where.region}::/apis/{api_id}",
    }


@computes("aws:apigatewayv2/domainName:DomainName")
def _api_domain(name: str, inputs: Mapping[str, Any], where: Where) -> tuple[str, State]:
    # A regional custom domain's target: API Gateway's own `d-<id>.execute-api.<region>` name,
    # what the edge's CNAME points at (API Gateway developer guide, regional custom domains).
    domain = str(inputs.get("domainName", name))
    config = dict(inputs.get("domainNameConfiguration") or {})
    target = digest(domain, length=10, alphabet="abcdefghijklmnopqrstuvwxyz0123456789")
    config["targetDomainName"] = f"d-{target}.execute-api.{where.region}.amazonaws.com"
    return domain, {
        "arn": f"arn:aws:apigateway:{where.region}::/domainnames/{domain}",
        "domainNameConfiguration": config,
    }


@computes("aws:dynamodb/table:Table")
def _table(name: str, inputs: Mapping[str, Any], where: Where) -> tuple[str, State]:
    table = auto_name(name, inputs)
    return table, {
        "name": table,
        "arn": f"arn:aws:dynamodb:{where.region}:{where.account_id}:table/{table}",
    }


@computes("aws:cloudwatch/logGroup:LogGroup")
def _log_group(name: str, inputs: Mapping[str, Any], where: Where) -> tuple[str, State]:
    group = auto_name(name, inputs)
    return group, {
        "name": group,
        "arn": f"arn:aws:logs:{where.region}:{where.account_id}:log-group:{group}",
    }


@computes("aws:secretsmanager/secret:Secret")
def _secret(name: str, inputs: Mapping[str, Any], where: Where) -> tuple[str, State]:
    secret = auto_name(name, inputs)
    arn = f"arn:aws:secretsmanager:{where.region}:{where.account_id}:secret:{secret}-" + digest(
        name, length=6
    )
    return arn, {"name": secret, "arn": arn}


@computes("aws:sesv2/contactList:ContactList")
def _contact_list(name: str, inputs: Mapping[str, Any], where: Where) -> tuple[str, State]:
    listed = str(inputs.get("contactListName"))
    return listed, {"arn": f"arn:aws:ses:{where.region}:{where.account_id}:contact-list/{listed}"}
