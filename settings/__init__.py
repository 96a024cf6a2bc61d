"""All stack configuration, parsed once at start-up into frozen, typed objects.

`load_settings()` reads the `spikeproof:*` keys Pulumi hands the program (the stack file merged over
the defaults in Pulumi.yaml), checks them all, and either returns a `Settings` or raises
`ConfigErrors` listing every problem with the stack file, key path, bad value, what is allowed and
an example fix. It runs before any resource is registered, so a bad stack file never produces a
partial deployment. Provider keys (`aws:*`, `cloudflare:*`) are the providers' to check; only
`aws:region` is read here.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi
from pydantic import Field, ValidationError, field_validator, model_validator

from model.edge_rules import EdgeRulesSpec, problems
from settings.budget import BudgetSettings
from settings.core import (
    KMS_KEY_ARN,
    REGION,
    AlertingSettings,
    CoreStackSettings,
    NetworkSettings,
    PrimarySettings,
    ReplicaSettings,
)
from settings.edge import EdgeSettings, zone_conflicts
from settings.errors import ConfigError, ConfigErrors
from settings.files import (
    CONFIG_FILE_ENV,
    ROOT,
    load_stack_config,
    sdk_scalar,
    stack_file_label,
)
from settings.fleet import FleetSettings
from settings.forms import FormsSettings
from settings.model import FieldError, Model, translate
from settings.providers import CREDENTIAL
from settings.providers import problems as provider_problems
from settings.site import ADMIN_PATH, SiteSettings

NAMESPACE = "spikeproof:"
CAMPAIGN_NAME = re.compile(r"^[a-z][a-z0-9-]{1,62}$")

__all__ = [
    "ConfigError",
    "ConfigErrors",
    "Settings",
    "StackContext",
    "load_settings",
    "parse",
    "stack_settings",
]


class Settings(Model):
    """Every `spikeproof:*` key. Scalars' defaults live in Pulumi.yaml; objects' in their models."""

    environment: str = Field(
        pattern=r"^[a-z][a-z0-9-]{1,15}$",
        description="Short environment name for names and tags: 2-16 lower-case letters, digits, "
        "hyphens. No default (Pulumi.yaml declares it; each stack sets it).",
        examples=["staging"],
    )
    owner: str = Field(
        min_length=1, description="Owning team, for tags and alarm descriptions.", examples=["web"]
    )
    protect: bool = Field(
        description="Protect stateful resources (replicas) from deletion with Pulumi's protect."
    )
    primary: PrimarySettings = Field(
        default_factory=PrimarySettings, description="The primary write database (never managed)."
    )
    core_stack: CoreStackSettings | None = Field(
        default=None, description="The core application's stack, read through a StackReference."
    )
    network: NetworkSettings | None = Field(
        default=None, description="Network ids, when not read from the core stack."
    )
    replicas: ReplicaSettings = Field(
        default_factory=ReplicaSettings, description="Read replicas of the primary."
    )
    alerting: AlertingSettings = Field(
        default_factory=AlertingSettings, description="Alarm routing."
    )
    fleet: FleetSettings | None = Field(
        default=None, description="The autoscaling web fleet (marketing origin). Default: none."
    )
    edge: EdgeSettings | None = Field(
        default=None, description="The Cloudflare edge. Default: none (no Cloudflare resources)."
    )
    forms: FormsSettings | None = Field(
        default=None,
        description="The serverless form backend (needs spikeproof:edge: its hostnames are the "
        "allowed browser origins). Default: none.",
    )
    site: SiteSettings | None = Field(
        default=None,
        description="The static site on Cloudflare Workers Static Assets: the paths it serves "
        "on the marketing hostnames (docs/site.md). Needs spikeproof:edge with accountId. "
        "Default: none.",
    )
    cms_github_client_secret: str | None = Field(
        default=None,
        description="The GitHub OAuth app's client secret for the CMS sign-in (site.cms."
        "githubClientId), a Pulumi secret: `pulumi config set --secret "
        "spikeproof:cmsGithubClientSecret`. Sent to the site's Worker as a secret binding.",
    )
    cms_dispatch_token: str | None = Field(
        default=None,
        description="A GitHub token that may send repository_dispatch to site.cms.repo (a "
        "fine-grained token with Contents: read and write), for the API CMS's publish hook; a "
        "Pulumi secret.",
    )
    cms_webhook_secret: str | None = Field(
        default=None,
        description="The shared secret the API CMS signs its publish webhook with (X-CMS-"
        "Signature: sha256=HMAC, or Authorization: Bearer); a Pulumi secret.",
    )
    budget: BudgetSettings | None = Field(
        default=None,
        description="What the stack may cost: a monthly ceiling for its bill and one for each "
        "campaign's incremental cost, USD (python -m tools.cost; docs/cost.md). Default: none.",
    )
    campaigns: list[str] = Field(
        default_factory=list,
        description="Campaign files (campaigns/<name>.yaml, without .yaml) this stack prepares "
        "for: the pre-warm the projection asks for, a CloudWatch dashboard and tighter alarms "
        "for each campaign's window (docs/campaigns.md). Needs spikeproof:fleet and "
        "spikeproof:edge. Default: none.",
        examples=['["spring-coupon-blast"]'],
    )

    @field_validator("campaigns")
    @classmethod
    def _campaigns(cls, value: list[str]) -> list[str]:
        bad = [v for v in value if not CAMPAIGN_NAME.match(v)]
        if bad:
            raise ValueError(
                f"{bad} are not campaign file names (kebab-case, without .yaml): "
                "e.g. spring-coupon-blast for campaigns/spring-coupon-blast.yaml"
            )
        twice = sorted({v for v in value if value.count(v) > 1})
        if twice:
            raise ValueError(f"{twice} listed more than once")
        return value

    @field_validator("owner")
    @classmethod
    def _owner(cls, value: str) -> str:
        return value.strip()

    @model_validator(mode="after")
    def _sources(self) -> Settings:
        if self.fleet is not None and self.edge is not None:
            if self.edge.origin_hostname is not None:
                raise FieldError(
                    "edge.originHostname",
                    "the fleet's load balancer is the edge's origin; a second origin name would "
                    "send the edge elsewhere",
                    value=self.edge.origin_hostname,
                    allowed="unset when spikeproof:fleet is set",
                    example="remove edge.originHostname",
                )
            if self.fleet.domain_name is not None:
                raise FieldError(
                    "fleet.domainName",
                    "with the edge, the load balancer's certificate covers edge.hostnames (the "
                    "names Cloudflare presents to the origin); a separate name would fail "
                    "Full (strict) TLS",
                    value=self.fleet.domain_name,
                    allowed="unset when spikeproof:edge is set",
                    example="remove fleet.domainName",
                )
        if self.fleet is not None and self.edge is None and self.fleet.domain_name is None:
            raise FieldError(
                "fleet.domainName",
                "the load balancer's certificate needs a name: set fleet.domainName, or "
                "spikeproof:edge so it covers the edge's hostnames",
                allowed="a DNS name you can validate in ACM",
                example="spikeproof:fleet: {domainName: origin.marketing.example.com}",
            )
        if self.site is not None:
            self._check_site(self.site)
        static_only = self.site is not None and self.site.covers_everything()
        if (
            self.edge is not None
            and self.fleet is None
            and self.edge.origin_hostname is None
            and not static_only
        ):
            raise FieldError(
                "edge.originHostname",
                "the origin is unknown: set spikeproof:fleet, or edge.originHostname to an "
                "existing origin's DNS name",
                allowed="a DNS name (a load balancer's)",
                example="spikeproof:edge: {originHostname: my-alb-123.eu-west-1.elb.amazonaws.com}",
            )
        if self.forms is not None and self.edge is None:
            raise FieldError(
                "forms",
                "the form backend admits browsers from the marketing hostnames, which come from "
                "spikeproof:edge; without an edge it has no allowed origin",
                allowed="spikeproof:forms together with spikeproof:edge",
                example="spikeproof:edge: {zoneName: acme-marketing.com, hostnames: [...]}",
            )
        if self.forms is not None and self.edge is not None:
            self._check_forms_front_door(self.forms, self.edge)
        if self.campaigns and (self.fleet is None or self.edge is None):
            raise FieldError(
                "campaigns",
                "a campaign is projected against the stack's edge rules and fleet capacity, and "
                "its pre-warm is the fleet's: this stack lacks "
                + " and ".join(
                    k
                    for k, v in (("spikeproof:fleet", self.fleet), ("spikeproof:edge", self.edge))
                    if v is None
                ),
                value=self.campaigns,
                allowed="campaigns in a stack with spikeproof:fleet and spikeproof:edge",
                example="remove spikeproof:campaigns from this stack",
            )
        if self.network is None and self.core_stack is None:
            raise FieldError(
                "network",
                "the network is unknown: set spikeproof:network or spikeproof:coreStack",
                allowed="exactly one of spikeproof:network and spikeproof:coreStack",
                example="spikeproof:coreStack: {name: acme/core/prod}",
            )
        if self.network is not None and self.core_stack is not None:
            raise FieldError(
                "network",
                "both spikeproof:network and spikeproof:coreStack are set; the network would "
                "have two sources of truth",
                allowed="exactly one of spikeproof:network and spikeproof:coreStack",
                example="remove spikeproof:network and read the ids from the core stack",
            )
        flood = self.edge.rate_limits.flood if self.edge is not None else None
        if flood is not None and flood.requests_per_period is None and self.fleet is None:
            raise FieldError(
                "edge.rateLimits.flood.requestsPerPeriod",
                "the flood rule's limit is derived from the fleet's capacity, and this stack has "
                "no spikeproof:fleet",
                allowed="requestsPerPeriod set, or a stack with a fleet",
                example="spikeproof:edge: {rateLimits: {flood: {requestsPerPeriod: 600, "
                "periodSeconds: 60, action: managed_challenge}}}",
            )
        if self.edge is not None and self.fleet is not None:
            found = problems(self.edge_rules())
            if found:
                p = found[0]
                raise FieldError(
                    "edge.rateLimits.flood",
                    f"the flood limit derived from the fleet is refused: {p.problem}",
                    value=p.value,
                    allowed=p.allowed,
                    example=p.example or None,
                )
        if self.primary.identifier is None and self.core_stack is None:
            raise FieldError(
                "primary.identifier",
                "the primary is unknown: set spikeproof:primary.identifier or spikeproof:coreStack",
                allowed="a DB instance identifier, or a core stack exporting it",
                example="spikeproof:primary: {identifier: core-prod-db}",
            )
        return self

    def _check_site(self, site: SiteSettings) -> None:
        if self.edge is None or self.edge.account_id is None:
            raise FieldError(
                "site",
                "the static site is a Cloudflare Worker on the edge's hostnames: it needs "
                "spikeproof:edge with its accountId (Workers belong to an account)",
                allowed="spikeproof:site together with spikeproof:edge.accountId",
                example="spikeproof:edge: {accountId: 0123456789abcdef0123456789abcdef, ...}",
            )
        if site.workers_dev and self.environment == "prod":
            raise FieldError(
                "site.workersDev",
                "prod serves the site only on its own hostnames: a *.workers.dev name would be a "
                "second, unprotected copy (no rate limit, no security headers)",
                value=True,
                allowed="false in prod",
                example="remove site.workersDev",
            )
        apex = self.edge.zone_name
        if (
            site.hsts_binds_subdomains()
            and not site.hsts_covers_zone
            and self.edge.owns_zone_rulesets
            and (apex is None or apex in self.edge.hostnames)
        ):
            where = f"the zone's apex {apex}" if apex else "a hostname that may be the zone's apex"
            raise FieldError(
                "site.securityHeaders.Strict-Transport-Security",
                f"includeSubDomains (or preload) sent from {where} binds every host of the zone "
                "to HTTPS for the header's max-age, also hosts this stack does not manage; a "
                "host without HTTPS becomes unreachable and the header cannot be taken back",
                value=site.hsts(),
                allowed="HSTS without includeSubDomains, or site.hstsCoversZone: true once every "
                "host of the zone serves HTTPS",
                example="Strict-Transport-Security: max-age=31536000",
            )
        if site.cms is not None and not site.serves(ADMIN_PATH):
            raise FieldError(
                "site.cms",
                "the CMS admin is served at /admin/ by the static site, and no site.paths "
                "entry covers it (the fleet would answer /admin/)",
                value=site.paths,
                allowed="site.paths with '/admin/*'",
                example=f"spikeproof:site: {{paths: {[*site.paths, '/admin/*']}}}",
            )
        client_id = site.cms.github_client_id if site.cms is not None else None
        if client_id is not None and self.cms_github_client_secret is None:
            raise FieldError(
                "cmsGithubClientSecret",
                "site.cms.githubClientId is set, and the OAuth app's client secret is not: the "
                "sign-in cannot exchange GitHub's code for a token without it",
                allowed="the OAuth app's client secret, as a Pulumi secret",
                example="pulumi config set --secret spikeproof:cmsGithubClientSecret <secret>",
            )
        api = site.cms.api if site.cms is not None else None
        for key, value in (("cmsDispatchToken", self.cms_dispatch_token),
                           ("cmsWebhookSecret", self.cms_webhook_secret)):  # fmt: skip
            if api is not None and value is None:
                raise FieldError(
                    key,
                    "site.cms.api is set, and its publish hook needs this secret to relay the "
                    "CMS's webhook to GitHub",
                    allowed="a Pulumi secret",
                    example=f"pulumi config set --secret spikeproof:{key} <value>",
                )
        if site.covers_everything() and self.fleet is not None:
            raise FieldError(
                "site.paths",
                "'/*' sends every path to the static site, so the fleet would serve nothing: "
                "list the paths that move, or remove spikeproof:fleet",
                value=site.paths,
                allowed="the paths that move (e.g. /campaigns/*), or '/*' without a fleet",
                example="spikeproof:site: {paths: ['/campaigns/*']}",
            )

    def cms_secrets(self) -> dict[str, str]:
        """The site Worker's secret bindings: name -> value, for those set."""
        named = {
            "GITHUB_CLIENT_SECRET": self.cms_github_client_secret,
            "GITHUB_DISPATCH_TOKEN": self.cms_dispatch_token,
            "CMS_WEBHOOK_SECRET": self.cms_webhook_secret,
        }
        return {name: value for name, value in named.items() if value is not None}

    def static_routes(self) -> tuple[str, ...]:
        """Workers route patterns of the static site: every marketing hostname x path."""
        if self.site is None or self.edge is None:
            return ()
        return tuple(self.site.routes(self.edge.hostnames))

    @staticmethod
    def _check_forms_front_door(forms: FormsSettings, edge: EdgeSettings) -> None:
        domain = forms.custom_domain
        if domain is None:
            raise FieldError(
                "forms.customDomain",
                "the form API needs its hostname in the edge's zone: without it, posts go to "
                "the execute-api endpoint, past the edge's form rate limit, and the page has no "
                "stable address to post to",
                allowed="a first-level name in the edge's zone, not a marketing hostname",
                example=f"spikeproof:forms: {{customDomain: {{domainName: forms."
                f"{edge.zone_name or 'example.com'}}}}}",
            )
        host = domain.domain_name
        if host in edge.hostnames:
            raise FieldError(
                "forms.customDomain.domainName",
                "the form API's hostname is also a marketing hostname: its DNS record would "
                "point at two origins",
                value=host,
                allowed="a hostname not in edge.hostnames",
                example=f"forms.{edge.zone_name or 'example.com'}",
            )
        zone = edge.zone_name
        if zone is not None and (not host.endswith("." + zone) or "." in host[: -len(zone) - 1]):
            raise FieldError(
                "forms.customDomain.domainName",
                f"the edge creates this name's DNS record in zone {zone}, and its Universal SSL "
                "certificate covers only the apex and first-level subdomains (Cloudflare SSL "
                "docs, 'Universal SSL': hostname coverage)",
                value=host,
                allowed=f"<name>.{zone}",
                example=f"forms.{zone}",
            )
        for key, page in (("thankYou", forms.pages.thank_you), ("error", forms.pages.error)):
            if page.startswith("https://"):
                page_host = page[len("https://") :].split("/", 1)[0]
                if page_host not in edge.hostnames:
                    raise FieldError(
                        f"forms.pages.{key}",
                        "a plain form post is sent to this page, and it is not on a marketing "
                        "hostname: the visitor would leave the site (and the ingest would send "
                        "browsers to an address nobody checked)",
                        value=page,
                        allowed="a path, or an https URL on one of " + ", ".join(edge.hostnames),
                        example=f"https://{edge.hostnames[0]}/thank-you/",
                    )

    @property
    def form_pages(self) -> tuple[str, str]:
        """The thank-you and error page URLs (a path resolves on the first marketing hostname)."""
        if self.forms is None or self.edge is None:
            raise ValueError("this stack has no spikeproof:forms")
        host = self.edge.hostnames[0]
        pages = self.forms.pages
        return tuple(  # type: ignore[return-value]
            p if p.startswith("https://") else f"https://{host}{p}"
            for p in (pages.thank_you, pages.error)
        )

    @property
    def form_routes(self) -> tuple[str, ...]:
        """The form API's routes (what the edge's form rate limit counts on its host)."""
        if self.forms is None:
            return ()
        return ("/subscribe", self.forms.contact_route)

    @property
    def origin_capacity_rps(self) -> float | None:
        """What the fleet serves at its minimum size (None without a fleet)."""
        if self.fleet is None:
            return None
        return self.fleet.min_size * self.fleet.per_instance_capacity_rps

    def edge_rules(self, *, page_query_ignored: bool = True) -> EdgeRulesSpec:
        """The edge's rules as the stack deploys them (the flood limit derived from the fleet)."""
        if self.edge is None:
            raise ValueError("this stack has no spikeproof:edge")
        domain = self.forms.custom_domain if self.forms is not None else None
        return self.edge.rules_spec(
            origin_capacity_rps=self.origin_capacity_rps,
            page_query_ignored=page_query_ignored,
            form_host=domain.domain_name if domain is not None else None,
            form_routes=self.form_routes,
            static_routes=self.static_routes(),
        )


