"""Drive a CrossGuard policy pack over the Analyzer gRPC protocol, the way the Pulumi engine does.

The Python language host's RunPlugin runs `<venv>/bin/python -u -m pulumi.policy <engine-address>
<pack dir>` in the pack's directory, the interpreter being PulumiPolicy.yaml's virtualenv resolved
as the CLI resolves it (`tools/engine/cli.py`; never the interpreter running this module), with the
stack's `PULUMI_*` environment. The harness reads the analyzer's port from the first line of
stdout, then calls `Handshake` (the Python SDK answers UNIMPLEMENTED, which the engine ignores),
`GetAnalyzerInfo`, `Configure` with the reconciled policy config, `ConfigureStack`, `Analyze` once
per resource (its inputs, unknowns included in preview) and `AnalyzeStack` once (outputs, parents
and dependencies).

The CLI, not the SDK, applies `configSchema` defaults and validates `--policy-pack-config` files; so
does this module (`PolicyConfigError`, naming the file, policy, property and problem).

It deliberately does not remediate (no policy in this project remediates) and does not analyze
`read` resources (the engine does not either: only registrations go through `Analyze`).
"""

from __future__ import annotations

import json
import signal
import subprocess
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent import futures
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
import jsonschema
from google.protobuf import empty_pb2, json_format, struct_pb2
from pulumi.asset import Archive, Asset, FileArchive, FileAsset
from pulumi.output import Unknown
from pulumi.runtime.proto import (
    analyzer_pb2,
    analyzer_pb2_grpc,
    engine_pb2,
    engine_pb2_grpc,
)

from settings.files import ROOT
from tools.engine.cli import RuntimeResolutionError, policy_pack_runtime

POLICY_DIR = ROOT / "policies"

UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
"""The engine's unknown sentinel (strings; the SDK also recognises typed variants)."""
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
SIG_KEY = "4dabf18193072939515e22adb298388d"

LEVELS = {
    "advisory": analyzer_pb2.ADVISORY,
    "mandatory": analyzer_pb2.MANDATORY,
    "remediate": analyzer_pb2.REMEDIATE,
    "disabled": analyzer_pb2.DISABLED,
}
LEVEL_NAMES = {v: k for k, v in LEVELS.items()}
_SEVERITY_NAMES = {
    analyzer_pb2.POLICY_SEVERITY_LOW: "low",
    analyzer_pb2.POLICY_SEVERITY_MEDIUM: "medium",
    analyzer_pb2.POLICY_SEVERITY_HIGH: "high",
    analyzer_pb2.POLICY_SEVERITY_CRITICAL: "critical",
}

# The SDK turns an UnknownValueError into an advisory diagnostic with an empty URN and this prefix
# (pulumi_policy/policy.py, Analyze and AnalyzeStack); that is how a skipped policy is recognised.
_SKIPPED_PREFIX = "can't run policy '"

_START_TIMEOUT_SECONDS = 30.0
_CALL_TIMEOUT_SECONDS = 120.0
_GRPC_OPTIONS = [
    ("grpc.max_receive_message_length", 400 * 1024 * 1024),
    ("grpc.max_send_message_length", 400 * 1024 * 1024),
]


class AnalyzerError(Exception):
    """The pack could not be started or answered an RPC with an error."""


class PolicyConfigError(Exception):
    """A `--policy-pack-config` file is malformed or does not satisfy a policy's configSchema."""

    def __init__(self, path: Path | str, problems: Sequence[str]) -> None:
        self.path = Path(path)
        self.problems = list(problems)
        super().__init__(self.render())

    def render(self) -> str:
        lines = [f"policy config {self.path}: {len(self.problems)} problem(s)"]
        lines += [f"  - {p}" for p in self.problems]
        return "\n".join(lines)


