"""Isolation policies: nothing this program creates may reach, name or grant access to the core
application's primary write database. Mandatory in every stack.

"Primary" is configuration (`primaryDatabase`), decided by the platform/security team. The one
reference that is allowed is an RDS instance's `replicateSourceDb` (a read replica's source).
These policies deliberately do not look at `read` resources (stack references and look-ups),
which the engine does not analyse and which cannot create access.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Mapping
from typing import Any

from helpers import (
    PRIMARY_SCHEMA,
    Primary,
    Report,
    as_list,
    configured_primary,
    describe,
    get,
    is_list,
    load_json,
    resource_policy,
    truthy,
    walk_strings,
)
from iam import allow_grants, without_deny
from pulumi_policy import ResourceValidationArgs
from pulumi_policy.proxy import UnknownValueError

RDS_INSTANCE = "aws:rds/instance:Instance"
SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
SG_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
SG_INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
SG_EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"


def _primary(args: ResourceValidationArgs) -> Primary:
    return configured_primary(args)


# --- security group rules -------------------------------------------------------------------


def _sg_rules(args: ResourceValidationArgs, report: Report) -> None:
    sgs = _primary(args).security_group_ids
    if not sgs:
        return
    props, kind = args.props, args.resource_type
    hits: list[str] = []
    if kind == SECURITY_GROUP:
        for direction in ("ingress", "egress"):
            for i, rule in enumerate(as_list(get(props, direction))):
                for sg in as_list(get(rule, "securityGroups")):
                    if sg in sgs:
                        hits.append(f"inline {direction}[{i}] references primary group {sg}")
    elif kind == SG_RULE:
        for key in ("securityGroupId", "sourceSecurityGroupId"):
            value = get(props, key)
            if value in sgs:
                hits.append(f"{key} is the primary's group {value}")
    elif kind in (SG_INGRESS, SG_EGRESS):
        for key in ("securityGroupId", "referencedSecurityGroupId"):
            value = get(props, key)
            if value in sgs:
                hits.append(f"{key} is the primary's group {value}")
    for hit in hits:
        report(f"{hit}. Marketing rules must never open or target the primary.")


SG_PRIMARY_ACCESS = resource_policy(
    "ec2-security-group-primary-access",
    describe(
        "No security group rule (inline, SecurityGroupRule or vpc Ingress/EgressRule) may open a "
        "primary database security group or let another group reach it.",
        severity="critical",
        remediation="remove the rule; replicas have their own group, reachable from the fleet only",
        rules="no Checkov/trivy/AWSGuard equivalent (project-specific)",
    ),
    _sg_rules,
)


# --- compute joining a primary group ------------------------------------------------------

# Where security groups are attached, per provider schema (aws 7.x): top-level lists on instances,
# RDS, load balancers, proxies, ENIs; nested on Lambda, launch templates, ECS services.
_SG_PATHS: tuple[tuple[str | int, ...], ...] = (
    ("vpcSecurityGroupIds",),
    ("securityGroups",),
    ("securityGroupIds",),
    ("securityGroupId",),
    ("vpcConfig", "securityGroupIds"),
    ("networkConfiguration", "securityGroups"),
    ("vpcOptions", "securityGroupIds"),
)
_SG_RULE_TYPES = frozenset({SECURITY_GROUP, SG_RULE, SG_INGRESS, SG_EGRESS})


def _compute_groups(args: ResourceValidationArgs, report: Report) -> None:
    if args.resource_type in _SG_RULE_TYPES:
        return  # the rule policy owns these; a SecurityGroup's inline `securityGroups` are peers
    sgs = _primary(args).security_group_ids
    if not sgs:
        return
    props = args.props
    found: list[str] = []
    for path in _SG_PATHS:
        for sg in as_list(get(props, *path)):
            if sg in sgs:
                found.append(f"{'.'.join(map(str, path))} contains {sg}")
    for i, nic in enumerate(as_list(get(props, "networkInterfaces"))):
        for sg in as_list(get(nic, "securityGroups")):
            if sg in sgs:
                found.append(f"networkInterfaces[{i}].securityGroups contains {sg}")
    for hit in found:
        report(f"{args.resource_type} joins the primary's security group: {hit}.")


COMPUTE_PRIMARY_GROUP = resource_policy(
    "ec2-compute-primary-security-group",
    describe(
        "No resource (Lambda vpcConfig, launch template, instance, ECS service, ENI, RDS, proxy, "
        "load balancer) may join a primary database security group.",
        severity="critical",
        remediation="use the marketing fleet's own group; reach replicas through the replica group",
        rules="no Checkov/trivy/AWSGuard equivalent (project-specific)",
    ),
    _compute_groups,
)


# --- any property naming the primary ------------------------------------------------------


_SG_PATH_TEXT = tuple(".".join(map(str, p)) for p in _SG_PATHS)


def _is_sg_path(path: str) -> bool:
    bare = re.sub(r"\[\d+\]", "", path)
    return bare in _SG_PATH_TEXT or bare == "networkInterfaces.securityGroups"


_STATEMENT = re.compile(r"^(?P<statement>.*?\.Statement(?:\[\d+\])?)(?:[.\[]|$)")


def _policy_named(key: object) -> bool:
    """A top-level property named for a policy (policy, inlinePolicies, assumeRolePolicy, ...):
    where IAM documents sit, for the IAM policy and for the reference scan alike."""
    return "polic" in str(key).lower()


def _in_policy_property(path: str) -> bool:
    """Whether `path` is under a property named for a policy: only there is a Deny an IAM
    statement. Anywhere else (an environment variable holding `{"Statement": [{"Effect": "Deny",
    ...}]}`) it is text like any other, scanned whole."""
    return _policy_named(re.split(r"[.\[]", path, maxsplit=1)[0])


def _iam_deny(statement: Any) -> bool:
    """A Deny in IAM's shape: it names actions (Action or NotAction)."""
    return (
        isinstance(statement, Mapping)
        and statement.get("Effect") == "Deny"
        and ("Action" in statement or "NotAction" in statement)
    )


