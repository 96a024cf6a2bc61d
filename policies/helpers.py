"""Shared pieces of the spikeproof policy pack: safe property access over the SDK's read-only
proxies, the primary database's identity (from the `primaryDatabase` config property) and a
matcher that finds it inside any string, JSON document or base64 blob.

Validators never assume `args.props` is a dict: it is a `Mapping` proxy that raises the SDK's
`UnknownValueError` when an unknown (preview) value is read. Helpers here let that exception
through unless they say otherwise, so the SDK reports the policy as not runnable in preview.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, cast

from iam import Target
from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UnknownValueError

# --- property access ------------------------------------------------------------------------


def get(value: Any, *path: str | int, default: Any = None) -> Any:
    """`value[p0][p1]...`, or `default` when a key is absent, an index is out of range or a
    level is null / of the wrong shape. Unknown values raise the SDK's UnknownValueError."""
    current = value
    for key in path:
        if isinstance(key, int):
            if not is_list(current) or key >= len(current):
                return default
        elif not isinstance(current, Mapping) or key not in current:
            return default
        current = current[key]
        if current is None:
            return default
    return current


def is_list(value: Any) -> bool:
    return isinstance(value, Sequence) and not isinstance(value, (str, bytes))


def as_list(value: Any) -> list[Any]:
    """A list property as a list (None and absent are empty; a scalar is a one-element list)."""
    if value is None:
        return []
    if is_list(value):
        return [value[i] for i in range(len(value))]
    return [value]


def truthy(value: Any) -> bool:
    """Provider booleans: real booleans, or the strings "true"/"false" some schemas use."""
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return bool(value)


def walk_strings(
    value: Any, path: str = ""
) -> Iterator[tuple[str, str | None, UnknownValueError | None]]:
    """Every string leaf as (path, text, None); an unknown leaf as (path, None, error) instead of
    raising, so a scan can check everything that is known and decide about the rest."""
    stack: list[tuple[str, Any]] = [(path, value)]
    while stack:
        where, current = stack.pop()
        if isinstance(current, str):
            yield where, current, None
        elif isinstance(current, Mapping):
            for key in current:
                child = f"{where}.{key}" if where else str(key)
                try:
                    stack.append((child, current[key]))
                except UnknownValueError as exc:
                    yield child, None, exc
        elif is_list(current):
            for i in range(len(current)):
                child = f"{where}[{i}]"
                try:
                    stack.append((child, current[i]))
                except UnknownValueError as exc:
                    yield child, None, exc


# --- the primary's identity -----------------------------------------------------------------

PRIMARY_KEYS = (
    "identifiers",
    "endpoints",
    "arns",
    "resourceIds",
    "securityGroupIds",
    "secretArns",
    "secretNames",
)

PRIMARY_SCHEMA = PolicyConfigSchema(
    properties={
        "primaryDatabase": {
            "type": "object",
            "description": "What 'primary write database' means for this stack.",
            "additionalProperties": False,
            "properties": {
                key: {
                    "type": "array",
                    "items": {"type": "string", "minLength": 1},
                    # Without an identifier isolation would silently check nothing.
                    **({"minItems": 1} if key == "identifiers" else {}),
                }
                for key in PRIMARY_KEYS
            },
            "required": ["identifiers"],
            "default": {key: [] for key in PRIMARY_KEYS},
        }
    },
    required=["primaryDatabase"],
)


def _host(value: str) -> str:
    host = value.strip().lower()
    host = host.split("://", 1)[-1].split("/", 1)[0]
    if ":" in host and not host.startswith("["):
        host = host.rsplit(":", 1)[0] if host.rsplit(":", 1)[1].isdigit() else host
    return host.rstrip(".")


