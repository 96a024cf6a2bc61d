"""The offline plan: `python -m tools.plan --stack NAME [--config-file F] [--json F] [--preview]`.

Runs the real program under Pulumi's mock runtime (tools/engine/mockrun.py) with the stack's config,
then prints the resources it would register (type, name, parent and the inputs that matter) and the
stack outputs. `--json` writes the full record in the engine's wire form. No Pulumi CLI, credentials
or network. Then the CrossGuard pack in policies/ analyses the recorded resources over the Analyzer
protocol, as `pulumi preview --policy-pack policies --policy-pack-config
policies/config/<stack>.json` would (tools/engine/analyzer.py): diagnostics are printed and written
to the JSON's `diagnostics`; policies skipped because a value is unknown (preview) are listed
separately. Exit 0 for a clean plan, 1 for any mandatory policy violation, 2 for a config,
policy-config or program error (with a message, not a traceback)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from settings.errors import ConfigErrors
from settings.files import ROOT
from tools.engine.analyzer import (
    POLICY_DIR,
    AnalysisResult,
    AnalyzerError,
    PolicyConfigError,
    from_plan,
)
from tools.engine.analyzer import analyze as analyze_policies
from tools.engine.mockrun import PlanError, PlanResult, RecordedResource, display, run_program

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
    parser.add_argument(
        "--policy-config",
        type=Path,
        help="policy pack config (default policies/config/<stack>.json)",
    )
    parser.add_argument("--no-policy", action="store_true", help="skip the CrossGuard analysis")
    parser.add_argument(
        "--program-dir",
        type=Path,
        default=ROOT,
        help="directory holding Pulumi.yaml and __main__.py (default: this project)",
    )
    args = parser.parse_args(argv)

    try:
        result = run_program(
            args.stack,
            config_file=args.config_file,
            preview=args.preview,
            program_dir=args.program_dir.resolve(),
        )
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
    analysis: AnalysisResult | None = None
    if not args.no_policy:
        policy_config = args.policy_config or POLICY_DIR / "config" / f"{args.stack}.json"
        try:
            analysis = analyze_policies(
                from_plan(result.resources),
                stack=args.stack,
                config_file=policy_config,
                preview=args.preview,
            )
        except PolicyConfigError as exc:
            print(exc.render(), file=sys.stderr)
            return EXIT_ERROR
        except AnalyzerError as exc:
            print(f"policy pack error: {exc}", file=sys.stderr)
            return EXIT_ERROR
        result.diagnostics = [d.to_json() for d in analysis.diagnostics]
        print(render_policy(analysis, policy_config))
    if args.json_path:
        args.json_path.parent.mkdir(parents=True, exist_ok=True)
        args.json_path.write_text(json.dumps(result.to_json(), indent=2, sort_keys=False) + "\n")
        print(f"\nwrote {args.json_path}")
    if analysis is not None and analysis.mandatory:
        print(
            f"\nblocked: {len(analysis.mandatory)} mandatory policy violation(s)", file=sys.stderr
        )
        return EXIT_POLICY
    return EXIT_OK


def render_policy(analysis: AnalysisResult, config_file: Path) -> str:
    lines = ["", f"Policies (spikeproof pack, config {config_file.name}):"]
    if not analysis.diagnostics:
        lines.append("  no violations")
    for d in sorted(analysis.diagnostics, key=lambda d: (d.enforcement_level != "mandatory",)):
        # The SDK prefixes the policy's description; the last line is the specific finding.
        finding = d.message.splitlines()[-1]
        lines.append(f"  [{d.enforcement_level}] {d.policy_name} {_short(d.urn)}: {finding}")
    if analysis.skipped:
        lines += ["", "Policies skipped because a value is unknown until apply:"]
        for s in analysis.skipped:
            reason = s.reason.split(" during preview: ")[-1]
            lines.append(f"  {s.policy_name} {_short(s.urn) or '(stack)'}: {reason}")
    return "\n".join(lines)


def _short(urn: str) -> str:
    return urn.rsplit("::", 1)[-1] if urn else ""


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
