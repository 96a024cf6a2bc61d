"""Provider answers for the offline plan, derived from the stack file.

A real `pulumi up` asks AWS and Cloudflare what exists: the primary database, the caller's
account, the zone, Cloudflare's address ranges, the core application's stack outputs. Offline,
those answers are derived from what the stack file already says (aws:region, the first of
aws:allowedAccountIds, spikeproof:primary, spikeproof:coreStack, spikeproof:edge.zoneName), so a new
stack plans without a hand-written fixtures file. Every id, ARN and endpoint in them is a
deterministic stand-in (a hash of the stack and the name), never a real one.

An optional fixtures file (tools/engine/fixtures/<stack>.json, or --fixtures) overrides: its
invokes are tried first, its stackReferences replace derived ones, its accountId and region win.

A program other than this one (examples/consumer) reads spikeproof stacks through StackReference;
a config value naming `<org>/spikeproof/<stack>` is answered with that stack's own offline plan.
"""

from __future__ import annotations

import copy
import functools
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tools.engine.mockstate import Where, digest

FIXTURES = Path(__file__).with_name("fixtures")
CLOUDFLARE_IPS = Path(__file__).resolve().parents[2] / "components" / "cloudflare_ips.json"

# AWS's own documentation account (docs.aws.amazon.com uses 123456789012 in every example ARN):
# the stand-in when the stack file pins no account with aws:allowedAccountIds.
DOCUMENTATION_ACCOUNT = "123456789012"
DEFAULT_REGION = "us-east-1"
SPIKEPROOF_STACK = re.compile(r"^[A-Za-z0-9_.-]+/spikeproof/([A-Za-z0-9_.-]+)$")
CORE_OUTPUT_DEFAULTS = {
    "vpcIdOutput": "vpc_id",
    "privateSubnetIdsOutput": "private_subnet_ids",
    "publicSubnetIdsOutput": "public_subnet_ids",
    "primaryIdentifierOutput": "primary_db_identifier",
}


class AnswerError(Exception):
    """An answer the offline plan cannot give; the message says what to add where."""


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _decoded(value: Any) -> Any:
    """Config as the engine hands it over: structured values are JSON text."""
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return None
    return value


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


@dataclass(frozen=True)
class StackFacts:
    """What the stack file says about the world it deploys into (read leniently: the program's
    own settings check reports a bad value with its key; here a bad value just derives nothing)."""

    stack: str
    region: str
    account_id: str
    primary_identifier: str | None
    primary_region: str | None
    core_stack: str | None
    core_outputs: Mapping[str, str]
    zone_name: str | None

    @classmethod
    def from_config(cls, stack: str, raw: Mapping[str, Any]) -> StackFacts:
        config = {k: _decoded(v) for k, v in raw.items()}
        accounts = config.get("aws:allowedAccountIds")
        account = (
            accounts[0]
            if isinstance(accounts, list) and accounts and isinstance(accounts[0], str)
            else DOCUMENTATION_ACCOUNT
        )
        primary = _mapping(config.get("spikeproof:primary"))
        core = _mapping(config.get("spikeproof:coreStack"))
        outputs = {k: _text(core.get(k)) or v for k, v in CORE_OUTPUT_DEFAULTS.items()}
        return cls(
            stack=stack,
            region=_text(config.get("aws:region")) or DEFAULT_REGION,
            account_id=account,
            primary_identifier=_text(primary.get("identifier")),
            primary_region=_text(primary.get("region")),
            core_stack=_text(core.get("name")),
            core_outputs=outputs,
            zone_name=_text(_mapping(config.get("spikeproof:edge")).get("zoneName")),
        )

    @property
    def primary(self) -> str:
        """The primary's identifier: the stack file's, else what the derived core stack says."""
        return self.primary_identifier or f"core-{self.stack}-db"


