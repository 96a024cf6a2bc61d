"""Settings for the static site (`spikeproof:site`): level 3, marketing pages with no origin to
overload, served by Cloudflare Workers Static Assets on chosen paths of the marketing hostnames.
The migration path by path is docs/site.md."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Literal

from pydantic import Field, field_validator

from model.edge_eval import route_matches
from settings.model import Model

SITE_PATH = re.compile(r"^/([A-Za-z0-9._~!$&'()+,;=:@%-]+/?)*\*?$")
VERSION_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
WORKER_NAME = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
DATE = re.compile(r"^20\d\d-[01]\d-[0-3]\d$")

HtmlHandling = Literal["auto-trailing-slash", "force-trailing-slash", "drop-trailing-slash", "none"]
NotFoundHandling = Literal["404-page", "single-page-application", "none"]

DEFAULT_SECURITY_HEADERS = {
    # No includeSubDomains by default: sent from the zone's apex, it reaches every host of the
    # zone, also those this stack does not own and that may not serve HTTPS ("Subdomains are
    # inaccessible if they do not support HTTPS", Cloudflare's HSTS page); a year of max-age
    # cannot be taken back. site.hstsCoversZone opts in where that is known to hold.
    "Strict-Transport-Security": "max-age=31536000",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "SAMEORIGIN",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}
"""Set on every response of the marketing hostnames (static or fleet) by a response-header
transform; a page's own headers of the same name are replaced."""
HSTS = "Strict-Transport-Security"


REPO = re.compile(r"^[A-Za-z0-9-]{1,39}/[A-Za-z0-9._-]{1,100}$")
BRANCH = re.compile(r"^[A-Za-z0-9._/-]{1,100}$")
GITHUB_CLIENT_ID = re.compile(
    r"^(Iv1\.[0-9a-f]{16}|Iv23[A-Za-z0-9]{16}|Ov23[A-Za-z0-9]{16}|[0-9a-f]{20})$"
)
"""GitHub OAuth app client ids: 20 hex characters (older apps) or `Ov23` + 16 (newer OAuth apps);
GitHub App client ids `Iv1.` + 16 hex or `Iv23` + 16."""
ADMIN_PATH = "/admin/"


class CmsApiSettings(Model):
    """An API CMS the site's campaign pages come from instead of site/content (docs/site.md)."""

    kind: Literal["wagtail"] = Field(
        description="The CMS: `wagtail` (its API v2; cms/wagtail is the project's own, proven by "
        "tests/test_cms_api.py in `make test`).",
    )
    url: str = Field(
        description="The CMS's base URL, read at build time (`/api/v2/pages/` under it).",
        examples=["https://cms.acme-marketing.com"],
    )

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        local = re.match(r"^http://(127\.0\.0\.1|localhost)(:\d+)?/?$", value)
        if not local and not re.match(r"^https://[A-Za-z0-9.-]+(:\d+)?(/[^\s]*)?$", value):
            raise ValueError(
                "an https:// URL, e.g. https://cms.acme-marketing.com (http only on this machine: "
                "http://127.0.0.1:8000)"
            )
        return value.rstrip("/")


class CmsSettings(Model):
    """The git-based headless CMS (Decap CMS at /admin/, docs/site.md): where it writes content
    and how editors sign in."""

    repo: str = Field(
        description="The GitHub repository (owner/name) holding site/content: the CMS commits "
        "there and opens its pull requests there.",
        examples=["acme/spikeproof"],
    )
    branch: str = Field(
        default="main", description="The branch pages are published to. Default main."
    )
    github_client_id: str | None = Field(
        default=None,
        description="The client id of the GitHub OAuth app editors sign in with (docs/site.md, "
        "one-time setup); its secret is spikeproof:cmsGithubClientSecret, a Pulumi secret. "
        "Unset: the admin's sign-in answers 503 with the setup steps.",
    )

    api: CmsApiSettings | None = Field(
        default=None,
        description="Pull campaign pages from an API CMS at build time instead of the git CMS's "
        "files, and accept its publish webhook at /admin/hooks/publish, relayed to GitHub's "
        "repository_dispatch (secrets spikeproof:cmsDispatchToken, spikeproof:cmsWebhookSecret)."
        " Default: the git CMS.",
    )

    @field_validator("repo")
    @classmethod
    def _repo(cls, value: str) -> str:
        if not REPO.match(value):
            raise ValueError("a GitHub repository as owner/name, e.g. acme/spikeproof")
        return value

    @field_validator("branch")
    @classmethod
    def _branch(cls, value: str) -> str:
        if not BRANCH.match(value) or ".." in value or value.endswith((".lock", "/")):
            raise ValueError("a git branch name, e.g. main")
        return value

    @field_validator("github_client_id")
    @classmethod
    def _client_id(cls, value: str | None) -> str | None:
        if value is not None and not GITHUB_CLIENT_ID.match(value):
            raise ValueError(
                "a GitHub OAuth app's client id (Settings > Developer settings > OAuth Apps), "
                "e.g. Ov23liAbCdEfGhIjKlMn; never its secret"
            )
        return value


