"""spikeproof: the marketing plane. Composes the components and exports the outputs contract."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pulumi
import pulumi_cloudflare as cloudflare
import pulumi_random as random

from components.alerting import Alerting, AlertingArgs
from components.campaign import CampaignMonitor, CampaignMonitorArgs
from components.core import core_facts
from components.edge import (
    CloudflareEdge,
    CloudflareEdgeArgs,
    TurnstileArgs,
    WaitingRoomArgs,
    validation_records,
)
from components.fleet import WebFleet, WebFleetArgs
from components.forms import FormBackend, FormBackendArgs, FunctionSize
from components.replica import ParameterGroupArgs, ReadReplica, ReadReplicaArgs
from contracts import CONTRACT_VERSION
from settings import load_settings
from tools.package_forms import build as package_forms
from tools.projection import campaign_facts, referenced_campaigns, stack_windows

settings, stack = load_settings()
core = core_facts(settings)
prefix = f"spikeproof-{settings.environment}"

alerting = Alerting(
    "alerts",
    AlertingArgs(
        emails=settings.alerting.emails,
        https_endpoints=[
            pulumi.Output.secret(url) if "spikeproof:alerting" in stack.secret_keys else url
            for url in settings.alerting.https_endpoints
        ],
        encrypted=settings.alerting.encrypted,
    ),
)

e = settings.edge
f = settings.fleet
# Campaigns the stack references (settings checked that they load and that their pre-warms can be
# scheduled): their pre-warm windows join the fleet's own, sized by the projection.
campaigns = referenced_campaigns(settings)
windows = stack_windows(settings, stack.stack, campaigns)
for over in (c for c in campaigns if c.finish < datetime.now(UTC)):
    pulumi.log.warn(
        f"campaign {over.name} ended {over.finish:%Y-%m-%d %H:%M %Z}: its pre-warm has run and "
        "its alarms stay quiet; remove it from spikeproof:campaigns to delete its dashboard "
        "and alarms"
    )

# One secret shared by the edge (adds it as a header) and the fleet's ALB (requires it); kept in
# state by pulumi-random so no person ever handles it (docs/runbooks/rotate-origin-secret.md).
origin_secret = random.RandomPassword("origin-secret", length=48, special=False).result

# The fleet's certificate is validated by records the edge creates, and the edge points at the
# fleet's load balancer: the validation record names are handed back through a deferred output.
# Created only when both exist: the engine waits for every output, so a deferred output nothing
# resolves would keep `pulumi up` (and the offline plan) waiting for ever.
validation_fqdns: pulumi.Output[list[str]] | None = None
resolve_validation_fqdns: Callable[[pulumi.Output[list[str]]], None] | None = None
if e is not None and f is not None:
    validation_fqdns, resolve_validation_fqdns = pulumi.deferred_output()

fleet = (
    WebFleet(
        "web",
        WebFleetArgs(
            vpc_id=core.vpc_id,
            private_subnet_ids=core.private_subnet_ids,
            public_subnet_ids=core.public_subnet_ids,
            domain_names=e.hostnames if e is not None else [str(f.domain_name)],
            origin_secret=origin_secret,
            origin_header_name=e.origin_header_name if e is not None else "X-Origin-Verify",
            certificate_validation_fqdns=validation_fqdns,
            alarm_topic_arn=alerting.topic_arn,
            instance_types=f.instance_types,
            arm64=f.arm64,
            ami_id=f.ami_id,
            site_s3_uri=f.site_s3_uri,
            min_size=f.min_size,
            max_size=f.max_size,
            desired_capacity=f.desired_capacity,
            per_instance_capacity_rps=f.per_instance_capacity_rps,
            target_utilization_percent=f.target_utilization_percent,
            cpu_target_percent=f.cpu_target_percent,
            health_check_grace_seconds=f.health_check_grace_seconds,
            warmup_seconds=f.warmup_seconds,
            on_demand_base=f.spot.on_demand_base if f.spot else 1,
            spot_percent=f.spot.spot_percent if f.spot else None,
            warm_pool_size=f.warm_pool_size,
            deletion_protection=f.deletion_protection,
            access_logs_bucket=f.access_logs_bucket,
            cache=f.cache_policy(),
            campaign_windows=windows,
            now=datetime.now(UTC),
            name_prefix=prefix,
        ),
    )
    if f is not None
    else None
)

r = settings.replicas
replicas = ReadReplica(
    "replicas",
    ReadReplicaArgs(
        source_db_identifier=core.primary_identifier,
        source_region=None
        if settings.primary.region in (None, stack.region)
        else settings.primary.region,
        kms_key_id=settings.primary.kms_key_id,
        name_prefix=prefix,
        vpc_id=core.vpc_id,
        subnet_ids=core.private_subnet_ids,
        allowed_security_group_ids=[fleet.security_group_id] if fleet else [],
        count=r.count,
        instance_class=r.instance_class,
        multi_az=r.multi_az,
        deletion_protection=r.deletion_protection,
        protect=settings.protect,
        performance_insights=r.performance_insights,
        performance_insights_retention_days=r.performance_insights_retention_days,
        monitoring_interval_seconds=r.monitoring_interval_seconds,
        log_exports=r.log_exports,
        parameter_group=(
            ParameterGroupArgs(
                family=r.parameter_group.family, parameters=r.parameter_group.parameters
            )
            if r.parameter_group
            else None
        ),
        reader_zone_name=r.reader_dns.zone_name,
        reader_zone_id=r.reader_dns.zone_id,
        reader_record_name=r.reader_dns.record_name,
        reader_ttl_seconds=r.reader_dns.ttl_seconds,
        alarm_topic_arn=alerting.topic_arn,
        lag_alarm_seconds=r.lag_alarm_seconds,
        cpu_alarm_percent=r.cpu_alarm_percent,
        freeable_memory_alarm_mib=r.freeable_memory_alarm_mib,
        free_storage_alarm_gib=r.free_storage_alarm_gib,
        connections_alarm=r.connections_alarm,
    ),
)

edge = None
if e is not None:
    edge = CloudflareEdge(
        "edge",
        CloudflareEdgeArgs(
            zone_id=e.zone_id
            or cloudflare.get_zone_output(filter={"name": str(e.zone_name), "match": "all"}).id,
            rules=e.rules_spec(),
            origin_hostname=fleet.alb_dns_name if fleet is not None else str(e.origin_hostname),
            origin_secret=origin_secret,
            validation_records=validation_records(e.hostnames, fleet.domain_validation_options)
            if fleet is not None
            else (),
            owns_zone_rulesets=e.owns_zone_rulesets,
            zone_settings=e.zone_settings.values(),
            tiered_cache=e.cache.tiered_cache,
            cache_reserve=e.cache.cache_reserve,
            authenticated_origin_pulls=e.authenticated_origin_pulls,
            waiting_room=WaitingRoomArgs(
                host=e.hostnames[0],
                path=e.waiting_room.path,
                total_active_users=e.waiting_room.total_active_users or 0,
                new_users_per_minute=e.waiting_room.new_users_per_minute or 0,
                session_duration_minutes=e.waiting_room.session_duration_minutes,
            )
            if e.waiting_room.enabled
            else None,
            turnstile=TurnstileArgs(account_id=e.account_id or "", mode=e.turnstile.mode)
            if e.turnstile.enabled
            else None,
            comment=f"spikeproof/{stack.stack} edge",
        ),
    )
    if resolve_validation_fqdns is not None:
        resolve_validation_fqdns(edge.validation_fqdns)

forms = None
fm = settings.forms
if fm is not None and e is not None:
    # Deterministic zip of functions/forms: unchanged code, same bytes, no diff.
    package = package_forms(Path(__file__).resolve().parent / "build" / "forms.zip")
    forms = FormBackend(
        "forms",
        FormBackendArgs(
            region=stack.region,
            code=pulumi.FileArchive(str(package.path)),
            code_hash=package.source_code_hash,
            allowed_origins=[f"https://{host}" for host in e.hostnames],
            alarm_topic_arn=alerting.topic_arn,
            rate_limit=fm.throttle.rate_limit,
            burst_limit=fm.throttle.burst_limit,
            ingest=FunctionSize(
                reserved_concurrency=fm.ingest.reserved_concurrency,
                memory_mb=fm.ingest.memory_mb,
                timeout_seconds=fm.ingest.timeout_seconds,
            ),
            worker=FunctionSize(
                reserved_concurrency=fm.worker.reserved_concurrency,
                memory_mb=fm.worker.memory_mb,
                timeout_seconds=fm.worker.timeout_seconds,
            ),
            batch_size=fm.worker.batch_size,
            max_receive_count=fm.worker.max_receive_count,
            max_body_bytes=fm.ingest.max_body_bytes,
            contact_route=fm.contact_route,
            mailing_list=fm.mailing_list.kind,
            http_base_url=fm.mailing_list.http_base_url,
            http_list_id=fm.mailing_list.http_list_id,
            turnstile_secret=edge.turnstile_secret if edge is not None else None,
            custom_domain=fm.custom_domain.domain_name if fm.custom_domain else None,
            certificate_arn=fm.custom_domain.certificate_arn if fm.custom_domain else None,
            powertools_layer_version=fm.powertools_layer_version,
            log_retention_days=fm.log_retention_days,
            name_prefix=prefix,
        ),
    )


def replica_identifier(index: int) -> pulumi.Output[str]:
    return replicas.identifiers.apply(lambda ids: ids[index])


# One dashboard and window alarms per referenced campaign (settings require a fleet and an edge).
monitors = {
    c.name: CampaignMonitor(
        f"campaign-{c.name}",
        CampaignMonitorArgs(
            facts=campaign_facts(c, settings, stack.stack, windows),
            alarm_topic_arn=alerting.topic_arn,
            region=stack.region,
            load_balancer=fleet.alb_arn_suffix,
            target_group=fleet.target_group_arn_suffix,
            group_name=fleet.group_name,
            replica_identifiers=[replica_identifier(i) for i in range(r.count)],
            replica_lag_alarm_seconds=r.lag_alarm_seconds,
            function_names=list(forms.function_names.values()) if forms else [],
            queue_name=forms.queue_name if forms else None,
            name_prefix=prefix,
        ),
    )
    for c in campaigns
    if fleet is not None
}

# The outputs contract (contracts/outputs.schema.json, docs/outputs.md): other teams read these
# through StackReference. Add fields freely; renaming or removing one is a major version.
pulumi.export("contract_version", CONTRACT_VERSION)
pulumi.export("environment", settings.environment)
pulumi.export("region", stack.region)
pulumi.export("alarm_topic_arn", alerting.topic_arn)
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
if monitors:
    pulumi.export(
        "campaign_dashboards",
        pulumi.Output.all(**{n: m.dashboard_name for n, m in monitors.items()}),
    )
