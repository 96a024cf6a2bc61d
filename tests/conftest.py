"""Shared fixtures: run the real program offline for a stack, with config overrides, per case."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import pytest

from settings.errors import ConfigErrors
from tools.engine.analyzer import PolicyPackProcess
from tools.engine.mockrun import PlanResult, run_program

PlanFn = Callable[..., PlanResult]

_CACHE: dict[str, PlanResult] = {}


def _key(stack: str, overrides: Mapping[str, Any] | None, preview: bool) -> str:
    return json.dumps([stack, overrides or {}, preview], sort_keys=True)


@pytest.fixture(scope="session")
def plan() -> PlanFn:
    """`plan(stack, overrides=None, preview=False)`: the recorded plan, cached across tests.

    `overrides` maps config keys (`spikeproof:replicas` or just `replicas`) to YAML-typed values,
    merged deeply over the stack file; None deletes a key.
    """

    def run(
        stack: str, overrides: Mapping[str, Any] | None = None, preview: bool = False
    ) -> PlanResult:
        key = _key(stack, overrides, preview)
        if key not in _CACHE:
            _CACHE[key] = run_program(stack, overrides=overrides, preview=preview)
        return _CACHE[key]

    return run


@pytest.fixture(scope="session")
def config_error() -> Callable[..., ConfigErrors]:
    """`config_error(stack, overrides)`: the ConfigErrors a bad stack file raises; asserts that the
    program registered no resource before stopping."""

    def run(stack: str, overrides: Mapping[str, Any] | None = None) -> ConfigErrors:
        with pytest.raises(ConfigErrors) as caught:
            run_program(stack, overrides=overrides)
        registered = getattr(caught.value, "registered", [])
        assert registered == [], (
            f"a bad stack file must stop before any resource is registered, but "
            f"{[r.urn for r in registered]} were"
        )
        return caught.value

    return run


@pytest.fixture(scope="session")
def policy_pack() -> Iterator[PolicyPackProcess]:
    """The CrossGuard pack, launched once like the engine does and shared by the policy tests."""
    pack = PolicyPackProcess()
    pack.start(stack="prod", preview=False)
    try:
        yield pack
    finally:
        pack.close()


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """moto's server on 127.0.0.1 (free port), shared by every test that talks to the emulator."""
    from tools.loadtest.forms import start_moto

    server, endpoint = start_moto()
    yield endpoint
    server.stop()


class _Recorder(BaseHTTPRequestHandler):
    calls: ClassVar[list[tuple[str, str, dict[str, str], bytes]]] = []
    status = 200
    body = b'{"success": true}'

    def _answer(self) -> None:
        data = self.rfile.read(int(self.headers.get("content-length", 0)))
        type(self).calls.append((self.command, self.path, dict(self.headers), data))
        self.send_response(type(self).status)
        self.send_header("content-type", "application/json")
        self.end_headers()
        self.wfile.write(type(self).body)

    do_POST = do_PUT = _answer

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def local_http() -> Iterator[tuple[str, type[_Recorder]]]:
    class Handler(_Recorder):
        calls: ClassVar[list[tuple[str, str, dict[str, str], bytes]]] = []

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", Handler
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session", autouse=True)
def built_site() -> None:
    """The program uploads spikeproof:site.directory (build/site): the sample site, built once
    when a plain `pytest` runs without `make site` (`make test` builds it first)."""
    from settings.files import ROOT
    from tools.site_build import main

    if not (ROOT / "build" / "site" / "index.html").is_file():
        assert main(["--stack", "staging", "--out", str(ROOT / "build" / "site")]) == 0
