"""The Cloudflare edge in front of the marketing fleet.

Creates, in one zone: a proxied DNS record (TTL auto) per marketing hostname pointing at the origin
(the fleet's load balancer), the ACM validation records of the fleet's certificate (DNS only: ACM
must see them), the zone settings the stack asks for, and, when this stack owns them, the zone's
entrypoint rulesets for three phases (cache settings, rate limiting, late request transform) built
by `model.edge_rules`. Optional: tiered cache, Cache Reserve, a
Waiting Room on the campaign landing path, and a Turnstile widget for the form. `FormFrontDoor`
gives the form API's own hostname its proxied record (and its certificate's validation record).

The origin secret is only ever handled as an Input (a Pulumi secret): it is placed into the
transform rule and the Ruleset's state is marked secret. Deliberately does not: create the zone, the
origin certificate or the API token; read config (the caller passes everything); create any
resource inside `.apply()` (validation records come in as typed Inputs, see `validation_records`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar, cast

import pulumi
import pulumi_cloudflare as cloudflare

from components.acm import deferred_validation_names
from model.edge_rules import (
    CACHE_PHASE,
    CONFIG_PHASE,
    RATELIMIT_PHASE,
    TRANSFORM_PHASE,
    cache_rules,
    config_rules,
    rate_limit_rules,
    transform_rules,
)
from settings.edge import EdgeSettings


@dataclass(frozen=True, kw_only=True)
class ValidationRecord:
    """One DNS record ACM asks for to validate a certificate."""

    name: pulumi.Input[str]
    """Record name (a trailing dot is accepted)."""
    type: pulumi.Input[str]
    """Record type; ACM uses CNAME."""
    value: pulumi.Input[str]
    """Record content."""


def validation_records(
    hostnames: Sequence[str], domain_validation_options: pulumi.Input[Sequence[Any]]
) -> list[ValidationRecord]:
    """ACM's validation records for `hostnames`, one per hostname, as Inputs.

    The hostnames are known before deployment, so each record is indexed by its domain name inside
    an apply that only reads values; no resource is created inside the apply.
    """
    options = pulumi.Output.from_input(domain_validation_options)

    def pick(host: str, attr: str) -> pulumi.Output[str]:
        def read(opts: Sequence[Any]) -> str:
            for opt in opts or ():
                get = opt.get if isinstance(opt, Mapping) else lambda k, o=opt: getattr(o, k, None)
                if get("domain_name") == host:
                    return str(get(attr))
            raise ValueError(f"the certificate has no validation option for {host}")

        return options.apply(read)

    return [
        ValidationRecord(
            name=pick(h, "resource_record_name"),
            type=pick(h, "resource_record_type"),
            value=pick(h, "resource_record_value"),
        )
        for h in hostnames
    ]


class EdgeOrigin(Protocol):
    """What the edge reads of the origin it fronts (the web fleet)."""

    @property
    def alb_dns_name(self) -> pulumi.Output[str]: ...

    @property
    def domain_validation_options(self) -> pulumi.Output[list[dict[str, str]]]: ...

    @property
    def min_capacity_rps(self) -> float:
        """Requests per second the origin serves at its minimum size (sizes the flood rule)."""
        ...

    @property
    def serving(self) -> pulumi.Resource:
        """What must exist before visitors are sent to the origin (its HTTPS forward rule)."""
        ...


@dataclass(frozen=True, kw_only=True)
class CloudflareEdgeArgs:
    config: EdgeSettings
    """What the stack file decides: zone, hostnames, rules, zone settings, Waiting Room, Turnstile.
    Defaults, bounds and cross-field rules live in settings/edge.py."""
    origin: EdgeOrigin | None
    """The fleet behind the edge: its load balancer is the proxied records' target and its
    certificate's validation records are created here. None: `config.origin_hostname`, an origin
    this program does not manage."""
    origin_secret: pulumi.Input[str]
    """Value of the origin header the edge adds and the origin requires. Pass a secret."""
    comment: str
    """Stack and component, written into every Cloudflare comment and description."""
    form_host: str | None = None
    """The form API's hostname (forms.customDomain.domainName): the strict form rate limit
    counts posts to it. Its record is `FormFrontDoor`'s."""
    form_routes: tuple[str, ...] = ()
    """The form API's routes on `form_host`."""
    static_routes: tuple[str, ...] = ()
    """The static site's Workers route patterns (they answer instead of the origin)."""


