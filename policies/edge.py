"""Edge baseline: the ALB drops invalid headers, HTTP listeners only redirect to HTTPS, HTTPS
listeners use a TLS 1.2+ policy, deletion protection and access logs where the stack requires
them, and marketing Cloudflare DNS records are proxied (so the origin stays behind the edge).

It does not check WAF rules or Cloudflare cache settings (the edge component's tests do).
"""

from __future__ import annotations

import re

from helpers import (
    DELETION_PROTECTION_SCHEMA,
    Report,
    as_list,
    describe,
    for_types,
    get,
    resource_policy,
    truthy,
)
from pulumi_policy import PolicyConfigSchema, ResourceValidationArgs

LOAD_BALANCERS = ("aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer")
LISTENERS = ("aws:lb/listener:Listener", "aws:alb/listener:Listener")
CLOUDFLARE_RECORD = "cloudflare:index/dnsRecord:DnsRecord"
# ELBSecurityPolicy-TLS13-1-2-*, -TLS-1-2-*, -FS-1-2-*, TLS13-1-3-*: minimum protocol TLS 1.2.
_TLS12_PLUS = re.compile(r"(?:^|-)(?:TLS13|TLS|FS)-1-[23](?:-|$)")


def _application(args: ResourceValidationArgs) -> bool:
    return bool(get(args.props, "loadBalancerType", default="application") == "application")


def _drop_invalid(args: ResourceValidationArgs, report: Report) -> None:
    if _application(args) and not truthy(get(args.props, "dropInvalidHeaderFields", default=False)):
        report("dropInvalidHeaderFields is not true.")


ALB_DROP_INVALID_HEADERS = resource_policy(
    "elb-load-balancer-drop-invalid-headers",
    describe(
        "Application load balancers drop invalid HTTP header fields (request smuggling).",
        severity="medium",
        remediation="set drop_invalid_header_fields=True",
        rules="Checkov CKV_AWS_131, trivy AVD-AWS-0052",
    ),
    for_types(LOAD_BALANCERS, _drop_invalid),
)


def _http_redirect(args: ResourceValidationArgs, report: Report) -> None:
    if get(args.props, "protocol") != "HTTP":
        return
    actions = as_list(get(args.props, "defaultActions"))
    redirects = [
        a
        for a in actions
        if get(a, "type") == "redirect" and get(a, "redirect", "protocol") == "HTTPS"
    ]
    if not actions or len(redirects) != len(actions):
        report("HTTP listener does not only redirect to HTTPS.")


ALB_HTTP_REDIRECT = resource_policy(
    "elb-listener-http-redirect",
    describe(
        "HTTP listeners only redirect to HTTPS.",
        severity="medium",
        remediation="default_actions=[redirect protocol HTTPS status HTTP_301]",
        rules="Checkov CKV_AWS_2, trivy AVD-AWS-0054",
    ),
    for_types(LISTENERS, _http_redirect),
)


def _tls_policy(args: ResourceValidationArgs, report: Report) -> None:
    if get(args.props, "protocol") not in ("HTTPS", "TLS"):
        return
    policy = get(args.props, "sslPolicy")
    if not policy or not _TLS12_PLUS.search(str(policy)):
        report(
            f"sslPolicy {policy or 'unset (ELBSecurityPolicy-2016-08 allows TLS 1.0)'}"
            " is not TLS 1.2+."
        )


ALB_TLS_POLICY = resource_policy(
    "elb-listener-tls12-policy",
    describe(
        "HTTPS/TLS listeners use a TLS 1.2+ security policy.",
        severity="high",
        remediation="ssl_policy='ELBSecurityPolicy-TLS13-1-2-2021-06'",
        rules="Checkov CKV_AWS_103, trivy AVD-AWS-0047",
    ),
    for_types(LISTENERS, _tls_policy),
)


def _deletion_protection(args: ResourceValidationArgs, report: Report) -> None:
    if not (args.get_config() or {}).get("required", True):
        return
    if not truthy(get(args.props, "enableDeletionProtection", default=False)):
        report("enableDeletionProtection is not true in a stack that requires it.")


ALB_DELETION_PROTECTION = resource_policy(
    "elb-load-balancer-deletion-protection",
    describe(
        "Load balancers have deletion protection where the stack requires it (config 'required').",
        severity="medium",
        remediation="set enable_deletion_protection=True",
        rules="Checkov CKV_AWS_150, AWSGuard elb-deletion-protection-enabled",
    ),
    for_types(LOAD_BALANCERS, _deletion_protection),
    config_schema=DELETION_PROTECTION_SCHEMA,
)


def _access_logs(args: ResourceValidationArgs, report: Report) -> None:
    if not (args.get_config() or {}).get("required", True):
        return
    logs = get(args.props, "accessLogs")
    if not (truthy(get(logs, "enabled", default=False)) and get(logs, "bucket")):
        report("accessLogs are not enabled with a bucket.")


ALB_ACCESS_LOGS = resource_policy(
    "elb-load-balancer-access-logs",
    describe(
        "Load balancers write access logs where the stack requires it (config 'required').",
        severity="medium",
        remediation="access_logs={'bucket': ..., 'enabled': True}",
        rules="Checkov CKV_AWS_91, trivy AVD-AWS-0053, AWSGuard elb-logging-enabled",
    ),
    for_types(LOAD_BALANCERS, _access_logs),
    config_schema=PolicyConfigSchema(
        properties={
            "required": {
                "type": "boolean",
                "default": True,
                "description": "Require access logs (prod).",
            }
        }
    ),
)


def _acm_validation(args: ResourceValidationArgs) -> bool:
    # ACM DNS validation records are CNAMEs named _<token>.<domain> pointing into
    # acm-validations.aws; Cloudflare cannot proxy them (ACM must resolve them directly).
    name = str(get(args.props, "name", default=""))
    content = str(get(args.props, "content", default="")).rstrip(".").lower()
    return (
        get(args.props, "type") == "CNAME"
        and name.startswith("_")
        and content.endswith(".acm-validations.aws")
    )


def _proxied(args: ResourceValidationArgs, report: Report) -> None:
    if get(args.props, "type") not in ("A", "AAAA", "CNAME"):
        return  # TXT, MX, CAA... cannot be proxied at all
    if _acm_validation(args):
        return
    if not truthy(get(args.props, "proxied", default=False)):
        report(
            f"Cloudflare record {get(args.props, 'name', default=args.name)} is not "
            "proxied, exposing the origin's address."
        )


CLOUDFLARE_PROXIED = resource_policy(
    "cloudflare-dns-record-proxied",
    describe(
        "Marketing A/AAAA/CNAME records are proxied through Cloudflare (ACM validation CNAMEs "
        "excepted: they cannot be proxied).",
        severity="high",
        remediation="set proxied=True",
        rules="no Checkov/trivy/AWSGuard equivalent",
    ),
    for_types([CLOUDFLARE_RECORD], _proxied),
)

POLICIES = [
    ALB_DROP_INVALID_HEADERS,
    ALB_HTTP_REDIRECT,
    ALB_TLS_POLICY,
    ALB_DELETION_PROTECTION,
    ALB_ACCESS_LOGS,
    CLOUDFLARE_PROXIED,
]