@dataclass(frozen=True)
class Primary:
    identifiers: frozenset[str]
    endpoints: frozenset[str]
    arns: frozenset[str]
    resource_ids: frozenset[str]
    security_group_ids: frozenset[str]
    secret_arns: frozenset[str]
    secret_names: frozenset[str]
    """Configured names, and the names inside the secret ARNs (without the 6-character suffix
    Secrets Manager appends)."""
    iam_targets: tuple[Target, ...]
    """What an IAM Allow must not reach: the instance, its automated snapshots, its rds-db users,
    its secret by ARN and by name (policies/iam.py)."""
    _pattern: re.Pattern[str] | None

    @property
    def sources(self) -> frozenset[str]:
        """What a replica's `replicateSourceDb` may be."""
        return self.identifiers | self.arns

    def find(self, text: str) -> list[str]:
        """The primary's identity tokens found in `text` (lower-cased), whole tokens only."""
        if self._pattern is None or not text:
            return []
        return sorted({m.group(0).lower() for m in self._pattern.finditer(text)})

    def find_deep(self, text: str, depth: int = 2) -> list[str]:
        """`find`, plus inside base64 payloads (user data) and JSON held in strings."""
        found = set(self.find(text))
        if depth > 0 and not found:
            decoded = _b64(text)
            if decoded is not None:
                found.update(self.find_deep(decoded, depth - 1))
        return sorted(found)


_cache: dict[tuple[tuple[str, ...], ...], Primary] = {}

# Identifier-ish tokens: letters, digits, '-' and '_' (a longer name sharing a prefix, like
# prod-db-01-replica-1, is a different token). Hostnames additionally refuse a leading '.' (a
# subdomain is a different host) and a trailing '.label' but accept a trailing root dot.
_TOKEN_BEFORE = r"(?<![A-Za-z0-9_\-])"
_TOKEN_AFTER = r"(?![A-Za-z0-9_\-])"
_HOST_BEFORE = r"(?<![A-Za-z0-9_\-.])"
_HOST_AFTER = r"(?![A-Za-z0-9_\-]|\.[A-Za-z0-9])"


def primary_from_config(config: Mapping[str, Any] | None) -> Primary:
    raw = get(config, "primaryDatabase", default={}) if config else {}
    values = tuple(
        tuple(sorted(str(v).strip() for v in as_list(get(raw, key, default=[])) if str(v).strip()))
        for key in PRIMARY_KEYS
    )
    cached = _cache.get(values)
    if cached is not None:
        return cached
    identifiers, endpoints, arns, resource_ids, sgs, secrets, configured_names = values
    names = sorted({*configured_names, *(n for n in map(_secret_name, secrets) if n)})
    hosts = sorted({_host(e) for e in endpoints if _host(e)})
    tokens = sorted(
        {t.lower() for t in (*identifiers, *arns, *resource_ids, *secrets, *names, *sgs)}
    )
    parts = [f"{_HOST_BEFORE}{re.escape(h)}{_HOST_AFTER}" for h in hosts]
    parts += [f"{_TOKEN_BEFORE}{re.escape(t)}{_TOKEN_AFTER}" for t in tokens]
    pattern = re.compile("|".join(parts), re.IGNORECASE) if parts else None
    primary = Primary(
        identifiers=frozenset(i.lower() for i in identifiers),
        endpoints=frozenset(hosts),
        arns=frozenset(a.lower() for a in arns),
        resource_ids=frozenset(r.lower() for r in resource_ids),
        security_group_ids=frozenset(sgs),
        secret_arns=frozenset(s.lower() for s in secrets),
        secret_names=frozenset(names),
        iam_targets=_iam_targets(identifiers, arns, resource_ids, secrets, names),
        _pattern=pattern,
    )
    _cache[values] = primary
    return primary


_SECRET_ARN = re.compile(
    r"^arn:[^:]+:secretsmanager:[^:]*:[^:]*:secret:(?P<name>.+)-[A-Za-z0-9]{6}$"
)


def _secret_name(arn: str) -> str | None:
    """A secret's name from its full ARN (Secrets Manager appends '-' and 6 random characters)."""
    match = _SECRET_ARN.match(arn)
    return match.group("name") if match else None


def _arn_parts(arns: Sequence[str]) -> tuple[str, str, str]:
    """Partition, region and account of the primary (from its ARN), or wildcards."""
    for arn in arns:
        parts = arn.split(":")
        if len(parts) >= 6 and parts[0] == "arn":
            return parts[1], parts[3], parts[4]
    return "*", "*", "*"


