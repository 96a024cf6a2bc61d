"""Benchmark: `python -m tools.bench_policies [--sizes 1000 10000] [--repeat 1]`.

Analysis cost per resource of the spikeproof pack on synthetic stacks, against a pack with the same
policy names, types and config schemas whose validators do nothing, built into a temp dir and run in
the same process tree in the same run. Both are driven exactly like the engine drives them
(tools/engine/analyzer.py: one Analyze per resource, one AnalyzeStack). The SDK deserialises every
resource once per policy, so the empty pack is the floor; the printed ratio is the pack's own cost
on top of it. The 10k/1k ratio should stay near 10 (stack policies index resources once).

Prints figures; asserts nothing about time.
"""

from __future__ import annotations

import argparse
import base64
import json
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from tools.engine.analyzer import POLICY_DIR, AnalyzerResource, PolicyPackProcess, scratch_pack

CONFIG = POLICY_DIR / "config" / "prod.json"


def _urn(type_: str, name: str) -> str:
    return f"urn:pulumi:prod::spikeproof::{type_}::{name}"


def synthetic_stack(size: int) -> list[AnalyzerResource]:
    """A marketing-plane-shaped stack: groups of 10 resources (replica + lag alarm, ASG + scaling
    policy + CPU alarm, launch template with user data, lambda with env, SG rule, DNS record, IAM
    policy), all compliant, so every policy does its full work."""
    out: list[AnalyzerResource] = []
    i = 0
    while len(out) < size:
        n = f"g{i}"
        replica = _urn("aws:rds/instance:Instance", f"{n}-replica")
        asg = _urn("aws:autoscaling/group:Group", f"{n}-asg")
        user_data = base64.b64encode(f"#!/bin/bash\necho group {n}\n".encode()).decode()
        group = [
            AnalyzerResource(
                urn=replica,
                type="aws:rds/instance:Instance",
                name=f"{n}-replica",
                inputs={
                    "replicateSourceDb": "core-prod-db",
                    "identifier": f"mk-{n}-replica",
                    "storageEncrypted": True,
                    "publiclyAccessible": False,
                    "deletionProtection": True,
                    "instanceClass": "db.r6g.large",
                    "vpcSecurityGroupIds": [f"sg-{i:017x}"],
                    "tags": {"group": n},
                },
            ),
            AnalyzerResource(
                urn=_urn("aws:cloudwatch/metricAlarm:MetricAlarm", f"{n}-lag"),
                type="aws:cloudwatch/metricAlarm:MetricAlarm",
                name=f"{n}-lag",
                inputs={
                    "metricName": "ReplicaLag",
                    "threshold": 30,
                    "comparisonOperator": "GreaterThanThreshold",
                    "dimensions": {"DBInstanceIdentifier": f"mk-{n}-replica"},
                },
                property_dependencies={"dimensions": [replica]},
            ),
            AnalyzerResource(
                urn=asg,
                type="aws:autoscaling/group:Group",
                name=f"{n}-asg",
                inputs={"minSize": 2, "maxSize": 6},
                outputs={"name": f"{n}-asg-1a2b"},
            ),
            AnalyzerResource(
                urn=_urn("aws:autoscaling/policy:Policy", f"{n}-scale"),
                type="aws:autoscaling/policy:Policy",
                name=f"{n}-scale",
                inputs={"autoscalingGroupName": f"{n}-asg-1a2b"},
                property_dependencies={"autoscalingGroupName": [asg]},
            ),
            AnalyzerResource(
                urn=_urn("aws:cloudwatch/metricAlarm:MetricAlarm", f"{n}-cpu"),
                type="aws:cloudwatch/metricAlarm:MetricAlarm",
                name=f"{n}-cpu",
                inputs={
                    "metricName": "CPUUtilization",
                    "threshold": 80,
                    "comparisonOperator": "GreaterThanThreshold",
                    "dimensions": {"AutoScalingGroupName": f"{n}-asg-1a2b"},
                },
            ),
            AnalyzerResource(
                urn=_urn("aws:ec2/launchTemplate:LaunchTemplate", f"{n}-lt"),
                type="aws:ec2/launchTemplate:LaunchTemplate",
                name=f"{n}-lt",
                inputs={
                    "userData": user_data,
                    "metadataOptions": {"httpTokens": "required", "httpPutResponseHopLimit": 1},
                    "blockDeviceMappings": [
                        {"deviceName": "/dev/xvda", "ebs": {"encrypted": "true"}}
                    ],
                },
            ),
            AnalyzerResource(
                urn=_urn("aws:lambda/function:Function", f"{n}-fn"),
                type="aws:lambda/function:Function",
                name=f"{n}-fn",
                inputs={
                    "reservedConcurrentExecutions": 5,
                    "tracingConfig": {"mode": "Active"},
                    "deadLetterConfig": {"targetArn": f"arn:aws:sqs:eu-west-1:1:{n}-dlq"},
                    "environment": {"variables": {"DB_HOST": f"mk-{n}-replica.example"}},
                },
            ),
            AnalyzerResource(
                urn=_urn("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", f"{n}-in"),
                type="aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
                name=f"{n}-in",
                inputs={"securityGroupId": f"sg-{i:017x}", "cidrIpv4": "173.245.48.0/20"},
            ),
            AnalyzerResource(
                urn=_urn("cloudflare:index/dnsRecord:DnsRecord", f"{n}-www"),
                type="cloudflare:index/dnsRecord:DnsRecord",
                name=f"{n}-www",
                inputs={
                    "name": f"{n}.example.com",
                    "type": "CNAME",
                    "proxied": True,
                    "content": "alb.example.com",
                },
            ),
            AnalyzerResource(
                urn=_urn("aws:iam/policy:Policy", f"{n}-iam"),
                type="aws:iam/policy:Policy",
                name=f"{n}-iam",
                inputs={
                    "policy": json.dumps(
                        {
                            "Statement": [
                                {
                                    "Effect": "Allow",
                                    "Action": "rds-db:connect",
                                    "Resource": f"arn:aws:rds-db:eu-west-1:1:dbuser:db-{n}/app",
                                }
                            ]
                        }
                    )
                },
            ),
        ]
        out.extend(group)
        i += 1
    return out[:size]


