"""Run the real Pulumi program offline, under the SDK's own mock runtime, and record everything.

`run_program()` loads a stack's config the way the CLI does (Pulumi.yaml's typed `config:` block
with its defaults, then the stack file), runs `__main__.py` inside `run_in_stack` exactly as the
Python language host does, and records through a `MockMonitor` subclass every resource the program
registers (type, name, parent, inputs in the engine's wire form, dependencies, options), every read,
every invoke and the stack outputs. Invokes and StackReferences are answered from
the stack file (tools/engine/answers.py; `tools/engine/fixtures/<stack>.json` overrides);
creates return realistic computed outputs
(`tools/engine/mockstate.py`).
With `preview=True` the engine's preview is reproduced: computed outputs of new resources are
unknown, so `apply` callbacks on them never run.

What it deliberately does not do: talk to a cloud, a Pulumi backend or the CLI; decrypt `secure:`
config values (they are replaced by a stand-in string and kept secret).
"""

from __future__ import annotations

import asyncio
import copy
import json
import logging
import os
import runpy
import sys
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from google.protobuf import json_format
from pulumi.runtime import config as runtime_config
from pulumi.runtime import settings as runtime_settings
from pulumi.runtime.mocks import MockCallArgs, MockEngine, MockMonitor, MockResourceArgs, Mocks
from pulumi.runtime.proto import resource_pb2
from pulumi.runtime.stack import run_in_stack
from pulumi.runtime.sync_await import _sync_await

from settings.files import CONFIG_FILE_ENV, ROOT, load_stack_config, whole_numbers
from tools.engine.answers import AnswerError, Answers, derive
from tools.engine.mockstate import compute_state

# The engine's wire sentinels (sdk/go/common/resource/plugin/rpc.go).
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
SIG_KEY = "4dabf18193072939515e22adb298388d"
RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e"
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"


class PlanError(Exception):
    """The program or its inputs could not be planned; the message is for a person."""


@dataclass
class RecordedResource:
    urn: str
    type: str
    name: str
    parent: str
    custom: bool
    inputs: dict[str, Any]
    """Inputs in the engine's wire form (secret and unknown sentinels kept)."""
    outputs: dict[str, Any] = field(default_factory=dict)
    """Outputs the mock engine returned (plain values; in preview only the inputs)."""
    id: str = ""
    dependencies: list[str] = field(default_factory=list)
    property_dependencies: dict[str, list[str]] = field(default_factory=dict)
    provider: str = ""
    protect: bool = False
    ignore_changes: list[str] = field(default_factory=list)
    replace_on_changes: list[str] = field(default_factory=list)
    additional_secret_outputs: list[str] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)
    delete_before_replace: bool = False
    read: bool = False

    def input(self, key: str, default: Any = None) -> Any:
        """An input as a plain value: secrets unwrapped, unknowns as None."""
        return plain(self.inputs.get(key, default))

    def to_json(self) -> dict[str, Any]:
        return {
            "urn": self.urn,
            "type": self.type,
            "name": self.name,
            "parent": self.parent,
            "custom": self.custom,
            "inputs": display(self.inputs),
            "dependencies": self.dependencies,
            "propertyDependencies": self.property_dependencies,
        }


@dataclass
class PlanResult:
    stack: str
    preview: bool
    resources: list[RecordedResource]
    outputs: dict[str, Any]
    """Stack outputs in wire form (secret sentinels kept)."""
    invokes: list[dict[str, Any]]
    logs: list[str]
    diagnostics: list[dict[str, Any]] = field(default_factory=list)

    def of_type(self, type_token: str) -> list[RecordedResource]:
        return [r for r in self.resources if r.type == type_token]

    def named(self, name: str) -> RecordedResource:
        found = [r for r in self.resources if r.name == name]
        if len(found) != 1:
            raise KeyError(f"{len(found)} resources named {name!r}")
        return found[0]

    def by_urn(self, urn: str) -> RecordedResource:
        return next(r for r in self.resources if r.urn == urn)

    def children_of(self, urn: str) -> list[RecordedResource]:
        return [r for r in self.resources if r.parent == urn]

    @property
    def secret_outputs(self) -> set[str]:
        return {k for k, v in self.outputs.items() if is_secret(v)}

    def plain_outputs(self) -> dict[str, Any]:
        return {k: plain(v) for k, v in self.outputs.items()}

    def to_json(self) -> dict[str, Any]:
        return {
            "stack": self.stack,
            "resources": [r.to_json() for r in self.resources],
            "outputs": display(self.outputs),
            "diagnostics": self.diagnostics,
        }


