"""Did a page's publish or expiry date pass since the last hourly build? (tools.site_dates)

    python -m tools.site_dates --since 65 [--now 2027-03-01T09:17:00Z] [--github-output FILE]

deploy.yml rebuilds the site every hour so that pages appear at their `publishDate` and come down
at their `expiryDate` (Hugo leaves them out of the build otherwise: site/hugo.toml). A scheduled
run that changes nothing must not ask prod's reviewers for an approval, so this tells whether
any page's date falls in the last `--since` minutes (a little over the hour: GitHub starts
scheduled runs late under load). The dates are Hugo's own reading of the front matter (`hugo list
all`, the same parse the build uses), not a copy of its rules.

Prints the pages whose date passed; with `--github-output`, writes `changed=true|false` there.
Exit 0 (either answer), 2 when Hugo cannot read the site.
"""

from __future__ import annotations

import argparse
import csv
import io
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tools.site_build import SOURCE, BuildError, hugo_binary

ZERO = "0001-01-01"


def crossed(rows: list[dict[str, str]], now: datetime, since: timedelta) -> list[str]:
    """Lines naming each page whose publish or expiry date is in (now - since, now]."""
    found = []
    for row in rows:
        for column, what in (("publishDate", "goes live"), ("expiryDate", "comes down")):
            value = row.get(column, "")
            if not value or value.startswith(ZERO):
                continue
            when = datetime.fromisoformat(value.replace("Z", "+00:00"))
            if now - since < when <= now:
                found.append(f"{row['path']}: {what} at {value}")
    return found


def hugo_dates(source: Path) -> list[dict[str, str]]:
    done = subprocess.run(
        [hugo_binary(), "list", "all", "--source", str(source.resolve())],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise BuildError(f"Hugo could not list {source}: {done.stderr.strip()[-500:]}")
    start = done.stdout.find("path,")
    return list(csv.DictReader(io.StringIO(done.stdout[start:]))) if start >= 0 else []


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.site_dates")
    parser.add_argument("--since", type=int, default=65, help="minutes to look back")
    parser.add_argument("--now", help="RFC 3339 time to look from (default: now)")
    parser.add_argument("--source", type=Path, default=SOURCE)
    parser.add_argument("--github-output", type=Path, help="append changed=true|false here")
    args = parser.parse_args(argv)
    try:
        now = (
            datetime.fromisoformat(args.now.replace("Z", "+00:00"))
            if args.now
            else datetime.now(UTC)
        )
        if now.tzinfo is None:
            raise ValueError("no time zone")
        lines = crossed(hugo_dates(args.source), now, timedelta(minutes=args.since))
    except ValueError as error:
        print(f"site_dates: --now {args.now!r}: not an RFC 3339 time ({error})", file=sys.stderr)
        return 2
    except BuildError as error:
        print(f"site_dates: {error}", file=sys.stderr)
        return 2
    for line in lines:
        print(line)
    print(f"{len(lines)} page dates passed in the {args.since} minutes before {now.isoformat()}")
    if args.github_output is not None:
        with args.github_output.open("a", encoding="utf-8") as out:
            out.write(f"changed={'true' if lines else 'false'}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
