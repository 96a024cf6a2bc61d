"""The bad-input corpus: about 250 realistic broken stack and campaign files.

Each case is a whole file, built from a shipped one (Pulumi.staging.yaml, Pulumi.prod.yaml,
campaigns/spring-coupon-blast.yaml) with one thing wrong: typos at every level (namespaces, provider
keys, nested keys), wrong types, ranges, formats, conflicts between keys, YAML errors, encodings,
huge values and YAML's implicit typing (`yes`, `1:30`, `0755`, unquoted timestamps). For each, the
key a person must be shown. tests/test_bad_config.py runs every case through `tools.plan
--config-file` (exit 2) or `tools.preflight` (exit 3; 2 for primary-write) and checks the message
names the file and the key, and that no traceback or "program error" escapes.

Cases are built lazily (some are megabytes): `case.content()`.
"""

from __future__ import annotations

import codecs
import copy
import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import yaml

from settings.files import ROOT

BASE = {s: (ROOT / f"Pulumi.{s}.yaml").read_text() for s in ("staging", "prod")}
CBASE = (ROOT / "campaigns" / "spring-coupon-blast.yaml").read_text()


@dataclass(frozen=True)
class Case:
    id: str
    """The file's stem (a campaign's name must equal it)."""
    kind: str
    """"stack" (through tools.plan) or "campaign" (through tools.preflight against `stack`)."""
    stack: str
    category: str
    key: str
    """What the message must name (a key, `(file)` for the file as a whole)."""
    why: str
    build: Callable[[], bytes]
    exit: int | None = None
    """The exit code when it is not the kind's refusal (2 plan, 3 pre-flight): a pre-flight
    NO-GO (2) for a campaign that is well formed but cannot run on the stack."""

    def content(self) -> bytes:
        return self.build()

    @property
    def filename(self) -> str:
        return f"{self.id}.yaml"


CASES: list[Case] = []
_counts = {"stack": 0, "campaign": 0}


def _dump(d: Any) -> str:
    return yaml.safe_dump(d, sort_keys=False, allow_unicode=True, width=10**9)


def write(
    kind: str,
    short: str,
    content: str | bytes | Callable[[], str | bytes],
    stack: str,
    category: str,
    key: str,
    why: str,
    comment: bool = True,
    exit: int | None = None,
) -> None:
    _counts[kind] += 1
    stem = f"{_counts[kind]:03d}-{short}" if kind == "stack" else f"c{_counts[kind]:03d}-{short}"

    def build() -> bytes:
        value = content() if callable(content) else content
        if isinstance(value, bytes):  # an encoding case: the name in its own encoding
            for codec in ("utf-8", "utf-16-le"):
                value = value.replace("__NAME__".encode(codec), stem.encode(codec))
            return value
        value = value.replace("__NAME__", stem)
        if comment:
            base = stack if kind == "stack" else "spring-coupon-blast, run against prod"
            value = f"# base: {base}. Wrong: {why}\n" + value
        return value.encode("utf-8")

    CASES.append(Case(stem, kind, stack, category, key, why, build, exit))


def S(stack: str, short: str, cat: str, key: str, why: str, fn: Callable[[Any], Any]) -> None:
    def content() -> str:
        d = yaml.safe_load(BASE[stack])
        fn(d["config"])
        return _dump(d)

    write("stack", short, content, stack, cat, key, why)


def ST(stack: str, short: str, cat: str, key: str, why: str, old: str, new: str) -> None:
    assert old in BASE[stack], (short, old)
    write("stack", short, BASE[stack].replace(old, new, 1), stack, cat, key, why)


def C(
    short: str,
    cat: str,
    key: str,
    why: str,
    fn: Callable[[Any], Any],
    exit: int | None = None,
) -> None:
    def content() -> str:
        d = yaml.safe_load(CBASE)
        d["name"] = "__NAME__"
        fn(d)
        return _dump(d)

    write("campaign", short, content, "prod", cat, key, why, exit=exit)


def CT(short: str, cat: str, key: str, why: str, old: str, new: str) -> None:
    text = CBASE.replace("name: spring-coupon-blast", "name: __NAME__")
    assert old in text, (short, old)
    write("campaign", short, text.replace(old, new, 1), "prod", cat, key, why)


def _ren(d: Any, path: list[Any], new: str) -> None:
    *parents, last = path
    for k in parents:
        d = d[k]
    items = list(d.items())
    d.clear()
    for k, v in items:
        d[new if k == last else k] = v


def setk(path: list[Any], v: Any) -> Callable[[Any], None]:
    def f(c: Any) -> None:
        d = c
        for k in path[:-1]:
            d = d[k]
        d[path[-1]] = copy.deepcopy(v)

    return f


def delk(path: list[Any]) -> Callable[[Any], None]:
    def f(c: Any) -> None:
        d = c
        for k in path[:-1]:
            d = d[k]
        del d[path[-1]]

    return f


def renk(path: list[Any], new: str) -> Callable[[Any], None]:
    return lambda c: _ren(c, path, new)


def _nested(levels: int, leaf: Any, key: str) -> Any:
    return functools.reduce(lambda acc, _: {key: acc}, range(levels), leaf)


