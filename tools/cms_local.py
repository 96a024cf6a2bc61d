"""Marketing's local preview of the git CMS: `make cms-local` (python -m tools.cms_local).

Builds the site with the admin pointed at a local backend, starts Decap CMS's `decap-server`
(node_modules, pinned in package.json) on this checkout, and serves the build at
http://localhost:8080/admin/ (Decap uses a local backend only on localhost). The local backend
runs in its `fs` mode: a page saved in the admin is written straight into site/content, with no
branch or pull request (its `git` mode would commit the whole working tree on a branch of this
checkout). Preview the site itself with `hugo server --source site` beside it; publish through
the production admin, whose editorial workflow opens the pull request (docs/site.md).

Ctrl-C stops both servers.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from settings.files import ROOT
from tools.site_build import BuildError, CmsTarget, build

DECAP_SERVER = ROOT / "node_modules" / "decap-server" / "dist" / "index.js"


def admin_server(directory: Path, port: int, *, quiet: bool = False) -> http.server.HTTPServer:
    """A static server for the built admin on 127.0.0.1 (`port` 0: any free one), with the
    media types its files need (config.yml, the wasm chunks); not yet serving."""

    class Handler(http.server.SimpleHTTPRequestHandler):
        extensions_map = {  # noqa: RUF012 (the base class declares it an instance variable)
            **http.server.SimpleHTTPRequestHandler.extensions_map,
            ".yml": "text/yaml",
            ".wasm": "application/wasm",
        }

        def log_message(self, format: str, *args: Any) -> None:
            if not quiet:
                super().log_message(format, *args)

    handler = functools.partial(Handler, directory=str(directory))
    return http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.cms_local")
    parser.add_argument("--port", type=int, default=8080, help="the admin's port")
    parser.add_argument("--backend-port", type=int, default=8081, help="decap-server's port")
    args = parser.parse_args(argv)
    if not DECAP_SERVER.is_file():
        print("cms_local: decap-server is missing: run `make node-deps`", file=sys.stderr)
        return 2
    out = ROOT / "build" / "cms-local"
    backend = f"http://localhost:{args.backend_port}/api/v1"
    try:
        build(out, form_endpoint="http://localhost:8787", cms=CmsTarget(
            "local/site", local_backend=backend))  # fmt: skip
    except BuildError as error:
        print(f"cms_local: {error}", file=sys.stderr)
        return 2
    env = {**os.environ, "MODE": "fs", "GIT_REPO_DIRECTORY": str(ROOT),
           "PORT": str(args.backend_port), "BIND_HOST": "127.0.0.1"}  # fmt: skip
    server = subprocess.Popen(["node", str(DECAP_SERVER)], env=env)
    httpd = admin_server(out, args.port)
    print(f"the admin: http://localhost:{args.port}/admin/ (writes to {ROOT / 'site' / 'content'})")
    try:
        httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        httpd.server_close()
        server.terminate()
        server.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
