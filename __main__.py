"""spikeproof: load the stack's settings and campaigns, build the components, export outputs."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pulumi
import pulumi_random as random

from components.acm import deferred_validation_names
from components.alerting import Alerting, AlertingArgs
from components.campaign import CampaignMonitor, CampaignMonitorArgs
from components.core import core_facts
from components.edge import CloudflareEdge, CloudflareEdgeArgs, behind_front_door
from components.fleet import WebFleet, WebFleetArgs
from components.forms import FormBackend, FormBackendArgs, FunctionCode
from components.replica import ReadReplica, ReadReplicaArgs
from components.site import StaticSite, StaticSiteArgs, site_upload
from contracts.export import export_outputs
from forecast.campaigns import prepare
from functions.package import build as package_functions
from model.edge_rules import ORIGIN_HEADER
from settings import load_settings

settings, stack = load_settings()
campaigns = prepare(settings, stack=stack.stack)  # its config errors, too, come before any resource
root, now = Path(__file__).resolve().parent, datetime.now(UTC)
upload = site_upload(settings.site, root, stack=stack.stack)  # likewise
for notice in campaigns.ended_notices(now):
    pulumi.log.warn(notice)
core, prefix = core_facts(settings), f"spikeproof-{settings.environment}"
e, f, fm, comment = settings.edge, settings.fleet, settings.forms, f"spikeproof/{stack.stack}"
topic = Alerting("alerts", AlertingArgs(config=settings.alerting)).topic_arn
# The edge adds it as a header, the ALB requires it; no person handles it (rotate-origin-secret.md)
origin_secret = random.RandomPassword("origin-secret", length=48, special=False).result
fqdns, resolve_fqdns = deferred_validation_names() if e and f else (None, None)  # edge makes them
fleet = None if f is None else WebFleet("web", WebFleetArgs(
    config=f, network=core.network, domain_names=e.hostnames if e else [str(f.domain_name)],
    origin_header_name=e.origin_header_name if e else ORIGIN_HEADER, origin_secret=origin_secret,
    certificate_validation_fqdns=fqdns, alarm_topic_arn=topic, campaign_windows=campaigns.windows,
    now=now, name_prefix=prefix, region=stack.region))  # fmt: skip
replicas = ReadReplica("replicas", ReadReplicaArgs(
    config=settings.replicas, primary=settings.primary, primary_identifier=core.primary_identifier,
    stack_region=stack.region, network=core.network, protect=settings.protect,
    allowed_security_group_ids=[fleet.security_group_id] if fleet else [], alarm_topic_arn=topic,
    name_prefix=prefix))  # fmt: skip
edge = forms = None
if e is not None:
    edge = CloudflareEdge("edge", CloudflareEdgeArgs(
        config=e, origin=fleet, origin_secret=origin_secret, comment=f"{comment} edge",
        form_host=fm.custom_domain.domain_name if fm and fm.custom_domain else None,
        form_routes=settings.form_routes, static_routes=settings.static_routes()))  # fmt: skip
    if resolve_fqdns is not None:
        resolve_fqdns(edge.validation_fqdns)
    if fm is not None:
        args = FormBackendArgs(
            config=fm, region=stack.region, alarm_topic_arn=topic, name_prefix=prefix,
            code=FunctionCode.of(package_functions(root / "build" / "forms.zip")),
            allowed_origins=[f"https://{host}" for host in e.hostnames],
            turnstile_secret=edge.turnstile_secret, thank_you_url=settings.form_pages[0],
            error_url=settings.form_pages[1], edge_header=e.origin_header_name,
            edge_secret=origin_secret if e.owns_zone_rulesets else None)  # fmt: skip
        # The API certificate's validation records are made by its front door, after the API.
        forms = behind_front_door(edge, f"{comment} edge", lambda names: FormBackend(
            "forms", replace(args, certificate_validation_fqdns=names)))  # fmt: skip
site = StaticSite("site", StaticSiteArgs(
    config=settings.site, upload=upload, account_id=e.account_id, zone_id=edge.zone_id,
    hostnames=tuple(e.hostnames), owns_zone_rulesets=e.owns_zone_rulesets, name_prefix=prefix,
    comment=f"{comment} site", cms_secrets=dict(settings.cms_secrets())),  # the edge's account
) if settings.site and upload and edge and e and e.account_id else None  # fmt: skip
# A dashboard and window alarms per referenced campaign (settings require a fleet and an edge).
monitors = {facts.name: CampaignMonitor(f"campaign-{facts.name}", CampaignMonitorArgs(
    facts=facts, alarm_topic_arn=topic, region=stack.region, fleet=fleet, replicas=replicas,
    forms=forms, name_prefix=prefix)) for facts in campaigns.facts if fleet}  # fmt: skip
export_outputs(environment=settings.environment, region=stack.region, alarm_topic_arn=topic,
               replicas=replicas, fleet=fleet, edge=edge, forms=forms, site=site,
               monitors=monitors)  # fmt: skip