def _iam_targets(
    identifiers: Sequence[str],
    arns: Sequence[str],
    resource_ids: Sequence[str],
    secrets: Sequence[str],
    names: Sequence[str],
) -> tuple[Target, ...]:
    partition, region, account = _arn_parts(arns)
    base = f"arn:{partition}:{{service}}:{region}:{account}"
    rds = base.format(service="rds")
    db_arns = sorted({*arns, *(f"{rds}:db:{i}" for i in identifiers)})
    targets = [Target("rds", arn, "the primary instance") for arn in db_arns]
    targets += [Target("rds-data", arn, "the primary instance") for arn in db_arns]
    targets += [
        Target("rds", f"{rds}:snapshot:rds:{i}-*", "the primary's automated snapshots")
        for i in identifiers
    ]
    rds_db = base.format(service="rds-db")
    targets += [
        Target("rds-db", f"{rds_db}:dbuser:{rid}/*", "the primary's database users")
        for rid in resource_ids
    ]
    targets += [Target("secretsmanager", arn, "the primary's secret") for arn in secrets]
    sm = base.format(service="secretsmanager")
    targets += [
        Target("secretsmanager", f"{sm}:secret:{name}-??????", f"the primary's secret {name}")
        for name in names
    ]
    return tuple(targets)


_B64 = re.compile(r"^[A-Za-z0-9+/\s]+={0,2}\s*$")


def _b64(text: str) -> str | None:
    stripped = text.strip()
    if len(stripped) < 16 or not _B64.match(stripped):
        return None
    try:
        return base64.b64decode(stripped, validate=False).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None


def load_json(text: Any) -> Any:
    """A JSON document held in a string property (IAM policies), or None."""
    if isinstance(text, Mapping):
        return text
    if not isinstance(text, str):
        return None
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None


# --- declaring policies -----------------------------------------------------------------------


@dataclass(frozen=True)
class Meta:
    text: str
    severity: str
    remediation: str
    rules: str

    @property
    def description(self) -> str:
        # Severity, fix and equivalent rules are in the description too, because the SDK prefixes
        # every violation message with it: the CLI's diagnostic is actionable on its own.
        return (
            f"{self.text} [severity: {self.severity}; rules: {self.rules}] Fix: {self.remediation}"
        )


_SEVERITIES = {
    "low": Severity.LOW,
    "medium": Severity.MEDIUM,
    "high": Severity.HIGH,
    "critical": Severity.CRITICAL,
}


def describe(text: str, *, severity: str, remediation: str, rules: str) -> Meta:
    """Policy metadata: severity, remediation hint and the matching Checkov/trivy/AWSGuard ids."""
    if severity not in _SEVERITIES:
        raise ValueError(f"severity {severity!r} is not one of {', '.join(_SEVERITIES)}")
    return Meta(text=text, severity=severity, remediation=remediation, rules=rules)


class Report(Protocol):
    """The SDK's violation callback as it really is: `report(message, urn=None)`
    (pulumi_policy/policy.py defines it with the default; its `ReportViolation` alias omits it)."""

    def __call__(self, message: str, urn: str | None = None) -> None: ...


Validator = Callable[[ResourceValidationArgs, Report], None]
StackValidator = Callable[[StackValidationArgs, Report], None]


def for_types(types: Sequence[str], check: Validator) -> Validator:
    wanted = frozenset(types)

    def validate(args: ResourceValidationArgs, report: Report) -> None:
        if args.resource_type in wanted:
            check(args, report)

    return validate


def resource_policy(
    name: str,
    meta: Meta,
    validate: Validator,
    *,
    level: EnforcementLevel = EnforcementLevel.MANDATORY,
    config_schema: PolicyConfigSchema | None = None,
) -> ResourceValidationPolicy:
    return ResourceValidationPolicy(
        name=name,
        description=meta.description,
        severity=_SEVERITIES[meta.severity],
        remediation_steps=meta.remediation,
        tags=[meta.rules],
        enforcement_level=level,
        # The SDK calls validators with its callback, which does take `urn=None`.
        validate=cast(Callable[[ResourceValidationArgs, ReportViolation], None], validate),
        config_schema=config_schema,
    )


