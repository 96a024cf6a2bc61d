"""Edge baseline policies through the Analyzer protocol."""

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
from tools.engine.analyzer import PolicyPackProcess

LB = "aws:lb/loadBalancer:LoadBalancer"
LISTENER = "aws:lb/listener:Listener"
RECORD = "cloudflare:index/dnsRecord:DnsRecord"
REDIRECT = {
    "type": "redirect",
    "redirect": {"protocol": "HTTPS", "port": "443", "statusCode": "HTTP_301"},
}

CASES = [
    Case(
        "elb-load-balancer-drop-invalid-headers",
        compliant=[res(LB, "alb", {"dropInvalidHeaderFields": True})],
        violating=[res(LB, "alb", {"dropInvalidHeaderFields": False})],
        absent=[res(LB, "alb", {"internal": False})],
        absent_violates=True,
        unknown=[res(LB, "alb", {"dropInvalidHeaderFields": UNKNOWN})],
    ),
    Case(
        "elb-listener-http-redirect",
        compliant=[
            res(LISTENER, "http", {"protocol": "HTTP", "port": 80, "defaultActions": [REDIRECT]})
        ],
        violating=[
            res(
                LISTENER,
                "http",
                {
                    "protocol": "HTTP",
                    "port": 80,
                    "defaultActions": [{"type": "forward", "targetGroupArn": "arn:tg"}],
                },
            )
        ],
        absent=[res(LISTENER, "http", {"protocol": "HTTP", "port": 80})],
        absent_violates=True,
        unknown=[res(LISTENER, "http", {"protocol": UNKNOWN})],
    ),
    Case(
        "elb-listener-tls12-policy",
        compliant=[
            res(
                LISTENER,
                "https",
                {"protocol": "HTTPS", "sslPolicy": "ELBSecurityPolicy-TLS13-1-2-2021-06"},
            )
        ],
        violating=[
            res(
                LISTENER,
                "https",
                {"protocol": "HTTPS", "sslPolicy": "ELBSecurityPolicy-TLS13-1-1-2021-06"},
            )
        ],
        absent=[res(LISTENER, "https", {"protocol": "HTTPS"})],
        absent_violates=True,
        unknown=[res(LISTENER, "https", {"protocol": "HTTPS", "sslPolicy": UNKNOWN})],
    ),
    Case(
        "elb-load-balancer-deletion-protection",
        compliant=[res(LB, "alb", {"enableDeletionProtection": True})],
        violating=[res(LB, "alb", {"enableDeletionProtection": False})],
        absent=[res(LB, "alb", {})],
        absent_violates=True,
        unknown=[res(LB, "alb", {"enableDeletionProtection": UNKNOWN})],
    ),
    Case(
        "elb-load-balancer-access-logs",
        compliant=[res(LB, "alb", {"accessLogs": {"enabled": True, "bucket": "alb-logs"}})],
        violating=[res(LB, "alb", {"accessLogs": {"enabled": False, "bucket": "alb-logs"}})],
        absent=[res(LB, "alb", {})],
        absent_violates=True,
        unknown=[res(LB, "alb", {"accessLogs": UNKNOWN})],
    ),
    Case(
        "cloudflare-dns-record-proxied",
        compliant=[
            res(
                RECORD,
                "www",
                {
                    "name": "www",
                    "type": "CNAME",
                    "proxied": True,
                    "content": "alb-123.eu-west-1.elb.amazonaws.com",
                },
            )
        ],
        violating=[
            res(
                RECORD,
                "www",
                {
                    "name": "www",
                    "type": "CNAME",
                    "proxied": False,
                    "content": "alb-123.eu-west-1.elb.amazonaws.com",
                },
            )
        ],
        absent=[res(RECORD, "www", {"name": "www", "type": "A", "content": "203.0.113.10"})],
        absent_violates=True,
        unknown=[res(RECORD, "www", {"name": "www", "type": "CNAME", "proxied": UNKNOWN})],
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


def test_acm_validation_cname_need_not_be_proxied(policy_pack: PolicyPackProcess) -> None:
    record = res(
        RECORD,
        "acm",
        {
            "name": "_3f1b2c4d5e6f.www.example.com",
            "type": "CNAME",
            "proxied": False,
            "content": "_9a8b7c6d5e4f.xkzbnbqdxk.acm-validations.aws.",
        },
    )
    result = run(policy_pack, [record])
    assert not result.by_policy("cloudflare-dns-record-proxied"), describe(result)


@pytest.mark.parametrize(
    "policy",
    [
        "ELBSecurityPolicy-TLS-1-2-2017-01",
        "ELBSecurityPolicy-FS-1-2-Res-2020-10",
        "ELBSecurityPolicy-TLS13-1-3-2021-06",
    ],
)
def test_tls12_policies_accepted(policy_pack: PolicyPackProcess, policy: str) -> None:
    listener = res(LISTENER, "https", {"protocol": "HTTPS", "sslPolicy": policy})
    assert not run(policy_pack, [listener]).by_policy("elb-listener-tls12-policy"), policy


def test_staging_does_not_require_alb_deletion_protection_or_logs(
    policy_pack: PolicyPackProcess,
) -> None:
    alb = res(LB, "alb", {"dropInvalidHeaderFields": True}, stack="staging")
    result = run(policy_pack, [alb], stack="staging")
    assert not result.by_policy("elb-load-balancer-deletion-protection"), describe(result)
    assert not result.by_policy("elb-load-balancer-access-logs"), describe(result)
