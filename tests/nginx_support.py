"""nginx on loopback with the fleet's own rendered config, for tests that serve a site.

nginx comes from `make bin-deps` (Debian's nginx-light). A missing binary FAILS the tests that
use it: skipping would let CI pass without ever checking the config the instances run.
"""

from __future__ import annotations

import getpass
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from model.webserver import CachePolicy, NginxRuntime, WebServerConfig, render_nginx_conf

CACHE = CachePolicy(
    browser_max_age_seconds=120,
    edge_max_age_seconds=1800,
    stale_while_revalidate_seconds=600,
    static_max_age_seconds=31536000,
)


def nginx_binary() -> str:
    found = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")
    if found is None:
        pytest.fail("nginx is not installed: run `make bin-deps` (Debian package nginx-light)")
    return found


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def runtime_under(prefix: Path) -> NginxRuntime:
    # As root nginx drops workers to `nobody`, which cannot read pytest's 0700 temp dirs: keep the
    # workers as the current user. As non-root the directive would only warn, so omit it.
    user = getpass.getuser() if os.geteuid() == 0 else None
    (prefix / "tmp").mkdir(parents=True, exist_ok=True)
    return NginxRuntime(
        user=user,
        pid_path=str(prefix / "nginx.pid"),
        error_log=str(prefix / "error.log"),
        access_log=str(prefix / "access.log"),
        temp_dir=str(prefix / "tmp"),
        worker_processes="1",
    )


def wait_listening(port: int, proc: subprocess.Popen[bytes], what: str) -> None:
    deadline = time.monotonic() + 10
    while True:
        if proc.poll() is not None:
            err = proc.stderr.read().decode() if proc.stderr else ""
            pytest.fail(f"{what} exited with {proc.returncode} before serving: {err}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                pytest.fail(f"{what} did not listen on 127.0.0.1:{port} within 10 s")
            time.sleep(0.05)


@contextmanager
def serve_nginx(root: Path, base: Path, port: int | None = None) -> Iterator[int]:
    """Serve `root` with the fleet's rendered nginx config; yields the port."""
    binary = nginx_binary()
    port = port or free_port()
    config = WebServerConfig(
        document_root=str(root), listen_port=port, listen_address="127.0.0.1", cache=CACHE
    )
    base.mkdir(parents=True, exist_ok=True)
    conf = base / "nginx.conf"
    conf.write_text(render_nginx_conf(config, runtime_under(base)))
    proc = subprocess.Popen(
        [binary, "-c", str(conf), "-p", str(base), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        wait_listening(port, proc, "nginx")
        yield port
    finally:
        stop_process(proc)


def stop_process(proc: subprocess.Popen[bytes], timeout: float = 15) -> None:
    """SIGTERM, then SIGKILL if it outlives `timeout`; its pipes closed."""
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    if proc.stderr:
        proc.stderr.close()
