"""Renders the marketing origin's nginx configuration and the instances' cloud-init user data.

Pure functions: same arguments, same bytes (the launch template's user data must not change
between previews, or every deploy would roll the fleet). No resources are created here; the
WebFleet component base64-encodes `render_user_data(...)` into its launch template.

Caching contract with the edge (Cloudflare honours `s-maxage` over `max-age`):
- marketing pages: `public, max-age=<browser>, s-maxage=<edge>, stale-while-revalidate=<n>`, so the
  edge absorbs a campaign spike and keeps serving while it revalidates;
- static assets (fingerprinted file names assumed): `public, max-age=<1 year>, immutable`;
- API and form paths, and /healthz: `no-store`, whatever the status, so nothing per-user or
  per-submission is ever cached.

Deliberately not here: TLS (the ALB terminates it), the origin-secret header check (the ALB
listener rule does it, before a request reaches an instance), and any dynamic application.
"""

from __future__ import annotations

from dataclasses import dataclass

import yaml

# File types served as fingerprinted static assets: the origin marks them immutable for a year and
# the edge caches them as assets (the default of edge.cache.staticExtensions), one list for both.
STATIC_EXTENSIONS: tuple[str, ...] = (
    "css", "js", "mjs", "map", "png", "jpg", "jpeg", "gif", "svg", "webp", "avif", "ico",
    "woff", "woff2", "ttf", "otf", "mp4", "webm", "pdf",
)  # fmt: skip

# Inline so the rendered file is self-contained: `nginx -t` on any host checks exactly what the
# instance runs, independent of the distribution's /etc/nginx/mime.types.
_MIME_TYPES: tuple[tuple[str, str], ...] = (
    ("text/html", "html htm"),
    ("text/css", "css"),
    ("text/plain", "txt"),
    ("text/xml", "xml"),
    ("application/javascript", "js mjs"),
    ("application/json", "json map"),
    ("application/pdf", "pdf"),
    ("image/png", "png"),
    ("image/jpeg", "jpg jpeg"),
    ("image/gif", "gif"),
    ("image/svg+xml", "svg"),
    ("image/webp", "webp"),
    ("image/avif", "avif"),
    ("image/x-icon", "ico"),
    ("font/woff", "woff"),
    ("font/woff2", "woff2"),
    ("font/ttf", "ttf"),
    ("font/otf", "otf"),
    ("video/mp4", "mp4"),
    ("video/webm", "webm"),
)


@dataclass(frozen=True, kw_only=True)
class CachePolicy:
    browser_max_age_seconds: int
    """`max-age` on marketing pages (fleet.cache.browserMaxAgeSeconds)."""
    edge_max_age_seconds: int
    """`s-maxage` on marketing pages (fleet.cache.edgeMaxAgeSeconds)."""
    stale_while_revalidate_seconds: int
    """`stale-while-revalidate` on pages (fleet.cache.staleWhileRevalidateSeconds)."""
    static_max_age_seconds: int = 31536000
    """`max-age` (with `immutable`) on static assets: 1 year, for fingerprinted file names."""

    def __post_init__(self) -> None:
        for name in (
            "browser_max_age_seconds",
            "edge_max_age_seconds",
            "stale_while_revalidate_seconds",
            "static_max_age_seconds",
        ):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ValueError(f"CachePolicy.{name} must be an integer >= 0, got {value!r}")

    @property
    def page_header(self) -> str:
        return (
            f"public, max-age={self.browser_max_age_seconds}, "
            f"s-maxage={self.edge_max_age_seconds}, "
            f"stale-while-revalidate={self.stale_while_revalidate_seconds}"
        )

    @property
    def static_header(self) -> str:
        return f"public, max-age={self.static_max_age_seconds}, immutable"


NO_STORE = "no-store"


@dataclass(frozen=True, kw_only=True)
class NginxRuntime:
    """Process-level paths. The defaults are Amazon Linux 2023's; tests pass a temp prefix."""

    user: str | None = "nginx"
    """Worker user. None omits the directive (nginx then keeps its compiled-in default)."""
    pid_path: str = "/run/nginx.pid"
    """Where the master writes its pid (systemd's nginx unit reads /run/nginx.pid)."""
    error_log: str = "/var/log/nginx/error.log"
    """Error log path."""
    access_log: str = "/var/log/nginx/access.log"
    """Access log path (health checks are not logged)."""
    temp_dir: str = "/var/lib/nginx/tmp"
    """Parent of the client-body and proxy temp directories."""
    worker_processes: str = "auto"
    """`worker_processes`: one per CPU by default."""


