"""Reading the project's files: stack files as the Pulumi CLI assembles them, campaign files, and
any YAML mapping, with errors people can act on.

`ROOT` is the project directory (Pulumi.yaml, the stack files, campaigns/): the one definition every
command and test uses.
"""

from __future__ import annotations

import copy
import json
import math
import os
import re
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from settings.errors import ConfigError, ConfigErrors

ROOT = Path(__file__).resolve().parent.parent
CONFIG_FILE_ENV = "SPIKEPROOF_CONFIG_FILE"
"""The stack file the run reads when it is not Pulumi.<stack>.yaml (`tools.plan --config-file`
sets it; with `pulumi up --config-file FILE`, set it to FILE too): messages name that file."""
# What a `secure:` value reads as offline (the ciphertext cannot be decrypted without the backend).
OFFLINE_SECRET = "offline-plan-secret"


def stack_file_label(stack: str) -> str:
    """The name messages give the stack file: the --config-file one, or Pulumi.<stack>.yaml."""
    given = os.environ.get(CONFIG_FILE_ENV)
    return Path(given).name if given else f"Pulumi.{stack}.yaml"


def stack_file_path(stack: str, project_dir: Path = ROOT) -> Path:
    given = os.environ.get(CONFIG_FILE_ENV)
    return Path(given).resolve() if given else (project_dir / f"Pulumi.{stack}.yaml").resolve()


MAX_EXACT_INTEGER = 2**53
"""Beyond this a number is not carried exactly through JSON (the engine hands structured config
to the program as JSON text), and no setting of this project means one."""


MAX_DEPTH = 32
"""No setting nests more than a few levels; a deeper file is a mistake (and past about a thousand
levels the YAML reader itself would fail with Python's recursion limit)."""