def primary_instance(facts: StackFacts, identifier: str, region: str) -> dict[str, Any]:
    """A getInstance answer for the primary: a Multi-AZ, encrypted PostgreSQL 16 instance with
    backups on (what replicas need), in the provider's wire form (pulumi-aws rds/get_instance.py).
    """
    seed = (facts.stack, identifier)
    host = f"{identifier}.{digest(*seed, 'host', length=12, alphabet=_LOWER)}.{region}"
    arn = f"arn:aws:rds:{region}:{facts.account_id}:db:{identifier}"
    return {
        "address": f"{host}.rds.amazonaws.com",
        "allocatedStorage": 500,
        "autoMinorVersionUpgrade": True,
        "availabilityZone": f"{region}a",
        "backupRetentionPeriod": 7,
        "caCertIdentifier": "rds-ca-rsa2048-g1",
        "dbClusterIdentifier": "",
        "dbInstanceArn": arn,
        "dbInstanceClass": "db.r6g.large",
        "dbInstanceIdentifier": identifier,
        "dbInstancePort": 0,
        "dbName": "core",
        "dbParameterGroups": ["core-postgres16"],
        "dbSubnetGroup": "core-db-subnets",
        "enabledCloudwatchLogsExports": ["postgresql"],
        "endpoint": f"{host}.rds.amazonaws.com:5432",
        "engine": "postgres",
        "engineVersion": "16.4",
        "hostedZoneId": "Z" + digest(*seed, "zone", length=13, alphabet=_UPPER),
        "id": identifier,
        "iops": 3000,
        "kmsKeyId": f"arn:aws:kms:{region}:{facts.account_id}:key/{_uuid(*seed, 'kms')}",
        "licenseModel": "postgresql-license",
        # None: RDS cannot create read replicas of a primary whose master password it manages
        # (components/replica.py stops on it), so the derived primary is one that can have them.
        "masterUserSecrets": [],
        "masterUsername": "core_admin",
        "maxAllocatedStorage": 1000,
        "monitoringInterval": 60,
        "monitoringRoleArn": f"arn:aws:iam::{facts.account_id}:role/rds-monitoring",
        "multiAz": True,
        "networkType": "IPV4",
        "optionGroupMemberships": ["default:postgres-16"],
        "port": 5432,
        "preferredBackupWindow": "02:00-03:00",
        "preferredMaintenanceWindow": "sun:04:00-sun:05:00",
        "publiclyAccessible": False,
        "replicateSourceDb": "",
        "resourceId": "db-" + digest(*seed, "resource", length=26, alphabet=_UPPER_DIGITS),
        "storageEncrypted": True,
        "storageThroughput": 125,
        "storageType": "gp3",
        "tags": {"team": "core"},
        "timezone": "",
        "vpcSecurityGroups": [_primary_security_group(facts)],
    }


def _primary_security_group(facts: StackFacts) -> str:
    return "sg-" + digest(facts.stack, facts.primary, "sg")


def core_stack_outputs(facts: StackFacts) -> dict[str, Any]:
    """The core application's outputs as spikeproof reads them (settings CoreStackSettings)."""
    out = facts.core_outputs

    def subnets(kind: str) -> list[str]:
        return [f"subnet-{digest(facts.stack, kind, str(i))}" for i in range(3)]

    return {
        out["vpcIdOutput"]: "vpc-" + digest(facts.stack, "vpc"),
        out["privateSubnetIdsOutput"]: subnets("private"),
        out["publicSubnetIdsOutput"]: subnets("public"),
        out["primaryIdentifierOutput"]: facts.primary,
        "primary_security_group_id": _primary_security_group(facts),
    }


def _zone(facts: StackFacts, name: str) -> dict[str, Any]:
    zone_id = digest(facts.stack, "zone", name, length=32)
    return {
        "id": zone_id,
        "zoneId": zone_id,
        "name": name,
        "status": "active",
        "paused": False,
        "type": "full",
        "nameServers": ["ada.ns.cloudflare.com", "bob.ns.cloudflare.com"],
        "plan": {"id": digest("plan", name, length=32), "name": "Pro Website"},
    }


@functools.cache
def _published_ranges() -> dict[str, Any]:
    return dict(json.loads(CLOUDFLARE_IPS.read_text()))


def _ip_ranges() -> dict[str, Any]:
    # The published list the program keeps as its own fallback (components/cloudflare_ips.json,
    # from https://www.cloudflare.com/ips/).
    published = _published_ranges()
    return {
        "etag": digest("ips", *published["ipv4Cidrs"], length=32),
        "ipv4Cidrs": list(published["ipv4Cidrs"]),
        "ipv6Cidrs": list(published["ipv6Cidrs"]),
        "jdcloudCidrs": [],
    }


Answerer = Callable[[Mapping[str, Any]], dict[str, Any] | None]


@dataclass
class Answers:
    """Invoke and StackReference answers: a fixtures file's first, then the derived ones."""

    where: Where
    facts: StackFacts | None
    file_invokes: list[dict[str, Any]] = field(default_factory=list)
    stack_references: dict[str, dict[str, Any]] = field(default_factory=dict)
    path: Path | None = None

    def invoke(self, token: str, args: Mapping[str, Any]) -> dict[str, Any] | None:
        for entry in self.file_invokes:
            if entry["token"] == token and _matches(entry.get("args", {}), args):
                return dict(copy.deepcopy(entry["result"]))
        derived = self._derived.get(token)
        return derived(args) if derived else None

    @functools.cached_property
    def _derived(self) -> dict[str, Answerer]:
        """The derived answerers by invoke token, built once per run."""
        facts = self.facts
        account, region = self.where.account_id, self.where.region
        answers: dict[str, Answerer] = {
            "aws:index/getCallerIdentity:getCallerIdentity": lambda _: {
                "accountId": account,
                "arn": f"arn:aws:sts::{account}:assumed-role/deploy/pulumi",
                "id": account,
                "userId": "AROAOFFLINEPLAN:pulumi",
            },
            "aws:index/getPartition:getPartition": lambda _: {
                "partition": "aws",
                "dnsSuffix": "amazonaws.com",
                "id": "aws",
                "reverseDnsPrefix": "com.amazonaws",
            },
            "cloudflare:index/getIpRanges:getIpRanges": lambda _: _ip_ranges(),
        }
        if facts is None:
            return answers

        def instance(args: Mapping[str, Any]) -> dict[str, Any] | None:
            identifier = args.get("dbInstanceIdentifier")
            if identifier != facts.primary:
                return None  # only the primary the stack file names exists
            return primary_instance(facts, identifier, str(args.get("region") or region))

        def zone(args: Mapping[str, Any]) -> dict[str, Any] | None:
            name = _mapping(args.get("filter")).get("name")
            return _zone(facts, name) if name and name == facts.zone_name else None

        answers[GET_INSTANCE] = instance
        answers["cloudflare:index/getZone:getZone"] = zone
        return answers

    def source(self) -> str:
        """Where an answer would be added, for messages."""
        return str(self.path) if self.path else f"tools/engine/fixtures/<stack>.json ({FIXTURES})"