@dataclass(frozen=True, kw_only=True)
class WebServerConfig:
    document_root: str = "/usr/share/nginx/marketing"
    """Directory the site artifact is synced into and served from."""
    listen_port: int = 80
    """Port the ALB's target group reaches; tests patch it to a free loopback port."""
    listen_address: str | None = None
    """Address to bind. None binds all addresses (the instance sits in a private subnet)."""
    health_path: str = "/healthz"
    """Answered by nginx itself with 200 `ok`, never cached."""
    no_store_prefixes: tuple[str, ...] = ("/api/", "/forms/")
    """Path prefixes that are `no-store` whatever they return."""
    cache: CachePolicy
    """Cache lifetimes (the stack's fleet.cache)."""

    def __post_init__(self) -> None:
        if not 1 <= self.listen_port <= 65535:
            raise ValueError(f"WebServerConfig.listen_port must be 1-65535, got {self.listen_port}")
        if not self.document_root.startswith("/"):
            raise ValueError(
                f"WebServerConfig.document_root must be absolute, got {self.document_root!r}"
            )
        for prefix in (self.health_path, *self.no_store_prefixes):
            if not prefix.startswith("/") or any(c in prefix for c in " ;{}\"'"):
                raise ValueError(
                    f"WebServerConfig path {prefix!r} must start with '/' and contain no "
                    "whitespace, quotes, braces or semicolons"
                )


def render_nginx_conf(config: WebServerConfig, runtime: NginxRuntime | None = None) -> str:
    """The complete nginx.conf (not a fragment): `nginx -t -c <file>` checks all of it."""
    rt = runtime or NginxRuntime()
    cache = config.cache
    listen = (
        f"{config.listen_address}:{config.listen_port}"
        if config.listen_address
        else str(config.listen_port)
    )
    types = "\n".join(f"        {mime} {exts};" for mime, exts in _MIME_TYPES)
    extensions = "|".join(STATIC_EXTENSIONS)
    # `always` on no-store so error responses (404, 405) on API/form paths are not cached either;
    # none on the cacheable headers, so a 404 for a page or asset never gets a year's caching.
    no_store = "\n".join(
        f"""        location ^~ {prefix} {{
            add_header Cache-Control "{NO_STORE}" always;
            try_files $uri =404;
        }}
"""
        for prefix in config.no_store_prefixes
    )
    user = f"user {rt.user};\n" if rt.user else ""
    return f"""# Rendered by spikeproof model/webserver.py; overwritten on every deploy.
{user}worker_processes {rt.worker_processes};
pid {rt.pid_path};
error_log {rt.error_log} warn;

events {{
    worker_connections 4096;
}}

http {{
    types {{
{types}
    }}
    default_type application/octet-stream;

    sendfile on;
    tcp_nopush on;
    server_tokens off;
    # Longer than the ALB's 60 s idle timeout, so nginx never closes a connection the ALB
    # is about to reuse (a source of sporadic 502s).
    keepalive_timeout 75s;
    client_max_body_size 1m;
    client_body_temp_path {rt.temp_dir}/client_body;
    proxy_temp_path {rt.temp_dir}/proxy;
    fastcgi_temp_path {rt.temp_dir}/fastcgi;
    uwsgi_temp_path {rt.temp_dir}/uwsgi;
    scgi_temp_path {rt.temp_dir}/scgi;
    access_log {rt.access_log};

    gzip on;
    gzip_vary on;
    gzip_types text/css text/plain text/xml application/javascript application/json image/svg+xml;

    server {{
        listen {listen} default_server;
        server_name _;
        root {config.document_root};
        index index.html;
        etag on;

        location = {config.health_path} {{
            access_log off;
            default_type text/plain;
            add_header Cache-Control "{NO_STORE}" always;
            return 200 "ok\\n";
        }}

{no_store}
        location ~* \\.({extensions})$ {{
            add_header Cache-Control "{cache.static_header}";
            try_files $uri =404;
        }}

        location / {{
            add_header Cache-Control "{cache.page_header}";
            try_files $uri $uri/ $uri.html =404;
        }}
    }}
}}
"""


@dataclass(frozen=True, kw_only=True)
class SiteSource:
    s3_uri: str | None
    """`s3://bucket/prefix/` synced into the document root at boot. None: the site is baked into
    a custom AMI and nothing is fetched."""

    def __post_init__(self) -> None:
        if self.s3_uri is not None and not self.s3_uri.startswith("s3://"):
            raise ValueError(f"SiteSource.s3_uri must start with 's3://', got {self.s3_uri!r}")