def _in_deny_statement(props: Mapping[str, Any], path: str) -> bool:
    """Whether `path` (as walk_strings writes it) lies inside a structured IAM document's Deny
    statement, under a policy property. A statement that denies never grants, so naming the
    primary there is a guard rail, not a reference."""
    match = _STATEMENT.match(path)
    if match is None or not _in_policy_property(path):
        return False
    current: Any = props
    try:
        for key, index in re.findall(r"([^.\[\]]+)|\[(\d+)\]", match["statement"]):
            current = current[int(index)] if index else current[key]
        return _iam_deny(current)
    except (KeyError, IndexError, TypeError, UnknownValueError):
        return False


def _scannable(path: str, text: str) -> str:
    """The text a reference is looked for in: an IAM document held as JSON text under a policy
    property loses its IAM-shaped Deny statements first; any other text is itself."""
    if "Statement" not in text or not _in_policy_property(path):
        return text
    document = load_json(text)
    if isinstance(document, Mapping) and "Statement" in document:
        return json.dumps(without_deny(document, is_deny=_iam_deny))
    return text


def _references(args: ResourceValidationArgs, report: Report) -> None:
    primary = _primary(args)
    unknown = None
    hits: list[str] = []
    for path, text, error in walk_strings(args.props):
        if error is not None:
            unknown = unknown or error
            continue
        assert text is not None
        if args.resource_type == RDS_INSTANCE and path == "replicateSourceDb":
            continue  # the one allowed reference; rds-instance-primary-replica-source checks it
        if ".Statement" in path and _in_deny_statement(args.props, path):
            continue
        found = primary.find_deep(_scannable(path, text))
        if found and (args.resource_type in _SG_RULE_TYPES or _is_sg_path(path)):
            # The security-group policies own these places; report only other forms there.
            groups = {g.lower() for g in primary.security_group_ids}
            found = [f for f in found if f not in groups]
        if found:
            hits.append(f"{path} carries {', '.join(found)}")
    for hit in hits:
        report(f"{hit}.")
    if not hits and unknown is not None:
        # Something that could name the primary is not known yet: say so rather than pass.
        raise unknown


PRIMARY_REFERENCE = resource_policy(
    "any-resource-primary-reference",
    describe(
        "No property of any resource may carry the primary database's endpoint, host, "
        "identifier, ARN, resource id or secret ARN (env vars, connection strings, JSON, base64 "
        "user data, DNS records, proxies, DMS endpoints). Only a replica's replicateSourceDb may.",
        severity="critical",
        remediation="point the consumer at the replica reader endpoint (stack output "
        "reader_hostname) and at the replica's own credentials",
        rules="no Checkov/trivy/AWSGuard equivalent (project-specific)",
    ),
    _references,
)


# --- IAM ----------------------------------------------------------------------------------