def stack_policy(
    name: str,
    meta: Meta,
    validate: StackValidator,
    *,
    level: EnforcementLevel = EnforcementLevel.MANDATORY,
    config_schema: PolicyConfigSchema | None = None,
) -> StackValidationPolicy:
    return StackValidationPolicy(
        name=name,
        description=meta.description,
        severity=_SEVERITIES[meta.severity],
        remediation_steps=meta.remediation,
        tags=[meta.rules],
        enforcement_level=level,
        validate=cast(Callable[[StackValidationArgs, ReportViolation], None], validate),
        config_schema=config_schema,
    )


# --- stack policies -------------------------------------------------------------------------

DELETION_PROTECTION_SCHEMA = PolicyConfigSchema(
    properties={
        "required": {
            "type": "boolean",
            "default": True,
            "description": "Require it (prod). Staging sets false so stacks can be torn down.",
        }
    },
)


class Unknowns:
    """Collects unknown reads in a stack policy so that known violations are still reported, and
    the policy is reported as skipped only when an unknown could have hidden one."""

    def __init__(self) -> None:
        self.first: UnknownValueError | None = None

    def read(self, value: Any, *path: str | int, default: Any = None) -> Any:
        try:
            return get(value, *path, default=default)
        except UnknownValueError as exc:
            self.first = self.first or exc
            return default

    def raise_if_any(self) -> None:
        if self.first is not None:
            raise self.first


def depends_on(resource: Any, key: str, urn: str) -> bool:
    """Whether `resource`'s property `key` was computed from resource `urn` (works in preview,
    where names are still unknown)."""
    deps = resource.property_dependencies.get(key) or []
    return any(d.urn == urn for d in deps)


# --- the primary's identity, stated once; enforcement that config cannot lower ---------------

IDENTITY_POLICY = "rds-instance-primary-replica-source"
"""The one policy whose config carries `primaryDatabase` (it checks what the replicas replicate);
every isolation policy reads the identity from there."""

_configured: dict[str, dict[str, Any]] = {}


def configured_primary(args: ResourceValidationArgs | StackValidationArgs) -> Primary:
    """The primary as the policy config states it (under IDENTITY_POLICY), whichever policy asks.
    Without it no isolation check could mean anything: an error, never a silent pass."""
    primary = primary_from_config(_configured.get(IDENTITY_POLICY))
    if not primary.identifiers:
        raise ValueError(
            f"the primary database is not configured: {IDENTITY_POLICY}.primaryDatabase in the "
            "--policy-pack-config file (policies/config/<stack>.json)"
        )
    return primary


def lock_enforcement(servicer: type[Any], locked: Sequence[str]) -> None:
    """Make the SDK's Configure refuse a config that lowers any `locked` policy below mandatory,
    and keep every policy's configured properties for `configured_primary`.

    The CLI passes the `--policy-pack-config` levels to the pack in Configure; the SDK would then
    report a lowered policy as advisory (or not run it). A refusal here stops `pulumi preview` and
    `pulumi up` with the policy named, whatever the file says."""
    import grpc
    from google.protobuf import json_format

    original = servicer.Configure

    def configure(self: Any, request: Any, context: Any) -> Any:
        lowered = []
        for name in locked:
            if name in request.policyConfig:
                level = self._convert_enforcement_level(request.policyConfig[name].enforcementLevel)
                if level != EnforcementLevel.MANDATORY:
                    lowered.append(f"{name} ({level.value})")
        if lowered:
            context.abort(
                grpc.StatusCode.INVALID_ARGUMENT,
                "the policy config lowers isolation policies below mandatory: "
                + ", ".join(lowered)
                + ". The isolation family is mandatory in every stack (docs/policies.md): "
                "remove their entries from the --policy-pack-config file, or set them to "
                '"mandatory".',
            )
        response = original(self, request, context)
        _configured.clear()
        for name in request.policyConfig:
            _configured[name] = json_format.MessageToDict(request.policyConfig[name].properties)
        return response

    servicer.Configure = configure