@dataclass(frozen=True, kw_only=True)
class StackContext:
    """What the program knows about where it runs, besides its own keys."""

    stack: str
    project: str
    region: str
    stack_file: str
    secret_keys: frozenset[str]


def parse(
    config: Mapping[str, Any],
    *,
    stack: str,
    secret_keys: frozenset[str] = frozenset(),
    project_dir: Path | None = None,
) -> tuple[Settings, str]:
    """Parse a flat Pulumi config map (`namespace:key` to value) into Settings and the region.

    Values arrive as the engine sends them: scalars as strings, objects and arrays as JSON text.
    With `project_dir`, the project's other stack files are read for cross-stack conflicts (two
    stacks owning one Cloudflare zone's rulesets).
    """
    stack_file = stack_file_label(stack)
    errors: list[ConfigError] = []
    raw: dict[str, Any] = {}
    project = NAMESPACE.rstrip(":")
    for key, value in config.items():
        if not key.startswith(NAMESPACE):
            unread = provider_problems(key, value, project=project)
            if unread:
                problem, allowed, example = unread
                errors.append(
                    ConfigError(
                        stack_file=stack_file,
                        key_path=key,
                        problem=problem,
                        value="[secret]"
                        if key in secret_keys or CREDENTIAL.search(key.partition(":")[2])
                        else value,
                        allowed=allowed,
                        example=example,
                    )
                )
            continue
        name = key[len(NAMESPACE) :]
        if "." in name:
            head, _, rest = name.partition(".")
            errors.append(
                ConfigError(
                    stack_file=stack_file,
                    key_path=key,
                    problem="a stack file key is not a path: the dotted name is one key nothing "
                    f"reads. `pulumi config set --path {key} ...` writes it nested",
                    value=value,
                    allowed=f"{NAMESPACE}{head} as a mapping",
                    example=f"{NAMESPACE}{head}:\n    {rest}: {value}",
                )
            )
            continue
        if isinstance(value, str) and value[:1] in "{[":
            try:
                value = json.loads(value)
            except json.JSONDecodeError as exc:
                errors.append(
                    ConfigError(
                        stack_file=stack_file,
                        key_path=key,
                        problem=f"not valid structured config ({exc.msg})",
                        value="[secret]" if key in secret_keys else value,
                        example="write it as a YAML mapping under the key",
                    )
                )
                continue
        raw[name] = _as_sdk_reads(name, value)

    region = config.get("aws:region")
    reported = any(e.key_path == "aws:region" for e in errors)  # botocore's list said why
    if not isinstance(region, str) or (not REGION.match(region) and not reported):
        errors.append(
            ConfigError(
                stack_file=stack_file,
                key_path="aws:region",
                problem="missing or not an AWS region" if region else "required key is missing",
                value=region,
                has_value=region is not None,
                allowed="an AWS region name",
                example="aws:region: eu-west-1",
            )
        )

    settings: Settings | None = None
    try:
        settings = Settings.model_validate(raw)
    except ValidationError as exc:
        found = translate(exc, Settings, stack_file=stack_file, namespace=NAMESPACE, raw=raw)
        for err in found:
            top = err.key_path.split(".", 1)[0].split("[", 1)[0]
            if top in secret_keys:
                # Never echo a secret value, even a wrong one, into a terminal or a CI log.
                err.value = "[secret]"
                err.args = (err.render(),)
        errors.extend(found)
    for secret_key in SECRET_KEYS:
        if settings is None or secret_key not in config or secret_key in secret_keys:
            continue
        errors.append(
            ConfigError(
                stack_file=stack_file,
                key_path=secret_key,
                problem="a secret in plain text: anyone who reads the stack file or the "
                "repository has it",
                value="[secret]",
                allowed="a Pulumi secret (`secure:` in the stack file)",
                example=f"pulumi config set --secret {secret_key} <value>",
            )
        )
    if settings is not None and project_dir is not None:
        errors.extend(zone_conflicts(settings.edge, stack=stack, project_dir=project_dir))
    accounts, account_errors = _allowed_accounts(config, stack_file=stack_file)
    errors.extend(account_errors)
    if settings is not None and isinstance(region, str):
        errors.extend(
            _certificate_problems(settings, accounts, stack_file=stack_file, region=region)
        )
        errors.extend(_kms_key_problems(settings, stack_file=stack_file, region=region))
    if errors or settings is None:
        raise ConfigErrors(errors)
    return settings, str(region)


