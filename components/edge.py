"""The Cloudflare edge in front of the marketing fleet.

Creates, in one zone: a proxied DNS record (TTL auto) per marketing hostname pointing at the origin
(the fleet's load balancer), the ACM validation records of the fleet's certificate (DNS only: ACM
must see them), the zone settings the stack asks for, and, when this stack owns them, the zone's
entrypoint rulesets for three phases (cache settings, rate limiting, late request transform) built
by `components.edge_rules`. Optional: tiered cache, Cache Reserve, authenticated origin pulls, a
Waiting Room on the campaign landing path, and a Turnstile widget for the form.

The origin secret is only ever handled as an Input (a Pulumi secret): it is placed into the
transform rule and the Ruleset's state is marked secret. Deliberately does not: create the zone, the
origin certificate or the API token; read config (the caller passes everything); create any
resource inside `.apply()` (validation records come in as typed Inputs, see `validation_records`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, cast

import pulumi
import pulumi_cloudflare as cloudflare

from components.edge_rules import (
    CACHE_PHASE,
    RATELIMIT_PHASE,
    TRANSFORM_PHASE,
    EdgeRulesSpec,
    cache_rules,
    rate_limit_rules,
    transform_rules,
)

ZoneSettingValue = str | bool


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


@dataclass(frozen=True, kw_only=True)
class WaitingRoomArgs:
    host: str
    """Hostname the room guards (one of the marketing hostnames)."""
    path: str
    """Path prefix the room guards, e.g. /campaigns/ (sub-paths included)."""
    total_active_users: int
    """Visitors admitted at once; Cloudflare's minimum is 200."""
    new_users_per_minute: int
    """New visitors admitted per minute; Cloudflare's minimum is 200."""
    session_duration_minutes: int = 5
    """How long an admitted visitor's session lasts without activity. Default: 5."""


@dataclass(frozen=True, kw_only=True)
class TurnstileArgs:
    account_id: pulumi.Input[str]
    """Cloudflare account that owns the widget."""
    mode: Literal["managed", "non-interactive", "invisible"] = "managed"
    """Widget mode. Default: managed."""


@dataclass(frozen=True, kw_only=True)
class CloudflareEdgeArgs:
    zone_id: pulumi.Input[str]
    """Cloudflare zone id (from config or a `get_zone_output` look-up)."""
    rules: EdgeRulesSpec
    """Hostnames, cache, rate limit and header rules (checked by `edge_rules.problems`)."""
    origin_hostname: pulumi.Input[str]
    """DNS name the proxied records point at: the fleet's load balancer."""
    origin_secret: pulumi.Input[str]
    """Value of the origin header the edge adds and the origin requires. Pass a secret."""
    validation_records: Sequence[ValidationRecord] = ()
    """ACM validation records to create (DNS only). Default: none."""
    owns_zone_rulesets: bool = True
    """Create the zone's entrypoint rulesets. Default: true; false when another stack owns them
    (this stack then adds only DNS, settings and the optional resources)."""
    zone_settings: Mapping[str, ZoneSettingValue] = field(default_factory=dict)
    """Cloudflare setting id to value (e.g. {"ssl": "strict", "http3": "on"}). Default: none
    managed."""
    tiered_cache: bool = True
    """Tiered caching with Smart topology. Default: on."""
    cache_reserve: bool = False
    """Cache Reserve. Default: off (paid add-on)."""
    authenticated_origin_pulls: bool = False
    """Zone-level authenticated origin pulls. Default: off."""
    waiting_room: WaitingRoomArgs | None = None
    """A Waiting Room on the campaign landing path. Default: none."""
    turnstile: TurnstileArgs | None = None
    """A Turnstile widget for the form, on the marketing hostnames. Default: none."""
    comment: str = "spikeproof"
    """Stack and component, written into every Cloudflare comment and description."""


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
        spec = args.rules
        zone_id = args.zone_id
        comment = args.comment

        for host in spec.hostnames:
            cloudflare.DnsRecord(
                f"{name}-dns-{_role(host)}",
                zone_id=zone_id,
                name=host,
                type="CNAME",
                content=args.origin_hostname,
                proxied=True,
                ttl=1,
                comment=f"{comment}: marketing hostname, proxied",
                opts=child,
            )
        validation_names: list[pulumi.Output[str]] = []
        for i, rec in enumerate(args.validation_records):
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
                opts=child,
            )
            validation_names.append(record.name)
        for setting_id, value in args.zone_settings.items():
            cloudflare.ZoneSetting(
                f"{name}-setting-{setting_id.replace('_', '-')}",
                zone_id=zone_id,
                setting_id=setting_id,
                value=value,
                opts=child,
            )
        if args.tiered_cache:
            cloudflare.ArgoTieredCaching(
                f"{name}-tiered-caching", zone_id=zone_id, value="on", opts=child
            )
            cloudflare.TieredCache(
                f"{name}-smart-topology", zone_id=zone_id, value="on", opts=child
            )
        if args.cache_reserve:
            cloudflare.ZoneCacheReserve(
                f"{name}-cache-reserve", zone_id=zone_id, value="on", opts=child
            )
        if args.authenticated_origin_pulls:
            cloudflare.AuthenticatedOriginPullsSettings(
                f"{name}-origin-pulls", zone_id=zone_id, enabled=True, opts=child
            )

        if args.owns_zone_rulesets:
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
                    description=f"{comment}: generated by components/edge_rules.py",
                    # Plain dicts in the provider's input shape (edge_rules keeps them plain so
                    # tools/edge_check reads exactly what is sent; tests compare the wire form).
                    rules=cast(list[cloudflare.RulesetRuleArgsDict], rules),
                    # The transform rule carries the origin secret; keep the state's copy secret.
                    opts=pulumi.ResourceOptions(parent=self, additional_secret_outputs=["rules"]),
                )

        if args.waiting_room is not None:
            wr = args.waiting_room
            cloudflare.WaitingRoom(
                f"{name}-waiting-room",
                zone_id=zone_id,
                name=_waiting_room_name(comment),
                description=f"{comment}: campaign landing pages",
                host=wr.host,
                path=wr.path,
                total_active_users=wr.total_active_users,
                new_users_per_minute=wr.new_users_per_minute,
                session_duration=wr.session_duration_minutes,
                opts=child,
            )

        self.turnstile_site_key = None
        self.turnstile_secret = None
        if args.turnstile is not None:
            widget = cloudflare.TurnstileWidget(
                f"{name}-turnstile",
                account_id=args.turnstile.account_id,
                name=f"{comment} form",
                domains=list(spec.hostnames),
                mode=args.turnstile.mode,
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


def _role(host: str) -> str:
    return host.replace(".", "-")


def _waiting_room_name(comment: str) -> str:
    # Waiting room names allow letters, digits, '-' and '_' only.
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in comment) + "_campaigns"
