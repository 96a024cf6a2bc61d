"""Cloudflare's local runtime (workerd, through `wrangler dev`) serving a built site with the asset
config the stack deploys, for tests.

wrangler is pinned in package.json and installed by `make node-deps` (`npm ci`). It runs fully
offline: no telemetry (WRANGLER_SEND_METRICS), no fetch of the `Request.cf` object
(CLOUDFLARE_CF_FETCH_ENABLED), no banner and its update check (WRANGLER_HIDE_BANNER), no prompts
(stdin closed, CI=true), its state and config under the test's own directory, a random inspector
port so two can run at once. A missing install FAILS the tests that use it.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from settings.files import ROOT
from tests.nginx_support import free_port, stop_process

WRANGLER = ROOT / "node_modules" / "wrangler" / "bin" / "wrangler.js"


def wrangler_config(
    directory: Path,
    asset_config: dict[str, Any],
    compatibility_date: str,
    *,
    main: Path | None = None,
    variables: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The site's Worker as `components/site.py` deploys it: its assets, and with `main` its
    script (the version's main module) and bindings (`vars`; secret_text bindings read the same
    in the script)."""
    config: dict[str, Any] = {
        "name": "spikeproof-site-local",
        "compatibility_date": compatibility_date,
        "assets": {"directory": str(directory), **asset_config},
    }
    if main is not None:
        config["main"] = str(main)
    if variables:
        config["vars"] = variables
    return config


@contextmanager
def serve_workerd(
    site: Path,
    base: Path,
    asset_config: dict[str, Any],
    compatibility_date: str,
    port: int | None = None,
    *,
    main: Path | None = None,
    variables: dict[str, str] | None = None,
) -> Iterator[int]:
    if not WRANGLER.is_file():
        pytest.fail("wrangler is not installed: run `make node-deps` (npm ci, package.json)")
    port = port or free_port()
    base.mkdir(parents=True, exist_ok=True)
    (base / "wrangler.json").write_text(
        json.dumps(
            wrangler_config(site, asset_config, compatibility_date, main=main, variables=variables),
            indent=2,
        )
    )
    env = {
        **os.environ,
        "WRANGLER_SEND_METRICS": "false",
        "CLOUDFLARE_CF_FETCH_ENABLED": "false",
        "WRANGLER_HIDE_BANNER": "true",
        "CI": "true",
        "XDG_CONFIG_HOME": str(base / "config"),
        "WRANGLER_LOG_PATH": str(base / "logs"),
    }
    log = (base / "wrangler.log").open("w")
    proc = subprocess.Popen(
        [
            "node",
            str(WRANGLER),
            "dev",
            "--port",
            str(port),
            "--ip",
            "127.0.0.1",
            "--inspector-port",
            "0",
            "--show-interactive-dev-session=false",
            "--persist-to",
            str(base / "state"),
        ],
        cwd=base,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while "Ready on" not in (text := (base / "wrangler.log").read_text()):
            if proc.poll() is not None or "[ERROR]" in text:
                pytest.fail(f"wrangler dev did not start: {text[-2000:]}")
            if time.monotonic() > deadline:
                pytest.fail(f"wrangler dev not ready within 60 s: {text[-2000:]}")
            time.sleep(0.1)
        yield port
    finally:
        stop_process(proc)
        log.close()