# fmt: off
F = "spikeproof:fleet"
E = "spikeproof:edge"
FO = "spikeproof:forms"
R = "spikeproof:replicas"
A = "spikeproof:alerting"
# ---------------- 1. typos -----------------
t = "typo"
S("staging", "ns-typo-spikeprof", t, "spikeprof:fleet", "namespace typo spikeprof:fleet (fleet block silently dropped?)", renk([F], "spikeprof:fleet"))
S("staging", "bare-key-no-namespace", t, "replicas", "bare key 'replicas' without a namespace", renk([R], "replicas"))
S("staging", "aws-defaultTag", t, "aws:defaultTag", "aws:defaultTags misspelled aws:defaultTag", renk(["aws:defaultTags"], "aws:defaultTag"))
S("staging", "aws-regoin", t, "aws:regoin", "aws:region misspelled aws:regoin", renk(["aws:region"], "aws:regoin"))
S("staging", "top-enviroment", t, "spikeproof:enviroment", "spikeproof:environment misspelled", renk(["spikeproof:environment"], "spikeproof:enviroment"))
S("staging", "replicas-cuont", t, "cuont", "replicas.count misspelled cuont", renk([R, "count"], "cuont"))
S("staging", "fleet-minsize-case", t, "minsize", "fleet.minSize written minsize", renk([F, "minSize"], "minsize"))
S("staging", "fleet-spot-spotPercentage", t, "spotPercentage", "fleet.spot.spotPercent misspelled", renk([F, "spot", "spotPercent"], "spotPercentage"))
S("staging", "fleet-cache-edgeMaxAge", t, "edgeMaxAge", "fleet.cache.edgeMaxAgeSeconds misspelled", renk([F, "cache", "edgeMaxAgeSeconds"], "edgeMaxAge"))
S("staging", "fleet-window-startTime", t, "startTime", "campaignWindows[0].start written startTime", renk([F, "campaignWindows", 0, "start"], "startTime"))
S("staging", "edge-cache-marketingPath", t, "marketingPath", "edge.cache.marketingPaths singular", renk([E, "cache", "marketingPaths"], "marketingPath"))
S("staging", "edge-ratelimit-form-rpp", t, "requestPerPeriod", "edge.rateLimits.form.requestsPerPeriod misspelled", renk([E, "rateLimits", "form", "requestsPerPeriod"], "requestPerPeriod"))
S("staging", "edge-hostname-singular", t, "hostname", "edge.hostnames written hostname", renk([E, "hostnames"], "hostname"))
S("staging", "forms-throttle-ratelimit", t, "ratelimit", "forms.throttle.rateLimit lower-case", renk([FO, "throttle", "rateLimit"], "ratelimit"))
S("staging", "forms-ingest-concurrency", t, "concurrency", "forms.ingest.reservedConcurrency as concurrency", renk([FO, "ingest", "reservedConcurrency"], "concurrency"))
S("staging", "forms-worker-typo", t, "reservedConcurency", "forms.worker.reservedConcurrency misspelled", renk([FO, "worker", "reservedConcurrency"], "reservedConcurency"))
S("staging", "forms-customDomain-domain", t, "domain", "forms.customDomain.domainName as domain", renk([FO, "customDomain", "domainName"], "domain"))
S("staging", "forms-pages-thankyou", t, "thankyou", "forms.pages.thankYou lower-case", renk([FO, "pages", "thankYou"], "thankyou"))
S("staging", "site-path-singular", t, "path", "site.paths written path", renk(["spikeproof:site", "paths"], "path"))
S("staging", "alerting-email-singular", t, "email", "alerting.emails written email", renk([A, "emails"], "email"))
S("staging", "alerting-slack-channel", t, "channel", "alerting.slack.channelId as channel", renk([A, "slack", "channelId"], "channel"))
S("staging", "network-vpcid-case", t, "vpcID", "network.vpcId as vpcID", renk(["spikeproof:network", "vpcId"], "vpcID"))
S("staging", "primary-id", t, "id", "primary.identifier as id", renk(["spikeproof:primary", "identifier"], "id"))
S("prod", "corestack-typo", t, "spikeproof:coreStak", "spikeproof:coreStack misspelled", renk(["spikeproof:coreStack"], "spikeproof:coreStak"))
S("prod", "edge-waitingroom-case", t, "waitingroom", "edge.waitingRoom lower-case", renk([E, "waitingRoom"], "waitingroom"))
S("prod", "aws-allowedAccountId", t, "aws:allowedAccountId", "aws:allowedAccountIds singular", renk(["aws:allowedAccountIds"], "aws:allowedAccountId"))
S("prod", "campaigns-singular", t, "spikeproof:campaign", "spikeproof:campaigns singular", renk(["spikeproof:campaigns"], "spikeproof:campaign"))
S("prod", "mailinglist-typo", t, "httpListID", "forms.mailingList.httpListId misspelled", renk([FO, "mailingList", "httpListId"], "httpListID"))
# ---------------- 2. wrong types -----------------
t = "type"
S("staging", "minsize-string", t, "minSize", "fleet.minSize is the string 'one'", setk([F, "minSize"], "one"))
S("staging", "minsize-numeric-string", t, "minSize", "fleet.minSize is the quoted string '1'", setk([F, "minSize"], "1"))
S("staging", "minsize-float", t, "minSize", "fleet.minSize is 1.5", setk([F, "minSize"], 1.5))
S("staging", "replicas-count-bool", t, "count", "replicas.count is true", setk([R, "count"], True))
S("staging", "replicas-null", t, "spikeproof:replicas", "spikeproof:replicas is null", setk([R], None))
S("staging", "fleet-list-for-map", t, "spikeproof:fleet", "spikeproof:fleet is a list", setk([F], ["minSize: 1"]))
S("staging", "hostnames-map-for-list", t, "hostnames", "edge.hostnames is a mapping", setk([E, "hostnames"], {"www": "www.acme-marketing-staging.com"}))
S("staging", "hostnames-string", t, "hostnames", "edge.hostnames is a single string", setk([E, "hostnames"], "www.acme-marketing-staging.com"))
S("staging", "instanceTypes-string", t, "instanceTypes", "fleet.instanceTypes is a string", setk([F, "instanceTypes"], "t4g.medium"))
S("staging", "environment-int", t, "spikeproof:environment", "spikeproof:environment is an integer", setk(["spikeproof:environment"], 42))
S("staging", "protect-string-yes", t, "spikeproof:protect", "spikeproof:protect is the string 'yes'", setk(["spikeproof:protect"], "yes"))
S("staging", "owner-bool", t, "spikeproof:owner", "spikeproof:owner is a bool", setk(["spikeproof:owner"], False))
S("staging", "channelName-bool", t, "channelName", "alerting.slack.channelName is a bool", setk([A, "slack", "channelName"], True))
S("staging", "emails-map", t, "emails", "alerting.emails is a map", setk([A, "emails"], {"a": "x@example.com"}))
S("staging", "throttle-null", t, "throttle", "forms.throttle is null", setk([FO, "throttle"], None))
S("staging", "windows-map", t, "campaignWindows", "fleet.campaignWindows is a mapping", setk([F, "campaignWindows"], {"name": "x"}))
S("staging", "window-capacity-string", t, "capacity", "campaignWindows[0].capacity is 'three'", setk([F, "campaignWindows", 0, "capacity"], "three"))
S("staging", "region-list", t, "aws:region", "aws:region is a list", setk(["aws:region"], ["eu-west-1"]))
S("staging", "defaultTags-list", t, "aws:defaultTags", "aws:defaultTags is a list", setk(["aws:defaultTags"], ["project"]))
S("staging", "allowedAccountIds-int", t, "aws:allowedAccountIds", "aws:allowedAccountIds is a bare int", setk(["aws:allowedAccountIds"], 111122223333))
S("staging", "site-paths-string", t, "paths", "site.paths is a string", setk(["spikeproof:site", "paths"], "/campaigns/*"))
S("staging", "subnets-string", t, "privateSubnetIds", "network.privateSubnetIds is a string", setk(["spikeproof:network", "privateSubnetIds"], "subnet-0a1b2c3d4e5f60011"))
S("staging", "edgeTtl-float", t, "edgeTtlSeconds", "edge.cache.edgeTtlSeconds is 3600.5", setk([E, "cache", "edgeTtlSeconds"], 3600.5))
S("prod", "campaigns-string", t, "spikeproof:campaigns", "spikeproof:campaigns is a string", setk(["spikeproof:campaigns"], "spring-coupon-blast"))
S("prod", "config-null", t, "config", "config: is null", lambda c: c.clear())
# ---------------- 3. ranges -----------------
t = "range"
S("staging", "minsize-negative", t, "minSize", "fleet.minSize is -1", setk([F, "minSize"], -1))
S("staging", "maxsize-zero", t, "maxSize", "fleet.maxSize is 0", setk([F, "maxSize"], 0))
S("staging", "min-gt-max", t, "minSize", "fleet.minSize 5 > maxSize 4", setk([F, "minSize"], 5))
S("staging", "maxsize-huge", t, "maxSize", "fleet.maxSize is 100000", setk([F, "maxSize"], 100000))
S("staging", "spotpercent-150", t, "spotPercent", "fleet.spot.spotPercent is 150", setk([F, "spot", "spotPercent"], 150))
S("staging", "spotpercent-negative", t, "spotPercent", "fleet.spot.spotPercent is -10", setk([F, "spot", "spotPercent"], -10))
S("staging", "ondemandbase-gt-max", t, "onDemandBase", "fleet.spot.onDemandBase 10 > maxSize 4", setk([F, "spot", "onDemandBase"], 10))
S("staging", "replicas-count-zero", t, "count", "replicas.count is 0", setk([R, "count"], 0))
S("staging", "replicas-count-99", t, "count", "replicas.count is 99 (>15)", setk([R, "count"], 99))
S("staging", "monitoring-7", t, "monitoringIntervalSeconds", "monitoringIntervalSeconds is 7", setk([R, "monitoringIntervalSeconds"], 7))
S("staging", "lag-negative", t, "lagAlarmSeconds", "lagAlarmSeconds is -5", setk([R, "lagAlarmSeconds"], -5))
S("staging", "edgettl-negative", t, "edgeTtlSeconds", "edge.cache.edgeTtlSeconds is -1", setk([E, "cache", "edgeTtlSeconds"], -1))
S("staging", "browserttl-7", t, "browserTtlSeconds", "edge.cache.browserTtlSeconds is 7 (not a Cloudflare value)", setk([E, "cache", "browserTtlSeconds"], 7))
S("staging", "fleetcache-stale-negative", t, "staleWhileRevalidateSeconds", "fleet.cache.staleWhileRevalidateSeconds is -300", setk([F, "cache", "staleWhileRevalidateSeconds"], -300))
S("staging", "ratelimit-period-7", t, "periodSeconds", "edge.rateLimits.form.periodSeconds is 7", setk([E, "rateLimits", "form", "periodSeconds"], 7))
S("staging", "ratelimit-rpp-zero", t, "requestsPerPeriod", "edge.rateLimits.form.requestsPerPeriod is 0", setk([E, "rateLimits", "form", "requestsPerPeriod"], 0))
S("staging", "throttle-burst-lt-rate", t, "burstLimit", "forms.throttle.burstLimit 5 < rateLimit 20", setk([FO, "throttle", "burstLimit"], 5))
S("staging", "throttle-rate-negative", t, "rateLimit", "forms.throttle.rateLimit is -20", setk([FO, "throttle", "rateLimit"], -20))
S("staging", "ingest-concurrency-zero", t, "reservedConcurrency", "forms.ingest.reservedConcurrency is 0", setk([FO, "ingest", "reservedConcurrency"], 0))
S("staging", "worker-concurrency-huge", t, "reservedConcurrency", "forms.worker.reservedConcurrency is 5000000", setk([FO, "worker", "reservedConcurrency"], 5000000))
S("staging", "logretention-13", t, "logRetentionDays", "forms.logRetentionDays is 13 (not a CloudWatch value)", setk([FO, "logRetentionDays"], 13))
S("staging", "window-capacity-zero", t, "capacity", "campaignWindows[0].capacity is 0", setk([F, "campaignWindows", 0, "capacity"], 0))
S("staging", "window-lead-negative", t, "leadMinutes", "campaignWindows[0].leadMinutes is -20", setk([F, "campaignWindows", 0, "leadMinutes"], -20))
S("staging", "perinstance-rps-zero", t, "perInstanceCapacityRps", "fleet.perInstanceCapacityRps is 0", setk([F, "perInstanceCapacityRps"], 0))
S("prod", "desired-gt-max", t, "desiredCapacity", "fleet.desiredCapacity 50 > maxSize 30", setk([F, "desiredCapacity"], 50))
S("prod", "pi-retention-30", t, "performanceInsightsRetentionDays", "performanceInsightsRetentionDays 30", setk([R, "performanceInsightsRetentionDays"], 30))
S("prod", "waitingroom-users-10", t, "totalActiveUsers", "edge.waitingRoom.totalActiveUsers is 10", setk([E, "waitingRoom", "totalActiveUsers"], 10))
S("prod", "ingest-memory-1", t, "memoryMb", "forms.ingest.memoryMb is 1", setk([FO, "ingest", "memoryMb"], 1))
S("prod", "warmpool-negative", t, "warmPoolSize", "fleet.warmPoolSize is -6", setk([F, "warmPoolSize"], -6))
S("prod", "maxreceive-zero", t, "maxReceiveCount", "forms.worker.maxReceiveCount is 0", setk([FO, "worker", "maxReceiveCount"], 0))
# ---------------- 4. formats -----------------
t = "format"
S("staging", "region-centrl", t, "aws:region", "aws:region is eu-centrl-1", setk(["aws:region"], "eu-centrl-1"))
S("staging", "ami-bad", t, "amiId", "fleet.amiId is ami-XYZ", setk([F, "amiId"], "ami-XYZ"))
S("staging", "subnet-bad", t, "privateSubnetIds", "network.privateSubnetIds[0] is sub-123", setk(["spikeproof:network", "privateSubnetIds", 0], "sub-123"))
S("staging", "vpc-bad", t, "vpcId", "network.vpcId is vpc-12", setk(["spikeproof:network", "vpcId"], "vpc-12"))
S("staging", "email-bad", t, "emails", "alerting.emails[0] has no @", setk([A, "emails", 0], "marketing-platform-staging.example.com"))
S("staging", "hostname-bad", t, "hostnames", "edge.hostnames[0] has an underscore and space", setk([E, "hostnames", 0], "www_acme marketing-staging.com"))
S("staging", "hostname-with-scheme", t, "hostnames", "edge.hostnames[0] is a URL", setk([E, "hostnames", 0], "https://www.acme-marketing-staging.com/"))
S("staging", "window-tz-bad", t, "timeZone", "campaignWindows[0].timeZone is Europe/Londn", setk([F, "campaignWindows", 0, "timeZone"], "Europe/Londn"))
S("staging", "window-start-bad", t, "start", "campaignWindows[0].start is 2027-13-45T25:00", setk([F, "campaignWindows", 0, "start"], "2027-13-45T25:00"))
S("staging", "slack-workspace-bad", t, "workspaceId", "slack.workspaceId is lower-case", setk([A, "slack", "workspaceId"], "t07ea123lep"))
S("staging", "slack-channel-bad", t, "channelId", "slack.channelId starts with X", setk([A, "slack", "channelId"], "X07EZ1ABC23"))
S("staging", "slack-channelname-hash", t, "channelName", "slack.channelName with leading #", setk([A, "slack", "channelName"], "#marketing-eng-sync"))
S("staging", "sites3uri-bad", t, "siteS3Uri", "fleet.siteS3Uri is an https URL", setk([F, "siteS3Uri"], "https://acme-marketing-site-staging/current/"))
S("staging", "marketingpath-noslash", t, "marketingPaths", "edge.cache.marketingPaths entry without leading slash", setk([E, "cache", "marketingPaths"], ["/", "pricing"]))
S("staging", "site-path-noslash", t, "paths", "site.paths entry without leading slash", setk(["spikeproof:site", "paths"], ["campaigns/*"]))
S("staging", "pages-noslash", t, "thankYou", "forms.pages.thankYou without leading slash", setk([FO, "pages", "thankYou"], "campaigns/thank-you/"))
S("staging", "zone-id-bad", t, "zoneId", "edge.zoneId is not 32 hex", setk([E, "zoneId"], "not-a-zone"))
S("staging", "account-id-bad", t, "accountId", "edge.accountId is upper-case/short", setk([E, "accountId"], "5E4F3021"))
S("staging", "plan-bad", t, "plan", "edge.plan is 'gold'", setk([E, "plan"], "gold"))
S("staging", "flood-action-bad", t, "action", "edge.rateLimits.flood.action is 'captcha'", setk([E, "rateLimits", "flood", "action"], "captcha"))
S("staging", "instancetype-bad", t, "instanceTypes", "fleet.instanceTypes entry 't4g medium'", setk([F, "instanceTypes"], ["t4g medium"]))
S("staging", "instanceclass-bad", t, "instanceClass", "replicas.instanceClass lacks db. prefix", setk([R, "instanceClass"], "t4g.medium"))
S("staging", "primary-id-bad", t, "identifier", "primary.identifier has underscores", setk(["spikeproof:primary", "identifier"], "core_staging_db"))
S("staging", "allowedaccount-bad", t, "aws:allowedAccountIds", "aws:allowedAccountIds has a 5-digit id", setk(["aws:allowedAccountIds"], ["11112"]))
S("prod", "method-psot", t, "methods", "edge.rateLimits.form.methods has PSOT", setk([E, "rateLimits", "form", "methods"], ["PSOT"]))
S("prod", "mailinglist-url-bad", t, "httpBaseUrl", "forms.mailingList.httpBaseUrl is not a URL", setk([FO, "mailingList", "httpBaseUrl"], "us21.api.mailchimp.com 3.0"))
S("prod", "cert-arn-bad", t, "certificateArn", "forms.customDomain.certificateArn malformed", setk([FO, "customDomain", "certificateArn"], "arn:aws:acm:certificate"))
S("prod", "cert-arn-wrong-account", t, "certificateArn", "certificateArn from another account (not allowedAccountIds)", setk([FO, "customDomain", "certificateArn"], "arn:aws:acm:eu-west-1:999988887777:certificate/6b1f0c3e-8d2a-4f5b-9c7e-2a4d6e8f0a1b"))
S("prod", "corestack-name-bad", t, "name", "coreStack.name is not org/project/stack", setk(["spikeproof:coreStack", "name"], "core-prod"))
S("prod", "waitingroom-path-noslash", t, "path", "edge.waitingRoom.path without slash", setk([E, "waitingRoom", "path"], "campaigns/"))
S("prod", "campaign-name-bad", t, "spikeproof:campaigns", "spikeproof:campaigns entry Spring_Blast", setk(["spikeproof:campaigns"], ["Spring_Blast"]))
S("prod", "campaign-missing-file", t, "spikeproof:campaigns", "spikeproof:campaigns names a file that does not exist", setk(["spikeproof:campaigns"], ["summer-nothing"]))
S("prod", "access-logs-bucket-bad", t, "accessLogsBucket", "fleet.accessLogsBucket (replaced by accessLogs) with upper case and underscore", setk([F, "accessLogsBucket"], "Acme_Logs"))
S("prod", "powertools-layer-unknown", "range", "powertoolsLayerVersion", "forms.powertoolsLayerVersion a layer whose library release nobody checked", setk([FO, "powertoolsLayerVersion"], 99))
S("prod", "access-logs-retention-zero", "range", "retentionDays", "fleet.accessLogs.retentionDays: 0", setk([F, "accessLogs", "retentionDays"], 0))
# ---------------- 5. conflicts -----------------
t = "conflict"
S("staging", "hostname-not-in-zone", t, "hostnames", "edge.hostnames entry outside the zone", setk([E, "hostnames", 0], "www.other-domain.com"))
S("staging", "hostname-duplicate", t, "hostnames", "edge.hostnames lists a name twice", setk([E, "hostnames"], ["www.acme-marketing-staging.com", "www.acme-marketing-staging.com"]))
S("staging", "forms-domain-is-marketing", t, "domainName", "forms.customDomain.domainName equals a marketing hostname", setk([FO, "customDomain", "domainName"], "www.acme-marketing-staging.com"))
S("staging", "forms-domain-other-zone", t, "domainName", "forms.customDomain.domainName outside the zone", setk([FO, "customDomain", "domainName"], "forms.example.org"))
S("staging", "site-paths-overlap", t, "paths", "site.paths overlap (/campaigns/* and /campaigns/spring)", setk(["spikeproof:site", "paths"], ["/campaigns/*", "/campaigns/spring"]))
S("staging", "site-paths-duplicate", t, "paths", "site.paths lists the same path twice", setk(["spikeproof:site", "paths"], ["/campaigns/*", "/campaigns/*"]))
S("staging", "window-end-before-start", t, "end", "campaignWindows[0].end before start", setk([F, "campaignWindows", 0, "end"], "2027-03-28T08:00"))
S("staging", "window-duplicate-name", t, "name", "two campaignWindows with the same name", lambda c: c[F]["campaignWindows"].append(dict(c[F]["campaignWindows"][0])))
S("staging", "subnet-private-public-shared", t, "publicSubnetIds", "a subnet is both private and public", setk(["spikeproof:network", "publicSubnetIds", 0], "subnet-0a1b2c3d4e5f60011"))
S("staging", "network-and-corestack", t, "network", "both spikeproof:network and spikeproof:coreStack", setk(["spikeproof:coreStack"], {"name": "acme/core/staging"}))
S("staging", "forms-without-edge", t, "forms", "spikeproof:forms without spikeproof:edge", delk([E]))
S("prod", "spot-with-warmpool", t, "warmPoolSize", "spot block together with a warm pool", setk([F, "spot"], {"onDemandBase": 1, "spotPercent": 50}))
S("prod", "pages-offsite", t, "thankYou", "forms.pages.thankYou on a foreign https host", setk([FO, "pages", "thankYou"], "https://evil.example.net/thanks"))
S("prod", "bypass-overlaps-marketing", t, "marketingPaths", "edge.cache.bypassPaths contains a marketing path", setk([E, "cache", "bypassPaths"], ["/pricing", "/api"]))
S("prod", "workersdev-in-prod", t, "workersDev", "site.workersDev true in prod", setk(["spikeproof:site", "workersDev"], True))
S("prod", "cms-repo-no-owner", t, "repo", "site.cms.repo without its owner", setk(["spikeproof:site", "cms", "repo"], "spikeproof"))
S("prod", "cms-repo-url", t, "repo", "site.cms.repo written as a URL", setk(["spikeproof:site", "cms", "repo"], "https://github.com/acme/spikeproof"))
S("prod", "cms-admin-not-routed", t, "cms", "site.cms without /admin/* in site.paths", setk(["spikeproof:site", "paths"], ["/campaigns/*"]))
S("prod", "cms-client-secret-as-id", t, "githubClientId", "the OAuth app's secret pasted as its client id", setk(["spikeproof:site", "cms", "githubClientId"], "0123456789abcdef0123456789abcdef01234567"))
S("prod", "cms-client-id-no-secret", t, "cmsGithubClientSecret", "site.cms.githubClientId without the secret", setk(["spikeproof:site", "cms", "githubClientId"], "Ov23liAbCdEfGhIjKlMn"))
S("prod", "cms-client-secret-plain", t, "cmsGithubClientSecret", "the OAuth app's secret in plain text", setk(["spikeproof:cmsGithubClientSecret"], "0123456789abcdef0123456789abcdef01234567"))
S("prod", "cms-api-http", t, "url", "site.cms.api.url over plain http", setk(["spikeproof:site", "cms", "api"], {"kind": "wagtail", "url": "http://cms.acme-marketing.com"}))
S("prod", "cms-api-kind-typo", t, "kind", "site.cms.api.kind misspelt", setk(["spikeproof:site", "cms", "api"], {"kind": "wagtial", "url": "https://cms.acme-marketing.com"}))
S("prod", "cms-api-no-secrets", t, "cmsDispatchToken", "site.cms.api without its dispatch token", setk(["spikeproof:site", "cms", "api"], {"kind": "wagtail", "url": "https://cms.acme-marketing.com"}))
S("prod", "cms-branch-spaces", t, "branch", "site.cms.branch with a space", setk(["spikeproof:site", "cms", "branch"], "main branch"))
# ---------------- 6. YAML errors (raw text) -----------------
t = "yaml"
ST("staging", "bad-indent", t, "(file)", "fleet.minSize mis-indented", "    minSize: 1\n", "     minSize: 1\n")
ST("staging", "tab-indent", t, "(file)", "tab used for indentation", "    minSize: 1\n", "\tminSize: 1\n")
ST("staging", "unclosed-quote", t, "(file)", "unclosed double quote", 'start: "2027-03-28T09:00"', 'start: "2027-03-28T09:00')
ST("staging", "duplicate-top-key", t, "spikeproof:site", "spikeproof:site given twice", "  spikeproof:site:\n", "  spikeproof:site:\n    paths: [\"/\"]\n  spikeproof:site:\n")
ST("staging", "duplicate-nested-key", t, "minSize", "fleet.minSize given twice", "    minSize: 1\n", "    minSize: 1\n    minSize: 2\n")
ST("staging", "anchors-aliases", t, "publicSubnetIds", "an alias makes the private subnets the public ones too", "    privateSubnetIds:\n      - subnet-0a1b2c3d4e5f60011\n      - subnet-0a1b2c3d4e5f60012\n    publicSubnetIds:\n      - subnet-0a1b2c3d4e5f60111\n      - subnet-0a1b2c3d4e5f60112\n", "    privateSubnetIds: &subs\n      - subnet-0a1b2c3d4e5f60011\n      - subnet-0a1b2c3d4e5f60012\n    publicSubnetIds: *subs\n")
write("stack", "multi-document", BASE["staging"] + "---\nconfig:\n  aws:region: us-east-1\n", "staging", t, "(file)", "two YAML documents in one file")
write("stack", "empty-file", "", "staging", t, "config", "empty file", comment=False)
write("stack", "comment-only", "# nothing here\n", "staging", t, "config", "comment-only file (no config)", comment=False)
write("stack", "top-level-list", "- config:\n    aws:region: eu-west-1\n", "staging", t, "(file)", "file is a list not a map")
write("stack", "config-missing", BASE["staging"].replace("config:\n", "", 1).replace("\n  ", "\n"), "staging", t, "config", "top-level config: key missing; keys at top level")
write("stack", "config-is-list", "config:\n  - aws:region: eu-west-1\n", "staging", t, "config", "config: is a list")
write("stack", "scalar-file", "just some text\n", "staging", t, "(file)", "file is a bare scalar")
ST("staging", "custom-tag", t, "spikeproof:protect", "a !!python/name tag", "  spikeproof:protect: false\n", "  spikeproof:protect: !!python/name:os.system false\n")
ST("staging", "merge-key", t, "desiredCapacity", "a YAML merge key (<<) brings in desiredCapacity 9, above maxSize 4", "  spikeproof:fleet:\n", "  spikeproof:fleet:\n    <<: {desiredCapacity: 9}\n")
ST("staging", "list-as-key", t, "spikeproof:replicas", "a YAML complex key (? [a, b]) inside the replicas block", "    count: 1\n", "    count: 1\n    ? [a, b]\n    : 1\n")
ST("staging", "set-tag", t, "instanceTypes", "instanceTypes written as a YAML !!set", "    instanceTypes: [t4g.medium, t4g.large]\n", "    instanceTypes: !!set {t4g.medium, t4g.large}\n")
ST("staging", "binary-tag", t, "channelName", "channelName as !!binary", "channelName: marketing-eng-sync", "channelName: !!binary bWFya2V0aW5n")
ST("staging", "recursive-alias", t, "privateSubnetIds", "an alias inside the value it names (a list containing itself)", "    privateSubnetIds:\n      - subnet-0a1b2c3d4e5f60011\n", "    privateSubnetIds: &self\n      - *self\n      - subnet-0a1b2c3d4e5f60011\n")
ST("staging", "custom-local-tag", t, "count", "replicas.count with a local !two tag", "    count: 1\n", "    count: !two 2\n")
# ---------------- 7. encodings -----------------
t = "encoding"
write("stack", "latin1", (BASE["staging"].replace("owner", "owner") .replace("spikeproof:protect: false\n", "spikeproof:protect: false\n  spikeproof:owner: équipe-web\n")).encode("latin-1"), "staging", t, "(file)", "Latin-1 bytes (é)")
write("stack", "utf16-bom", codecs.BOM_UTF16_LE + BASE["staging"].encode("utf-16-le"), "staging", t, "(file)", "UTF-16 LE with BOM")
write("stack", "utf8-bom", codecs.BOM_UTF8 + BASE["staging"].replace("  spikeproof:protect: false\n", "  spikeproof:protect: maybe\n").encode(), "staging", t, "spikeproof:protect", "UTF-8 BOM plus a bad protect value (BOM should be tolerated, error reported)")
write("stack", "nul-bytes", BASE["staging"].encode().replace(b"minSize: 1", b"minSize: 1\x00"), "staging", t, "(file)", "NUL byte in the file")
write("stack", "cp1252-quote", BASE["staging"].encode().replace(b"channelName: marketing-eng-sync", b"channelName: \x93marketing\x94"), "staging", t, "(file)", "Windows-1252 smart quotes")
# ---------------- 8. huge -----------------
t = "huge"
ST("staging", "int-400-digits", t, "maxSize", "fleet.maxSize is a 400-digit integer", "    maxSize: 4\n", "    maxSize: " + "9" * 400 + "\n")
ST("staging", "float-1e308", t, "perInstanceCapacityRps", "perInstanceCapacityRps is 1e308", "    perInstanceCapacityRps: 150\n", "    perInstanceCapacityRps: 1.0e+308\n")
ST("staging", "float-inf", t, "edgeTtlSeconds", "edge.cache.edgeTtlSeconds is .inf", "      edgeTtlSeconds: 3600\n", "      edgeTtlSeconds: .inf\n")
ST("staging", "float-nan", t, "spotPercent", "spot.spotPercent is .nan", "      spotPercent: 100\n", "      spotPercent: .nan\n")
ST("staging", "neg-inf-lag", t, "lagAlarmSeconds", "lagAlarmSeconds is -.inf", "    lagAlarmSeconds: 900\n", "    lagAlarmSeconds: -.inf\n")
S("staging", "string-128k", t, "channelName", "slack.channelName is a 128 KiB string", setk([A, "slack", "channelName"], "a" * (1 << 17)))
S("staging", "deep-nesting", t, "instanceClass", "replicas.instanceClass is a 200-level nested map", setk([R, "instanceClass"], _nested(200, "db.t4g.medium", "x")))
write("stack", "deep-flow-nesting", BASE["staging"].replace("    count: 1\n", "    count: " + "[" * 5000 + "]" * 5000 + "\n"), "staging", t, "count", "replicas.count is 5000 nested flow lists")
S("staging", "many-hostnames", t, "hostnames", "edge.hostnames with 2000 entries", setk([E, "hostnames"], [f"h{i}.acme-marketing-staging.com" for i in range(2000)]))
ST("staging", "int-2pow60-count", t, "count", "replicas.count is 2^60", "    count: 1\n", f"    count: {2**60}\n")
# ---------------- 9. YAML implicit typing -----------------
t = "yaml-implicit"
ST("staging", "unquoted-window-start", t, "start", "campaignWindows start unquoted YAML timestamp (the CLI would hand the program Go's form of it)", 'start: "2027-03-28T09:00"', "start: 2027-03-28 09:00:00")
ST("staging", "unquoted-window-date", t, "start", "campaignWindows start is an unquoted date only", 'start: "2027-03-28T09:00"', "start: 2027-03-28")
ST("staging", "octal-identifier", t, "identifier", "primary.identifier: 0755 (octal-looking int)", "identifier: core-staging-db", "identifier: 0755")
ST("staging", "sexagesimal-lead", t, "leadMinutes", "leadMinutes: 1:30 (sexagesimal int 90 in YAML 1.1)", "leadMinutes: 20", "leadMinutes: 1:30")
ST("staging", "octal-minsize", t, "minSize", "minSize: 010 (octal 8 > maxSize)", "    minSize: 1\n", "    minSize: 010\n")
ST("staging", "allowedaccount-unquoted", t, "aws:allowedAccountIds", "aws:allowedAccountIds unquoted int", '["111122223333"]', "[111122223333]")
ST("staging", "yes-for-protect", t, "spikeproof:protect", "spikeproof:protect: yes (YAML 1.1 bool but YAML 1.2 string for Pulumi)", "spikeproof:protect: false", "spikeproof:protect: yes")
ST("staging", "hex-tag-value", t, "cost-center", "defaultTags cost-center: 0x1F (int)", "cost-center: marketing", "cost-center: 0x1F")
ST("staging", "null-tilde-zone", t, "zoneName", "edge.zoneName: ~ (null)", "zoneName: acme-marketing-staging.com", "zoneName: ~")