def is_secret(value: Any) -> bool:
    return isinstance(value, Mapping) and value.get(SIG_KEY) == SECRET_SIG


def plain(value: Any) -> Any:
    """Wire form to plain values: secrets unwrapped, unknowns as None."""
    if is_secret(value):
        return plain(value.get("value"))
    if value == UNKNOWN:
        return None
    if isinstance(value, Mapping):
        if value.get(SIG_KEY) == RESOURCE_SIG:
            return value.get("urn")
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def display(value: Any) -> Any:
    """Wire form for people and JSON files: secrets as "[secret]", unknowns as "[unknown]"."""
    if is_secret(value):
        return "[secret]"
    if value == UNKNOWN:
        return "[unknown]"
    if isinstance(value, Mapping):
        if value.get(SIG_KEY) == RESOURCE_SIG:
            return {"resource": value.get("urn")}
        return {k: display(v) for k, v in value.items()}
    if isinstance(value, list):
        return [display(v) for v in value]
    return value


def _wire(struct: Any) -> dict[str, Any]:
    """A protobuf Struct as JSON-shaped data. The wire carries every number as a double; whole
    numbers come back as ints so that ports and counts read as they were written."""
    return (
        whole_numbers(json_format.MessageToDict(struct, preserving_proto_field_name=True))
        if struct
        else {}
    )


# --------------------------------------------------------------------------------------------------
# The mock engine