@dataclass(frozen=True, kw_only=True)
class AnalyzerResource:
    """One resource as the engine sends it. Property maps are in wire form (secrets and unknowns
    encoded with the engine's signatures/sentinels)."""

    urn: str
    type: str
    name: str
    inputs: Mapping[str, Any] = field(default_factory=dict)
    """What `Analyze` receives (the engine analyses the goal state before the step)."""
    outputs: Mapping[str, Any] | None = None
    """What `AnalyzeStack` receives. None: the inputs are used (as in a preview, where the engine
    only has inputs plus unknowns for new resources)."""
    parent: str = ""
    dependencies: Sequence[str] = ()
    property_dependencies: Mapping[str, Sequence[str]] = field(default_factory=dict)
    provider: Mapping[str, Any] | None = None
    """Optional `{"type", "urn", "name", "properties"}` of the resource's provider."""
    protect: bool = False


@dataclass(frozen=True)
class Diagnostic:
    policy_name: str
    enforcement_level: str
    urn: str
    message: str

    def to_json(self) -> dict[str, str]:
        return {
            "policyName": self.policy_name,
            "enforcementLevel": self.enforcement_level,
            "urn": self.urn,
            "message": self.message,
        }


@dataclass(frozen=True)
class Skipped:
    """A policy the SDK could not run because a value it read was unknown (preview)."""

    policy_name: str
    urn: str
    reason: str

    def to_json(self) -> dict[str, str]:
        return {"policyName": self.policy_name, "urn": self.urn, "reason": self.reason}


@dataclass
class AnalysisResult:
    diagnostics: list[Diagnostic] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    not_applicable: list[Skipped] = field(default_factory=list)
    logs: list[str] = field(default_factory=list)

    @property
    def mandatory(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.enforcement_level == "mandatory"]

    def by_policy(self, policy_name: str) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.policy_name == policy_name]

    def skipped_policy(self, policy_name: str) -> list[Skipped]:
        return [s for s in self.skipped if s.policy_name == policy_name]


@dataclass(frozen=True)
class PolicyInfo:
    name: str
    description: str
    enforcement_level: str
    policy_type: str
    config_schema: dict[str, Any]
    """`{"type": "object", "properties": ..., "required": [...]}`, as the CLI validates it."""
    severity: str = ""
    """low, medium, high, critical or "" (unspecified)."""
    remediation_steps: str = ""
    tags: tuple[str, ...] = ()


# --- config: what the CLI does before calling Configure -------------------------------------------


def load_policy_config(
    path: Path | str, policies: Sequence[PolicyInfo], initial: Mapping[str, Any] | None = None
) -> dict[str, tuple[str, dict[str, Any]]]:
    """Reconcile a `--policy-pack-config` file with the pack: per policy (enforcement level,
    properties), schema defaults applied, every property validated against the policy's schema.

    Order, as in the CLI: the policy's own level, then the file's `"all"`, then the file's entry
    for the policy. Unknown policy names are errors (a typo would silently drop an override)."""
    path = Path(path)
    try:
        raw = json.loads(path.read_text())
    except FileNotFoundError:
        raise PolicyConfigError(path, ["file not found"]) from None
    except json.JSONDecodeError as exc:
        raise PolicyConfigError(path, [f"not valid JSON: {exc}"]) from None
    if not isinstance(raw, dict):
        raise PolicyConfigError(path, [f"top level must be an object, got {type(raw).__name__}"])
    merged = {**(initial or {}), **raw}
    by_name = {p.name: p for p in policies}
    problems: list[str] = []
    all_level: str | None = None
    if "all" in merged:
        all_level = _level(merged["all"], "all", problems)
    for key in merged:
        if key != "all" and key not in by_name:
            problems.append(
                f"policy '{key}': no such policy in the pack (known: {', '.join(sorted(by_name))})"
            )
    result: dict[str, tuple[str, dict[str, Any]]] = {}
    for policy in policies:
        level = all_level or policy.enforcement_level
        props: dict[str, Any] = {}
        entry = merged.get(policy.name)
        if isinstance(entry, str):
            level = _level(entry, policy.name, problems) or level
        elif isinstance(entry, dict):
            for k, v in entry.items():
                if k == "enforcementLevel":
                    level = _level(v, policy.name, problems) or level
                else:
                    props[k] = v
        elif entry is not None:
            problems.append(
                f"policy '{policy.name}': expected an enforcement level string or an object, "
                f"got {json.dumps(entry)}"
            )
        schema = policy.config_schema
        for prop, prop_schema in schema.get("properties", {}).items():
            if prop not in props and isinstance(prop_schema, dict) and "default" in prop_schema:
                props[prop] = prop_schema["default"]
        if schema.get("properties") or schema.get("required"):
            validator = jsonschema.Draft7Validator(schema)
            for error in sorted(validator.iter_errors(props), key=lambda e: list(e.path)):
                where = ".".join(str(p) for p in error.path) or "(config object)"
                problems.append(f"policy '{policy.name}': property '{where}': {error.message}")
        elif props:
            problems.append(
                f"policy '{policy.name}': takes no properties, got {', '.join(sorted(props))}"
            )
        result[policy.name] = (level, props)
    if problems:
        raise PolicyConfigError(path, problems)
    return result


