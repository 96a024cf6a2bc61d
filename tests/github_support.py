"""A local stand-in for the two GitHub endpoints the site's Worker calls: the OAuth token exchange
(POST /login/oauth/access_token) and repository_dispatch (POST /repos/{owner}/{repo}/dispatches,
204 for acme/spikeproof). It records each request's JSON body (and the dispatches' headers)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

CLIENT_SECRET = "test-client-secret-0123456789"
GOOD_CODE = "code-0123"


@dataclass
class FakeGitHub:
    """GitHub's token exchange and dispatch endpoints, recording each request's JSON body."""

    exchanges: list[dict[str, Any]] = field(default_factory=list)
    dispatches: list[tuple[dict[str, str], dict[str, Any]]] = field(default_factory=list)


@contextmanager
def fake_github() -> Iterator[tuple[str, FakeGitHub]]:
    """A running stand-in for GitHub: its base URL and what it recorded."""
    fake = FakeGitHub()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])) or b"{}")
            if self.path == "/login/oauth/access_token":
                fake.exchanges.append(body)
                good = body.get("code") == GOOD_CODE and body.get("client_secret") == CLIENT_SECRET
                answer = {"access_token": "gho_token", "token_type": "bearer"} if good else {
                    "error": "bad_verification_code"}  # fmt: skip
                data = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                return
            fake.dispatches.append(({k.lower(): v for k, v in self.headers.items()}, body))
            self.send_response(204 if self.path == "/repos/acme/spikeproof/dispatches" else 404)
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", fake
    server.shutdown()
    server.server_close()