class PlanMocks(Mocks):
    """Answers the program's engine calls from fixtures and realistic computed state."""

    def __init__(self, answers: Answers, preview: bool) -> None:
        self.answers = answers
        self.preview = preview
        self.where = answers.where
        self.invokes: list[dict[str, Any]] = []

    def call(self, args: MockCallArgs) -> dict[str, Any]:  # type: ignore[override]
        call_args = {k: v for k, v in args.args.items() if v is not None}
        record: dict[str, Any] = {"token": args.token, "args": call_args}
        self.invokes.append(record)
        answer = self.answers.invoke(args.token, call_args)
        if answer is not None:
            record["result"] = answer  # what the program was told (the cost tool reads it)
            return answer
        shown = json.dumps(call_args, sort_keys=True)
        raise PlanError(
            f"nothing answers invoke {args.token} with args {shown} offline: the answers are "
            "derived from the stack file (tools/engine/answers.py); add this one under "
            f"invokes in {self.answers.source()} (a real deployment asks the provider)."
        )

    def new_resource(self, args: MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        if args.typ == "pulumi:pulumi:StackReference":
            name = str(args.inputs.get("name") or args.resource_id or args.name)
            outputs = self.answers.stack_references.get(name)
            if outputs is None:
                raise PlanError(
                    f"nothing answers StackReference '{name}' offline; add its outputs under "
                    f"stackReferences in {self.answers.source()}."
                )
            return name, {"name": name, "outputs": copy.deepcopy(outputs), "secretOutputNames": []}
        if self.preview and not args.resource_id:
            # A create in preview: the engine knows the inputs and nothing it computes.
            return "", dict(args.inputs)
        return compute_state(args.typ, args.name, args.inputs, self.where)


def _quiet_reported_failure(loop: asyncio.AbstractEventLoop, failure: BaseException) -> None:
    """Drop "Future exception was never retrieved" reports for the failure being raised.

    Outputs that depended on the failed value hold the same exception; they are collected later
    (any time, in a later test) and would each print the traceback the caller already has.
    Every other report still reaches the default handler.
    """

    def handler(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        if context.get("exception") is not failure:
            loop.default_exception_handler(context)

    loop.set_exception_handler(handler)


def _release_thread_loop() -> None:
    """Close the event loop the SDK's MockMonitor opened on this executor thread.

    MockMonitor calls `_ensure_event_loop()` on whatever thread serves the request, which leaves an
    unclosed loop per worker thread; finalised at interpreter exit, those print tracebacks.
    """
    if threading.current_thread() is threading.main_thread():
        return
    try:
        loop = asyncio.get_event_loop_policy().get_event_loop()
    except RuntimeError:
        return
    if not loop.is_running():
        loop.close()
        asyncio.set_event_loop(None)


class RecordingMonitor(MockMonitor):
    """The SDK's MockMonitor, plus a record of every request in the engine's wire form."""

    def Invoke(self, request: Any) -> Any:
        try:
            return super().Invoke(request)
        finally:
            _release_thread_loop()

    def __init__(self, mocks: PlanMocks) -> None:
        super().__init__(mocks)
        self.recorded: list[RecordedResource] = []
        self.stack_outputs: dict[str, Any] = {}
        self.stack_urn = ""

    def RegisterResource(self, request: Any) -> Any:
        try:
            response = super().RegisterResource(request)
        finally:
            _release_thread_loop()
        urn = response.urn
        if request.type == "pulumi:pulumi:Stack":
            self.stack_urn = urn
        registered = self.resources.get(urn)
        self.recorded.append(
            RecordedResource(
                urn=urn,
                type=request.type,
                name=request.name,
                parent=request.parent,
                custom=bool(request.custom),
                inputs=_wire(request.object),
                outputs=dict(registered.state) if registered else {},
                id=registered.id if registered and registered.id else "",
                dependencies=sorted(request.dependencies),
                property_dependencies={
                    k: sorted(v.urns) for k, v in request.propertyDependencies.items()
                },
                provider=request.provider,
                protect=bool(request.protect) if request.HasField("protect") else False,
                ignore_changes=list(request.ignoreChanges),
                replace_on_changes=list(request.replaceOnChanges),
                additional_secret_outputs=list(request.additionalSecretOutputs),
                aliases=[a.urn or a.spec.name for a in request.aliases],
                delete_before_replace=bool(request.deleteBeforeReplace),
            )
        )
        return response

    def ReadResource(self, request: Any) -> Any:
        try:
            response = super().ReadResource(request)
        finally:
            _release_thread_loop()
        # The engine answers a read with the resource's id, known in preview too; the SDK's mock
        # leaves it empty, which would make every StackReference output look unknown in preview.
        response.id = request.id
        registered = self.resources.get(response.urn)
        self.recorded.append(
            RecordedResource(
                urn=response.urn,
                type=request.type,
                name=request.name,
                parent=request.parent,
                custom=True,
                inputs=_wire(request.properties),
                outputs=dict(registered.state) if registered else {},
                id=request.id,
                dependencies=sorted(request.dependencies),
                provider=request.provider,
                read=True,
            )
        )
        return response

    def RegisterResourceOutputs(self, request: Any) -> Any:
        if request.urn == self.stack_urn:
            self.stack_outputs = _wire(request.outputs)
        return super().RegisterResourceOutputs(request)


class _ListHandler(logging.Handler):
    def __init__(self) -> None:
        # The engine's debug chatter stays out; info and above is what the CLI would print.
        super().__init__(logging.INFO)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{record.levelname.lower()}: {record.getMessage()}")


@contextmanager
def _program_environment(program_dir: Path) -> Iterator[None]:
    """The language host runs the program from its project directory with it on sys.path."""
    previous_cwd = Path.cwd()
    added = str(program_dir) not in sys.path
    if added:
        sys.path.insert(0, str(program_dir))
    os.chdir(program_dir)
    try:
        yield
    finally:
        os.chdir(previous_cwd)
        if added:
            sys.path.remove(str(program_dir))


def run_program(
    stack: str,
    *,
    config_file: Path | None = None,
    overrides: Mapping[str, Any] | None = None,
    preview: bool = False,
    program_dir: Path = ROOT,
    fixtures_file: Path | None = None,
) -> PlanResult:
    """Run `<program_dir>/__main__.py` for `stack` under the mock engine and return what it did.

    Raises ConfigErrors for a bad stack file (before the program runs, like the CLI), and lets the
    program's own exceptions (ConfigErrors from settings, PrimaryPreconditionError, ...) propagate.
    """
    config, secret_keys, project = load_stack_config(
        stack, config_file=config_file, overrides=overrides, project_dir=program_dir
    )
    # The program names the file it was configured from (settings.files.CONFIG_FILE_ENV).
    previous_file = os.environ.pop(CONFIG_FILE_ENV, None)
    if config_file is not None:
        os.environ[CONFIG_FILE_ENV] = str(config_file)
    try:
        answers = derive(
            stack,
            config,
            fixtures_file=fixtures_file,
            plan_stack=_producer_outputs,
            spikeproof_program=project == "spikeproof",
        )
    except AnswerError as exc:
        raise PlanError(str(exc)) from None
    mocks = PlanMocks(answers, preview)
    monitor = RecordingMonitor(mocks)
    handler = _ListHandler()
    logger = logging.getLogger(f"spikeproof.plan.{stack}")
    logger.propagate = False
    logger.handlers = [handler]
    logger.setLevel(logging.DEBUG)

    runtime_settings.reset_options(project=project, stack=stack, preview=preview)
    settings = runtime_settings.Settings(
        monitor=monitor,
        engine=MockEngine(logger),
        project=project,
        stack=stack,
        dry_run=preview,
        organization="organization",
        root_directory=str(program_dir),
    )
    runtime_settings.configure(settings)
    runtime_settings.SETTINGS.monitor_features = set(
        monitor.GetDeploymentInfo(resource_pb2.DeploymentInfo()).supportedFeatures
    )
    runtime_config.set_all_config(config, sorted(secret_keys))
    os.environ.pop("PULUMI_CONFIG", None)

    main = program_dir / "__main__.py"
    # A loop of its own per run, closed afterwards: a failed run leaves no half-dead loop behind
    # for the next run (tests run many plans in one process) or for interpreter shutdown.
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    with _program_environment(program_dir):
        try:
            _sync_await(run_in_stack(lambda: _run_main(main)))
        except Exception as exc:
            # What was registered before the failure: tests prove a bad stack file registers
            # nothing.
            exc.registered = [  # type: ignore[attr-defined]
                r for r in monitor.recorded if r.type != "pulumi:pulumi:Stack"
            ]
            _quiet_reported_failure(loop, exc)
            raise
        finally:
            pending = asyncio.all_tasks(loop)
            for task in pending:
                task.cancel()
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            loop.close()
            asyncio.set_event_loop(None)
            os.environ.pop(CONFIG_FILE_ENV, None)
            if previous_file is not None:
                os.environ[CONFIG_FILE_ENV] = previous_file

    return PlanResult(
        stack=stack,
        preview=preview,
        # Registrations complete in thread order; sort so two plans of one program compare equal.
        resources=sorted(monitor.recorded, key=lambda r: r.urn),
        outputs=monitor.stack_outputs,
        invokes=mocks.invokes,
        logs=handler.lines,
    )


def _producer_outputs(stack: str) -> dict[str, Any]:
    """A spikeproof stack's outputs as a StackReference reads them, from its own offline plan."""
    return run_program(stack).plain_outputs()


def _run_main(main: Path) -> None:
    # run_in_stack takes a callable returning nothing or an awaitable; run_path returns the
    # module's globals, which the engine would ignore anyway.
    runpy.run_path(str(main), run_name="__main__")