_NULL_PACK = """\
from pulumi_policy import (
    EnforcementLevel, PolicyConfigSchema, PolicyPack, ResourceValidationPolicy,
    StackValidationPolicy,
)

SPECS = {specs!r}


def _nothing(args, report):
    return None


policies = []
for name, kind, schema in SPECS:
    cs = PolicyConfigSchema(schema.get("properties", {{}}), schema.get("required")) if (
        schema.get("properties") or schema.get("required")) else None
    cls = StackValidationPolicy if kind == "POLICY_TYPE_STACK" else ResourceValidationPolicy
    policies.append(cls(name=name, description=name, validate=_nothing, config_schema=cs,
                        enforcement_level=EnforcementLevel.MANDATORY))
PolicyPack(name="spikeproof-null", policies=policies)
"""


def build_null_pack(pack: PolicyPackProcess, where: Path) -> Path:
    specs = [(p.name, p.policy_type, p.config_schema) for p in pack.policies()]
    return scratch_pack(where, _NULL_PACK.format(specs=specs))


def measure(pack: PolicyPackProcess, resources: list[AnalyzerResource], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        result = pack.analyze(resources, config_file=CONFIG, stack="prod")
        best = min(best, time.perf_counter() - start)
        if result.diagnostics:
            first = result.diagnostics[0]
            raise SystemExit(f"synthetic stack is not compliant: {first}")
    return best


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.bench_policies")
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args(argv)
    rows: dict[tuple[str, int], float] = {}
    with tempfile.TemporaryDirectory() as tmp, PolicyPackProcess() as real:
        null_dir = build_null_pack(real, Path(tmp) / "null-pack")
        with PolicyPackProcess(null_dir) as null:
            for size in args.sizes:
                resources = synthetic_stack(size)
                # Null first, then the pack, per size: same warm-up for both.
                rows[("null", size)] = measure(null, resources, args.repeat)
                rows[("pack", size)] = measure(real, resources, args.repeat)
    print(f"{'stack size':>10}  {'null ms/res':>11}  {'pack ms/res':>11}  {'pack/null':>9}")
    for size in args.sizes:
        n, p = rows[("null", size)], rows[("pack", size)]
        print(f"{size:>10}  {1000 * n / size:>11.3f}  {1000 * p / size:>11.3f}  {p / n:>9.2f}")
    if len(args.sizes) >= 2:
        small, large = args.sizes[0], args.sizes[-1]
        for label in ("null", "pack"):
            ratio = rows[(label, large)] / rows[(label, small)]
            print(f"{label}: total {large}/{small} = {ratio:.2f} (linear: {large / small:.0f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