_TAG = "tag:yaml.org,2002:"
_GO_FLOAT = re.compile(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")
_GO_INT = re.compile(r"^[-+]?(0[bB][01]+|0[oO]?[0-7]+|0[xX][0-9a-fA-F]+|[1-9][0-9]*|0)$")
_GO_TIMESTAMP = re.compile(
    r"^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}"
    r"(?:[Tt][0-9]{1,2}:[0-9]{1,2}:[0-9]{1,2}(?:\.[0-9]{1,9})?(?:Z|[+-][0-9]{2}:[0-9]{2})"
    r"|[ ][0-9]{1,2}:[0-9]{1,2}:[0-9]{1,2}(?:\.[0-9]{1,9})?)?$"
)


def _real_date(text: str) -> bool:
    """Go's time.Parse checks ranges: 2027-13-45 is no time, so yaml.v3 leaves it text."""
    numbers = [int(n) for n in re.findall(r"[0-9]+", text)[:6]]
    year, month, day, *clock = numbers + [0] * (6 - len(numbers))
    try:
        datetime(year, month, day, clock[0], clock[1], clock[2])
    except ValueError:
        return False
    return True


_GO_MAP = {
    **dict.fromkeys(("true", "True", "TRUE"), ("bool", True)),
    **dict.fromkeys(("false", "False", "FALSE"), ("bool", False)),
    **dict.fromkeys(("", "~", "null", "Null", "NULL"), ("null", None)),
    **dict.fromkeys((".nan", ".NaN", ".NAN"), ("float", math.nan)),
    **dict.fromkeys((".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"), ("float", math.inf)),
    **dict.fromkeys(("-.inf", "-.Inf", "-.INF"), ("float", -math.inf)),
    "<<": ("merge", "<<"),
}


def go_yaml_scalar(text: str) -> tuple[str, Any]:
    """(kind, value) of a plain scalar as the Pulumi CLI's YAML library resolves it
    (gopkg.in/yaml.v3 v3.0.1 resolve.go; pulumi/pulumi sdk/go/common/encoding/marshal.go). YAML 1.2
    booleans only (`yes`, `on`, `y` are text), no base-60 numbers (`1:30` is text), Go's
    ParseInt base 0 after dropping underscores (`0755` is 493, `0x1F` 31, `1_000` 1000), else
    its float syntax (`08` is 8.0), and timestamps tried before numbers."""
    if text in _GO_MAP:
        return _GO_MAP[text]
    first = text[:1]
    if first == ".":
        if "_" in text:
            return "str", text
        try:
            return "float", float(text)
        except ValueError:
            return "str", text
    if not first or first not in "+-0123456789":
        return "str", text
    if _GO_TIMESTAMP.match(text) and _real_date(text):
        return "timestamp", text
    plain = text.replace("_", "")
    if _GO_INT.match(plain):
        sign, digits = (plain[0], plain[1:]) if plain[0] in "+-" else ("", plain)
        lowered = digits.lower()
        if lowered.startswith(("0x", "0o", "0b")):
            value = int(lowered, 0)
        elif len(digits) > 1 and digits[0] == "0":
            value = int(digits, 8)  # the YAML 1.1 octal yaml.v3 still reads
        else:
            value = int(digits)
        return "int", -value if sign == "-" else value
    if _GO_FLOAT.match(plain):
        return "float", float(plain)
    return "str", text


class _StrictLoader(yaml.SafeLoader):
    """YAML read as the Pulumi CLI reads a stack file (gopkg.in/yaml.v3): its scalar rules
    (go_yaml_scalar), a key given twice is an error (yaml.v3's uniqueKeys; PyYAML would keep the
    last silently), merge keys honoured with the mapping's own keys winning, and an unquoted
    timestamp refused: yaml.v3 makes it a time the CLI hands the program as Go's
    `2027-03-28 09:00:00 +0000 UTC`, which no setting reads."""

    timestamps = "refuse"

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        if kind is yaml.ScalarNode and implicit[0]:
            return _TAG + go_yaml_scalar(value)[0]
        return super().resolve(kind, value, implicit)  # type: ignore[no-untyped-call]

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        # The key path to each node as it is composed, so an error found while composing (too
        # deep, an alias inside its own anchor) or constructing (an unquoted timestamp) names the
        # key, not just a line.
        self._path: list[Any] = []
        self.node_paths: dict[int, str] = {}
        self._open_anchors: set[str] = set()

    def _error(self, problem: str, mark: Any, where: list[Any]) -> yaml.composer.ComposerError:
        error = yaml.composer.ComposerError(None, None, problem, mark)
        error.key_path = key_path(where)  # type: ignore[attr-defined]
        return error

    def compose_node(self, parent: Any, index: Any) -> Any:
        segment = index.value if isinstance(index, yaml.ScalarNode) else index
        if segment is not None:
            self._path.append(segment)
        event = self.peek_event()  # type: ignore[no-untyped-call]
        anchor = None
        try:
            if isinstance(event, yaml.AliasEvent):
                if event.anchor in self._open_anchors:
                    raise self._error(
                        f"the alias *{event.anchor} refers to the value it is inside of (a "
                        "value that contains itself)",
                        event.start_mark,
                        self._path,
                    )
            else:
                anchor = getattr(event, "anchor", None)
            if len(self._path) > MAX_DEPTH:
                raise self._error(
                    f"values nested more than {MAX_DEPTH} levels deep; no setting nests like this",
                    event.start_mark,
                    self._path[:4],
                )
            if anchor:
                self._open_anchors.add(anchor)
            node = super().compose_node(parent, index)
            self.node_paths[id(node)] = key_path(self._path)
            return node
        finally:
            if anchor:
                self._open_anchors.discard(anchor)
            if segment is not None:
                self._path.pop()


def key_path(segments: list[Any]) -> str:
    """`["config", "spikeproof:fleet", "campaignWindows", 0, "start"]` ->
    `spikeproof:fleet.campaignWindows[0].start` (a stack file's `config:` level left out)."""
    parts = segments[1:] if segments[:1] == ["config"] else segments
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


class CampaignLoader(_StrictLoader):
    """Campaign files are this project's own format: the same YAML, with a timestamp kept as the
    text it is (the campaign's own start/end checks read it, and name it when it is wrong)."""

    timestamps = "text"


def _scalar(loader: _StrictLoader, node: yaml.ScalarNode) -> Any:
    kind, value = go_yaml_scalar(str(node.value))
    if kind == "timestamp" and node.tag == _TAG + "timestamp":
        if loader.timestamps == "text":
            return str(node.value)
        error = yaml.constructor.ConstructorError(
            None,
            None,
            f"{node.value} unquoted is a YAML timestamp: the Pulumi CLI would hand the program "
            f'Go\'s form of it, not this text; quote it: "{node.value}"',
            node.start_mark,
        )
        error.key_path = loader.node_paths.get(id(node), "")  # type: ignore[attr-defined]
        raise error
    expected = node.tag[len(_TAG) :] if node.tag.startswith(_TAG) else kind
    if expected != kind and not (expected == "float" and kind == "int"):
        raise yaml.constructor.ConstructorError(
            None, None, f"{node.value!r} is not a valid !!{expected}", node.start_mark
        )
    return float(value) if expected == "float" and kind == "int" else value


for _kind in ("bool", "int", "float", "null", "timestamp"):
    _StrictLoader.add_constructor(_TAG + _kind, _scalar)


def _no_duplicates(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> Any:
    seen: dict[Any, yaml.Node] = {}
    for key_node, _ in node.value:
        if key_node.tag == _TAG + "merge":
            continue
        where = loader.node_paths.get(id(node), "")
        if not isinstance(key_node, yaml.ScalarNode):
            error = yaml.constructor.ConstructorError(
                None, None, "a key must be a plain name, not a list or mapping", key_node.start_mark
            )
            error.key_path = where  # type: ignore[attr-defined]
            raise error
        key = loader.construct_object(key_node, deep=True)
        if key in seen:
            first = seen[key].start_mark
            error = yaml.constructor.ConstructorError(
                None,
                None,
                f"key {key!r} is given twice (first at line {first.line + 1}); the second would "
                "silently replace the first: merge them into one",
                key_node.start_mark,
            )
            error.key_path = f"{where}.{key}" if where else str(key)  # type: ignore[attr-defined]
            raise error
        seen[key] = key_node
    # SafeConstructor.construct_mapping flattens `<<` merges first, the node's own keys winning.
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _no_duplicates)


def _unsupported(loader: _StrictLoader, node: yaml.Node) -> Any:
    """A tag no setting reads (!!binary, !!set, !!omap, !!pairs, or one of the file's own): the
    value would not reach the program as what it looks like."""
    error = yaml.constructor.ConstructorError(
        None,
        None,
        f"the tag {node.tag} is not a value any setting reads; write the value plainly",
        node.start_mark,
    )
    error.key_path = loader.node_paths.get(id(node), "")  # type: ignore[attr-defined]
    raise error


for _tag in ("binary", "omap", "pairs", "set"):
    _StrictLoader.add_constructor(_TAG + _tag, _unsupported)
_StrictLoader.add_constructor(None, _unsupported)


def _huge_numbers(value: Any, path: str) -> list[tuple[str, Any]]:
    if isinstance(value, bool):
        return []
    if isinstance(value, int) and abs(value) > MAX_EXACT_INTEGER:
        return [(path, value)]
    if isinstance(value, float) and math.isfinite(value) and abs(value) > MAX_EXACT_INTEGER:
        return [(path, value)]  # (.inf and .nan: the settings models refuse them by name)
    if isinstance(value, Mapping):
        return [
            h for k, v in value.items() for h in _huge_numbers(v, f"{path}.{k}" if path else str(k))
        ]
    if isinstance(value, list):
        return [h for i, v in enumerate(value) for h in _huge_numbers(v, f"{path}[{i}]")]
    return []


MAX_TEXT = 10_000
MAX_ITEMS = 1_000
"""No setting or campaign value is longer than a URL or lists more than a few hundred entries
(hostnames, paths, windows); past these a value is pasted by mistake, and checking it further
would only be slow."""


def _oversized(value: Any, path: str) -> list[tuple[str, str]]:
    if isinstance(value, str) and len(value) > MAX_TEXT:
        return [(path, f"a text of {len(value):,} characters (no setting takes over {MAX_TEXT:,})")]
    if isinstance(value, list):
        if len(value) > MAX_ITEMS:
            return [
                (path, f"a list of {len(value):,} entries (no setting takes over {MAX_ITEMS:,})")
            ]
        return [h for i, v in enumerate(value) for h in _oversized(v, f"{path}[{i}]")]
    if isinstance(value, Mapping):
        if len(value) > MAX_ITEMS:
            return [
                (path, f"a mapping of {len(value):,} keys (no setting takes over {MAX_ITEMS:,})")
            ]
        return [
            h for k, v in value.items() for h in _oversized(v, f"{path}.{k}" if path else str(k))
        ]
    return []


def whole_numbers(value: Any) -> Any:
    """A float with no fraction as the int it is: the CLI writes `2.0` (and `08`, which yaml.v3
    reads as a float) back out as `2` before reading the stack file again, so the program gets 2."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: whole_numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [whole_numbers(v) for v in value]
    return value


def load_mapping(
    path: Path, *, label: str, shape: str, loader: type[_StrictLoader] = _StrictLoader
) -> dict[str, Any]:
    """The file's top-level mapping; ConfigErrors naming the line and column of a YAML error (a
    key given twice included), a file that is not UTF-8, a number too large to mean anything, or
    what the file should look like (`shape`) when it is not a mapping."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ConfigErrors(
            [
                ConfigError(
                    stack_file=label,
                    key_path="(file)",
                    problem=f"not UTF-8: byte 0x{raw[exc.start]:02x} on line {line} (YAML files "
                    "are UTF-8; this one was probably saved as Latin-1 or Windows-1252)",
                    has_value=False,
                    example="re-save the file as UTF-8 (e.g. iconv -f latin1 -t utf-8)",
                )
            ]
        ) from None
    try:
        loaded = yaml.load(text, Loader=loader) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "unknown position"
        raise ConfigErrors(
            [
                ConfigError(
                    stack_file=label,
                    key_path=getattr(exc, "key_path", "") or "(file)",
                    problem=f"not valid YAML at {where}: {getattr(exc, 'problem', exc)}",
                    has_value=False,
                    example="fix the value as said, on that line"
                    if getattr(exc, "key_path", "")
                    else "check indentation and quoting on that line",
                )
            ]
        ) from None
    if not isinstance(loaded, dict):
        raise ConfigErrors(
            [
                ConfigError(
                    stack_file=label,
                    key_path="(file)",
                    problem=f"the file must be {shape}",
                    value=loaded,
                )
            ]
        )
    loaded = dict(whole_numbers(loaded))
    values = loaded.get("config", loaded) if "config" in loaded else loaded
    # Too long, too many or too large to mean any setting: refused before anything reads them.
    out_of_range = _oversized(values, "") + [
        (
            key,
            (
                f"a number of {len(str(abs(value)))} digits"
                if isinstance(value, int)
                else f"a number as large as {value:.3g}"
            )
            + " is beyond any setting's range (and beyond what config carries exactly: 2^53)"
            + f" ({str(value)[:20]}{'...' if len(str(value)) > 20 else ''})",
        )
        for key, value in _huge_numbers(values, "")
    ]
    if out_of_range:
        raise ConfigErrors(
            [
                ConfigError(
                    stack_file=label,
                    key_path=key,
                    problem=what,
                    has_value=False,
                    example="the value the setting's description gives",
                )
                for key, what in out_of_range
            ]
        )
    return loaded