SECRET_KEYS = tuple(
    f"{NAMESPACE}{key}" for key in ("cmsGithubClientSecret", "cmsDispatchToken", "cmsWebhookSecret")
)
"""Keys that are refused unless they are Pulumi secrets."""

ACCOUNT_ID = re.compile(r"^\d{12}$")


def _allowed_accounts(
    config: Mapping[str, Any], *, stack_file: str
) -> tuple[list[str], list[ConfigError]]:
    """The provider's aws:allowedAccountIds (a list of 12-digit account ids) when the stack sets it.

    The CLI hands a structured provider value to the program as JSON text. An id written as a bare
    YAML number is refused: YAML drops a leading zero, and the provider compares strings."""
    allowed = config.get("aws:allowedAccountIds")
    if allowed is None:
        return [], []
    if isinstance(allowed, str):
        with contextlib.suppress(json.JSONDecodeError):
            allowed = json.loads(allowed)
    if (
        isinstance(allowed, list)
        and allowed
        and all(isinstance(a, str) and ACCOUNT_ID.match(a) for a in allowed)
    ):
        return list(allowed), []
    return [], [
        ConfigError(
            stack_file=stack_file,
            key_path="aws:allowedAccountIds",
            problem="must be a non-empty list of 12-digit AWS account ids, each quoted",
            value=allowed,
            allowed="a list of quoted 12-digit strings",
            example='aws:allowedAccountIds: ["111122223333"]',
        )
    ]


