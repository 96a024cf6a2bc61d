"""A new stack in one command: `python -m tools.new_stack NAME [flags]` (or `make new-stack`).

Writes `Pulumi.NAME.yaml` from a few flags, asking for what is missing when run at a terminal,
and the stack's CrossGuard config `policies/config/NAME.json` (derived: tools/policy_config.py).
The offline plan then runs with no hand-written fixtures (provider answers are derived from the
stack file: tools/engine/answers.py). Nothing is written unless the new stack file passes the
program's own settings check, and an existing file is never overwritten without `--force`.

    python -m tools.new_stack demo --region eu-central-1 --primary core-demo-db \\
        --vpc vpc-0123456789abcdef0 --private-subnets subnet-0aaa...,subnet-0bbb... \\
        --public-subnets subnet-0ccc...,subnet-0ddd... --email team@example.com

What it leaves out (each is one block in the stack file; the README's configuration reference has
them all): the web fleet (`--ami` and `--site-bucket` add one), the Cloudflare edge (`--zone` and
`--cloudflare-account` add one), forms, the static site and campaigns.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import yaml

from settings import stack_settings
from settings.errors import ConfigErrors
from settings.files import ROOT, go_yaml_scalar
from tools.engine.answers import AnswerError
from tools.policy_config import POLICY_CONFIG_DIR, derived_config

EXIT_OK = 0
EXIT_ERROR = 2
# The CLI's rule for a stack name (pulumi stack init: "may only contain alphanumeric, hyphens,
# underscores, or periods").
STACK_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")
ENVIRONMENT = re.compile(r"^[a-z][a-z0-9-]{1,15}$")  # settings.core's rule for environment


class Refused(Exception):
    """The answers cannot make a stack; the message says which flag to fix."""


def _list(text: str | None) -> list[str]:
    return [part.strip() for part in (text or "").split(",") if part.strip()]


def stack_config(args: argparse.Namespace) -> dict[str, Any]:
    """The stack file's `config:` block from the answers."""
    environment = args.environment or args.name
    config: dict[str, Any] = {"aws:region": args.region}
    if args.account:
        config["aws:allowedAccountIds"] = [args.account]
    config["aws:defaultTags"] = {
        "tags": {"project": "spikeproof", "environment": environment, "managed-by": "pulumi"}
    }
    config["spikeproof:environment"] = environment
    config["spikeproof:protect"] = args.protect
    if args.core_stack:
        config["spikeproof:coreStack"] = {"name": args.core_stack}
    if args.primary:
        config["spikeproof:primary"] = {"identifier": args.primary}
    if args.vpc:
        config["spikeproof:network"] = {
            "vpcId": args.vpc,
            "privateSubnetIds": _list(args.private_subnets),
            "publicSubnetIds": _list(args.public_subnets),
        }
    config["spikeproof:replicas"] = {"count": args.replicas, "deletionProtection": args.protect}
    alerting: dict[str, Any] = {"emails": list(args.email)}
    if args.slack_workspace or args.slack_channel:
        alerting["slack"] = {
            "workspaceId": args.slack_workspace,
            "channelId": args.slack_channel,
            "channelName": args.slack_channel_name,
        }
    config["spikeproof:alerting"] = alerting
    if args.ami or args.site_bucket:
        config["spikeproof:fleet"] = {
            "amiId": args.ami,
            "instanceTypes": _list(args.instance_types),
            "siteS3Uri": args.site_bucket,
            "minSize": 2 if args.protect else 1,
            "maxSize": 10,
            "perInstanceCapacityRps": args.capacity_rps,
        }
    if args.zone or args.cloudflare_account:
        config["spikeproof:edge"] = {
            "zoneName": args.zone,
            "accountId": args.cloudflare_account,
            "hostnames": _list(args.hostnames) or [f"www.{args.zone}", args.zone],
        }
    return config


class _Dumper(yaml.SafeDumper):
    """Quotes every text the CLI's YAML library would read as something else: PyYAML quotes by
    YAML 1.1's rules, so an account id `012345678901` (an octal-looking number to yaml.v3) or
    `1e3` would otherwise be written bare and read back as a number."""


