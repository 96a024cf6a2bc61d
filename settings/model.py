"""Base model for every settings area, and the translation of pydantic's errors into ConfigErrors.

Every area module (`core.py`, `fleet.py`, ...) declares frozen pydantic models whose YAML keys are
the camelCase form of the field names. Unknown keys are errors (typos in stack files are the most
common deploy bug) with a "did you mean" hint. Cross-field rules raise `FieldError`, which names the
field it is about so the message can point at the exact key.
"""

from __future__ import annotations

import difflib
import re
import types
import typing
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic.alias_generators import to_camel

from settings.errors import ConfigError
from settings.files import go_yaml_scalar


class Model(BaseModel):
    """Frozen, camelCase-keyed, unknown keys forbidden, no NaN or infinity."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        alias_generator=to_camel,
        populate_by_name=False,
        validate_default=True,
        # YAML reads .nan and .inf as floats; no setting or campaign figure means either.
        allow_inf_nan=False,
        # No coercion between kinds: `count: true` is not 1 replica, `minSize: "3"` is not 3,
        # `channelId: 123` is not text. (An int still counts as a float; times are parsed from
        # their text by the fields that take them: strict=False there.)
        strict=True,
    )


class FieldError(ValueError):
    """A rule about one field failed.

    Raised from validators; names the field, what is allowed and a fix.
    """

    def __init__(
        self,
        field: str,
        problem: str,
        *,
        value: Any = None,
        allowed: str | None = None,
        example: str | None = None,
    ) -> None:
        self.field = field
        self.problem = problem
        self.value = value
        self.allowed = allowed
        self.example = example
        super().__init__(problem)


# Strict types (Model config): the value is of another kind than the key takes.
DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
"""A lower-case DNS name with an alphabetic TLD (ACM certificates, the fleet's own domain)."""

_KIND_PROBLEMS = {
    "int_type": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_type": "must be a number",
    "bool_type": "must be true or false",
    "string_type": "must be text (quote it)",
    "list_type": "must be a list ([a, b] or one '- item' per line)",
    "dict_type": "must be a mapping (key: value lines indented under it)",
    "model_type": "must be a mapping (key: value lines indented under it)",
    "model_attributes_type": "must be a mapping (key: value lines indented under it)",
}


_KIND_WANTS = {
    "int_type": "int",
    "int_from_float": "int",
    "float_type": "float",
    "bool_type": "bool",
}


def translate(
    exc: ValidationError, root: type[BaseModel], *, stack_file: str, namespace: str, raw: Any
) -> list[ConfigError]:
    """Turn pydantic's error list into ConfigErrors whose key paths are the stack file's own."""
    errors: list[ConfigError] = []
    for err in exc.errors(include_url=False):
        loc = list(err["loc"])
        ctx = err.get("ctx") or {}
        inner = ctx.get("error")
        if isinstance(inner, FieldError):
            # A model-level rule: point at the field it names, and show that field's value.
            loc = [*loc, *inner.field.split(".")] if inner.field else loc
            errors.append(
                ConfigError(
                    stack_file=stack_file,
                    key_path=_key_path(namespace, loc),
                    problem=inner.problem,
                    value=inner.value if inner.value is not None else _lookup(raw, loc),
                    allowed=inner.allowed,
                    example=inner.example or _example(root, namespace, loc),
                )
            )
            continue
        kind = err["type"]
        if kind == "extra_forbidden":
            parent = _model_at(root, loc[:-1])
            known = sorted(_aliases(parent)) if parent else []
            hint = difflib.get_close_matches(str(loc[-1]), known, n=1, cutoff=0.6)
            problem = "unknown key" + (f"; did you mean '{hint[0]}'?" if hint else "")
            errors.append(
                ConfigError(
                    stack_file=stack_file,
                    key_path=_key_path(namespace, loc),
                    problem=problem,
                    value=err.get("input"),
                    allowed="one of: " + ", ".join(known) if known else None,
                    example=f"rename it to '{hint[0]}'" if hint else "remove the key",
                )
            )
            continue
        if kind == "missing":
            errors.append(
                ConfigError(
                    stack_file=stack_file,
                    key_path=_key_path(namespace, loc),
                    problem="required key is missing",
                    has_value=False,
                    allowed=_describe(root, loc),
                    example=_example(root, namespace, loc),
                )
            )
            continue
        message = _KIND_PROBLEMS.get(kind, "") or str(err["msg"]).removeprefix("Value error, ")
        given = err.get("input")
        wants = _KIND_WANTS.get(kind)
        # The hint only where the text, unquoted, would be what the key takes (an int's digits
        # count for a float).
        # Only for text given where another kind is wanted: with neither (a number out of range, a
        # list) both sides were None and every such message told the reader to remove quotes
        # that were never there.
        unquoted = go_yaml_scalar(given)[0] if isinstance(given, str) else None
        if wants is not None and (unquoted == wants or (wants == "float" and unquoted == "int")):
            message += " (quoted, it is text: write it without quotes)"
        errors.append(
            ConfigError(
                stack_file=stack_file,
                key_path=_key_path(namespace, loc),
                problem=message,
                value=err.get("input"),
                allowed=_describe(root, loc),
                example=_example(root, namespace, loc),
            )
        )
    return errors


def _key_path(namespace: str, loc: Sequence[Any]) -> str:
    # pydantic adds union-member and tagged names to locations; keep only real keys and indices.
    parts = [p for p in loc if not (isinstance(p, str) and ("[" in p or p.startswith("function-")))]
    if not parts:
        return namespace.rstrip(":")
    head, *rest = parts
    text = f"{namespace}{head}"
    for part in rest:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text


def _lookup(raw: Any, loc: Sequence[Any]) -> Any:
    node = raw
    for part in loc:
        if (isinstance(node, Mapping) and part in node) or (
            isinstance(node, list) and isinstance(part, int) and part < len(node)
        ):
            node = node[part]
        else:
            return None
    return node


def _unwrap(annotation: Any) -> Any:
    """Strip Optional, list and dict wrappers down to the element type."""
    while True:
        origin = typing.get_origin(annotation)
        if origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            annotation = args[0] if len(args) == 1 else annotation
            if len(args) != 1:
                return annotation
        elif origin in (list, tuple, Sequence, dict, Mapping):
            params = typing.get_args(annotation)
            annotation = params[-1] if params else Any
        elif origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        else:
            return annotation


def _field_at(root: type[BaseModel], loc: Sequence[Any]) -> tuple[type[BaseModel] | None, Any]:
    model: Any = root
    field = None
    for part in loc:
        if isinstance(part, int):
            continue
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            return None, None
        field = next(
            (f for n, f in model.model_fields.items() if (f.alias or n) == part or n == part), None
        )
        if field is None:
            return None, None
        model = _unwrap(field.annotation)
    return model, field


def _model_at(root: type[BaseModel], loc: Sequence[Any]) -> type[BaseModel] | None:
    model, _ = _field_at(root, loc) if loc else (root, None)
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


def _aliases(model: type[BaseModel]) -> list[str]:
    return [f.alias or n for n, f in model.model_fields.items()]


def _describe(root: type[BaseModel], loc: Sequence[Any]) -> str | None:
    _, field = _field_at(root, loc)
    return field.description if field is not None else None


def _example(root: type[BaseModel], namespace: str, loc: Sequence[Any]) -> str | None:
    _, field = _field_at(root, loc)
    if field is None or not field.examples:
        return None
    return f"{_key_path(namespace, loc)}: {field.examples[0]}"