def _certificate_problems(
    settings: Settings, accounts: list[str], *, stack_file: str, region: str
) -> list[ConfigError]:
    """A certificate the resource cannot use: API Gateway's regional custom domain takes an ACM
    certificate "in the same Region as your API" and account (API Gateway developer guide,
    "Setting up a regional custom domain name"). The account is the provider's
    aws:allowedAccountIds when the stack sets it."""
    domain = settings.forms.custom_domain if settings.forms is not None else None
    if domain is None or domain.certificate_arn is None:
        return []
    parts = domain.certificate_arn.split(":")
    cert_region, cert_account = parts[3], parts[4]
    problems: list[str] = []
    if cert_region != region:
        problems.append(
            f"the certificate is in {cert_region}, and the form API's regional custom domain can "
            f"only use one in the stack's region ({region})"
        )
    if accounts and cert_account not in accounts:
        problems.append(
            f"the certificate belongs to account {cert_account}, and the stack deploys to "
            f"{', '.join(accounts)} (aws:allowedAccountIds): API Gateway cannot use another "
            "account's certificate"
        )
    return [
        ConfigError(
            stack_file=stack_file,
            key_path=f"{NAMESPACE}forms.customDomain.certificateArn",
            problem=problem,
            value=domain.certificate_arn,
            allowed=f"an ACM certificate in {region}"
            + (f", account {', '.join(accounts)}" if accounts else ""),
            example="request or import the certificate in the stack's own account and region",
        )
        for problem in problems
    ]