class _LiteralDumper(yaml.SafeDumper):
    """Writes multi-line strings as `|` blocks so the user data stays readable on the instance."""


def _str_representer(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_LiteralDumper.add_representer(str, _str_representer)


LIFECYCLE_HOOK = "spikeproof-ready"
"""The Auto Scaling group's launch lifecycle hook: an instance is held (in the warm pool, or on its
way into service) until `spikeproof-ready` reports that nginx serves the current site."""

# Time budget of one launch, every part inside the hook's heartbeat (checked by a test): the site
# sync may take SITE_SYNC_TIMEOUT_SECONDS (a large first sync takes minutes), then the readiness
# report READY_DEADLINE_SECONDS after nginx starts, with BOOT_ALLOWANCE_SECONDS for the boot itself
# (cloud-init installing nginx on the first one).
HOOK_HEARTBEAT_SECONDS = 1500
"""The launch hook's heartbeat: an instance that has not reported by then is ABANDONed."""
SITE_SYNC_TIMEOUT_SECONDS = 900
READY_DEADLINE_SECONDS = 300
BOOT_ALLOWANCE_SECONDS = 240

_SITE_SYNC = """#!/bin/bash
# Runs before every nginx start (first boot, and every resume from the warm pool): the instance
# serves the site as it is now, not as it was when the instance was built. Retried within the
# unit's own TimeoutStartSec; a sync that never succeeds leaves nginx stopped, so the hook
# ABANDONs the instance rather than serving a stale or empty site.
set -uo pipefail
for attempt in 1 2 3 4 5; do
  token=$(curl -sf --retry 5 -X PUT http://169.254.169.254/latest/api/token \\
    -H 'X-aws-ec2-metadata-token-ttl-seconds: 300') &&
  region=$(curl -sf --retry 5 -H "X-aws-ec2-metadata-token: $token" \\
    http://169.254.169.254/latest/meta-data/placement/region) &&
  # --delete: the served tree is exactly the artifact, so a removed page disappears too.
  AWS_DEFAULT_REGION=$region aws s3 sync --only-show-errors --delete {uri} {root} &&
  chmod -R a+rX {root} && exit 0
  echo "site sync attempt $attempt failed" >&2
  sleep $((attempt * 10))
done
exit 1
"""

_SITE_SYNC_UNIT = """[Unit]
Description=Sync the marketing site from S3 before nginx serves it
Wants=network-online.target
After=network-online.target
Before=nginx.service

[Service]
Type=oneshot
ExecStart=/usr/local/bin/spikeproof-site-sync
# Not nginx's ExecStartPre: that ran under nginx's start timeout (DefaultTimeoutStartSec, 90 s), so
# a large first sync failed nginx and the hook abandoned the instance at every launch. A oneshot
# unit has no start timeout unless given one (systemd.service(5), TimeoutStartSec=); this one is
# the launch budget's share (model/webserver.py SITE_SYNC_TIMEOUT_SECONDS).
TimeoutStartSec={timeout}

[Install]
WantedBy=multi-user.target
"""

# nginx requires the sync: it starts after the sync succeeded, and not at all when it failed.
_NGINX_AFTER_SYNC = """[Unit]
Requires=spikeproof-site-sync.service
After=spikeproof-site-sync.service
"""

_READY = """#!/bin/bash
# After nginx starts: tell Auto Scaling this instance is ready, completing the launch lifecycle
# hook that holds it (at first launch, into the warm pool or service, and on every resume from
# the pool). Retries until it succeeds or its deadline; a failure fails the unit (visible in
# systemctl and the console log) rather than passing silently.
set -uo pipefail
deadline=$((SECONDS + {deadline}))
token=$(curl -sf --retry 5 -X PUT http://169.254.169.254/latest/api/token \\
  -H 'X-aws-ec2-metadata-token-ttl-seconds: 900')
meta() {{
  curl -sf --retry 5 -H "X-aws-ec2-metadata-token: $token" \\
    "http://169.254.169.254/latest/meta-data/$1"
}}
export AWS_DEFAULT_REGION=$(meta placement/region)
id=$(meta instance-id)
until curl -sf -o /dev/null http://127.0.0.1:{port}{health}; do
  [ "$SECONDS" -lt "$deadline" ] || {{ echo "nginx never answered {health}" >&2; exit 1; }}
  sleep 5
done
while :; do
  group=$(aws autoscaling describe-auto-scaling-instances --instance-ids "$id" \\
    --query 'AutoScalingInstances[0].AutoScalingGroupName' --output text) && {{
    # Not (or no longer) in a group: nothing holds this instance.
    if [ "$group" = "None" ] || [ -z "$group" ]; then exit 0; fi
    aws autoscaling complete-lifecycle-action --lifecycle-hook-name {hook} \\
      --auto-scaling-group-name "$group" --instance-id "$id" \\
      --lifecycle-action-result CONTINUE && exit 0
    # Done only when the instance is past the hook. Pending and Warmed:Pending have not reached
    # it yet (the action is not open, so the call above fails): keep trying, or the hook would
    # wait out its heartbeat and abandon the instance. *:Wait is the hook waiting for us.
    # (LifecycleState values: botocore's autoscaling model.)
    state=$(aws autoscaling describe-auto-scaling-instances --instance-ids "$id" \\
      --query 'AutoScalingInstances[0].LifecycleState' --output text) && {{
      case "$state" in
        Pending|Warmed:Pending|*:Wait) ;;
        *) exit 0 ;;
      esac
    }}
  }}
  [ "$SECONDS" -lt "$deadline" ] || {{ echo "could not complete the lifecycle hook" >&2; exit 1; }}
  sleep 10
done
"""

_READY_UNIT = """[Unit]
Description=Report to Auto Scaling that this instance serves the site
After=nginx.service
Requires=nginx.service

[Service]
Type=oneshot
ExecStart=/usr/local/bin/spikeproof-ready

[Install]
WantedBy=multi-user.target
"""


def render_user_data(config: WebServerConfig, site: SiteSource) -> str:
    """A `#cloud-config` document for Amazon Linux 2023: nginx, its config, the site synced before
    every nginx start, and the readiness report that releases the launch lifecycle hook."""
    runtime = NginxRuntime()
    conf = render_nginx_conf(config, runtime)
    root = config.document_root
    files: list[dict[str, str]] = [
        {
            "path": "/etc/nginx/nginx.conf",
            "owner": "root:root",
            "permissions": "0644",
            "content": conf,
        }
    ]
    if site.s3_uri is not None:
        # AL2023 ships AWS CLI v2; credentials come from the instance profile via IMDSv2.
        files += [
            {
                "path": "/usr/local/bin/spikeproof-site-sync",
                "owner": "root:root",
                "permissions": "0755",
                "content": _SITE_SYNC.format(uri=site.s3_uri, root=root),
            },
            {
                "path": "/etc/systemd/system/spikeproof-site-sync.service",
                "owner": "root:root",
                "permissions": "0644",
                "content": _SITE_SYNC_UNIT.format(timeout=SITE_SYNC_TIMEOUT_SECONDS),
            },
            {
                "path": "/etc/systemd/system/nginx.service.d/10-site-sync.conf",
                "owner": "root:root",
                "permissions": "0644",
                "content": _NGINX_AFTER_SYNC,
            },
        ]
    files += [
        {
            "path": "/usr/local/bin/spikeproof-ready",
            "owner": "root:root",
            "permissions": "0755",
            "content": _READY.format(
                port=config.listen_port,
                health=config.health_path,
                hook=LIFECYCLE_HOOK,
                deadline=READY_DEADLINE_SECONDS,
            ),
        },
        {
            "path": "/etc/systemd/system/spikeproof-ready.service",
            "owner": "root:root",
            "permissions": "0644",
            "content": _READY_UNIT,
        },
    ]
    runcmd: list[list[str]] = [
        ["mkdir", "-p", root, f"{runtime.temp_dir}"],
        ["chmod", "-R", "a+rX", root],
        # Fail the boot visibly (cloud-init error, instance never healthy) rather than start a
        # server on a config nginx rejects.
        ["nginx", "-t"],
        ["systemctl", "daemon-reload"],
        *([["systemctl", "enable", "spikeproof-site-sync"]] if site.s3_uri is not None else []),
        ["systemctl", "enable", "--now", "nginx"],
        ["systemctl", "enable", "--now", "spikeproof-ready"],
    ]
    document = {"packages": ["nginx"], "write_files": files, "runcmd": runcmd}
    body = yaml.dump(
        document, Dumper=_LiteralDumper, sort_keys=False, default_flow_style=False, width=1000
    )
    return "#cloud-config\n" + body