def load_stack_config(
    stack: str,
    *,
    config_file: Path | None = None,
    overrides: Mapping[str, Any] | None = None,
    project_dir: Path = ROOT,
) -> tuple[dict[str, str], frozenset[str], str]:
    """The flat config map the engine would hand the program, its secret keys and the project name.

    Mirrors the CLI: Pulumi.yaml's declared keys get their defaults and type checks, the stack
    file's values win, structured values are sent as JSON text. `overrides` (tests) merge over the
    stack file key by key, objects merged deeply.
    """
    project_file = project_dir / "Pulumi.yaml"
    project = _read_project(project_file)
    project_name = str(project.get("name", "project"))
    stack_path = config_file or project_dir / f"Pulumi.{stack}.yaml"
    if not stack_path.exists():
        raise ConfigErrors(
            [
                ConfigError(
                    stack_file=stack_path.name,
                    key_path="(file)",
                    problem=f"stack file not found at {stack_path}",
                    has_value=False,
                    allowed="an existing Pulumi.<stack>.yaml",
                    example=f"make plan STACK=staging, or --config-file {stack_path.name}",
                )
            ]
        )
    document = _read_yaml(stack_path)
    # The CLI reads a stack's values only from its `config:` mapping (workspace.ProjectStack:
    # config, environment, secretsprovider, encryptedkey, encryptionsalt); keys written at the top
    # level are never seen, so every required one would read as "missing" though it is there.
    stray = [str(k) for k in document if str(k) not in STACK_FILE_KEYS and _cli_key(str(k))]
    if stray:
        raise ConfigErrors(
            [
                ConfigError(
                    stack_file=stack_path.name,
                    key_path="config",
                    problem=f"the `config:` mapping is missing: {len(stray)} key(s) such as "
                    f"{stray[0]} are at the top level of the file, where the Pulumi CLI does not "
                    "read them",
                    has_value=False,
                    allowed="every key indented under one top-level `config:` line",
                    example=f"config:\n    {stray[0]}: ...",
                )
            ]
        )
    values = document.get("config") or {}
    if not isinstance(values, Mapping):
        raise ConfigErrors(
            [
                ConfigError(
                    stack_file=stack_path.name,
                    key_path="config",
                    problem="must be a mapping of keys to values",
                    value=values,
                    example="config:\n    aws:region: eu-west-1",
                )
            ]
        )
    bad_keys = [k for k in values if not _cli_key(str(k))]
    if bad_keys:
        raise ConfigErrors(
            [
                ConfigError(
                    stack_file=stack_path.name,
                    key_path=str(key),
                    # The CLI's own words (sdk/go/common/resource/config/key.go, ParseKey).
                    problem=f"could not parse {key} as a configuration key (configuration keys "
                    "should be of the form `<namespace>:<name>`)",
                    has_value=False,
                    allowed="<namespace>:<name>",
                    example=f"{project_name}:{key}",
                )
                for key in bad_keys
            ]
        )
    values = _deep_merge(
        values,
        {(k if ":" in k else f"{project_name}:{k}"): v for k, v in (overrides or {}).items()},
    )

    errors: list[ConfigError] = []
    declared = project.get("config") or {}
    for raw_key, spec in declared.items():
        full = raw_key if ":" in raw_key else f"{project_name}:{raw_key}"
        if not isinstance(spec, Mapping):  # a plain project-level value
            values.setdefault(full, spec)
            continue
        if full not in values:
            if "default" in spec:
                values[full] = spec["default"]
            else:
                errors.append(
                    ConfigError(
                        stack_file=stack_path.name,
                        key_path=full,
                        problem=f"stack '{stack}' is missing this required value (Pulumi.yaml "
                        "declares it without a default)",
                        has_value=False,
                        allowed=str(spec.get("description", spec.get("type", ""))),
                        example=f"{full}: <{spec.get('type', 'value')}>",
                    )
                )
                continue
        values[full] = _cli_typed(values[full], spec.get("type"))
        problem = _type_problem(values[full], spec.get("type"))
        if problem:
            errors.append(
                ConfigError(
                    stack_file=stack_path.name,
                    key_path=full,
                    problem=problem,
                    value=values[full],
                    allowed=f"a {spec.get('type')} ({spec.get('description', '')})",
                )
            )
    if errors:
        raise ConfigErrors(errors)

    flat: dict[str, str] = {}
    secret_keys: set[str] = set()
    for key, value in values.items():
        if _has_secure(value):
            secret_keys.add(key)
            value = _stand_in(key, value)
        flat[key] = value if isinstance(value, str) else json.dumps(value)
        if isinstance(value, bool):
            flat[key] = "true" if value else "false"
    return flat, frozenset(secret_keys), project_name


