"""Propose the newest Amazon Linux 2023 image for each stack: `python -m tools.ami_update`.

    python -m tools.ami_update [--stack NAME ...] [--write]

The fleet's image is pinned per stack (`spikeproof:fleet.amiId`), so a new AL2023 release never
rolls the fleet on an unrelated deploy (or during a campaign). This command reads the image AWS
publishes for the stack's region and architecture (the public SSM parameter
`/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-{arm64|x86_64}`, through the AWS
CLI), prints what would change, and with `--write` rewrites only the `amiId:` line of each stack
file that is behind. `.github/workflows/ami-update.yml` runs it weekly and opens a pull request:
the update deploys through review like any other change.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from collections.abc import Callable, Sequence

from settings import ConfigErrors, stack_settings
from settings.files import ROOT

PARAMETER = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-{arch}"
_AMI_LINE = re.compile(
    r"^(?P<indent>[ \t]+)amiId:[ \t]*(?P<ami>ami-[0-9a-f]+)[ \t]*(?P<rest>#.*)?$", re.M
)

Resolver = Callable[[str, str], str]


def resolve_with_cli(parameter: str, region: str) -> str:
    done = subprocess.run(
        [
            "aws", "ssm", "get-parameter", "--name", parameter, "--region", region,
            "--query", "Parameter.Value", "--output", "text",
        ],
        capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    return done.stdout.strip()


def proposal(stack: str, resolve: Resolver) -> tuple[str, str, str] | None:
    """(stack file, current image, newest image) when the stack is behind; None when current."""
    settings = stack_settings(stack)
    fleet = settings.fleet
    if fleet is None:
        return None
    path = ROOT / f"Pulumi.{stack}.yaml"
    region = _region(path.read_text())
    newest = resolve(PARAMETER.format(arch="arm64" if fleet.arm64 else "x86_64"), region)
    if not re.fullmatch(r"ami-[0-9a-f]{8,17}", newest):
        raise ValueError(f"{PARAMETER} in {region} answered {newest!r}, not an image id")
    return None if newest == fleet.ami_id else (path.name, fleet.ami_id, newest)


def rewrite(text: str, newest: str) -> str:
    """The stack file with its one `amiId:` line pointing at `newest` (comments kept)."""
    matches = list(_AMI_LINE.finditer(text))
    if len(matches) != 1:
        raise ValueError(f"expected one 'amiId:' line, found {len(matches)}")
    m = matches[0]
    rest = f" {m['rest']}" if m["rest"] else ""
    return text[: m.start()] + f"{m['indent']}amiId: {newest}{rest}" + text[m.end() :]


def _region(text: str) -> str:
    match = re.search(r"^[ \t]+aws:region:[ \t]*(\S+)", text, re.M)
    if match is None:
        raise ValueError("no aws:region in the stack file")
    return match.group(1)


def main(argv: Sequence[str] | None = None, resolve: Resolver = resolve_with_cli) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.ami_update", description=__doc__)
    parser.add_argument("--stack", action="append", help="stack (default: every stack file)")
    parser.add_argument("--write", action="store_true", help="rewrite the stack files")
    args = parser.parse_args(argv)
    stacks = args.stack or sorted(p.name[7:-5] for p in ROOT.glob("Pulumi.*.yaml"))
    for stack in stacks:
        try:
            found = proposal(stack, resolve)
        except (ConfigErrors, ValueError, OSError, subprocess.SubprocessError) as exc:
            print(f"ami_update: {stack}: {exc}", file=sys.stderr)
            return 2
        if found is None:
            print(f"{stack}: current")
            continue
        name, current, newest = found
        print(f"{stack}: {current} -> {newest} ({name})")
        if args.write:
            path = ROOT / name
            path.write_text(rewrite(path.read_text(), newest))
    return 0


if __name__ == "__main__":
    sys.exit(main())
