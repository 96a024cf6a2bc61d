"""The static site (`spikeproof:site:StaticSite`): level 3, marketing pages with no origin.

Cloudflare Workers Static Assets serves the built site on the paths the stack lists
(`spikeproof:site.paths`) of every marketing hostname; every other path keeps going to the
fleet. Static asset requests are not billed as Worker invocations and have no origin behind
them: a campaign cannot overload what is not there.

Creates: a `cloudflare.Worker` (its workers.dev name off unless the stack asks, never in prod), a
`cloudflare.WorkerVersion` per publish whose `assets.directory` is the built site (the provider
uploads only the files the asset API does not already hold: content addressed), a
`cloudflare.WorkersDeployment` sending 100% of traffic to the live version (`site.liveVersion`:
the new one, or an earlier id to roll back without a rebuild), a `cloudflare.WorkersRoute` per
hostname x path, and, when this stack owns the zone's rulesets, the response-header transform
that sets the security headers on the marketing hostnames.

`_headers` and `_redirects` in the build are not uploaded as files (the provider would serve them
as ordinary assets): `prepare_upload` copies the build without them, and they are sent as the
version's `_headers` / `_redirects` modules, which is how Workers Static Assets reads them (the
provider's WorkerVersion.modules docs). Argument shapes checked against pulumi-cloudflare 6.x
(worker.py, worker_version.py, workers_deployment.py, workers_route.py).
"""

from __future__ import annotations

import base64
import hashlib
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import pulumi
import pulumi_cloudflare as cloudflare

from model.edge_rules import RESPONSE_HEADERS_PHASE, response_header_rules
from settings.errors import ConfigError, ConfigErrors
from settings.files import stack_file_label
from settings.site import SiteSettings

RULE_FILES = ("_headers", "_redirects")
ADMIN_WORKER = Path(__file__).resolve().parent.parent / "site" / "worker" / "admin.js"
"""The CMS admin's GitHub sign-in and the API CMS's publish hook (docs/site.md): the version's
only script, run first on `worker_routes` and nowhere else (every other path is an asset, or the
404 page, and costs no invocation)."""


def worker_routes(config: SiteSettings) -> list[str]:
    """Workers Static Assets' `run_worker_first`: the script's own paths."""
    if config.cms is None:
        return []
    return ["/admin/oauth/*", *(["/admin/hooks/*"] if config.cms.api is not None else [])]


def worker_bindings(
    config: SiteSettings, secrets: dict[str, pulumi.Input[str]]
) -> list[dict[str, Any]]:
    """The script's plain-text and secret-text bindings (site/worker/admin.js reads them); the
    secrets travel as Pulumi secrets end to end."""
    if config.cms is None:
        return []
    plain: dict[str, str] = {}
    if config.cms.github_client_id and "GITHUB_CLIENT_SECRET" in secrets:
        plain["GITHUB_CLIENT_ID"] = config.cms.github_client_id
    if config.cms.api is not None:
        plain["GITHUB_REPO"] = config.cms.repo
    return [
        *({"type": "plain_text", "name": k, "text": v} for k, v in plain.items()),
        *(
            {"type": "secret_text", "name": k, "text": pulumi.Output.secret(v)}
            for k, v in secrets.items()
        ),
    ]


@dataclass(frozen=True)
class SiteUpload:
    """The build as it is uploaded: its files without the rule files, and those files' text."""

    directory: Path
    rule_files: dict[str, str]
    """`_headers` / `_redirects` contents, when the build has them."""
    files: int
    bytes: int
    manifest_sha256: str
    """SHA-256 over every (path, content hash): a changed build, a changed manifest."""


def prepare_upload(build: Path, out: Path, *, relative_to: Path | None = None) -> SiteUpload:
    """Copy `build` to `out` (replaced) without the rule files; a clear error without a build.
    With `relative_to` (the project), the directory is given relative to it: the provider runs
    in the project folder, and an absolute path would differ between checkouts (a laptop and the
    CI runner), making every preview elsewhere replace the version."""
    if not any(build.rglob("index.html")):
        raise FileNotFoundError(
            f"{build}: no built site (no index.html); build it first, e.g. "
            "`python -m tools.site_build --stack <stack>` or your generator's build command"
        )
    if out.exists():
        shutil.rmtree(out)
    rules: dict[str, str] = {}
    manifest = hashlib.sha256()
    files = size = 0
    for path in sorted(p for p in build.rglob("*") if p.is_file()):
        rel = path.relative_to(build).as_posix()
        if rel in RULE_FILES:
            rules[rel] = path.read_text(encoding="utf-8")
            continue
        target = out / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        data = path.read_bytes()  # read once: copied and hashed from the same bytes
        target.write_bytes(data)
        manifest.update(f"{rel}\0{hashlib.sha256(data).hexdigest()}\n".encode())
        files += 1
        size += len(data)
    directory = out.relative_to(relative_to) if relative_to is not None else out
    return SiteUpload(directory, rules, files, size, manifest.hexdigest())


def site_upload(config: SiteSettings | None, root: Path, *, stack: str) -> SiteUpload | None:
    """The stack's build prepared for upload, or a config error naming the key (raised before
    any resource is registered)."""
    if config is None:
        return None
    try:
        return prepare_upload(
            root / config.directory, root / "build" / f"site-upload-{stack}", relative_to=root
        )
    except FileNotFoundError as error:
        raise ConfigErrors(
            [
                ConfigError(
                    stack_file=stack_file_label(stack),
                    key_path="spikeproof:site.directory",
                    problem=str(error),
                    value=config.directory,
                    allowed="a folder holding the built site (index.html at least)",
                    example=f"make site STACK={stack}",
                )
            ]
        ) from None


