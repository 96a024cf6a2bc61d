"""The export side of the outputs contract (outputs.schema.json, docs/outputs.md): what the
program hands other teams through StackReference. Add fields freely (a minor version); renaming or
removing one is a major version.
"""

from __future__ import annotations

from collections.abc import Mapping

import pulumi

from components.campaign import CampaignMonitor
from components.edge import CloudflareEdge
from components.fleet import WebFleet
from components.forms import FormBackend
from components.replica import ReadReplica
from components.site import StaticSite
from contracts import CONTRACT_VERSION


def export_outputs(
    *,
    environment: str,
    region: str,
    alarm_topic_arn: pulumi.Output[str],
    replicas: ReadReplica,
    fleet: WebFleet | None,
    edge: CloudflareEdge | None,
    forms: FormBackend | None,
    monitors: Mapping[str, CampaignMonitor],
    site: StaticSite | None = None,
) -> None:
    pulumi.export("contract_version", CONTRACT_VERSION)
    pulumi.export("environment", environment)
    pulumi.export("region", region)
    pulumi.export("alarm_topic_arn", alarm_topic_arn)
    pulumi.export("reader_hostname", replicas.reader_hostname)
    pulumi.export("reader_port", replicas.port)
    pulumi.export("replica_endpoints", replicas.endpoints)
    pulumi.export("replica_identifiers", replicas.identifiers)
    pulumi.export("replica_security_group_id", replicas.security_group_id)
    if fleet is not None:
        pulumi.export("alb_dns_name", fleet.alb_dns_name)
        pulumi.export("fleet_security_group_id", fleet.security_group_id)
    if edge is not None:
        pulumi.export("edge_hostnames", edge.hostnames)
        pulumi.export("edge_zone_id", edge.zone_id)
        if edge.turnstile_site_key is not None:
            pulumi.export("turnstile_site_key", edge.turnstile_site_key)
    if forms is not None:
        pulumi.export("form_endpoint", forms.endpoint)
        pulumi.export("form_dlq_url", forms.dlq_url)
    if site is not None:
        pulumi.export("site_worker_name", site.worker_name)
        pulumi.export("site_version_id", site.version_id)
        pulumi.export("site_live_version_id", site.live_version_id)
        pulumi.export("site_routes", site.routes)
    if monitors:
        pulumi.export(
            "campaign_dashboards",
            pulumi.Output.all(**{n: m.dashboard_name for n, m in monitors.items()}),
        )