# ================= CAMPAIGNS =================
t = "typo"
C("timezone-case", t, "timezone", "timeZone written timezone", renk(["timeZone"], "timezone"))
C("audience-opens", t, "opens", "audience.openRate written opens", renk(["audience", "openRate"], "opens"))
C("landing-sharee", t, "sharee", "landing[0].share misspelled", renk(["landing", 0, "share"], "sharee"))
C("data-access-snake", t, "data_access", "dataAccess written data_access", renk(["dataAccess"], "data_access"))
C("form-singular", t, "form", "forms written form", renk(["forms"], "form"))
C("prewarm-typo", t, "lead", "prewarm.leadMinutes written lead", setk(["prewarm"], {"instances": 4, "lead": 30}))
t = "type"
C("size-string", t, "size", "audience.size is 'two million'", setk(["audience", "size"], "two million"))
C("size-float", t, "size", "audience.size is 2000000.5", setk(["audience", "size"], 2000000.5))
C("landing-map", t, "landing", "landing is a mapping not a list", setk(["landing"], {"path": "/campaigns/spring"}))
C("forms-string", t, "forms", "forms is a string", setk(["forms"], "/subscribe"))
C("audience-null", t, "audience", "audience is null", setk(["audience"], None))
C("start-int", t, "start", "start is an int", setk(["start"], 20270309))
C("owner-list", t, "owner", "owner is a list", setk(["owner"], ["a@example.com"]))
C("sendminutes-bool", t, "sendMinutes", "sendMinutes is true", setk(["sendMinutes"], True))
C("duration-int", t, "duration", "duration is 6", setk(["duration"], 6))
t = "range"
C("size-zero", t, "size", "audience.size is 0", setk(["audience", "size"], 0))
C("openrate-gt1", t, "openRate", "openRate is 22 (percent)", setk(["audience", "openRate"], 22))
C("click-gt-open", t, "clickRate", "clickRate > openRate", setk(["audience", "clickRate"], 0.5))
C("share-sum-not-1", t, "share", "landing shares sum to 0.7", lambda d: (d["landing"][0].__setitem__("share", 0.4), d["landing"].append({"path": "/campaigns/spring-b", "share": 0.3})))
C("share-sum-over-1", t, "share", "landing shares sum to 1.6", lambda d: (d["landing"][0].__setitem__("share", 0.8), d["landing"].append({"path": "/campaigns/spring-b", "share": 0.8})))
C("share-zero", t, "share", "landing share 0", setk(["landing", 0, "share"], 0))
C("scanner-negative", t, "scannerShare", "scannerShare -0.1", setk(["scannerShare"], -0.1))
C("sendminutes-zero", t, "sendMinutes", "sendMinutes 0", setk(["sendMinutes"], 0))
C("assets-negative", t, "assetsPerPage", "assetsPerPage -6", setk(["assetsPerPage"], -6))
C("pagespervisit-zero", t, "pagesPerVisit", "pagesPerVisit 0", setk(["pagesPerVisit"], 0))
C("formconversion-gt1", t, "formConversion", "formConversion 5 (percent)", setk(["formConversion"], 5))
C("duration-15d", t, "duration", "duration P15D beyond 14 days", setk(["duration"], "P15D"))
C("year-1999", t, "start", "start in 1999", setk(["start"], "1999-03-09T09:00"))
C("landing-empty", t, "landing", "landing is empty", setk(["landing"], []))
C("peak-negative", t, "expectedPeakRps", "expectedPeakRps is -5", setk(["expectedPeakRps"], -5))
t = "format"
C("tz-bad", t, "timeZone", "timeZone Europe/Londn", setk(["timeZone"], "Europe/Londn"))
C("tz-path-traversal", t, "timeZone", "timeZone ../../etc/passwd", setk(["timeZone"], "../../../../etc/passwd"))
C("duration-bad", t, "duration", "duration 6h not ISO", setk(["duration"], "6h"))
C("duration-pt0h", t, "duration", "duration PT0H", setk(["duration"], "PT0H"))
C("start-bad", t, "start", "start 2027-02-30T09:00", setk(["start"], "2027-02-30T09:00"))
C("start-garbage", t, "start", "start 'next tuesday'", setk(["start"], "next tuesday"))
C("start-dst-gap", t, "start", "start 01:30 on 2027-03-28 London (DST gap)", setk(["start"], "2027-03-28T01:30"))
C("channel-bad", t, "channel", "channel 'sms'", setk(["channel"], "sms"))
C("landing-path-noslash", t, "path", "landing path without slash", setk(["landing", 0, "path"], "campaigns/spring"))
C("landing-path-query", t, "path", "landing path with query", setk(["landing", 0, "path"], "/campaigns/spring?utm_source=x"))
C("param-bad", t, "trackingParameters", "tracking parameter with space", setk(["landing", 0, "trackingParameters"], ["utm source", "coupon"]))
C("unique-not-subset", t, "uniquePerRecipient", "uniquePerRecipient not in trackingParameters", setk(["landing", 0, "uniquePerRecipient"], ["voucher"]))
C("dataaccess-primary-write", t, "dataAccess", "dataAccess primary-write (exit 2)", setk(["dataAccess"], "primary-write"), exit=2)
C("dataaccess-bad", t, "dataAccess", "dataAccess 'read'", setk(["dataAccess"], "read"))
C("forms-not-served", t, "/newsletter", "forms lists /newsletter, which the stack's backend does not serve: a NO-GO naming the route", setk(["forms"], ["/newsletter"]), exit=2)
C("forms-noslash", t, "forms", "forms entry without slash", setk(["forms"], ["subscribe"]))
C("name-mismatch", t, "name", "name differs from file stem", setk(["name"], "other-campaign"))
C("name-uppercase", t, "name", "name in upper case", setk(["name"], "Spring_Blast"))
C("end-before-start", t, "end", "end before start", lambda d: (d.pop("duration"), d.__setitem__("end", "2027-03-09T08:00")))
C("end-and-duration", t, "end", "both end and duration", setk(["end"], "2027-03-09T15:00"))
C("start-with-offset-and-tz", t, "start", "start with +05:00 offset contradicting timeZone", setk(["start"], "2027-03-09T09:00+05:00"))
C("owner-empty", t, "owner", "owner empty string", setk(["owner"], ""))
t = "yaml"
CT("unquoted-date", "yaml-implicit", "start", "start is unquoted date only", 'start: "2027-03-09T09:00"', "start: 2027-03-09")
CT("dataaccess-no", "yaml-implicit", "dataAccess", "dataAccess: no (YAML 1.1 bool)", "dataAccess: none", "dataAccess: no")
CT("channel-on", "yaml-implicit", "channel", "channel: on (bool)", "channel: email", "channel: on")
CT("sexagesimal-send", "yaml-implicit", "sendMinutes", "sendMinutes: 1:20 (sexagesimal)", "sendMinutes: 20", "sendMinutes: 1:20")
CT("fraction-assets", "type", "assetsPerPage", "assetsPerPage: 6.5 is not a whole number", "assetsPerPage: 6", "assetsPerPage: 6.5")
CT("tz-null", "yaml-implicit", "timeZone", "timeZone: null", "timeZone: Europe/London", "timeZone: null")
CT("duplicate-key", t, "audience", "audience given twice", "sendMinutes: 20", "sendMinutes: 20\naudience:\n  size: 5")
CT("bad-indent", t, "(file)", "bad indentation", "  openRate: 0.22", "   openRate: 0.22")
CT("tab", t, "(file)", "tab indent", "  openRate: 0.22", "\topenRate: 0.22")
CT("unclosed-quote", t, "(file)", "unclosed quote", 'start: "2027-03-09T09:00"', 'start: "2027-03-09T09:00')
CT("recursive-alias", t, "landing", "a landing entry that contains itself through an alias", "landing:\n", "landing: &loop\n  - *loop\n")
CT("set-tag", t, "forms", "forms as a YAML !!set", "forms: [/subscribe]", "forms: !!set {/subscribe}")
write("campaign", "empty", b"", "prod", t, "name", "empty file: every required key is missing")
write("campaign", "list", "- name: x\n", "prod", t, "(file)", "file is a list")
write("campaign", "multi-doc", CBASE.replace("name: spring-coupon-blast", "name: __NAME__") + "---\nname: other\n", "prod", t, "(file)", "two YAML documents")
write("campaign", "latin1", CBASE.replace("name: spring-coupon-blast", "name: __NAME__").replace("owner: growth-team@example.com", "owner: équipe-growth").replace("__NAME__", "__NAME__").encode("latin-1"), "prod", "encoding", "(file)", "Latin-1 bytes")
write("campaign", "utf16", codecs.BOM_UTF16_LE + CBASE.replace("name: spring-coupon-blast", "name: __NAME__").encode("utf-16-le"), "prod", "encoding", "(file)", "UTF-16 LE with BOM")
write("campaign", "utf8-bom-ok", codecs.BOM_UTF8 + CBASE.replace("name: spring-coupon-blast", "name: __NAME__").replace("channel: email", "channel: fax").encode(), "prod", "encoding", "channel", "UTF-8 BOM plus bad channel (BOM tolerated, channel named)")
write("campaign", "nul", CBASE.replace("name: spring-coupon-blast", "name: __NAME__").encode().replace(b"channel: email", b"channel: em\x00ail"), "prod", "encoding", "(file)", "NUL byte")
t = "huge"
CT("size-400-digits", t, "size", "audience.size 400 digits", "size: 2000000", "size: " + "9" * 400)
CT("size-1e308", t, "size", "audience.size 1e308", "size: 2000000", "size: 1.0e+308")
CT("openrate-nan", t, "openRate", "openRate .nan", "openRate: 0.22", "openRate: .nan")
CT("pages-inf", t, "pagesPerVisit", "pagesPerVisit .inf", "pagesPerVisit: 1.3", "pagesPerVisit: .inf")
C("size-2pow52", t, "size", "audience.size 2^52 (fits 2^53 but absurd)", setk(["audience", "size"], 2**52))
C("owner-128k", t, "owner", "owner is a 128 KiB string", setk(["owner"], "x" * (1 << 17)))
C("landing-2000", t, "landing", "2000 landing entries", setk(["landing"], [{"path": f"/p{i}", "share": 0.0005} for i in range(2000)]))
C("deep-nesting", t, "audience", "audience nested 300 deep", setk(["audience"], _nested(300, 1, "size")))
C("sendminutes-huge", t, "sendMinutes", "sendMinutes 10^15 (within 2^53)", setk(["sendMinutes"], 10**15))
C("duration-huge-digits", t, "duration", "duration PT99999999999999999999H", setk(["duration"], "PT" + "9" * 30 + "H"))
C("duration-P0D-days-huge", t, "duration", "duration P999999999D", setk(["duration"], "P999999999999D"))
C("prewarm-huge", t, "instances", "prewarm.instances 10^9", setk(["prewarm"], {"instances": 10**9, "leadMinutes": 30}))
C("replica-read-zero-conn", "range", "replicaConnectionsPerInstance", "replica-read with 0 connections per instance", lambda d: (d.__setitem__("dataAccess", "replica-read"), d.__setitem__("replicaConnectionsPerInstance", 0)))
C("expected-peak-and-audience", "conflict", "expectedPeakRps", "both expectedPeakRps and audience", setk(["expectedPeakRps"], 5000.0))
C("no-audience-no-peak", "conflict", "audience", "neither audience nor expectedPeakRps", delk(["audience"]))
# Issue 24: messages for what reviewers pasted and wrote.
write("stack", "no-config-wrapper", lambda: "\n".join(ln[2:] if ln.startswith("  ") else ln for ln in BASE["staging"].split("config:\n", 1)[1].splitlines()) + "\n", "staging", "yaml", "config", "every key at the top level, the `config:` line missing")
ST("staging", "zero-width-space-key", "typo", "U+200B", "a zero-width space pasted inside replicas.instanceClass", "    instanceClass: db.t4g.medium", "    instance\u200bClass: db.t4g.medium")
ST("staging", "nbsp-in-namespace", "typo", "U+00A0", "a no-break space inside a namespace key", "  spikeproof:network:", "  spikeproof:net\u00a0work:")
ST("staging", "cross-region-no-key", "conflict", "kmsKeyId", "an encrypted primary in another region without primary.kmsKeyId", "    identifier: core-staging-db\n", "    identifier: core-staging-db\n    region: us-east-1\n")
ST("staging", "kms-alias", "format", "kmsKeyId", "primary.kmsKeyId given as an alias (the provider takes an ARN)", "    identifier: core-staging-db\n", "    identifier: core-staging-db\n    region: us-east-1\n    kmsKeyId: alias/marketing-replicas\n")
S("prod", "budget-negative", "range", "monthlyUsd", "spikeproof:budget.monthlyUsd is negative", setk(["spikeproof:budget", "monthlyUsd"], -3000))
S("prod", "budget-typo", "typo", "monthlyUSD", "spikeproof:budget.monthlyUsd written monthlyUSD", renk(["spikeproof:budget", "monthlyUsd"], "monthlyUSD"))
S("prod", "budget-text", "type", "campaignUsd", "spikeproof:budget.campaignUsd written as '500 dollars'", setk(["spikeproof:budget", "campaignUsd"], "500 dollars"))
C("oncall-typo", "typo", "oncall", "onCall written oncall", lambda c: c.__setitem__("oncall", c.pop("onCall")))
C("send-via-smtp", "format", "sendVia", "sendVia is smtp (esp or ses)", setk(["sendVia"], "smtp"))
C("third-party-no-notice", "type", "notice", "a third party without its notice", lambda c: c["thirdParties"][0].pop("notice"))
# fmt: on