def _level(value: Any, policy: str, problems: list[str]) -> str | None:
    if isinstance(value, str) and value in LEVELS:
        return value
    problems.append(
        f"policy '{policy}': property 'enforcementLevel': {json.dumps(value)} is not one of "
        f"{', '.join(LEVELS)}"
    )
    return None


# --- the fake engine --------------------------------------------------------------------------


class _Engine(engine_pb2_grpc.EngineServicer):
    """The engine's host service for plugins: the pack may log through it."""

    def __init__(self) -> None:
        self.logs: list[str] = []
        self._root = ""
        self._lock = threading.Lock()

    def Log(self, request: Any, context: Any) -> Any:
        with self._lock:
            self.logs.append(f"{engine_pb2.LogSeverity.Name(request.severity)}: {request.message}")
        return empty_pb2.Empty()

    def GetRootResource(self, request: Any, context: Any) -> Any:
        return engine_pb2.GetRootResourceResponse(urn=self._root)

    def SetRootResource(self, request: Any, context: Any) -> Any:
        self._root = request.urn
        return engine_pb2.SetRootResourceResponse()


# --- the pack process -------------------------------------------------------------------------


class PolicyPackProcess:
    """One running pack. Use as a context manager; `analyze` may be called many times (each call
    re-runs Configure and ConfigureStack, like a new `pulumi preview` against the same plugin)."""

    def __init__(self, pack_dir: Path | str = POLICY_DIR) -> None:
        self.pack_dir = Path(pack_dir).resolve()
        self._engine = _Engine()
        self._engine_server: grpc.Server | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._channel: grpc.Channel | None = None
        self._stub: analyzer_pb2_grpc.AnalyzerStub | None = None
        self._stderr: list[str] = []
        self._stderr_thread: threading.Thread | None = None
        self._policies: list[PolicyInfo] | None = None
        self._initial: dict[str, Any] = {}

    # lifecycle

    def start(self, *, stack: str = "dev", project: str = "project", preview: bool = False) -> None:
        try:
            runtime = policy_pack_runtime(self.pack_dir)
            python = runtime.python()
        except RuntimeResolutionError as error:
            raise AnalyzerError(str(error)) from None
        self._engine_server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
        engine_pb2_grpc.add_EngineServicer_to_server(self._engine, self._engine_server)
        engine_port = self._engine_server.add_insecure_port("127.0.0.1:0")
        self._engine_server.start()
        # The environment the engine gives analyzer plugins (plugin.constructEnv); the SDK reads it
        # on every Analyze call to configure pulumi.runtime settings.
        env = {
            **runtime.environment(),
            "PULUMI_PROJECT": project,
            "PULUMI_STACK": stack,
            "PULUMI_ORGANIZATION": "organization",
            "PULUMI_DRY_RUN": "true" if preview else "false",
            "PULUMI_CONFIG": "{}",
            "PYTHONUNBUFFERED": "1",
        }
        self._proc = subprocess.Popen(
            [
                str(python),
                "-u",
                "-m",
                "pulumi.policy",
                f"127.0.0.1:{engine_port}",
                str(self.pack_dir),
            ],
            cwd=self.pack_dir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        self._stderr_thread = threading.Thread(
            target=self._drain, args=(self._proc.stderr,), daemon=True
        )
        self._stderr_thread.start()
        port = self._read_port()
        self._channel = grpc.insecure_channel(f"127.0.0.1:{port}", options=_GRPC_OPTIONS)
        try:
            grpc.channel_ready_future(self._channel).result(timeout=_START_TIMEOUT_SECONDS)
        except grpc.FutureTimeoutError:
            self.close()
            raise AnalyzerError(
                f"policy pack in {self.pack_dir} did not accept connections"
            ) from None
        self._stub = analyzer_pb2_grpc.AnalyzerStub(self._channel)
        try:
            self._stub.Handshake(
                analyzer_pb2.AnalyzerHandshakeRequest(
                    engine_address=f"127.0.0.1:{engine_port}",
                    root_directory=str(self.pack_dir),
                    program_directory=str(self.pack_dir),
                ),
                timeout=_CALL_TIMEOUT_SECONDS,
            )
        except grpc.RpcError as exc:
            # Older SDKs (the Python one included) do not implement it; the engine carries on.
            if exc.code() != grpc.StatusCode.UNIMPLEMENTED:
                raise AnalyzerError(f"Handshake failed: {exc.details()}") from None

    def _read_port(self) -> int:
        assert self._proc is not None and self._proc.stdout is not None
        stdout = self._proc.stdout
        result: list[bytes] = []
        reader = threading.Thread(target=lambda: result.append(stdout.readline()), daemon=True)
        reader.start()
        reader.join(_START_TIMEOUT_SECONDS)
        line = result[0].decode().strip() if result else ""
        if not line.isdigit():
            self._wait_exit()
            self.close()
            raise AnalyzerError(
                f"policy pack in {self.pack_dir} did not print its port (first stdout line "
                f"{line!r}); its output:\n" + "".join(self._stderr)[-4000:]
            )
        # Keep draining stdout so a chatty pack can never block on a full pipe.
        threading.Thread(target=self._drain, args=(stdout,), daemon=True).start()
        return int(line)

    def _wait_exit(self) -> None:
        # A pack that failed on import exits by itself; let its output arrive before reporting.
        if self._proc is not None:
            with suppress(subprocess.TimeoutExpired):
                self._proc.wait(timeout=5)
            if self._stderr_thread is not None:
                self._stderr_thread.join(timeout=5)

    def _drain(self, stream: Any) -> None:
        try:
            for raw in stream:
                self._stderr.append(raw.decode(errors="replace"))
        except (ValueError, OSError):
            pass  # the stream was closed by close(); nothing more to read

    def close(self) -> None:
        """Stop the pack cleanly: SIGINT is what its serve loop handles (server.stop)."""
        if self._channel is not None:
            self._channel.close()
            self._channel = None
        if self._proc is not None and self._proc.poll() is None:
            self._proc.send_signal(signal.SIGINT)
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait(timeout=10)
        if self._proc is not None:
            for stream in (self._proc.stdout, self._proc.stderr):
                if stream is not None:
                    stream.close()
        self._proc = None
        if self._engine_server is not None:
            self._engine_server.stop(0).wait()
            self._engine_server = None

    def __enter__(self) -> PolicyPackProcess:
        if self._proc is None:
            self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def stderr(self) -> str:
        return "".join(self._stderr)

    # protocol

    def _stub_call(self, method: str, request: Any) -> Any:
        if self._stub is None:
            raise AnalyzerError("policy pack is not running")
        return getattr(self._stub, method)(request, timeout=_CALL_TIMEOUT_SECONDS)

    def _call(self, method: str, request: Any) -> Any:
        try:
            return self._stub_call(method, request)
        except grpc.RpcError as exc:
            raise AnalyzerError(
                f"{method} failed: {exc.code().name} {exc.details()}\npack stderr:\n"
                + self.stderr[-4000:]
            ) from None

    def policies(self) -> list[PolicyInfo]:
        if self._policies is None:
            info = self._call("GetAnalyzerInfo", empty_pb2.Empty())
            self._policies = [
                PolicyInfo(
                    name=p.name,
                    description=p.description,
                    enforcement_level=LEVEL_NAMES[p.enforcementLevel],
                    policy_type=analyzer_pb2.PolicyType.Name(p.policy_type),
                    config_schema=_schema(p),
                    severity=_SEVERITY_NAMES.get(p.severity, ""),
                    remediation_steps=p.remediation_steps,
                    tags=tuple(p.tags),
                )
                for p in info.policies
            ]
            self._initial = {
                k: {
                    **json_format.MessageToDict(v.properties),
                    "enforcementLevel": LEVEL_NAMES[v.enforcementLevel],
                }
                for k, v in info.initialConfig.items()
            }
        return self._policies

    def configure(
        self,
        config_file: Path | str,
        *,
        stack: str,
        project: str = "spikeproof",
        organization: str = "organization",
        preview: bool = False,
        tags: Mapping[str, str] | None = None,
    ) -> None:
        reconciled = load_policy_config(config_file, self.policies(), self._initial)
        request = analyzer_pb2.ConfigureAnalyzerRequest()
        for name, (level, props) in reconciled.items():
            entry = request.policyConfig[name]
            entry.enforcementLevel = LEVELS[level]
            entry.properties.update(props)
        try:
            self._stub_call("Configure", request)
        except grpc.RpcError as exc:
            if exc.code() != grpc.StatusCode.INVALID_ARGUMENT:
                raise AnalyzerError(
                    f"Configure failed: {exc.code().name} {exc.details()}"
                ) from None
            # The pack refused the config (the isolation family cannot be lowered): as the CLI
            # would, stop with the pack's reason, here naming the file.
            raise PolicyConfigError(config_file, [str(exc.details())]) from None
        self._call(
            "ConfigureStack",
            analyzer_pb2.AnalyzerStackConfigureRequest(
                stack=stack,
                project=project,
                organization=organization,
                dry_run=preview,
                tags=dict(tags or {}),
            ),
        )

    def analyze(
        self,
        resources: Iterable[AnalyzerResource],
        *,
        config_file: Path | str,
        stack: str,
        project: str = "spikeproof",
        preview: bool = False,
    ) -> AnalysisResult:
        resources = list(resources)
        self.configure(config_file, stack=stack, project=project, preview=preview)
        result = AnalysisResult()
        logs_before = len(self._engine.logs)
        for r in resources:
            response = self._call("Analyze", _analyze_request(r))
            _collect(response, r.urn, result)
        stack_request = analyzer_pb2.AnalyzeStackRequest(
            resources=[_stack_resource(r) for r in resources]
        )
        _collect(self._call("AnalyzeStack", stack_request), "", result)
        result.logs = self._engine.logs[logs_before:]
        return result


def _schema(policy: Any) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object"}
    if policy.HasField("configSchema"):
        props = json_format.MessageToDict(policy.configSchema.properties)
        if props:
            schema["properties"] = props
        if policy.configSchema.required:
            schema["required"] = list(policy.configSchema.required)
    return schema


ARCHIVE_SIG = "0def7320c3a5731c473e5ecbe6d01bc7"


def _struct(props: Mapping[str, Any]) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    struct.update(_jsonable(props))
    return struct


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, Unknown):
        # The mock runtime records preview outputs as the SDK's Unknown; the engine sends the
        # sentinel string.
        return UNKNOWN
    if isinstance(value, (Asset, Archive)):
        # Assets and archives travel as signed maps (pulumi/runtime/rpc.py's signatures).
        sig = "c44067f5952c0a294b673a41bacd8c17" if isinstance(value, Asset) else ARCHIVE_SIG
        wire: dict[str, Any] = {SIG_KEY: sig}
        if isinstance(value, (FileAsset, FileArchive)):
            wire["path"] = value.path
        return wire
    raise TypeError(f"not a wire-form property value: {value!r}")