def _text(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    style = '"' if go_yaml_scalar(data)[0] != "str" else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_Dumper.add_representer(str, _text)


def render(name: str, config: dict[str, Any], keep: dict[str, Any] | None = None) -> str:
    head = (
        f"# Stack '{name}', written by python -m tools.new_stack; every key is in the README's\n"
        "# configuration reference. Plan it offline with: make plan STACK=" + name + "\n"
    )
    document = {**(keep or {}), "config": config}
    return head + yaml.dump(document, Dumper=_Dumper, sort_keys=False, width=100)


QUESTIONS: tuple[tuple[str, str, bool], ...] = (
    ("region", "AWS region of the marketing plane (aws:region)", True),
    ("account", "AWS account id the stack may deploy to (blank: any)", False),
    ("primary", "DB instance identifier of the core primary (blank: from --core-stack)", False),
    ("core_stack", "core application stack org/project/stack (blank: none)", False),
    ("vpc", "VPC id (blank when the core stack provides the network)", False),
    ("private_subnets", "private subnet ids, comma-separated (two zones)", False),
    ("public_subnets", "public subnet ids, comma-separated (two zones)", False),
)


def ask_missing(args: argparse.Namespace, ask: Callable[[str], str]) -> None:
    for attr, question, _required in QUESTIONS:
        if getattr(args, attr) in (None, ""):
            if attr in ("vpc", "private_subnets", "public_subnets") and args.core_stack:
                continue
            answer = ask(f"{question}: ").strip()
            setattr(args, attr, answer or None)
    if not args.email:
        answer = ask("alert e-mail address(es), comma-separated: ").strip()
        args.email = _list(answer)


def check_answers(args: argparse.Namespace) -> None:
    if not STACK_NAME.match(args.name):
        raise Refused(
            f"'{args.name}' is not a stack name: letters, digits, hyphens, underscores or periods"
        )
    environment = args.environment or args.name
    if not ENVIRONMENT.match(environment):
        raise Refused(
            f"'{environment}' cannot be the environment name (2-16 lower-case letters, digits, "
            "hyphens, starting with a letter): pass --environment NAME"
        )
    missing = [flag for flag, value in (("--region", args.region),) if not value]
    if not (args.primary or args.core_stack):
        missing.append("--primary or --core-stack")
    if not args.core_stack and not (args.vpc and args.private_subnets and args.public_subnets):
        missing.append("--vpc, --private-subnets and --public-subnets (or --core-stack)")
    if not args.email and not args.slack_channel:
        missing.append("--email or --slack-workspace/--slack-channel")
    if missing:
        raise Refused("missing: " + "; ".join(missing))


def main(argv: Sequence[str] | None = None, ask: Callable[[str], str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.new_stack",
        description=__doc__.split("\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("name", help="stack name (also the environment name unless given)")
    parser.add_argument("--environment", help="spikeproof:environment (default: NAME)")
    parser.add_argument("--region", help="aws:region")
    parser.add_argument("--account", help="aws:allowedAccountIds (the only account allowed)")
    parser.add_argument("--primary", help="the core primary's DB instance identifier")
    parser.add_argument("--core-stack", help="core application stack org/project/stack")
    parser.add_argument("--vpc", help="VPC id")
    parser.add_argument("--private-subnets", help="private subnet ids, comma-separated")
    parser.add_argument("--public-subnets", help="public subnet ids, comma-separated")
    parser.add_argument("--replicas", type=int, default=1, help="read replicas (default 1)")
    parser.add_argument("--email", action="append", default=[], help="alert e-mail (repeatable)")
    parser.add_argument("--slack-workspace", help="Slack workspace id (AWS Chatbot)")
    parser.add_argument("--slack-channel", help="Slack channel id")
    parser.add_argument("--slack-channel-name", default="marketing-eng-sync")
    parser.add_argument("--ami", help="fleet image (adds the web fleet)")
    parser.add_argument("--site-bucket", help="s3://bucket/prefix/ the fleet serves")
    parser.add_argument("--instance-types", default="t4g.medium", help="comma-separated")
    parser.add_argument("--capacity-rps", type=float, default=150.0, help="per instance")
    parser.add_argument("--zone", help="Cloudflare zone name (adds the edge)")
    parser.add_argument("--cloudflare-account", help="Cloudflare account id")
    parser.add_argument("--hostnames", help="marketing hostnames (default www.ZONE,ZONE)")
    protect = parser.add_mutually_exclusive_group()
    protect.add_argument(
        "--protect", dest="protect", action="store_true", default=True, help="production (default)"
    )
    protect.add_argument("--no-protect", dest="protect", action="store_false", help="staging-like")
    parser.add_argument("--force", action="store_true", help="overwrite existing files")
    parser.add_argument("--project-dir", type=Path, default=ROOT, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.email = [e for text in args.email for e in _list(text)]

    if ask is None and sys.stdin.isatty():
        ask = input
    try:
        if ask is not None:
            ask_missing(args, ask)
        check_answers(args)
        return _write(args)
    except Refused as exc:
        print(f"new_stack: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except (EOFError, KeyboardInterrupt):
        print("\nnew_stack: cancelled; nothing was written", file=sys.stderr)
        return EXIT_ERROR


def _write(args: argparse.Namespace) -> int:
    project = args.project_dir.resolve()
    stack_file = project / f"Pulumi.{args.name}.yaml"
    policy_file = (
        POLICY_CONFIG_DIR / f"{args.name}.json"
        if project == ROOT
        else project / "policies" / "config" / f"{args.name}.json"
    )
    existing = [p for p in (stack_file, policy_file) if p.exists()]
    if existing and not args.force:
        raise Refused(
            f"{', '.join(str(p) for p in existing)} already exists; nothing was written "
            "(--force overwrites)"
        )
    # With --force the old file is kept beside the new one, and its top-level keys other than
    # `config:` (encryptionsalt, secretsprovider, encryptedkey: what decrypts the stack's
    # existing secrets) are carried over.
    keep: dict[str, Any] = {}
    if stack_file.exists():
        try:
            old = yaml.safe_load(stack_file.read_text(encoding="utf-8")) or {}
        except (yaml.YAMLError, UnicodeDecodeError):
            old = {}
        if isinstance(old, dict):
            keep = {k: v for k, v in old.items() if k != "config"}
    text = render(args.name, stack_config(args), keep)
    # Checked before anything is written: the program's own settings check and the policy
    # config derived from it, on a candidate file.
    with tempfile.TemporaryDirectory() as tmp:
        candidate = Path(tmp) / stack_file.name
        candidate.write_text(text, encoding="utf-8")
        try:
            stack_settings(args.name, config_file=candidate)
            policy = derived_config(args.name, config_file=candidate)
        except ConfigErrors as exc:
            print(
                exc.render(f"{len(exc.errors)} problem(s); nothing was written."), file=sys.stderr
            )
            return EXIT_ERROR
        except AnswerError as exc:
            raise Refused(str(exc)) from None
    for path in existing:
        backup = path.with_name(path.name + ".bak")
        backup.write_bytes(path.read_bytes())
        print(f"kept the old {path.name} as {backup.name}")
    _replace(stack_file, text)
    policy_file.parent.mkdir(parents=True, exist_ok=True)
    _replace(policy_file, json.dumps(policy, indent=2) + "\n")
    print(f"wrote {stack_file}")
    print(
        f"wrote {policy_file} (offline values; before a real preview: "
        f"python -m tools.policy_config --stack {args.name} --from-aws)"
    )
    print(f"next: make plan STACK={args.name}")
    return EXIT_OK


def _replace(path: Path, text: str) -> None:
    """Write through a temporary file in the same folder and rename: never a half-written file."""
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(text, encoding="utf-8")
    partial.replace(path)


if __name__ == "__main__":
    sys.exit(main())
