"""The offline plan: `python -m tools.plan --stack NAME [--config-file F] [--json F] [--preview]`.

Runs the real program under Pulumi's mock runtime (tools/mockrun.py) with the stack's config, then
prints the resources it would register (type, name, parent and the inputs that matter) and the stack
outputs. `--json` writes the full record in the engine's wire form. No Pulumi CLI, credentials or
network. Exit 0 for a clean plan, 2 for a config or program error (with a message, not a traceback).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from settings.errors import ConfigErrors
from tools.mockrun import PlanError, PlanResult, RecordedResource, display, run_program

EXIT_OK = 0
EXIT_POLICY = 1
EXIT_ERROR = 2

# The inputs worth a glance per type; everything is in --json.
KEY_INPUTS: dict[str, tuple[str, ...]] = {
    "aws:rds/instance:Instance": ("identifier", "replicateSourceDb", "instanceClass", "multiAz"),
    "aws:cloudwatch/metricAlarm:MetricAlarm": ("metricName", "comparisonOperator", "threshold"),
    "aws:ec2/securityGroup:SecurityGroup": ("description",),
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": (
        "referencedSecurityGroupId",
        "cidrIpv4",
        "fromPort",
    ),
    "aws:route53/record:Record": ("name", "type", "records"),
    "aws:route53/zone:Zone": ("name",),
    "aws:sns/topicSubscription:TopicSubscription": ("protocol", "endpoint"),
    "aws:rds/parameterGroup:ParameterGroup": ("family",),
}


def _summary(resource: RecordedResource) -> str:
    keys = KEY_INPUTS.get(resource.type, ())
    shown = display(resource.inputs)
    parts = [f"{k}={json.dumps(shown[k])}" for k in keys if k in shown]
    if resource.protect:
        parts.append("protect")
    if resource.ignore_changes:
        parts.append(f"ignoreChanges={','.join(resource.ignore_changes)}")
    return " ".join(parts)


def render(result: PlanResult) -> str:
    rows = [
        (
            r.type,
            r.name,
            r.parent.rsplit("::", 1)[-1] if r.parent else "",
            ("read " if r.read else "") + _summary(r),
        )
        for r in result.resources
        if r.type != "pulumi:pulumi:Stack"
    ]
    widths = [
        max([len(h), *(len(row[i]) for row in rows)])
        for i, h in enumerate(("TYPE", "NAME", "PARENT"))
    ]
    lines = [
        f"Offline plan of stack '{result.stack}'"
        + (" (preview: computed values unknown)" if result.preview else ""),
        "",
        f"{'TYPE':<{widths[0]}}  {'NAME':<{widths[1]}}  {'PARENT':<{widths[2]}}  INPUTS",
    ]
    lines += [f"{t:<{widths[0]}}  {n:<{widths[1]}}  {p:<{widths[2]}}  {s}" for t, n, p, s in rows]
    custom = sum(1 for r in result.resources if r.custom and not r.read)
    components = sum(
        1 for r in result.resources if not r.custom and r.type != "pulumi:pulumi:Stack"
    )
    lines += ["", f"{custom} resources in {components} components", "", "Outputs:"]
    shown = display(result.outputs)
    for key in sorted(shown):
        lines.append(f"  {key}: {json.dumps(shown[key])}")
    for line in result.logs:
        lines.append(f"log {line}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.plan", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--stack", required=True, help="stack name, e.g. staging or prod")
    parser.add_argument(
        "--config-file", type=Path, help="stack file to use instead of Pulumi.<stack>.yaml"
    )
    parser.add_argument("--json", type=Path, dest="json_path", help="write the plan as JSON here")
    parser.add_argument(
        "--preview", action="store_true", help="preview mode: computed values unknown"
    )
    args = parser.parse_args(argv)

    try:
        result = run_program(args.stack, config_file=args.config_file, preview=args.preview)
    except ConfigErrors as exc:
        print(exc.render(), file=sys.stderr)
        return EXIT_ERROR
    except PlanError as exc:
        print(f"plan error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except Exception as exc:
        print(_program_error(exc), file=sys.stderr)
        return EXIT_ERROR

    print(render(result))
    if args.json_path:
        args.json_path.parent.mkdir(parents=True, exist_ok=True)
        args.json_path.write_text(json.dumps(result.to_json(), indent=2, sort_keys=False) + "\n")
        print(f"\nwrote {args.json_path}")
    return EXIT_OK


def _program_error(exc: BaseException) -> str:
    """The innermost meaningful message: Pulumi wraps errors raised in applies and RPCs."""
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen:
        seen.append(current)
        if isinstance(current, (ConfigErrors, PlanError)):
            return (
                current.render() if isinstance(current, ConfigErrors) else f"plan error: {current}"
            )
        current = current.__cause__ or current.__context__
    kind = type(exc).__name__
    return f"program error ({kind}): {exc}"


if __name__ == "__main__":
    sys.exit(main())