def _kms_key_problems(settings: Settings, *, stack_file: str, region: str) -> list[ConfigError]:
    """A cross-region replica's key must be in the replica's region: "KMS keys are specific to
    the Amazon Web Services Region that they are created in" (CreateDBInstanceReadReplica,
    KmsKeyId, botocore's RDS model)."""
    key = settings.primary.kms_key_id
    match = KMS_KEY_ARN.match(key) if key else None
    if match is None or match["region"] == region:
        return []
    return [
        ConfigError(
            stack_file=stack_file,
            key_path=f"{NAMESPACE}primary.kmsKeyId",
            problem=f"the key is in {match['region']}; the replicas are created in the stack's "
            f"region ({region}) and can only be encrypted with a key of that region",
            value=key,
            allowed=f"a KMS key ARN in {region}",
            example=f"arn:aws:kms:{region}:{match['account']}:key/<key id>",
        )
    ]


def load_settings() -> tuple[Settings, StackContext]:
    """Read the running program's config. Raises ConfigErrors (a pulumi.RunError: no traceback)."""
    from pulumi.runtime import config as runtime_config

    merged: dict[str, Any] = {**runtime_config.get_config_env(), **runtime_config.CONFIG.get()}
    secret_keys = frozenset(
        [*runtime_config.get_config_secret_keys_env(), *runtime_config._SECRET_KEYS.get()]
    )
    stack = pulumi.get_stack()
    # The CLI runs the program from the project directory, next to the other stacks' files.
    settings, region = parse(merged, stack=stack, secret_keys=secret_keys, project_dir=Path.cwd())
    context = StackContext(
        stack=stack,
        project=pulumi.get_project(),
        region=region,
        stack_file=stack_file_label(stack),
        secret_keys=secret_keys,
    )
    return settings, context


