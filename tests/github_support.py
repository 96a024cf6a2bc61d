"""A local stand-in for the GitHub endpoints the site's Worker and the admin call: the OAuth
authorize page (GET /login/oauth/authorize: approves at once, redirecting to the app's callback
with a code and the state), the token exchange (POST /login/oauth/access_token),
repository_dispatch (POST /repos/{owner}/{repo}/dispatches, 204 for acme/spikeproof), and the
first REST calls Decap CMS makes once signed in (GET /user, GET /repos/acme/spikeproof), with
CORS as api.github.com answers a browser. It records what it was sent."""

from __future__ import annotations

import json
import threading
import urllib.parse
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
    api_calls: list[tuple[str, str]] = field(default_factory=list)
    """(path, Authorization header) of each REST GET."""


@contextmanager
def fake_github() -> Iterator[tuple[str, FakeGitHub]]:
    """A running stand-in for GitHub: its base URL and what it recorded."""
    fake = FakeGitHub()

    class Handler(BaseHTTPRequestHandler):
        def _json(self, status: int, answer: Any) -> None:
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Access-Control-Allow-Origin", "*")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_OPTIONS(self) -> None:
            self.send_response(204)
            self.send_header("Access-Control-Allow-Origin", "*")
            self.send_header("Access-Control-Allow-Headers", "Authorization, Content-Type")
            self.send_header("Access-Control-Allow-Methods", "GET, POST, PATCH, PUT, DELETE")
            self.end_headers()

        def do_GET(self) -> None:
            parts = urllib.parse.urlsplit(self.path)
            if parts.path == "/login/oauth/authorize":
                query = dict(urllib.parse.parse_qsl(parts.query))
                back = f"{query['redirect_uri']}?code={GOOD_CODE}&state={query['state']}"
                self.send_response(302)
                self.send_header("Location", back)
                self.end_headers()
                return
            fake.api_calls.append((parts.path, self.headers.get("Authorization", "")))
            if parts.path == "/user":
                self._json(200, {"login": "marketer", "id": 1, "name": "Marketing",
                                 "avatar_url": ""})  # fmt: skip
            elif parts.path == "/repos/acme/spikeproof":
                access = {"admin": False, "push": True, "pull": True}
                self._json(200, {"full_name": "acme/spikeproof", "default_branch": "main",
                                 "permissions": access})  # fmt: skip
            else:
                self._json(404, {"message": "Not Found"})

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