class SiteSettings(Model):
    """A static site on Cloudflare Workers Static Assets in front of (or instead of) the fleet."""

    directory: str = Field(
        default="build/site",
        description="The built site, relative to the project: what the static site generator "
        "wrote (`_headers` and `_redirects` in it are applied, not served). Default build/site.",
    )
    paths: list[str] = Field(
        description="Path prefixes the static site serves on every marketing hostname, each "
        "ending in `*`: `/campaigns/*` (everything under /campaigns/), `/pricing*` (the page with "
        "or without its slash or a query string; also /pricing-old), `/*` (everything: a stack "
        "with no fleet). Everything else keeps going to the fleet.",
        examples=["['/campaigns/*']"],
    )
    worker_name: str | None = Field(
        default=None,
        description="The Worker's name. Default: spikeproof-<environment>-site.",
    )
    html_handling: HtmlHandling = Field(
        default="auto-trailing-slash",
        description="Trailing slashes (Workers Static Assets `html_handling`): `/about` and "
        "`/about/` both reach about/index.html, the other form redirected. Default "
        "auto-trailing-slash.",
    )
    not_found_handling: NotFoundHandling = Field(
        default="404-page",
        description="A path with no file: the nearest 404.html with status 404 (`404-page`, "
        "default), the root index.html (`single-page-application`), or a bare 404 (`none`).",
    )
    live_version: str = Field(
        default="latest",
        description="The version the deployment serves: `latest` (the one this `pulumi up` "
        "uploads) or a version id to roll back to without a rebuild (docs/site.md). Default "
        "latest.",
    )
    compatibility_date: str = Field(
        default="2025-01-01",
        description="Workers compatibility date. Default 2025-01-01.",
    )
    workers_dev: bool = Field(
        default=False,
        description="Also serve the site on its *.workers.dev name (never in prod). Default false.",
    )
    security_headers: dict[str, str] = Field(
        default_factory=lambda: dict(DEFAULT_SECURITY_HEADERS),
        description="Response headers set on the marketing hostnames by a response-header "
        "transform (needs edge.ownsZoneRulesets). Default: HSTS for a year without "
        "includeSubDomains, nosniff, a referrer policy, SAMEORIGIN framing and a permissions "
        "policy.",
    )
    hsts_covers_zone: bool = Field(
        default=False,
        description="Confirms that an HSTS header with includeSubDomains (or preload) sent from "
        "the zone's apex may bind every host of the zone to HTTPS for its max-age, also hosts "
        "this stack does not manage. Without it such a header on the apex is refused. Default: "
        "false.",
    )
    cms: CmsSettings | None = Field(
        default=None,
        description="The CMS admin at /admin/ (Decap CMS, editorial workflow; docs/site.md): the "
        "repository it writes to and the GitHub OAuth app it signs in with. Needs a path "
        "covering /admin/ (e.g. '/admin/*'). Default: no admin.",
    )

    def hsts(self) -> str:
        """The HSTS header's value, empty when none is set (header names are case-insensitive)."""
        return next((v for k, v in self.security_headers.items() if k.lower() == HSTS.lower()), "")

    def hsts_binds_subdomains(self) -> bool:
        """The HSTS header carries includeSubDomains or preload (directive names are
        case-insensitive, RFC 6797 section 6.1)."""
        directives = {d.strip().split("=", 1)[0].lower() for d in self.hsts().split(";")}
        return bool(directives & {"includesubdomains", "preload"})

    @field_validator("paths")
    @classmethod
    def _paths(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("at least one path, e.g. /campaigns/*")
        for path in value:
            if not SITE_PATH.match(path) or "*" in path[:-1]:
                raise ValueError(
                    f"{path!r} is not a site path: /prefix/*, a '*' only at the end (Workers "
                    "routes allow a wildcard there)"
                )
            if not path.endswith("*"):
                raise ValueError(
                    f"{path!r} has no trailing '*': a Workers route matches the whole URL, query "
                    f"string included, so a campaign's /page?utm_source=... would miss it and "
                    f"reach the fleet; write {path.rstrip('/')}*"
                )
        if len(set(value)) != len(value):
            raise ValueError("a path is listed twice")
        return value

    @field_validator("worker_name")
    @classmethod
    def _name(cls, value: str | None) -> str | None:
        if value is not None and not WORKER_NAME.match(value):
            raise ValueError("lower-case letters, digits and hyphens, at most 63 characters")
        return value

    @field_validator("live_version")
    @classmethod
    def _version(cls, value: str) -> str:
        if value != "latest" and not VERSION_ID.match(value):
            raise ValueError("`latest` or a Worker version id (a UUID, from `docs/site.md`)")
        return value

    @field_validator("compatibility_date")
    @classmethod
    def _date(cls, value: str) -> str:
        if not DATE.match(value):
            raise ValueError("a date like 2025-01-01")
        return value

    @field_validator("directory")
    @classmethod
    def _directory(cls, value: str) -> str:
        if value.startswith("/") or ".." in value.split("/"):
            raise ValueError("a path inside the project, e.g. build/site")
        return value

    @field_validator("security_headers")
    @classmethod
    def _headers(cls, value: dict[str, str]) -> dict[str, str]:
        for name, header in value.items():
            if not re.match(r"^[A-Za-z0-9-]+$", name) or "\n" in header or "\r" in header:
                raise ValueError(f"{name!r}: a header name of letters, digits and '-', one line")
        return value

    def serves(self, path: str) -> bool:
        """Whether a request for `path` reaches the static site: one of its paths matches, as
        the edge matches Workers routes (model.edge_eval.route_matches, also the link check's)."""
        return any(route_matches(f"site{p}", "site", path) for p in self.paths)

    def asset_config(self) -> dict[str, str]:
        """Workers Static Assets' `assets.config`, as the WorkerVersion and `wrangler dev` take it
        (the same keys in both: html_handling, not_found_handling)."""
        return {"html_handling": self.html_handling, "not_found_handling": self.not_found_handling}

    def covers_everything(self) -> bool:
        return "/*" in self.paths

    def routes(self, hostnames: Sequence[str]) -> list[str]:
        """The Workers route patterns: every hostname x path (each path ends in `*`)."""
        return [f"{h}{p}" for h in hostnames for p in self.paths]
