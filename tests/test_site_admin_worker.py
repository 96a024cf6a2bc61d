"""The static site's Worker script (site/worker/admin.js) on Cloudflare's own runtime (workerd via
`wrangler dev`), with the asset config and bindings the stack deploys: the CMS admin's GitHub
sign-in (OAuth web flow, state cookie, the postMessage handshake Decap CMS waits for) and the
API CMS's publish hook (signature check, GitHub's repository_dispatch body). GitHub is a local
stand-in that records what it is sent (GITHUB_URL / GITHUB_API_URL)."""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import urllib.parse
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from components.site import ADMIN_WORKER, worker_routes
from settings import stack_settings
from settings.site import CmsApiSettings
from tests.github_support import CLIENT_SECRET, GOOD_CODE, FakeGitHub, fake_github
from tests.nginx_support import free_port
from tests.test_forms_browser import Browser, browser
from tests.workerd_support import serve_workerd
from tools.site_build import SOURCE, CmsTarget, add_admin
from tools.site_build import main as site_build

__all__ = ["browser"]  # the fixture, shared with the form tests

CLIENT_ID = "Ov23liAbCdEfGhIjKlMn"
HOOK_SECRET = "test-hook-secret-0123456789"
DISPATCH_TOKEN = "github_pat_test_0123456789"


def _serve(base: Path, variables: dict[str, str], api_root: str | None = None) -> Any:
    """The prod site's build served with its Worker script. The admin's GitHub backend signs in
    through this origin (base_url, as on the real hostname); `api_root` sends its REST calls to
    the stand-in GitHub."""
    site = stack_settings("prod").site
    assert site is not None and site.cms is not None
    port = free_port()
    assert site_build(["--stack", "prod", "--out", str(base / "site")]) == 0
    add_admin(base / "site", SOURCE,
              CmsTarget(site.cms.repo, site.cms.branch, f"http://127.0.0.1:{port}"))  # fmt: skip
    if api_root is not None:
        config_file = base / "site" / "admin" / "config.yml"
        config = yaml.safe_load(config_file.read_text())
        config["backend"]["api_root"] = api_root
        config_file.write_text(yaml.safe_dump(config, sort_keys=False))
    # The stack with an API CMS (its publish hook), as site.cms.api deploys it.
    api = CmsApiSettings(kind="wagtail", url="https://cms.acme-marketing.com")
    with_api = site.model_copy(update={"cms": site.cms.model_copy(update={"api": api})})
    config = {**site.asset_config(), "run_worker_first": worker_routes(with_api)}
    return serve_workerd(
        base / "site", base / "run", config, site.compatibility_date, port,
        main=ADMIN_WORKER, variables=variables,
    )  # fmt: skip


@pytest.fixture(scope="module")
def github() -> Iterator[tuple[str, FakeGitHub]]:
    with fake_github() as running:
        yield running


@pytest.fixture(scope="module")
def worker(
    tmp_path_factory: pytest.TempPathFactory, github: tuple[str, FakeGitHub]
) -> Iterator[int]:
    url, _ = github
    variables = {
        "GITHUB_CLIENT_ID": CLIENT_ID, "GITHUB_CLIENT_SECRET": CLIENT_SECRET,
        "GITHUB_URL": url, "GITHUB_API_URL": url, "GITHUB_REPO": "acme/spikeproof",
        "GITHUB_DISPATCH_TOKEN": DISPATCH_TOKEN, "CMS_WEBHOOK_SECRET": HOOK_SECRET,
    }  # fmt: skip
    with _serve(tmp_path_factory.mktemp("admin-worker"), variables, api_root=url) as port:
        yield port


