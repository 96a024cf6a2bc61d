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
import textwrap
import traceback
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
from tools.engine.mockrun import PlanError, run_program
from tools.plan_view import render, width

EXIT_OK = 0
EXIT_POLICY = 1
EXIT_ERROR = 2


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
        help="policy pack config (default policies/config/<stack>.json, derived when missing)",
    )
    parser.add_argument("--no-policy", action="store_true", help="skip the CrossGuard analysis")
    parser.add_argument(
        "--fixtures",
        type=Path,
        help="provider answers overriding the derived ones (default "
        "tools/engine/fixtures/<stack>.json when present)",
    )
    parser.add_argument(
        "--program-dir",
        type=Path,
        default=ROOT,
        help="directory holding Pulumi.yaml and __main__.py (default: this project)",
    )
    parser.add_argument("--width", type=int, help="columns (default: the terminal's, else 100)")
    args = parser.parse_args(argv)
    program_dir = args.program_dir.resolve()

    # The policy config is checked before the program runs: a bad one is found in a second,
    # not after the whole plan.
    policy_config: Path | None = None
    derived_note = ""
    if not args.no_policy:
        try:
            policy_config, derived_note = _policy_config(args)
            if policy_config is None:
                print(derived_note)
        except ConfigErrors as exc:
            print(exc.render(), file=sys.stderr)
            return EXIT_ERROR
        except PolicyConfigError as exc:
            print(exc.render(), file=sys.stderr)
            return EXIT_ERROR

    try:
        result = run_program(
            args.stack,
            config_file=args.config_file,
            preview=args.preview,
            program_dir=program_dir,
            fixtures_file=args.fixtures,
        )
    except ConfigErrors as exc:
        print(exc.render(), file=sys.stderr)
        return EXIT_ERROR
    except PlanError as exc:
        print(f"plan error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except Exception as exc:
        print(program_error(exc, program_dir), file=sys.stderr)
        return EXIT_ERROR

    columns = args.width or width()
    print(render(result, columns))
    analysis: AnalysisResult | None = None
    if policy_config is not None:
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
        print(render_policy(analysis, policy_config, columns, derived_note))
    if args.json_path:
        data = result.to_json()
        if analysis is not None:
            data["skippedPolicies"] = [s.to_json() for s in analysis.skipped]
        args.json_path.parent.mkdir(parents=True, exist_ok=True)
        args.json_path.write_text(json.dumps(data, indent=2, sort_keys=False) + "\n")
        print(f"\nwrote {args.json_path}")
    if analysis is not None and analysis.mandatory:
        print(
            f"\nblocked: {len(analysis.mandatory)} mandatory policy violation(s) (exit 1)",
            file=sys.stderr,
        )
        return EXIT_POLICY
    return EXIT_OK


def _policy_config(args: argparse.Namespace) -> tuple[Path | None, str]:
    """The policy config file to analyse with, and a note when it was derived.

    A named file must exist and be a JSON object; the default file, when missing, is derived from
    the stack file (tools/policy_config.py) into build/, and the output says so."""
    if args.policy_config is not None:
        path: Path = args.policy_config
        if not path.is_file():
            raise PolicyConfigError(path, ["file not found (omit --policy-config to derive one)"])
        _check_json(path)
        return path, ""
    path = POLICY_DIR / "config" / f"{args.stack}.json"
    if path.is_file():
        _check_json(path)
        return path, ""
    if args.program_dir.resolve() != ROOT:
        return None, f"no {path.relative_to(ROOT)}: another program's stack, policies not run"
    from tools.policy_config import derived_config

    derived = derived_config(args.stack, config_file=args.config_file)
    out = ROOT / "build" / f"policy-config-{args.stack}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(derived, indent=2) + "\n")
    note = (
        f"{path.relative_to(ROOT)} is missing: derived from the stack file into "
        f"{out.relative_to(ROOT)}; write it with python -m tools.policy_config --stack "
        f"{args.stack} --from-aws before a real preview"
    )
    return out, note


def _check_json(path: Path) -> None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PolicyConfigError(path, [f"not valid JSON: {exc}"]) from None
    if not isinstance(data, dict):
        raise PolicyConfigError(path, [f"top level must be an object, got {type(data).__name__}"])


def render_policy(
    analysis: AnalysisResult, config_file: Path, columns: int = 100, derived_note: str = ""
) -> str:
    lines = ["", f"Policies (spikeproof pack, config {config_file.name}):"]
    if derived_note:
        lines += _wrap_indented(derived_note, columns)
    if not analysis.diagnostics:
        lines.append("    no violations")
    for d in sorted(analysis.diagnostics, key=lambda d: (d.enforcement_level != "mandatory",)):
        # The SDK prefixes the policy's description; the last line is the specific finding.
        finding = d.message.splitlines()[-1]
        lines += _wrap_indented(
            f"[{d.enforcement_level}] {d.policy_name} {_short(d.urn)}: {finding}", columns
        )
    if analysis.skipped:
        policies = len({s.policy_name for s in analysis.skipped})
        lines += _wrap_indented(
            f"{len(analysis.skipped)} checks of {policies} policies skipped until apply "
            "(a value they read is unknown in preview; all listed in --json)",
            columns,
        )
    return "\n".join(lines)


def _wrap_indented(text: str, columns: int) -> list[str]:
    return textwrap.wrap(
        text, width=columns, initial_indent="    ", subsequent_indent="      "
    ) or ["    "]


def _short(urn: str) -> str:
    return urn.rsplit("::", 1)[-1] if urn else ""


def program_error(exc: BaseException, program_dir: Path = ROOT) -> str:
    """The innermost meaningful message: Pulumi wraps errors raised in applies and RPCs. An
    error raised in the program's own code names the file and line it was raised at."""
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen:
        seen.append(current)
        if isinstance(current, ConfigErrors):
            return current.render()
        if isinstance(current, PlanError):
            return f"plan error: {current}"
        current = current.__cause__ or current.__context__
    innermost = seen[-1]
    where = _program_frame(innermost, program_dir)
    at = f" at {where}" if where else ""
    return f"program error ({type(innermost).__name__}){at}: {innermost}"


def _program_frame(exc: BaseException, program_dir: Path) -> str:
    """The deepest traceback frame in the program's own files (not the venv, not this tool)."""
    found = ""
    for frame in traceback.extract_tb(exc.__traceback__):
        path = Path(frame.filename)
        try:
            relative = path.resolve().relative_to(program_dir)
        except ValueError:
            continue
        if relative.parts and relative.parts[0] in {".venv", "tools"}:
            continue
        found = f"{relative}:{frame.lineno}"
    return found


if __name__ == "__main__":
    sys.exit(main())
