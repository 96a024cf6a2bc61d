"""IAM policy documents read as IAM reads them, for one question: can an `Allow` statement reach a
protected resource?

Sources (AWS IAM User Guide, policy element reference):
- reference_policies_elements_resource.html: "You can use wildcard characters (* and ?) within the
  individual segments of an ARN (the parts separated by colons) ... If the * wildcard is the last
  character of a resource ARN segment, it can expand to match beyond the colon boundaries." A `*`
  here may always cross a colon: that errs towards finding a grant, never towards missing one.
- reference_policies_elements_action.html: "The prefix and the action name are case insensitive."
  Resource ARNs are matched as written (case-sensitive), as IAM does.
- reference_policies_elements_notresource.html / _notaction.html: `NotResource` "explicitly
  matches every resource except those specified"; `NotAction` every action except those listed.
- Policy variables (`${aws:username}`) are resolved per request; here each is a `*`.
- Explicit `Deny` statements are never grants. Conditions are not evaluated: a conditional Allow
  counts as a grant (it can apply), which again errs towards finding one.

Targets may themselves hold wildcards (a database's `rds-db:connect` resource is
`...:dbuser:<resource-id>/<any user>`): a statement reaches a target when its pattern and the
target's pattern can match one common ARN (`overlaps`). Written for the pack, with no dependency:
the libraries that parse IAM (policyuniverse, parliament, policy_sentry) expand actions from a
bundled list but none matches a Resource pattern against an ARN with these rules
(docs/policies.md).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

_VARIABLE = re.compile(r"\$\{[^}]*\}")
_ESCAPED_VARIABLE = {"${*}": "\x00", "${?}": "\x01", "${$}": "\x02"}


def _pattern(text: str) -> str:
    """A policy string as a pattern: variables become `*`, `${*}` `${?}` `${$}` literals."""
    for escaped, marker in _ESCAPED_VARIABLE.items():
        text = text.replace(escaped, marker)
    return _VARIABLE.sub("*", text)


def _literal(c: str) -> str:
    return {"\x00": "*", "\x01": "?", "\x02": "$"}.get(c, c)


def overlaps(a: str, b: str) -> bool:
    """Whether two patterns (`*` any run, `?` one character, everything else literal) have a
    common match. With a literal `b`, this is plain wildcard matching of `b` against `a`."""
    return _overlaps(_pattern(a), _pattern(b))


@lru_cache(maxsize=65536)
def _overlaps(a: str, b: str) -> bool:
    # Iterative over (i, j), last row first: no recursion, so a 10,000-character pattern (valid
    # in IAM up to the policy size limit) cannot exhaust the stack and fail the preview.
    m, n = len(a), len(b)
    # Row m (a exhausted): b's suffix must be all stars. `nxt` is always row i + 1.
    nxt = [False] * (n + 1)
    nxt[n] = True
    for j in range(n - 1, -1, -1):
        nxt[j] = b[j] == "*" and nxt[j + 1]
    for i in range(m - 1, -1, -1):
        cur = [False] * (n + 1)
        ca = a[i]
        # j == n (b exhausted): a's suffix must be all stars.
        cur[n] = ca == "*" and nxt[n]
        for j in range(n - 1, -1, -1):
            cb = b[j]
            if ca == "*":
                cur[j] = nxt[j] or cur[j + 1]
            elif cb == "*":
                cur[j] = cur[j + 1] or nxt[j]
            else:
                cur[j] = (ca == "?" or cb == "?" or _literal(ca) == _literal(cb)) and nxt[j + 1]
        nxt = cur
    return nxt[0]


def _has_variable(text: str) -> bool:
    """A policy variable other than the escaped literals `${*}`, `${?}`, `${$}`."""
    for escaped in _ESCAPED_VARIABLE:
        text = text.replace(escaped, "")
    return bool(_VARIABLE.search(text))


def action_reaches(pattern: str, service: str) -> bool:
    """Whether an Action pattern can name some action of `service` (case-insensitive)."""
    return overlaps(pattern.lower(), f"{service.lower()}:*")


def covers_service(pattern: str, service: str) -> bool:
    """Whether a (Not)Action pattern names every action of `service`: `*`, `rds:*`, `r?s:*`.
    A pattern with a policy variable is never certain to (the variable varies per request)."""
    if _has_variable(pattern):
        return False
    p = _pattern(pattern.lower())
    if ":" not in p:
        return p.strip("*") == ""
    prefix, _, name = p.partition(":")
    return name.strip("*") == "" and _overlaps(prefix, service.lower())


@dataclass(frozen=True)
class Target:
    """A protected resource: the service whose actions reach it and its ARN (may hold `*`)."""

    service: str
    arn: str
    label: str
    """What the target is, for messages (e.g. "the primary's master secret")."""


@dataclass(frozen=True)
class Grant:
    statement: int
    """Index of the statement in the document."""
    target: Target
    actions: tuple[str, ...]
    """The statement's Action patterns that reach the service (or `NotAction ...`)."""
    resource: str
    """The Resource pattern that reaches the target (or `NotResource ...`)."""