@pytest.fixture(scope="module")
def unconfigured(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    with _serve(tmp_path_factory.mktemp("admin-worker-bare"), {}) as port:
        yield port


def request(
    port: int, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
    conn.request(method, path, body=body or None, headers=headers or {})
    answer = conn.getresponse()
    text = answer.read().decode()
    conn.close()
    return answer.status, {k.lower(): v for k, v in answer.getheaders()}, text


def _sign_in(port: int) -> tuple[str, str]:
    """(state, cookie) of a started sign-in."""
    status, headers, _ = request(port, "GET", "/admin/oauth/auth?provider=github&site_id=x")
    assert status == 302, headers
    location = urllib.parse.urlsplit(headers["location"])
    query = dict(urllib.parse.parse_qsl(location.query))
    cookie = headers["set-cookie"].split(";")[0]
    return query["state"], cookie


def test_the_sign_in_redirects_to_github_with_a_state_kept_in_a_cookie(
    worker: int, github: tuple[str, FakeGitHub]
) -> None:
    status, headers, _ = request(worker, "GET", "/admin/oauth/auth?provider=github&site_id=x")
    assert status == 302
    location = urllib.parse.urlsplit(headers["location"])
    assert f"{location.scheme}://{location.netloc}" == github[0]
    assert location.path == "/login/oauth/authorize"
    query = dict(urllib.parse.parse_qsl(location.query))
    assert query["client_id"] == CLIENT_ID and query["scope"] == "repo"
    assert query["redirect_uri"] == f"http://127.0.0.1:{worker}/admin/oauth/callback"
    assert len(query["state"]) == 32
    cookie = headers["set-cookie"]
    assert cookie.startswith(f"cms_oauth_state={query['state']};")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Max-Age=600" in cookie
    assert headers["cache-control"] == "no-store"
    other = _sign_in(worker)[0]
    assert other != query["state"], "a new state for every sign-in"


def test_the_callback_hands_the_token_to_the_admin_on_this_origin_only(
    worker: int, github: tuple[str, FakeGitHub]
) -> None:
    state, cookie = _sign_in(worker)
    path = f"/admin/oauth/callback?code={GOOD_CODE}&state={state}"
    status, headers, page = request(worker, "GET", path, headers={"Cookie": cookie})
    assert status == 200, page
    assert github[1].exchanges[-1]["client_secret"] == CLIENT_SECRET
    assert github[1].exchanges[-1]["code"] == GOOD_CODE
    message = (
        'authorization:github:success:{\\"token\\":\\"gho_token\\",\\"provider\\":\\"github\\"}'
    )
    assert message in page
    assert f'"origin":"http://127.0.0.1:{worker}"' in page
    assert '"*"' not in page, "never posted to any origin"
    assert "Max-Age=0" in headers["set-cookie"], "the state is used once"
    assert headers["cache-control"] == "no-store"


@pytest.mark.parametrize(
    ("query", "with_cookie"),
    [("code=code-0123&state={state}", False), ("code=code-0123&state=0000", True),
     ("code=wrong&state={state}", True), ("error=access_denied&state={state}", True)],
)  # fmt: skip
def test_a_forged_expired_or_refused_sign_in_gets_no_token(
    worker: int, query: str, with_cookie: bool
) -> None:
    state, cookie = _sign_in(worker)
    path = "/admin/oauth/callback?" + query.format(state=state)
    status, _, page = request(
        worker, "GET", path, headers={"Cookie": cookie} if with_cookie else {}
    )
    assert status == 400
    assert "authorization:github:error:" in page and "gho_token" not in page


def test_a_browser_completes_decaps_handshake_only_from_this_origin(worker: int) -> None:
    """The handshake's script, read as Decap's netlify-auth.js reads it: the first message is
    posted to this origin, and the token only after an echo from this origin."""
    state, cookie = _sign_in(worker)
    path = f"/admin/oauth/callback?code={GOOD_CODE}&state={state}"
    _, _, page = request(worker, "GET", path, headers={"Cookie": cookie})
    assert 'window.opener.postMessage("authorizing:github", data.origin)' in page
    assert "event.origin !== data.origin" in page
    assert "window.opener.postMessage(data.message, data.origin)" in page


def test_pages_are_assets_and_the_script_runs_only_on_its_paths(worker: int) -> None:
    status, _, page = request(worker, "GET", "/campaigns/spring/")
    assert status == 200 and "<form" in page
    status, _, page = request(worker, "GET", "/admin/")
    assert status == 200 and "/admin/decap-cms.js" in page
    status, _, page = request(worker, "GET", "/admin/oauth/elsewhere")
    assert status == 404 and page == "Not found.\n"
    status, _, page = request(worker, "GET", "/campaigns/gone/")
    assert status == 404 and "Page not found" in page, "the site's own 404 page"


def _hook(port: int, body: bytes, headers: dict[str, str]) -> tuple[int, str]:
    status, _, text = request(port, "POST", "/admin/hooks/publish", body, headers)
    return status, text


def _signed(port: int, payload: dict[str, Any], sent: datetime | None = None) -> tuple[int, str]:
    """A webhook signed as cms/wagtail signs it: HMAC-SHA256 of the body, which says when."""
    sent = sent or datetime.now(UTC)
    body = json.dumps({**payload, "sent_at": sent.isoformat()}).encode()
    signature = hmac.new(HOOK_SECRET.encode(), body, hashlib.sha256).hexdigest()
    return _hook(port, body, {"X-CMS-Signature": f"sha256={signature}",
                              "Content-Type": "application/json"})  # fmt: skip


def test_a_signed_webhook_becomes_githubs_repository_dispatch(
    worker: int, github: tuple[str, FakeGitHub]
) -> None:
    status, text = _signed(worker, {"event": "page_published", "page": {"slug": "spring"}})
    assert status == 202, text
    headers, sent = github[1].dispatches[-1]
    assert headers["authorization"] == f"Bearer {DISPATCH_TOKEN}"
    assert headers["accept"] == "application/vnd.github+json"
    assert headers["x-github-api-version"] == "2022-11-28"
    assert headers["user-agent"]
    # GitHub's schema (rest-api-description, repos/create-dispatch-event): event_type of 1-100
    # characters, client_payload of at most 10 top-level properties.
    assert sent["event_type"] == "cms-publish"
    assert set(sent) == {"event_type", "client_payload"}
    assert len(sent["client_payload"]) <= 10
    assert sent["client_payload"]["event"] == "page_published"


def test_a_replayed_signed_webhook_dispatches_nothing(
    worker: int, github: tuple[str, FakeGitHub]
) -> None:
    before = len(github[1].dispatches)
    old = datetime.now(UTC) - timedelta(minutes=6)
    status, text = _signed(worker, {"event": "page_published"}, sent=old)
    assert status == 401 and "sent_at" in text
    status, _ = _signed(worker, {"event": "page_published"}, sent=datetime.now(UTC))
    assert status == 202 and len(github[1].dispatches) == before + 1


def test_a_github_outage_is_a_502_the_cms_can_retry(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    variables = {"GITHUB_REPO": "acme/spikeproof", "GITHUB_API_URL": "http://127.0.0.1:9",
                 "GITHUB_DISPATCH_TOKEN": DISPATCH_TOKEN,
                 "CMS_WEBHOOK_SECRET": HOOK_SECRET}  # fmt: skip
    with _serve(tmp_path_factory.mktemp("admin-worker-down"), variables) as port:
        status, text = _signed(port, {"event": "page_published"})
    assert status == 502 and "may retry" in text


def test_strapis_fixed_header_webhook_is_relayed_with_its_event(
    worker: int, github: tuple[str, FakeGitHub]
) -> None:
    """Strapi sends its own body and only fixed headers (strapi/strapi#7567): a bearer token."""
    body = json.dumps({"event": "entry.publish", "model": "page", "entry": {"id": 1}}).encode()
    status, _ = _hook(worker, body, {"Authorization": f"Bearer {HOOK_SECRET}",
                                     "X-Strapi-Event": "entry.publish"})  # fmt: skip
    assert status == 202
    assert github[1].dispatches[-1][1]["client_payload"]["event"] == "entry.publish"


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong"}, {"X-CMS-Signature": "sha256=" + "0" * 64},
     {"X-CMS-Signature": "md5=abc"}],
)  # fmt: skip
def test_an_unsigned_or_forged_webhook_dispatches_nothing(
    worker: int, github: tuple[str, FakeGitHub], headers: dict[str, str]
) -> None:
    before = len(github[1].dispatches)
    status, _ = _hook(worker, b'{"event": "entry.publish"}', headers)
    assert status == 401
    assert len(github[1].dispatches) == before


def test_without_its_bindings_each_part_says_what_to_set_up(unconfigured: int) -> None:
    status, _, text = request(unconfigured, "GET", "/admin/oauth/auth?provider=github")
    assert status == 503 and "spikeproof:cmsGithubClientSecret" in text
    status, _, text = request(unconfigured, "POST", "/admin/hooks/publish", b"{}")
    assert status == 503 and "spikeproof:cmsWebhookSecret" in text


def test_decap_cms_signs_in_through_the_worker_and_uses_the_token(
    worker: int, github: tuple[str, FakeGitHub], browser: Browser
) -> None:
    """The real admin (Decap CMS from the site's build) in Chromium: "Login with GitHub" opens
    the Worker's popup, GitHub (the stand-in) approves, the Worker exchanges the code and hands
    the token over by postMessage; Decap accepts it only from base_url's origin, then calls
    GitHub's REST API with it. That call is the proof the handshake met Decap's checks."""
    driver = browser(True)
    driver.get(f"http://127.0.0.1:{worker}/admin/")
    login = WebDriverWait(driver, 30).until(
        lambda d: d.find_elements(By.XPATH, "//button[contains(normalize-space(.), 'GitHub')]")
    )[0]
    login.click()
    WebDriverWait(driver, 30).until(
        lambda d: ("/user", "token gho_token") in github[1].api_calls,
        "Decap never called GitHub with the Worker's token",
    )
    assert github[1].exchanges[-1]["code"] == GOOD_CODE
