"""spikeproof: the marketing plane. Loads the stack's settings, prepares its campaigns, builds the
components and exports the outputs contract; every value comes from settings/."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pulumi
import pulumi_random as random

from components.alerting import Alerting, AlertingArgs
from components.campaign import CampaignMonitor, CampaignMonitorArgs
from components.core import core_facts
from components.edge import CloudflareEdge, CloudflareEdgeArgs, FormFrontDoor
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
upload = site_upload(settings.site, Path(__file__).resolve().parent, stack=stack.stack)  # likewise
now = datetime.now(UTC)
for c in campaigns.ended(now):
    pulumi.log.warn(f"campaign {c.name} ended {c.finish:%Y-%m-%d %H:%M %Z}: remove it from "
                    "spikeproof:campaigns to delete its dashboard and alarms")  # fmt: skip
core, prefix = core_facts(settings), f"spikeproof-{settings.environment}"
e, f, fm = settings.edge, settings.fleet, settings.forms
topic = Alerting("alerts", AlertingArgs(config=settings.alerting)).topic_arn
# One secret for the edge (adds it as a header) and the ALB (requires it), kept in state by
# pulumi-random so no person handles it (docs/runbooks/rotate-origin-secret.md).
origin_secret = random.RandomPassword("origin-secret", length=48, special=False).result
# The edge creates the fleet's certificate validation records; their names come back through a
# deferred output, made only when both exist (the engine waits for every output).
fqdns: pulumi.Output[list[str]] | None = None
resolve_fqdns: Callable[[pulumi.Output[list[str]]], None] | None = None
if e is not None and f is not None:
    fqdns, resolve_fqdns = pulumi.deferred_output()

fleet = None
if f is not None:
    fleet = WebFleet("web", WebFleetArgs(
        config=f, network=core.network, domain_names=e.hostnames if e else [str(f.domain_name)],
        origin_header_name=e.origin_header_name if e else ORIGIN_HEADER,
        origin_secret=origin_secret, certificate_validation_fqdns=fqdns, alarm_topic_arn=topic,
        campaign_windows=campaigns.windows, now=now, name_prefix=prefix))  # fmt: skip
replicas = ReadReplica("replicas", ReadReplicaArgs(
    config=settings.replicas, primary=settings.primary, primary_identifier=core.primary_identifier,
    stack_region=stack.region, network=core.network, protect=settings.protect,
    allowed_security_group_ids=[fleet.security_group_id] if fleet else [], alarm_topic_arn=topic,
    name_prefix=prefix))  # fmt: skip
edge = forms = None
if e is not None:
    domain = fm.custom_domain if fm is not None else None
    edge = CloudflareEdge("edge", CloudflareEdgeArgs(
        config=e, origin=fleet, origin_secret=origin_secret,
        comment=f"spikeproof/{stack.stack} edge", form_host=domain.domain_name if domain else None,
        form_routes=settings.form_routes, static_routes=settings.static_routes()))  # fmt: skip
    if resolve_fqdns is not None:
        resolve_fqdns(edge.validation_fqdns)
    if fm is not None:
        package = package_functions(Path(__file__).resolve().parent / "build" / "forms.zip")
        code = FunctionCode(archive=pulumi.FileArchive(str(package.path)),
                            source_code_hash=package.source_code_hash)  # fmt: skip
        # The API's certificate (when the stack requests it) is validated by records the front
        # door creates from the certificate: their names come back through a deferred output.
        api_fqdns: pulumi.Output[list[str]]
        resolve_api_fqdns: Callable[[pulumi.Output[list[str]]], None]
        api_fqdns, resolve_api_fqdns = pulumi.deferred_output()
        thank_you, error_page = settings.form_pages
        forms = FormBackend("forms", FormBackendArgs(
            config=fm, code=code, region=stack.region, alarm_topic_arn=topic,
            allowed_origins=[f"https://{host}" for host in e.hostnames],
            turnstile_secret=edge.turnstile_secret, thank_you_url=thank_you, error_url=error_page,
            edge_secret=origin_secret if e.owns_zone_rulesets else None,
            edge_header=e.origin_header_name,
            certificate_validation_fqdns=api_fqdns, name_prefix=prefix))  # fmt: skip
        door = FormFrontDoor("forms-front-door", zone_id=edge.zone_id, forms=forms,
                             comment=f"spikeproof/{stack.stack} edge",
                             opts=pulumi.ResourceOptions(parent=edge))  # fmt: skip
        resolve_api_fqdns(door.validation_fqdns)
site = None
if settings.site and upload and edge and e and e.account_id:  # settings require the account
    site = StaticSite("site", StaticSiteArgs(
        config=settings.site, upload=upload, account_id=e.account_id, zone_id=edge.zone_id,
        hostnames=tuple(e.hostnames), owns_zone_rulesets=e.owns_zone_rulesets,
        name_prefix=prefix, comment=f"spikeproof/{stack.stack} site"))  # fmt: skip
# One dashboard and window alarms per referenced campaign (settings require a fleet and an edge).
monitors = {facts.name: CampaignMonitor(f"campaign-{facts.name}", CampaignMonitorArgs(
    facts=facts, alarm_topic_arn=topic, region=stack.region, fleet=fleet, replicas=replicas,
    forms=forms, name_prefix=prefix)) for facts in campaigns.facts if fleet}  # fmt: skip
export_outputs(environment=settings.environment, region=stack.region, alarm_topic_arn=topic,
               replicas=replicas, fleet=fleet, edge=edge, forms=forms, site=site,
               monitors=monitors)  # fmt: skip