@dataclass(frozen=True, kw_only=True)
class StaticSiteArgs:
    config: SiteSettings
    """Paths, asset handling, the live version, security headers (settings/site.py)."""
    upload: SiteUpload
    """The build as uploaded (`prepare_upload`)."""
    account_id: str
    """The Cloudflare account the Worker belongs to (edge.accountId)."""
    zone_id: pulumi.Input[str]
    """The zone of the marketing hostnames (the routes live there)."""
    hostnames: tuple[str, ...]
    """The marketing hostnames the paths are routed on."""
    owns_zone_rulesets: bool
    """This stack creates the zone's entrypoint rulesets (here: the response-header transform)."""
    name_prefix: str
    """Prefix for names, e.g. spikeproof-prod."""
    comment: str
    """Stack and component, written into annotations and descriptions."""
    cms_secrets: dict[str, pulumi.Input[str]] = field(default_factory=dict)
    """The script's secret bindings (Settings.cms_secrets): the OAuth app's client secret, the
    dispatch token and the webhook secret, each a Pulumi secret."""


class StaticSite(pulumi.ComponentResource):
    worker_name: pulumi.Output[str]
    version_id: pulumi.Output[str]
    """The version this publish uploaded (roll back to an earlier one with site.liveVersion)."""
    live_version_id: pulumi.Output[str]
    """The version the deployment serves."""
    routes: list[str]
    """The route patterns, `host/path`."""

    def __init__(
        self, name: str, args: StaticSiteArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("spikeproof:site:StaticSite", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        config = args.config
        worker_name = config.worker_name or f"{args.name_prefix}-site"
        worker = cloudflare.Worker(
            f"{name}-worker",
            account_id=args.account_id,
            name=worker_name,
            subdomain={"enabled": config.workers_dev, "previews_enabled": False},
            observability={"enabled": True, "logs": {"enabled": True, "invocation_logs": True}},
            tags=["spikeproof", "static-site"],
            opts=child,
        )
        modules = [
            {
                "name": rule_file,
                "content_type": "text/plain",
                "content_base64": _b64(text),
            }
            for rule_file, text in sorted(args.upload.rule_files.items())
        ]
        asset_config: dict[str, Any] = dict(config.asset_config())
        main_module = None
        if config.cms is not None:
            modules.append(
                {
                    "name": ADMIN_WORKER.name,
                    "content_type": "application/javascript+module",
                    "content_base64": _b64(ADMIN_WORKER.read_text(encoding="utf-8")),
                }
            )
            main_module = ADMIN_WORKER.name
            asset_config["run_worker_first"] = worker_routes(config)
        bindings = worker_bindings(config, args.cms_secrets)
        version = cloudflare.WorkerVersion(
            f"{name}-version",
            account_id=args.account_id,
            worker_id=worker.id,
            compatibility_date=config.compatibility_date,
            assets=cast(Any, {"directory": str(args.upload.directory), "config": asset_config}),
            main_module=main_module,
            bindings=cast(Any, bindings or None),
            modules=cast(Any, modules or None),
            annotations={
                "workers_message": f"{args.comment}: build {args.upload.manifest_sha256[:12]}, "
                f"{args.upload.files} files"
            },
            opts=child,
        )
        live: pulumi.Input[str] = (
            version.id if config.live_version == "latest" else config.live_version
        )
        deployment = cloudflare.WorkersDeployment(
            f"{name}-deployment",
            account_id=args.account_id,
            script_name=worker.name,
            strategy="percentage",
            versions=[{"percentage": 100.0, "version_id": live}],
            annotations={"workers_message": f"{args.comment}: live version"},
            opts=child,
        )
        self.routes = config.routes(args.hostnames)
        for pattern in self.routes:
            cloudflare.WorkersRoute(
                f"{name}-route-{_slug(pattern)}",
                zone_id=args.zone_id,
                pattern=pattern,
                script=worker.name,
                # Routed only once a version is live: a route to a Worker with no deployment
                # would answer errors on the migrated paths.
                opts=pulumi.ResourceOptions(parent=self, depends_on=[deployment]),
            )
        if args.owns_zone_rulesets and config.security_headers:
            cloudflare.Ruleset(
                f"{name}-security-headers",
                zone_id=args.zone_id,
                name="spikeproof response headers",
                description=f"{args.comment}: security headers on the marketing hostnames",
                kind="zone",
                phase=RESPONSE_HEADERS_PHASE,
                rules=cast(
                    Any,
                    response_header_rules(
                        args.hostnames, config.security_headers, comment=args.comment
                    ),
                ),
                opts=child,
            )
        self.worker_name = worker.name
        self.version_id = version.id
        self.live_version_id = pulumi.Output.from_input(live)
        self.register_outputs(
            {
                "worker_name": self.worker_name,
                "version_id": self.version_id,
                "live_version_id": self.live_version_id,
            }
        )


def _b64(text: str) -> str:
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def _slug(pattern: str) -> str:
    readable = "".join(c if c.isalnum() else "-" for c in pattern).strip("-")
    return f"{readable[:40]}-{hashlib.sha256(pattern.encode()).hexdigest()[:6]}"
