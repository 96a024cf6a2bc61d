"""Config keys outside the project's namespace, checked as the providers read them.

The Pulumi CLI hands every `<namespace>:<name>` key of the stack file to the program and the
providers; a key in a namespace nothing reads (`spikeprof:edge`) or a provider key the provider
does not have (`aws:defaultTag`) is ignored silently, and the stack deploys without it. The known
keys are read from the installed provider SDKs' own config modules (`pulumi_aws/config/vars.py`:
every `__config__.get*('<key>')`), and `aws:region` against the regions botocore's endpoint data
lists, so neither list is ours to keep up to date.
"""

from __future__ import annotations

import collections.abc
import difflib
import importlib
import importlib.util
import inspect
import json
import re
import typing
from functools import cache
from pathlib import Path
from typing import Any

from settings.files import sdk_scalar

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


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _shape(annotation: Any, inputs: Any) -> Any:
    """An SDK argument annotation (`Optional[Input[Sequence[Input[str]]]]`) reduced to the shape
    a config value must have: "str", "bool", "int", "float", ("list", shape), ("map", shape) or
    {camelKey: shape} for an args class."""
    if isinstance(annotation, typing.ForwardRef):
        name = annotation.__forward_arg__
        cls = getattr(inputs, name, None)
        return _args_shape(cls, inputs) if cls is not None else "any"
    origin = typing.get_origin(annotation)
    if origin is typing.Union:
        members = [
            a
            for a in typing.get_args(annotation)
            if a is not type(None)
            and typing.get_origin(a) is not collections.abc.Awaitable
            and not (isinstance(a, typing.ForwardRef) and a.__forward_arg__ == "Output[T]")
        ]
        return _shape(members[0], inputs) if members else "any"
    if origin in (collections.abc.Sequence, list):
        return ("list", _shape(typing.get_args(annotation)[0], inputs))
    if origin in (collections.abc.Mapping, dict):
        return ("map", _shape(typing.get_args(annotation)[1], inputs))
    return {str: "str", bool: "bool", int: "int", float: "float"}.get(annotation, "any")


def _args_shape(cls: Any, inputs: Any) -> dict[str, Any]:
    params = list(inspect.signature(cls.__init__).parameters.values())[1:]
    return {_camel(p.name): _shape(p.annotation, inputs) for p in params}


@cache
def provider_shapes(namespace: str) -> dict[str, Any]:
    """Each provider config key's shape, from the installed SDK's ProviderArgs (the provider's own
    schema, generated into `<sdk>/provider.py` and `_inputs.py`)."""
    try:
        module = importlib.import_module(f"{PROVIDERS[namespace]}.provider")
        inputs = importlib.import_module(f"{PROVIDERS[namespace]}._inputs")
    except ImportError:
        return {}
    args = getattr(module, "ProviderArgs", None)
    return _args_shape(args, inputs) if args is not None else {}


_KINDS = {"str": "text", "bool": "true or false", "int": "a whole number", "float": "a number"}


def shape_problem(value: Any, shape: Any, where: str) -> str | None:
    """Why a decoded config value does not have the SDK's shape, naming the part; None if it
    does."""
    if shape == "any":
        return None
    if isinstance(shape, tuple):
        kind, inner = shape
        if kind == "list":
            if not isinstance(value, list):
                return f"{where} must be a list"
            return next(
                (p for i, v in enumerate(value) if (p := shape_problem(v, inner, f"{where}[{i}]"))),
                None,
            )
        if not isinstance(value, dict):
            return f"{where} must be a mapping"
        return next(
            (p for k, v in value.items() if (p := shape_problem(v, inner, f"{where}.{k}"))), None
        )
    if isinstance(shape, dict):
        if not isinstance(value, dict):
            return f"{where} must be a mapping with keys {', '.join(sorted(shape))}"
        for k, v in value.items():
            if k not in shape:
                close = difflib.get_close_matches(k, sorted(shape), n=1, cutoff=0.6)
                return f"{where}.{k} is not a key the provider has" + (
                    f" (did you mean '{close[0]}'?)" if close else f" ({', '.join(sorted(shape))})"
                )
            problem = shape_problem(v, shape[k], f"{where}.{k}")
            if problem:
                return problem
        return None
    ok = {
        "str": isinstance(value, str),
        "bool": isinstance(value, bool),
        "int": isinstance(value, int) and not isinstance(value, bool),
        "float": isinstance(value, (int, float)) and not isinstance(value, bool),
    }[shape]
    return None if ok else f"{where} must be {_KINDS[shape]}, not {_kind_of(value)}"


def _kind_of(value: Any) -> str:
    # The kind, never the value: a provider key may hold a credential (cloudflare:apiToken).
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return "null" if value is None else type(value).__name__


CREDENTIAL = re.compile(r"(token|secret|password|key)", re.IGNORECASE)
"""Provider keys that hold credentials (cloudflare:apiToken, aws:secretKey, aws:accessKey,
cloudflare:apiKey, apiUserServiceKey): a message shows "[secret]" instead of their value."""


def _decoded(value: object, shape: Any) -> Any:
    """The engine's text for a provider key as the provider decodes it: structured values are
    JSON, top-level scalars text read as an SDK getter reads it (settings.files.sdk_scalar; any
    number for a numeric key, so that the shape check names an int's fraction)."""
    if not isinstance(value, str):
        return value
    if value[:1] in "[{":
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    if shape in ("bool", "int", "float"):
        return sdk_scalar(value, "bool" if shape == "bool" else "float")
    return value


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
    shape = provider_shapes(namespace).get(name, "any")
    problem = shape_problem(_decoded(value, shape), shape, key)
    if problem:
        return (
            f"{problem} (the {namespace} provider's schema: {PROVIDERS[namespace]}/provider.py)",
            _describe(shape),
            f"{key}: {_example(shape)}",
        )
    if key == "aws:region" and isinstance(value, str) and value not in aws_regions():
        close = difflib.get_close_matches(value, sorted(aws_regions()), n=1, cutoff=0.6)
        return (
            f"'{value}' is not an AWS region" + (f" (did you mean '{close[0]}'?)" if close else ""),
            "a region botocore's endpoint data lists",
            f"aws:region: {close[0] if close else 'eu-west-1'}",
        )
    return None


def _describe(shape: Any) -> str:
    if isinstance(shape, tuple):
        return f"a {'list' if shape[0] == 'list' else 'mapping'} of {_describe(shape[1])}"
    if isinstance(shape, dict):
        return "a mapping with " + ", ".join(f"{k} ({_describe(v)})" for k, v in shape.items())
    return _KINDS.get(shape, "any value")


def _example(shape: Any) -> str:
    if isinstance(shape, tuple):
        inner = _example(shape[1])
        return f"[{inner}]" if shape[0] == "list" else f"{{name: {inner}}}"
    if isinstance(shape, dict):
        key, inner = next(iter(shape.items()), ("key", "str"))
        return f"{{{key}: {_example(inner)}}}"
    return {"str": "text", "bool": "true", "int": "3", "float": "1.5"}.get(shape, "...")