def _options(r: AnalyzerResource) -> analyzer_pb2.AnalyzerResourceOptions:
    return analyzer_pb2.AnalyzerResourceOptions(protect=r.protect, parent=r.parent)


def _provider(r: AnalyzerResource) -> analyzer_pb2.AnalyzerProviderResource | None:
    if not r.provider:
        return None
    return analyzer_pb2.AnalyzerProviderResource(
        type=r.provider.get("type", ""),
        urn=r.provider.get("urn", ""),
        name=r.provider.get("name", ""),
        properties=_struct(r.provider.get("properties", {})),
    )


def _analyze_request(r: AnalyzerResource) -> analyzer_pb2.AnalyzeRequest:
    request = analyzer_pb2.AnalyzeRequest(
        type=r.type, urn=r.urn, name=r.name, properties=_struct(r.inputs), options=_options(r)
    )
    provider = _provider(r)
    if provider is not None:
        request.provider.CopyFrom(provider)
    return request


def _stack_resource(r: AnalyzerResource) -> analyzer_pb2.AnalyzerResource:
    resource = analyzer_pb2.AnalyzerResource(
        type=r.type,
        urn=r.urn,
        name=r.name,
        properties=_struct(r.outputs if r.outputs is not None else r.inputs),
        options=_options(r),
        parent=r.parent,
        dependencies=list(r.dependencies),
    )
    for key, urns in r.property_dependencies.items():
        resource.propertyDependencies[key].urns.extend(urns)
    provider = _provider(r)
    if provider is not None:
        resource.provider.CopyFrom(provider)
    return resource


