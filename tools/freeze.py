"""The change freeze: `python -m tools.freeze --stack NAME [--at ISO] [--override-reason TEXT]`.

A stack's campaigns (`spikeproof:campaigns`) and pre-warm windows (`fleet.campaignWindows`) each
freeze deploys from two hours before (or before the pre-warm, when earlier) to their end
(forecast/readiness.py FREEZE_BEFORE): the deploy workflow runs this before a prod `pulumi up`.

Exit 0 outside every freeze, or inside one with a reason given (the reason is printed, for the
run's log and summary); 1 inside a freeze without one; 2 for a bad stack file or time.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import UTC, datetime

from forecast.readiness import stack_freezes
from settings import stack_settings
from settings.errors import ConfigErrors


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.freeze", description=__doc__)
    parser.add_argument("--stack", required=True)
    parser.add_argument("--at", help="the time to judge (ISO 8601 with offset; default: now)")
    parser.add_argument(
        "--override-reason",
        default="",
        help="deploy inside a freeze anyway, for this reason (an incident fix)",
    )
    args = parser.parse_args(argv)
    try:
        at = datetime.fromisoformat(args.at) if args.at else datetime.now(UTC)
    except ValueError:
        print(f"freeze: --at {args.at!r} is not an ISO 8601 time", file=sys.stderr)
        return 2
    if at.tzinfo is None:
        print(f"freeze: --at {args.at!r} has no offset: write +00:00 or Z", file=sys.stderr)
        return 2
    at = at.astimezone(UTC)
    try:
        settings = stack_settings(args.stack)
        active = [f for f in stack_freezes(settings, args.stack) if f.start <= at < f.end]
    except ConfigErrors as exc:
        print(exc.render(), file=sys.stderr)
        return 2
    if not active:
        print(f"freeze: no change freeze on {args.stack} at {at:%Y-%m-%d %H:%M} UTC")
        return 0
    names = ", ".join(
        f"{f.name} ({f.start:%Y-%m-%d %H:%M} to {f.end:%Y-%m-%d %H:%M} UTC)" for f in active
    )
    reason = args.override_reason.strip()
    if reason:
        print(f"freeze: {args.stack} is frozen for {names}; deploying anyway: {reason}")
        return 0
    print(
        f"freeze: {args.stack} is frozen for {names}: no deploy during a campaign. To deploy "
        "anyway (an incident fix), run the deploy workflow by hand with a freeze_override "
        "reason.",
        file=sys.stderr,
    )
    return 1


if __name__ == "__main__":
    sys.exit(main())