class CloudflareEdge(pulumi.ComponentResource):
    hostnames: pulumi.Output[list[str]]
    """The proxied marketing hostnames."""
    zone_id: pulumi.Output[str]
    """The zone the records and rules live in."""
    turnstile_site_key: pulumi.Output[str] | None
    """Public site key of the Turnstile widget, or None without one."""
    turnstile_secret: pulumi.Output[str] | None
    """Secret key of the Turnstile widget (a Pulumi secret) for the form backend, or None."""
    validation_fqdns: pulumi.Output[list[str]]
    """Names of the ACM validation records once created: the certificate's validation waits on
    them (`aws.acm.CertificateValidation.validation_record_fqdns`)."""

    def __init__(
        self, name: str, args: CloudflareEdgeArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("spikeproof:edge:CloudflareEdge", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        config = args.config
        spec = config.rules_spec(
            origin_capacity_rps=args.origin.min_capacity_rps if args.origin else None,
            form_host=args.form_host,
            form_routes=args.form_routes,
            static_routes=args.static_routes,
        )
        comment = args.comment
        zone_id: pulumi.Input[str] = (
            config.zone_id
            or cloudflare.get_zone_output(filter={"name": str(config.zone_name), "match": "all"}).id
        )
        # No origin at all (a stack that serves only the static site): the records still have
        # to exist and be proxied for the Workers routes to run; `100::` is the discard prefix
        # Cloudflare documents for an originless hostname (Workers routes docs).
        originless = args.origin is None and config.origin_hostname is None
        origin_hostname: pulumi.Input[str] = (
            args.origin.alb_dns_name
            if args.origin is not None
            else ("100::" if originless else str(config.origin_hostname))
        )
        records = (
            validation_records(config.hostnames, args.origin.domain_validation_options)
            if args.origin is not None
            else []
        )
        serving = [args.origin.serving] if args.origin is not None else []

        for host in spec.hostnames:
            cloudflare.DnsRecord(
                f"{name}-dns-{_role(host)}",
                zone_id=zone_id,
                name=host,
                type="AAAA" if originless else "CNAME",
                content=origin_hostname,
                proxied=True,
                ttl=1,
                comment=f"{comment}: marketing hostname, proxied"
                + (" (no origin: the static site answers)" if originless else ""),
                # Visitors reach the origin only once its HTTPS listener forwards to the fleet.
                opts=pulumi.ResourceOptions(parent=self, depends_on=serving),
            )
        validation_names = validation_dns_records(name, zone_id, records, comment, child)
        for setting_id, value in config.zone_settings.values().items():
            cloudflare.ZoneSetting(
                f"{name}-setting-{setting_id.replace('_', '-')}",
                zone_id=zone_id,
                setting_id=setting_id,
                value=value,
                opts=child,
            )
        if config.cache.tiered_cache:
            cloudflare.ArgoTieredCaching(
                f"{name}-tiered-caching", zone_id=zone_id, value="on", opts=child
            )
            cloudflare.TieredCache(
                f"{name}-smart-topology", zone_id=zone_id, value="on", opts=child
            )
        if config.cache.cache_reserve:
            cloudflare.ZoneCacheReserve(
                f"{name}-cache-reserve", zone_id=zone_id, value="on", opts=child
            )

        if config.owns_zone_rulesets:
            phases: list[tuple[str, str, list[dict[str, Any]]]] = [
                ("cache-rules", CACHE_PHASE, cache_rules(spec, comment=comment)),
                ("rate-limits", RATELIMIT_PHASE, rate_limit_rules(spec, comment=comment)),
                (
                    "origin-header",
                    TRANSFORM_PHASE,
                    transform_rules(
                        spec, pulumi.Output.secret(args.origin_secret), comment=comment
                    ),
                ),
                (
                    "config-rules",
                    CONFIG_PHASE,
                    config_rules(
                        [*spec.hostnames, *([spec.form_host] if spec.form_host else [])],
                        config.hostname_ssl,
                        comment=comment,
                    ),
                ),
            ]
            for role, phase, rules in phases:
                if not rules:
                    continue
                cloudflare.Ruleset(
                    f"{name}-{role}",
                    zone_id=zone_id,
                    kind="zone",
                    phase=phase,
                    name=f"{comment} {phase}",
                    description=f"{comment}: generated by model/edge_rules.py",
                    # Plain dicts in the provider's input shape (edge_rules keeps them plain so
                    # model/edge_eval reads exactly what is sent; tests compare the wire form).
                    rules=cast(list[cloudflare.RulesetRuleArgsDict], rules),
                    # The transform rule carries the origin secret; keep the state's copy secret.
                    opts=pulumi.ResourceOptions(parent=self, additional_secret_outputs=["rules"]),
                )

        wr = config.waiting_room
        if wr.enabled:
            # Settings require both sizes with an enabled room (Cloudflare's minimum is 200).
            assert wr.total_active_users is not None and wr.new_users_per_minute is not None
            cloudflare.WaitingRoom(
                f"{name}-waiting-room",
                zone_id=zone_id,
                name=_waiting_room_name(comment),
                description=f"{comment}: campaign landing pages",
                host=config.hostnames[0],
                path=wr.path,
                # Every other marketing hostname too, where the subscription allows it (Cloudflare:
                # additional routes are "only available for the Waiting Room Advanced
                # subscription" and need a cookie suffix); otherwise the room guards one host.
                additional_routes=[{"host": h, "path": wr.path} for h in config.hostnames[1:]]
                if wr.advanced
                else None,
                cookie_suffix="spikeproof" if wr.advanced and len(config.hostnames) > 1 else None,
                total_active_users=wr.total_active_users,
                new_users_per_minute=wr.new_users_per_minute,
                session_duration=wr.session_duration_minutes,
                opts=child,
            )

        self.turnstile_site_key = None
        self.turnstile_secret = None
        if config.turnstile.enabled:
            assert config.account_id is not None  # settings require it with Turnstile
            widget = cloudflare.TurnstileWidget(
                f"{name}-turnstile",
                account_id=config.account_id,
                name=f"{comment} form",
                domains=list(spec.hostnames),
                mode=config.turnstile.mode,
                opts=child,
            )
            self.turnstile_site_key = widget.sitekey
            self.turnstile_secret = pulumi.Output.secret(widget.secret)

        self.validation_fqdns = pulumi.Output.all(*validation_names).apply(list)
        self.hostnames = pulumi.Output.from_input(list(spec.hostnames))
        self.zone_id = pulumi.Output.from_input(zone_id)
        self.register_outputs(
            {
                "hostnames": self.hostnames,
                "zone_id": self.zone_id,
                "turnstile_site_key": self.turnstile_site_key,
                "turnstile_secret": self.turnstile_secret,
                "validation_fqdns": self.validation_fqdns,
            }
        )


def validation_dns_records(
    name: str,
    zone_id: pulumi.Input[str],
    records: Sequence[ValidationRecord],
    comment: str,
    opts: pulumi.ResourceOptions,
) -> list[pulumi.Output[str]]:
    """ACM's validation records in the zone (DNS only), and their names."""
    names: list[pulumi.Output[str]] = []
    for i, rec in enumerate(records):
        record = cloudflare.DnsRecord(
            f"{name}-acm-validation-{i}",
            zone_id=zone_id,
            name=pulumi.Output.from_input(rec.name).apply(lambda n: n.rstrip(".")),
            type=rec.type,
            content=pulumi.Output.from_input(rec.value).apply(lambda v: v.rstrip(".")),
            # ACM must resolve the record itself: a proxied record would hide it.
            proxied=False,
            ttl=300,
            comment=f"{comment}: ACM certificate validation",
            opts=opts,
        )
        names.append(record.name)
    return names


class FormApi(Protocol):
    """What the front door reads of the form backend."""

    @property
    def hostname(self) -> str | None: ...

    @property
    def domain_target(self) -> pulumi.Output[str] | None: ...

    @property
    def domain_validation_options(self) -> pulumi.Output[list[dict[str, str]]] | None: ...


class FormFrontDoor(pulumi.ComponentResource):
    """The form API's hostname at the edge (`spikeproof:edge:FormFrontDoor`): a proxied CNAME to
    API Gateway's regional name for the custom domain, so every post passes the edge's form rate
    limit, and, when the stack requested the API's certificate, its DNS validation record.

    Proxied, Cloudflare serves the hostname with the zone's Universal SSL certificate and connects
    to API Gateway with SNI and Host set to the hostname, which the custom domain's ACM certificate
    covers: Full (strict) holds end to end. A separate component from the edge because the form
    backend needs the edge's Turnstile secret first, and this needs the backend's domain."""

    validation_fqdns: pulumi.Output[list[str]]
    """Names of the certificate's validation records (empty when a certificate was given)."""

    def __init__(
        self,
        name: str,
        *,
        zone_id: pulumi.Input[str],
        forms: FormApi,
        comment: str,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("spikeproof:edge:FormFrontDoor", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        if forms.hostname is None or forms.domain_target is None:
            raise ValueError("FormFrontDoor needs the form backend's custom domain")
        cloudflare.DnsRecord(
            f"{name}-dns",
            zone_id=zone_id,
            name=forms.hostname,
            type="CNAME",
            content=forms.domain_target,
            proxied=True,
            ttl=1,
            comment=f"{comment}: form API hostname, proxied (the form rate limit counts it)",
            opts=child,
        )
        records = (
            validation_records([forms.hostname], forms.domain_validation_options)
            if forms.domain_validation_options is not None
            else []
        )
        names = validation_dns_records(name, zone_id, records, comment, child)
        self.validation_fqdns = pulumi.Output.all(*names).apply(list)
        self.register_outputs({"validation_fqdns": self.validation_fqdns})


Api = TypeVar("Api", bound=FormApi)


def behind_front_door(
    edge: CloudflareEdge, comment: str, backend: Callable[[pulumi.Output[list[str]]], Api]
) -> Api:
    """The form backend `backend` builds, with its front door at the edge. The door creates the
    records that validate the API's certificate and the backend waits for their names: the
    backend gets them as a deferred output, resolved once the door exists."""
    names, resolve = deferred_validation_names()
    forms = backend(names)
    door = FormFrontDoor(
        "forms-front-door",
        zone_id=edge.zone_id,
        forms=forms,
        comment=comment,
        opts=pulumi.ResourceOptions(parent=edge),
    )
    resolve(door.validation_fqdns)
    return forms


def _role(host: str) -> str:
    return host.replace(".", "-")


def _waiting_room_name(comment: str) -> str:
    # Waiting room names allow letters, digits, '-' and '_' only.
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in comment) + "_campaigns"
