"""Build the sample landing site for a stack or a local front: `python -m tools.site_build`.

    python -m tools.site_build --stack staging --out build/site [--turnstile-sitekey KEY]
    python -m tools.site_build --form-endpoint http://127.0.0.1:8787 --out build/site

`examples/site/` stands for what a static site generator writes: plain files, with three values
left as `{{ name }}` for the build to fill: `form_endpoint` (the form API's base URL: the stack's
`form_endpoint` output, `https://<forms.customDomain.domainName>`), `turnstile_sitekey` (the
stack's `turnstile_site_key` output) and `turnstile_script` (Cloudflare's api.js, or the local
front's offline stand-in). Without a site key the `<!-- turnstile -->` blocks are left out: the
widget would fail to render, and a stack without Turnstile needs no token.

Errors (a missing value, a stack without forms) print one line naming what to pass; exit 2.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
from pathlib import Path

from settings.files import ROOT

SOURCE = ROOT / "examples" / "site"
TURNSTILE_SCRIPT = "https://challenges.cloudflare.com/turnstile/v0/api.js"
_BLOCK = re.compile(r"[ \t]*<!-- turnstile -->.*?<!-- /turnstile -->[ \t]*\n?", re.S)
_PLACEHOLDER = re.compile(r"\{\{\s*([a-z_]+)\s*\}\}")
TEXT_SUFFIXES = (".html", ".js", ".css", ".txt", ".xml", ".json")


class BuildError(Exception):
    """What to pass or fix; printed as one line."""


def render(text: str, values: dict[str, str], *, turnstile: bool) -> str:
    if not turnstile:
        text = _BLOCK.sub("", text)

    def fill(match: re.Match[str]) -> str:
        key = match.group(1)
        if key not in values:
            raise BuildError(f"placeholder {{{{ {key} }}}} has no value; known: {sorted(values)}")
        return values[key]

    return _PLACEHOLDER.sub(fill, text)


def build(
    out: Path,
    *,
    form_endpoint: str,
    turnstile_sitekey: str | None = None,
    turnstile_script: str = TURNSTILE_SCRIPT,
    source: Path = SOURCE,
) -> list[Path]:
    """Copy `source` to `out` (replaced), filling the placeholders; the files written."""
    values = {
        "form_endpoint": form_endpoint.rstrip("/"),
        "turnstile_sitekey": turnstile_sitekey or "",
        "turnstile_script": turnstile_script,
    }
    if out.exists():
        shutil.rmtree(out)
    written: list[Path] = []
    for path in sorted(p for p in source.rglob("*") if p.is_file()):
        target = out / path.relative_to(source)
        target.parent.mkdir(parents=True, exist_ok=True)
        if path.suffix in TEXT_SUFFIXES:
            rendered = render(
                path.read_text(encoding="utf-8"), values, turnstile=bool(turnstile_sitekey)
            )
            target.write_text(rendered, encoding="utf-8")
        else:
            shutil.copyfile(path, target)
        written.append(target)
    return written


def _stack_endpoint(stack: str) -> str:
    from settings import stack_settings

    settings = stack_settings(stack)
    domain = settings.forms.custom_domain if settings.forms is not None else None
    if domain is None:
        raise BuildError(
            f"stack {stack} has no spikeproof:forms.customDomain; pass --form-endpoint"
        )
    return f"https://{domain.domain_name}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.site_build")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "site")
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--stack", help="take the form endpoint from this stack's settings")
    where.add_argument("--form-endpoint", help="the form API's base URL")
    parser.add_argument("--turnstile-sitekey", help="the stack's turnstile_site_key output")
    parser.add_argument("--turnstile-script", default=TURNSTILE_SCRIPT)
    parser.add_argument("--source", type=Path, default=SOURCE)
    args = parser.parse_args(argv)
    try:
        endpoint = args.form_endpoint or _stack_endpoint(args.stack)
        files = build(
            args.out,
            form_endpoint=endpoint,
            turnstile_sitekey=args.turnstile_sitekey,
            turnstile_script=args.turnstile_script,
            source=args.source,
        )
    except BuildError as error:
        print(f"site_build: {error}", file=sys.stderr)
        return 2
    print(f"{len(files)} files in {args.out} (form endpoint {endpoint})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
