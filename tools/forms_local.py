"""The form API on your machine: `python -m tools.forms_local [--port 8787]`.

A small HTTP front that does what API Gateway's HTTP API does for the form backend, then runs the
real handlers against moto (SQS, DynamoDB, SES v2; started here, nothing in AWS):
- turns each request into an API Gateway HTTP API payload 2.0 event (`isBase64Encoded` for
  bodies that are not JSON or text, as API Gateway does) for the real ingest handler, and its
  answer back into HTTP;
- answers CORS as the stack's `cors_configuration` does: preflights for the allowed origins,
  `Access-Control-Allow-Origin` on their responses;
- plays the event source mapping: polls the queue and hands batches to the real worker, deleting
  what it did not report as failed;
- stands in for Cloudflare Turnstile offline, with Cloudflare's documented testing keys: `GET
  /turnstile/v0/api.js` renders the widget's hidden `cf-turnstile-response` input holding the
  dummy token `XXXX.DUMMY.TOKEN.XXXX`, and `POST /turnstile/v0/siteverify` answers as siteverify
  does for the test secrets (`1x0000000000000000000000000000000AA` passes, `2x...AA` fails,
  `3x...AA` says the token was spent), honouring `idempotency_key`.
- `GET /_local/state`: the stored subscribers and how often each address was handed to the list.

For page authors: build the sample site against it and open it (any static server will do):

    python -m tools.forms_local --port 8787 --origin http://127.0.0.1:8000 &
    python -m tools.site_build --form-endpoint http://127.0.0.1:8787 --out build/site \\
        --turnstile-sitekey 1x00000000000000000000AA \\
        --turnstile-script http://127.0.0.1:8787/turnstile/v0/api.js
    python -m http.server 8000 --directory build/site

The ingest's `ALLOWED_ORIGINS` are `--origin` (repeatable); thank-you and error pages resolve on
the first origin (`--thank-you`, `--error` to change the paths).
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import json
import signal
import sys
import threading
import urllib.parse
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from boto3.dynamodb.types import TypeDeserializer

from functions.forms.adapters import SesV2ContactList
from functions.forms.config import IngestConfig
from functions.forms.ingest import make_handler as make_ingest
from functions.forms.store import SubscriberStore
from functions.forms.turnstile import TurnstileVerifier
from functions.forms.worker import make_handler as make_worker
from tools.loadtest.forms import Infra, Poller, api_event, client, provision, scan_subscribers

TEST_SECRET_PASS = "1x0000000000000000000000000000000AA"
TEST_SECRET_FAIL = "2x0000000000000000000000000000000AA"
TEST_SECRET_SPENT = "3x0000000000000000000000000000000AA"
DUMMY_TOKEN = "XXXX.DUMMY.TOKEN.XXXX"
TEXT_TYPES = ("application/json", "text/")
CORS_MAX_AGE = 600

TURNSTILE_STAND_IN = """// Offline stand-in for Cloudflare's Turnstile api.js (tools/forms_local):
// implicit rendering as the real script does it, with Cloudflare's dummy token for test keys.
(function () {
  "use strict";
  function render(el) {
    if (el.querySelector('input[name="cf-turnstile-response"]')) return;
    var input = document.createElement("input");
    input.type = "hidden";
    input.name = "cf-turnstile-response";
    input.value = "DUMMY_TOKEN";
    el.appendChild(input);
    el.setAttribute("data-rendered", "stand-in");
  }
  function renderAll() {
    document.querySelectorAll(".cf-turnstile").forEach(render);
  }
  window.turnstile = {
    reset: function () {
      document.querySelectorAll('.cf-turnstile input[name="cf-turnstile-response"]').forEach(
        function (el) { el.parentNode.removeChild(el); });
      renderAll();
    },
    render: function (el) { render(typeof el === "string" ? document.querySelector(el) : el); },
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", renderAll);
  else renderAll();
})();
""".replace("DUMMY_TOKEN", DUMMY_TOKEN)


class CountingList:
    """The SES v2 contact list (moto), counting hand-offs per address."""

    def __init__(self, inner: SesV2ContactList) -> None:
        self._inner = inner
        self.handed: Counter[str] = Counter()
        self._lock = threading.Lock()

    def add(self, email: str, attributes: dict[str, Any]) -> None:
        self._inner.add(email, attributes)
        with self._lock:
            self.handed[email] += 1


@dataclass
class FakeSiteverify:
    """siteverify for Cloudflare's testing secret keys, with idempotency keys honoured."""

    seen: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    spent: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, form: dict[str, str]) -> dict[str, Any]:
        secret, token = form.get("secret", ""), form.get("response", "")
        key = form.get("idempotency_key")
        with self.lock:
            if key and (key, token) in self.seen:
                return self.seen[(key, token)]
            if secret == TEST_SECRET_FAIL:
                result = {"success": False, "error-codes": ["invalid-input-response"]}
            elif secret == TEST_SECRET_SPENT or token in self.spent:
                result = {"success": False, "error-codes": ["timeout-or-duplicate"]}
            elif secret == TEST_SECRET_PASS and token == DUMMY_TOKEN:
                result = {"success": True, "hostname": "localhost", "error-codes": []}
            else:
                result = {"success": False, "error-codes": ["invalid-input-secret"]}
            self.spent.add(token)  # a token is redeemed once, whatever the key
            if key:
                self.seen[(key, token)] = result
            return result