def statements(document: Any) -> list[Mapping[str, Any]]:
    """`Statement` as a list, whether the document holds one object or a list."""
    if not isinstance(document, Mapping):
        return []
    raw = document.get("Statement")
    if isinstance(raw, Mapping):
        return [raw]
    if isinstance(raw, Sequence) and not isinstance(raw, str):
        return [s for s in raw if isinstance(s, Mapping)]
    return []


def without_deny(
    document: Mapping[str, Any], *, is_deny: Callable[[Any], bool] | None = None
) -> dict[str, Any]:
    """The document with its Deny statements (by default any with Effect Deny; `is_deny` to be
    stricter) left out: what is left is all it can grant. A guard rail that denies the primary
    names the primary, and must not read as a reference."""
    deny = is_deny or (lambda s: s.get("Effect") == "Deny")
    kept = [s for s in statements(document) if not deny(s)]
    return {**document, "Statement": kept}


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, Sequence):
        return [v for v in value if isinstance(v, str)]
    return []


def _actions_reaching(statement: Mapping[str, Any], service: str) -> tuple[str, ...]:
    if "NotAction" in statement:
        excluded = _strings(statement["NotAction"])
        if any(covers_service(p, service) for p in excluded):
            return ()
        return (f"NotAction {excluded}",)
    return tuple(a for a in _strings(statement.get("Action")) if action_reaches(a, service))


def _resource_reaching(statement: Mapping[str, Any], target: Target) -> str | None:
    if "NotResource" in statement:
        excluded = _strings(statement["NotResource"])
        # Everything except the listed resources: the target is reached unless one of them is
        # certain to cover it (the exclusion pattern matches every ARN the target stands for).
        if any(_covers(p, target.arn) for p in excluded):
            return None
        return f"NotResource {excluded}"
    # A statement without Resource is a resource policy's (the resource it is attached to).
    resources = _strings(statement.get("Resource", "*"))
    return next((r for r in resources if overlaps(r, target.arn)), None)


def _covers(pattern: str, target: str) -> bool:
    """Whether every string `target` stands for matches `pattern` (for NotResource). Exact for a
    literal target; for a wildcard target, only when the pattern is the target or a `*` prefix of
    it (conservative: an uncertain exclusion does not remove the grant)."""
    if _has_variable(pattern):
        return False  # excludes one resource per request, not the target for every principal
    p, t = _pattern(pattern), _pattern(target)
    if "*" not in t and "?" not in t:
        return _overlaps(p, t)
    return p == t or (p.endswith("*") and t.startswith(p[:-1]) and "?" not in p)


def allow_grants(document: Any, targets: Sequence[Target]) -> Iterator[Grant]:
    """Every (statement, target) where an Allow statement reaches the target."""
    for index, statement in enumerate(statements(document)):
        effect = statement.get("Effect")
        if not isinstance(effect, str) or effect.lower() != "allow":
            continue  # Deny (or a malformed effect, which IAM refuses) never grants
        for target in targets:
            actions = _actions_reaching(statement, target.service)
            if not actions:
                continue
            resource = _resource_reaching(statement, target)
            if resource is not None:
                yield Grant(index, target, actions, resource)
