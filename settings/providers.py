"""Config keys outside the project's namespace, checked as the providers read them.

The Pulumi CLI hands every `<namespace>:<name>` key of the stack file to the program and the
providers; a key in a namespace nothing reads (`spikeprof:edge`) or a provider key the provider
does not have (`aws:defaultTag`) is ignored silently, and the stack deploys without it. The known
keys are read from the installed provider SDKs' own config modules (`pulumi_aws/config/vars.py`:
every `__config__.get*('<key>')`), and `aws:region` against the regions botocore's endpoint data
lists, so neither list is ours to keep up to date.
"""

from __future__ import annotations

import difflib
import importlib.util
import re
from functools import cache
from pathlib import Path

PROVIDERS = {"aws": "pulumi_aws", "cloudflare": "pulumi_cloudflare", "random": "pulumi_random"}
RESERVED = frozenset({"pulumi"})
"""The CLI's own namespace (e.g. `pulumi:disable-default-providers`)."""
_GET = re.compile(r"__config__\.get\w*\(\s*'([A-Za-z0-9_]+)'")


@cache
def provider_keys(namespace: str) -> frozenset[str]:
    """The config keys the provider SDK reads (empty for a provider without config)."""
    spec = importlib.util.find_spec(PROVIDERS[namespace])
    if spec is None or not spec.submodule_search_locations:
        return frozenset()
    vars_file = Path(next(iter(spec.submodule_search_locations))) / "config" / "vars.py"
    if not vars_file.is_file():
        return frozenset()
    return frozenset(_GET.findall(vars_file.read_text(encoding="utf-8")))


@cache
def aws_regions() -> frozenset[str]:
    import botocore.session

    session = botocore.session.get_session()
    regions: set[str] = set()
    for partition in session.get_available_partitions():
        regions |= set(session.get_available_regions("ec2", partition_name=partition))
    return frozenset(regions)


def problems(key: str, value: object, *, project: str) -> tuple[str, str, str] | None:
    """(problem, allowed, example) for a config key the program and providers would ignore or
    refuse, else None."""
    namespace, _, name = key.partition(":")
    if namespace == project:
        return None
    if namespace in RESERVED:
        return None
    known = [project, *PROVIDERS, *RESERVED]
    if namespace not in PROVIDERS:
        close = difflib.get_close_matches(namespace, known, n=1, cutoff=0.6)
        hint = f"did you mean '{close[0]}:{name}'?" if close else f"namespaces: {', '.join(known)}"
        return (
            f"nothing reads the namespace '{namespace}': the key would be ignored ({hint})",
            f"a key in one of: {', '.join(known)}",
            f"{close[0]}:{name}" if close else f"{project}:{name}",
        )
    keys = provider_keys(namespace)
    if keys and name not in keys:
        close = difflib.get_close_matches(name, sorted(keys), n=1, cutoff=0.6)
        return (
            f"the {namespace} provider has no config key '{name}': it would be ignored"
            + (f" (did you mean '{namespace}:{close[0]}'?)" if close else ""),
            f"one of the provider's keys ({PROVIDERS[namespace]}/config/vars.py)",
            f"{namespace}:{close[0]}" if close else f"{namespace}:region",
        )
    if key == "aws:region" and isinstance(value, str) and value not in aws_regions():
        close = difflib.get_close_matches(value, sorted(aws_regions()), n=1, cutoff=0.6)
        return (
            f"'{value}' is not an AWS region" + (f" (did you mean '{close[0]}'?)" if close else ""),
            "a region botocore's endpoint data lists",
            f"aws:region: {close[0] if close else 'eu-west-1'}",
        )
    return None