def to_event(method: str, path: str, query: str, headers: dict[str, str], body: bytes,
             source_ip: str) -> dict[str, Any]:  # fmt: skip
    """An API Gateway HTTP API payload 2.0 event for one request: text bodies as text, any other
    base64-encoded, as API Gateway does."""
    lower = {k.lower(): v for k, v in headers.items()}
    content_type = lower.get("content-type", "")
    text = any(content_type.startswith(t) for t in TEXT_TYPES)
    carried = body.decode("utf-8", "surrogateescape") if text else base64.b64encode(body).decode()
    return api_event(method, path, headers=lower, body=carried, base64_body=not text,
                     query=query, source_ip=source_ip,
                     domain=lower.get("host", "localhost"))  # fmt: skip


class LocalForms:
    """The front, its moto-backed handlers and the worker's poller; `start()` then `stop()`."""

    def __init__(
        self,
        moto_endpoint: str,
        *,
        origins: list[str],
        port: int = 0,
        thank_you: str = "/campaigns/thank-you/",
        error: str = "/campaigns/sign-up-error/",
        turnstile_secret: str | None = None,
        contact_path: str = "/contact",
    ) -> None:
        self.origins = [o.rstrip("/") for o in origins]
        self.infra: Infra = provision(moto_endpoint, max_receive=3, visibility_seconds=2)
        self._sqs = client("sqs", moto_endpoint)
        self._ddb = client("dynamodb", moto_endpoint)
        self.siteverify = FakeSiteverify()
        self._server = ThreadingHTTPServer(("127.0.0.1", port), self._handler_class())
        self.port = int(self._server.server_address[1])
        self.url = f"http://127.0.0.1:{self.port}"
        verifier = (
            TurnstileVerifier(lambda: turnstile_secret or "", f"{self.url}/turnstile/v0/siteverify")
            if turnstile_secret
            else None
        )
        config = IngestConfig(
            queue_url=self.infra.queue_url,
            allowed_origins=frozenset(self.origins),
            thank_you_url=self.origins[0] + thank_you,
            error_url=self.origins[0] + error,
        )
        self.ingest = make_ingest(config, self._sqs, verifier=verifier, contact_path=contact_path)
        self.contact_path = contact_path
        self.list = CountingList(
            SesV2ContactList(client("sesv2", moto_endpoint), self.infra.contact_list)
        )
        store = SubscriberStore(self._ddb, self.infra.table, lease_seconds=120)

        def worker() -> Callable[[dict[str, Any], Any], dict[str, Any]]:
            return make_worker(store, self.list, sqs=self._sqs, dlq_url=self.infra.dlq_url)

        self._poller = Poller(self._sqs, self.infra, worker, visibility_seconds=2)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> LocalForms:
        self._poller.start()
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._poller.stop()

    def state(self) -> dict[str, Any]:
        """Stored subscribers as plain values, and hand-offs per address."""
        plain = TypeDeserializer()
        return {
            "subscribers": [
                {k: plain.deserialize(v) for k, v in item.items()}
                for item in scan_subscribers(self._ddb, self.infra.table)
            ],
            "handed": dict(self.list.handed),
        }

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        front = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _cors(self) -> dict[str, str]:
                origin = (self.headers.get("Origin") or "").rstrip("/")
                if origin in front.origins:
                    return {"Access-Control-Allow-Origin": origin, "Vary": "Origin"}
                return {}

            def do_OPTIONS(self) -> None:
                # API Gateway answers preflights itself (allow_methods POST/OPTIONS,
                # allow_headers content-type, max_age 600), never the integration.
                cors = self._cors()
                if cors:
                    cors |= {
                        "Access-Control-Allow-Methods": "POST,OPTIONS",
                        "Access-Control-Allow-Headers": "content-type",
                        "Access-Control-Max-Age": str(CORS_MAX_AGE),
                    }
                self._send(204, cors, b"")

            def do_GET(self) -> None:
                path = urllib.parse.urlsplit(self.path).path
                if path == "/turnstile/v0/api.js":
                    body = TURNSTILE_STAND_IN.encode()
                    self._send(200, {"Content-Type": "text/javascript"}, body)
                elif path == "/_local/state":
                    body = json.dumps(front.state(), default=str).encode()
                    self._send(200, {"Content-Type": "application/json"}, body)
                else:
                    self._send(404, {"Content-Type": "text/plain"}, b"not found\n")

            def do_POST(self) -> None:
                parts = urllib.parse.urlsplit(self.path)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if parts.path == "/turnstile/v0/siteverify":
                    form = dict(urllib.parse.parse_qsl(body.decode()))
                    answer = json.dumps(front.siteverify.answer(form)).encode()
                    self._send(200, {"Content-Type": "application/json"}, answer)
                    return
                if parts.path not in ("/subscribe", front.contact_path):
                    self._send(
                        404, {"Content-Type": "application/json"}, b'{"message":"Not Found"}'
                    )
                    return
                event = to_event("POST", parts.path, parts.query, dict(self.headers.items()),
                                 body, self.client_address[0])  # fmt: skip
                result = front.ingest(event, None)
                raw = result.get("body") or ""
                data = base64.b64decode(raw) if result.get("isBase64Encoded") else raw.encode()
                headers = {**(result.get("headers") or {}), **self._cors()}
                self._send(int(result["statusCode"]), headers, data)

            def log_message(self, format: str, *args: Any) -> None:
                sys.stderr.write(f"forms_local: {self.command} {self.path} {args[1]}\n")

        return Handler


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.forms_local")
    parser.add_argument("--port", type=int, default=8787)
    parser.add_argument("--origin", action="append", help="page origin allowed to post "
                        "(repeatable); default http://127.0.0.1:8000")  # fmt: skip
    parser.add_argument("--thank-you", default="/campaigns/thank-you/")
    parser.add_argument("--error", default="/campaigns/sign-up-error/")
    parser.add_argument(
        "--turnstile",
        choices=["off", "pass", "fail", "spent"],
        default="pass",
        help="Turnstile with Cloudflare's test secret keys (default pass)",
    )
    args = parser.parse_args(argv)
    from tools.loadtest.forms import start_moto

    secret = {"off": None, "pass": TEST_SECRET_PASS, "fail": TEST_SECRET_FAIL,
              "spent": TEST_SECRET_SPENT}[args.turnstile]  # fmt: skip
    server, endpoint = start_moto()
    try:
        front = LocalForms(
            endpoint,
            origins=args.origin or ["http://127.0.0.1:8000"],
            port=args.port,
            thank_you=args.thank_you,
            error=args.error,
            turnstile_secret=secret,
        ).start()
        print(f"form API on {front.url} (POST /subscribe, {front.contact_path}); state at "
              f"{front.url}/_local/state; Ctrl-C stops", flush=True)  # fmt: skip
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        with contextlib.suppress(KeyboardInterrupt):
            stop.wait()
        front.stop()
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