def _collect(response: Any, urn: str, result: AnalysisResult) -> None:
    for d in response.diagnostics:
        if not d.urn and d.message.startswith(_SKIPPED_PREFIX):
            result.skipped.append(Skipped(d.policyName, urn, d.message))
            continue
        # The engine attributes resource diagnostics to the analysed resource.
        result.diagnostics.append(
            Diagnostic(
                policy_name=d.policyName,
                enforcement_level=LEVEL_NAMES[d.enforcementLevel],
                urn=d.urn or urn,
                message=d.message,
            )
        )
    for n in response.not_applicable:
        result.not_applicable.append(Skipped(n.policy_name, urn, n.reason))


def scratch_pack(where: Path, main: str) -> Path:
    """A throw-away pack (a benchmark's null pack, a test's broken one): its `__main__.py` and a
    PulumiPolicy.yaml that runs it in the shipped pack's virtualenv, named by its absolute path
    (which resolveVirtualEnvironmentPath keeps as it is)."""
    venv = policy_pack_runtime(POLICY_DIR).virtualenv
    where.mkdir(parents=True, exist_ok=True)
    (where / "__main__.py").write_text(main)
    options = (
        f"\n  options:\n    toolchain: pip\n    virtualenv: {json.dumps(str(venv))}" if venv else ""
    )
    (where / "PulumiPolicy.yaml").write_text(
        f"description: scratch pack\nruntime:\n  name: python{options}\n"
    )
    return where