STACK_FILE_KEYS = frozenset(
    {"config", "environment", "secretsprovider", "encryptedkey", "encryptionsalt"}
)
"""The top-level keys of a stack file (pulumi/pulumi sdk/go/common/workspace/project.go,
ProjectStack's yaml tags)."""


def _read_yaml(path: Path) -> dict[str, Any]:
    return load_mapping(
        path, label=path.name, shape="a YAML mapping with a top-level 'config:' key"
    )


_PROJECTS: dict[tuple[Path, int, int], dict[str, Any]] = {}


def _read_project(path: Path) -> dict[str, Any]:
    """Pulumi.yaml, read once per version of the file (every plan and check reads it)."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        return _read_yaml(path)  # its own message
    key = (path.resolve(), stat.st_mtime_ns, stat.st_size)
    if key not in _PROJECTS:
        _PROJECTS[key] = _read_yaml(path)
    return copy.deepcopy(_PROJECTS[key])


def _cli_key(key: str) -> bool:
    """What the CLI's ParseKey accepts: `<namespace>:<name>`, or the old `<ns>:config:<name>`."""
    parts = key.split(":")
    return (len(parts) == 2 and all(parts)) or (len(parts) == 3 and parts[1] == "config")


_SDK_NUMBER = {"int": re.compile(r"-?[0-9]+"), "float": re.compile(r"-?[0-9]+(\.[0-9]+)?")}