def _iam_documents(args: ResourceValidationArgs) -> list[tuple[str, Any]]:
    """Every IAM policy document the resource carries: managed and inline policies, a role's
    inline policies, resource policies (secret, KMS key, bucket, queue, topic policies) on any
    resource type, recognised by shape (an object with a `Statement`: a JSON string, or an object
    the program passed as a policy document) under any property named for a policy.
    An unknown value where a policy document may sit (a key ending in `policy`) is re-raised when
    nothing was found, so the policy is reported as skipped in preview rather than passing."""
    docs: list[tuple[str, Any]] = []
    unknown: UnknownValueError | None = None
    # Where to look: every property whose name says it holds a policy. pulumi-aws 7 names every
    # policy-document argument so (policy, inlinePolicies, inlinePolicy, assumeRolePolicy,
    # accessPolicies, policyDocument, ...); walking only those keeps the pack within its budget
    # (the reference scan already reads every other string for the primary's names). Paths are
    # tuples, joined only for a document found.
    stack: list[tuple[tuple[str | int, ...], Any]] = []
    props = args.props
    for key in list(props):
        if _policy_named(key):
            try:
                stack.append(((key,), props[key]))
            except UnknownValueError as exc:
                unknown = unknown or exc
    while stack:
        where, value = stack.pop()
        if isinstance(value, str):
            if "Statement" in value:
                doc = load_json(value)
                if isinstance(doc, Mapping) and "Statement" in doc:
                    docs.append((_path(where), doc))
        elif isinstance(value, Mapping):
            keys = list(value)
            if "Statement" in keys:
                with contextlib.suppress(UnknownValueError):
                    docs.append((_path(where) or "(document)", _plain(value)))
                continue
            for key in keys:
                try:
                    stack.append(((*where, key), value[key]))
                except UnknownValueError as exc:
                    if str(key).lower().endswith("policy"):
                        unknown = unknown or exc
        elif is_list(value):
            for i in range(len(value)):
                try:
                    stack.append(((*where, i), value[i]))
                except UnknownValueError:
                    continue
    if not docs and unknown is not None:
        raise unknown
    return docs


def _path(parts: tuple[str | int, ...]) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _plain(value[k]) for k in value}
    if is_list(value):
        return [_plain(value[i]) for i in range(len(value))]
    return value


def _iam(args: ResourceValidationArgs, report: Report) -> None:
    targets = _primary(args).iam_targets
    for where, doc in _iam_documents(args):
        for grant in allow_grants(doc, targets):
            report(
                f"{where} Statement[{grant.statement}] allows {', '.join(grant.actions)} on "
                f"{grant.resource}, which reaches {grant.target.label} ({grant.target.arn}). "
                "Name the replicas (their ARNs, dbuser resource ids, their own secrets) instead."
            )


IAM_PRIMARY_ACCESS = resource_policy(
    "iam-policy-primary-access",
    describe(
        "No Allow statement of any IAM document the plan carries (managed, inline, role or "
        "resource policy, on any resource type) may "
        "reach the primary, its snapshots, its rds-db users or its secret, as IAM evaluates it: "
        "Action/NotAction, Resource/NotResource, '*' and '?' wildcards; Deny never grants.",
        severity="critical",
        remediation="scope the statement to the replicas' ARNs / dbuser resource ids",
        rules="no direct equivalent; related: Checkov CKV_AWS_355 (no '*' resource)",
    ),
    _iam,
)


# --- RDS instances are replicas of the primary, and only that --------------------------------


def _replica_source(args: ResourceValidationArgs, report: Report) -> None:
    if args.resource_type != RDS_INSTANCE:
        return
    primary = _primary(args)
    source = get(args.props, "replicateSourceDb")
    if not source:
        report(
            "not a read replica (no replicateSourceDb). This program may only "
            "create read replicas of the configured primary."
        )
    elif str(source).strip().lower() not in primary.sources:
        report(
            f"replicateSourceDb '{source}' is not the configured primary "
            f"({', '.join(sorted(primary.sources)) or 'none configured'})."
        )


REPLICA_SOURCE = resource_policy(
    "rds-instance-primary-replica-source",
    describe(
        "Every RDS instance in the stack is a read replica whose replicateSourceDb is one of the "
        "primary's identifiers or ARNs.",
        severity="critical",
        remediation="create databases through the ReadReplica component with "
        "replicateSourceDb set to the primary",
        rules="no Checkov/trivy/AWSGuard equivalent (project-specific)",
    ),
    _replica_source,
    config_schema=PRIMARY_SCHEMA,
)

_REPLICA_FORBIDDEN = ("username", "password", "manageMasterUserPassword", "dbName")


def _replica_settings(args: ResourceValidationArgs, report: Report) -> None:
    if args.resource_type != RDS_INSTANCE:
        return
    for key in _REPLICA_FORBIDDEN:
        value = get(args.props, key)
        if value is None or value == "":
            continue
        if key == "manageMasterUserPassword" and not truthy(value):
            continue
        report(
            f"sets {key}; a replica inherits credentials and databases from its "
            "source, and setting them is how a replica gets promoted into a writable primary."
        )


REPLICA_SETTINGS = resource_policy(
    "rds-replica-credentials-forbidden",
    describe(
        "RDS replicas never set username, password, manageMasterUserPassword or dbName.",
        severity="high",
        remediation="drop the argument; replicas inherit them from the primary",
        rules="no Checkov/trivy/AWSGuard equivalent (project-specific)",
    ),
    _replica_settings,
)

POLICIES = [
    SG_PRIMARY_ACCESS,
    COMPUTE_PRIMARY_GROUP,
    PRIMARY_REFERENCE,
    IAM_PRIMARY_ACCESS,
    REPLICA_SOURCE,
    REPLICA_SETTINGS,
]