@contextmanager
def running_pack(
    pack_dir: Path | str = POLICY_DIR, *, stack: str = "dev", preview: bool = False
) -> Iterator[PolicyPackProcess]:
    pack = PolicyPackProcess(pack_dir)
    pack.start(stack=stack, preview=preview)
    try:
        yield pack
    finally:
        pack.close()


def analyze(
    resources: Iterable[AnalyzerResource],
    *,
    stack: str,
    config_file: Path | str,
    project: str = "spikeproof",
    preview: bool = False,
    pack_dir: Path | str = POLICY_DIR,
) -> AnalysisResult:
    """Launch the pack, run one full analysis, shut it down."""
    with running_pack(pack_dir, stack=stack, preview=preview) as pack:
        return pack.analyze(
            resources, config_file=config_file, stack=stack, project=project, preview=preview
        )


def from_plan(records: Iterable[Any]) -> list[AnalyzerResource]:
    """Adapt tools.engine.mockrun RecordedResource objects; read resources are left out, as the
    engine
    only analyses registrations."""
    out: list[AnalyzerResource] = []
    for r in records:
        if getattr(r, "read", False):
            continue
        out.append(
            AnalyzerResource(
                urn=r.urn,
                type=r.type,
                name=r.name,
                inputs=r.inputs,
                outputs=r.outputs if r.outputs else None,
                parent=r.parent,
                dependencies=tuple(r.dependencies),
                property_dependencies=dict(r.property_dependencies),
                protect=r.protect,
            )
        )
    return out