def sdk_scalar(text: str, kind: str) -> Any:
    """A top-level value's text, as the engine hands it over, read the way an SDK getter reads it
    for `kind` ("bool", "int", "float"): pulumi.Config.get_bool takes "true"/"True"/"false"/
    "False", get_int an integer's digits, get_float a decimal (sdk/python/lib/pulumi/config.py).
    Any other text stays text, for the caller's check to refuse."""
    if kind == "bool" and text in ("true", "True", "false", "False"):
        return text in ("true", "True")
    pattern = _SDK_NUMBER.get(kind)
    if pattern is not None and pattern.fullmatch(text):
        return float(text) if "." in text else int(text)
    return text


def _cli_typed(value: Any, declared: Any) -> Any:
    """What `pulumi config set` writes is a string (`spikeproof:protect: "false"`); a key the
    project declares as a boolean or an integer takes that text as the CLI does."""
    if isinstance(value, str):
        if declared == "boolean" and value.strip().lower() in ("true", "false"):
            return value.strip().lower() == "true"
        if declared == "integer" and value.strip().lstrip("-").isdigit():
            return int(value.strip())
    return value


def _type_problem(value: Any, declared: Any) -> str | None:
    if declared == "string" and not isinstance(value, str):
        return f"must be a string, got {type(value).__name__}"
    if declared == "integer" and (isinstance(value, bool) or not isinstance(value, int)):
        return f"must be an integer, got {type(value).__name__}"
    if declared == "boolean" and not isinstance(value, bool):
        return f"must be a boolean (true or false, unquoted), got {type(value).__name__}"
    if declared == "array" and not isinstance(value, list):
        return f"must be a list, got {type(value).__name__}"
    return None


def _deep_merge(base: Mapping[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(copy.deepcopy(base))
    for key, value in extra.items():
        if value is None:
            merged.pop(key, None)
        elif isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _has_secure(value: Any) -> bool:
    if isinstance(value, Mapping):
        return (set(value) == {"secure"}) or any(_has_secure(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_secure(v) for v in value)
    return False


def _stand_in(key: str, value: Any) -> Any:
    """Replace `secure:` ciphertexts (not decryptable offline) with a recognisable stand-in."""
    if isinstance(value, Mapping):
        if set(value) == {"secure"}:
            return f"{OFFLINE_SECRET}:{key}"
        return {k: _stand_in(f"{key}.{k}", v) for k, v in value.items()}
    if isinstance(value, list):
        return [_stand_in(f"{key}[{i}]", v) for i, v in enumerate(value)]
    return value
