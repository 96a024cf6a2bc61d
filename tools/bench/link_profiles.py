"""Campaign links as widely used email, ads, social and analytics tools write them: the query
parameters each tool appends, with how they vary and where the name comes from.

Data for the synthetic replay (`python -m tools.edge_replay --profile NAME|all`) and its figures in
docs/benchmarks.md. The edge's design does not read this list: pages are cached under their path
alone, so a parameter nobody listed gives the same result (the `unlisted` profile proves it).

Sources:
- REGISTRY: the public Tracking Query Params Registry (github.com/mpchadwick/tracking-query-params-
  registry, `_data/params.csv`: name, platform, where confirmed, unique per visitor).
- CLEARURLS: the ClearURLs rules catalogue (github.com/ClearURLs/Rules, `data.min.json` at
  9317c06, 2025-07-29: `globalRules.rules`, or the named provider's `rules`).
- GA: Google Analytics' campaign URL parameters (support.google.com/analytics/answer/10917952:
  utm_id, utm_source, utm_medium, utm_campaign, utm_source_platform, utm_term, utm_content,
  utm_creative_format, utm_marketing_tactic).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Varies = Literal["campaign", "recipient", "click"]
"""Fixed for the whole campaign, different per recipient (contact id), or per click."""

REGISTRY = "Tracking Query Params Registry (mpchadwick/tracking-query-params-registry)"
CLEARURLS = "ClearURLs rules (ClearURLs/Rules data.json)"
GA = "Google Analytics campaign URL parameters (support.google.com/analytics/answer/10917952)"

UTM: dict[str, Varies] = {
    "utm_source": "campaign",
    "utm_medium": "campaign",
    "utm_campaign": "campaign",
    "utm_content": "campaign",
}


@dataclass(frozen=True)
class Profile:
    name: str
    kind: Literal["email", "ads", "social", "analytics", "test"]
    parameters: dict[str, Varies]
    source: str


PROFILES: tuple[Profile, ...] = (
    Profile(
        "google-analytics-utm", "analytics", {**UTM, "utm_term": "click", "utm_id": "campaign"}, GA
    ),
    Profile("google-ads", "ads", {**UTM, "gclid": "click", "gclsrc": "campaign"}, REGISTRY),
    Profile("google-analytics-cross-domain", "analytics", {**UTM, "_ga": "recipient"}, REGISTRY),
    Profile("facebook", "social", {**UTM, "fbclid": "click"}, REGISTRY),
    Profile("microsoft-advertising", "ads", {**UTM, "msclkid": "click"}, REGISTRY),
    Profile("pinterest", "social", {**UTM, "epik": "click"}, REGISTRY),
    Profile("mailchimp", "email", {**UTM, "mc_cid": "campaign", "mc_eid": "recipient"}, REGISTRY),
    Profile("klaviyo", "email", {**UTM, "_ke": "recipient"}, REGISTRY),
    Profile("bronto", "email", {**UTM, "_bta_tid": "recipient", "_bta_c": "campaign"}, REGISTRY),
    Profile(
        "listrak",
        "email",
        {
            **UTM,
            "trk_contact": "recipient",
            "trk_msg": "campaign",
            "trk_module": "campaign",
            "trk_sid": "recipient",
        },
        REGISTRY,
    ),
    Profile("dotdigital", "email", {**UTM, "dm_i": "recipient"}, REGISTRY),
    Profile(
        "springbot",
        "email",
        {
            **UTM,
            "redirect_log_mongo_id": "click",
            "redirect_mongo_id": "campaign",
            "sb_referer_host": "campaign",
        },
        REGISTRY,
    ),
    Profile(
        "godatafeed", "ads", {"gdfms": "campaign", "gdftrk": "click", "gdffi": "click"}, REGISTRY
    ),
    Profile("marin", "ads", {**UTM, "mkwid": "click", "pcrid": "campaign"}, REGISTRY),
    Profile("adobe-advertising", "ads", {"ef_id": "click", "s_kwcid": "campaign"}, REGISTRY),
    Profile(
        "hubspot",
        "email",
        {
            **UTM,
            "_hsenc": "recipient",
            "__hstc": "recipient",
            "__hssc": "click",
            "__hsfp": "recipient",
            "hsCtaTracking": "campaign",
        },
        CLEARURLS,
    ),
    Profile("marketo", "email", {**UTM, "mkt_tok": "recipient"}, CLEARURLS),
    Profile("vero", "email", {**UTM, "vero_conv": "campaign", "vero_id": "recipient"}, CLEARURLS),
    Profile(
        "mailerlite",
        "email",
        {**UTM, "ml_subscriber": "recipient", "ml_subscriber_hash": "recipient"},
        CLEARURLS,
    ),
    Profile("drip", "email", {**UTM, "__s": "recipient"}, CLEARURLS),
    Profile("yandex-direct", "ads", {**UTM, "yclid": "click", "_openstat": "campaign"}, CLEARURLS),
    Profile("google-display", "ads", {**UTM, "dclid": "click", "_gl": "click"}, CLEARURLS),
    Profile("adobe-campaign", "email", {"s_cid": "recipient"}, CLEARURLS),
    Profile("x-twitter", "social", {**UTM, "twclid": "click"}, CLEARURLS),
    Profile("linkedin", "social", {**UTM, "trk": "campaign", "trackingId": "click"}, CLEARURLS),
    Profile("reddit", "social", {**UTM, "rdt": "click", "share_id": "click"}, CLEARURLS),
    Profile("instagram", "social", {"igshid": "click", "igsh": "click"}, CLEARURLS),
    Profile(
        "matomo",
        "analytics",
        {"mtm_source": "campaign", "mtm_medium": "campaign", "mtm_campaign": "campaign"},
        CLEARURLS,
    ),
    Profile("wicked-reports", "analytics", {**UTM, "wickedid": "click"}, CLEARURLS),
    Profile(
        # Mixed and upper case: a deny-list of lower-case names misses these; a path-only key
        # does not care.
        "utm-upper-case",
        "test",
        {"UTM_SOURCE": "campaign", "Utm_Medium": "campaign", "utm_CONTENT": "recipient"},
        "a hand-edited link (names as typed)",
    ),
    Profile(
        "unlisted",
        "test",
        {"zx_r": "recipient", "q7": "click", "ref": "campaign"},
        "parameters no catalogue lists",
    ),
)