def _matches(expected: Mapping[str, Any], actual: Mapping[str, Any]) -> bool:
    return all(actual.get(k) == v for k, v in expected.items())


def derive(
    stack: str,
    config: Mapping[str, Any],
    *,
    fixtures_file: Path | None = None,
    plan_stack: Callable[[str], dict[str, Any]] | None = None,
    spikeproof_program: bool = True,
) -> Answers:
    """The answers for one run: derived from `config`, overridden by the fixtures file (the given
    one, else tools/engine/fixtures/<stack>.json when present). `plan_stack(name)` returns a
    spikeproof stack's plain outputs, for programs that read spikeproof through StackReference."""
    path = fixtures_file or FIXTURES / f"{stack}.json"
    data: dict[str, Any] = {}
    if fixtures_file is not None or path.exists():
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise AnswerError(f"{path}: no such fixtures file") from exc
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise AnswerError(f"{path}: not a JSON fixtures file ({exc})") from exc
        if not isinstance(data, dict):
            raise AnswerError(f"{path}: a fixtures file is a JSON object (see {FIXTURES})")
    facts = StackFacts.from_config(stack, config) if spikeproof_program else None
    region = str(data.get("region") or (facts.region if facts else config.get("aws:region")))
    where = Where(
        account_id=str(
            data.get("accountId") or (facts.account_id if facts else DOCUMENTATION_ACCOUNT)
        ),
        region=region if region != "None" else DEFAULT_REGION,
    )
    references: dict[str, dict[str, Any]] = {}
    if facts is not None and facts.core_stack:
        references[facts.core_stack] = core_stack_outputs(facts)
    if not spikeproof_program and plan_stack is not None:
        for value in _strings({k: _decoded(v) for k, v in config.items()}):
            match = SPIKEPROOF_STACK.match(value)
            if match and value not in data.get("stackReferences", {}):
                references[value] = plan_stack(match.group(1))
    references.update(data.get("stackReferences", {}))
    return Answers(
        where=where,
        facts=facts,
        file_invokes=list(data.get("invokes", [])),
        stack_references=references,
        path=path if data else None,
    )


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, Mapping):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


GET_INSTANCE = "aws:rds/getInstance:getInstance"


def primary_answer(answers: Answers) -> dict[str, Any]:
    """The primary's getInstance answer, as the offline plan's program is told it ({} when the
    stack names no primary): its class and storage are the replicas' (the cost tools read them)."""
    if answers.facts is None:
        return {}
    return answers.invoke(GET_INSTANCE, {"dbInstanceIdentifier": answers.facts.primary}) or {}


def primary_identity(answers: Answers) -> dict[str, list[str]]:
    """The policy pack's `primaryDatabase` (policies/helpers.py PRIMARY_KEYS) from the answers
    the plan itself uses: the primary as seen from the stack's region and from its own."""
    facts = answers.facts
    if facts is None:
        raise AnswerError("only a spikeproof stack has a primary database")
    regions = [answers.where.region]
    if facts.primary_region and facts.primary_region not in regions:
        regions.append(facts.primary_region)
    seen = [
        answers.invoke(
            GET_INSTANCE,
            {"dbInstanceIdentifier": facts.primary}
            | ({"region": r} if r != answers.where.region else {}),
        )
        for r in regions
    ]
    found = [s for s in seen if s]
    identity: dict[str, list[str]] = {
        "identifiers": [facts.primary],
        "endpoints": _unique(s["address"] for s in found),
        "arns": _unique(s["dbInstanceArn"] for s in found),
        "resourceIds": _unique(s["resourceId"] for s in found),
        "securityGroupIds": _unique(g for s in found for g in s.get("vpcSecurityGroups", [])),
        "secretArns": _unique(
            m["secretArn"]
            for s in found
            for m in s.get("masterUserSecrets", [])
            if "secretArn" in m
        ),
    }
    core = answers.stack_references.get(facts.core_stack or "", {})
    group = core.get("primary_security_group_id")
    if isinstance(group, str) and group not in identity["securityGroupIds"]:
        identity["securityGroupIds"].append(group)
    return identity


def _unique(values: Any) -> list[str]:
    out: list[str] = []
    for v in values:
        if isinstance(v, str) and v and v not in out:
            out.append(v)
    return out


def _uuid(*parts: str) -> str:
    h = digest(*parts, length=32)
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


_LOWER = "abcdefghijklmnopqrstuvwxyz0123456789"
_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
_UPPER_DIGITS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
_ALNUM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
