"""Shared fixtures: run the real program offline for a stack, with config overrides, per case."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from typing import Any

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