def _as_sdk_reads(name: str, value: Any) -> Any:
    """A top-level scalar as the program's SDK getter reads the text the engine hands over
    (settings.files.sdk_scalar), for the Settings fields that are booleans or integers."""
    field = Settings.model_fields.get(name) or next(
        (f for f in Settings.model_fields.values() if f.alias == name), None
    )
    if field is None or not isinstance(value, str):
        return value
    kind = {bool: "bool", int: "int"}.get(field.annotation)  # type: ignore[arg-type]
    return sdk_scalar(value, kind) if kind else value


def stack_settings(
    stack: str,
    *,
    config_file: Path | None = None,
    project_dir: Path = ROOT,
    overrides: Mapping[str, Any] | None = None,
) -> Settings:
    """A stack file's settings, read as the CLI would hand them to the program (for commands such
    as the pre-flight and the replay, which run without the engine). `overrides` (tests) merge
    over the stack file key by key, as in load_stack_config."""
    return stack_settings_in(
        stack, config_file=config_file, project_dir=project_dir, overrides=overrides
    )[0]


def stack_settings_in(
    stack: str,
    *,
    config_file: Path | None = None,
    project_dir: Path = ROOT,
    overrides: Mapping[str, Any] | None = None,
) -> tuple[Settings, str]:
    """stack_settings, with the stack's AWS region (aws:region)."""
    config, secret_keys, _ = load_stack_config(
        stack, config_file=config_file, project_dir=project_dir, overrides=overrides
    )
    # Messages name the file that was read (settings.files.stack_file_label).
    previous = os.environ.get(CONFIG_FILE_ENV)
    if config_file is not None:
        os.environ[CONFIG_FILE_ENV] = str(config_file)
    try:
        settings, region = parse(config, stack=stack, secret_keys=secret_keys)
    finally:
        if previous is None:
            os.environ.pop(CONFIG_FILE_ENV, None)
        else:
            os.environ[CONFIG_FILE_ENV] = previous
    return settings, region
