"""The built sample site on Cloudflare's own runtime (workerd via `wrangler dev`), with the asset
config the prod stack deploys (`SiteSettings.asset_config`): what visitors of the static paths
get, checked against the runtime rather than a model of it."""

from __future__ import annotations

import http.client
from collections.abc import Iterator
from pathlib import Path

import pytest

from settings import stack_settings
from tests.workerd_support import serve_workerd
from tools.site_build import build


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    base = tmp_path_factory.mktemp("workerd")
    site = stack_settings("prod").site
    assert site is not None
    build(base / "site", form_endpoint="https://forms.acme-marketing.com")
    with serve_workerd(
        base / "site", base / "run", site.asset_config(), site.compatibility_date
    ) as port:
        yield port


def get(port: int, path: str) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", path)
    answer = conn.getresponse()
    body = answer.read()
    conn.close()
    return answer.status, {k.lower(): v for k, v in answer.getheaders()}, body


def test_pages_with_and_without_a_trailing_slash(served: int) -> None:
    status, headers, _ = get(served, "/campaigns/spring")
    assert status == 307 and headers["location"] == "/campaigns/spring/"
    status, _, body = get(served, "/campaigns/spring/")
    assert status == 200 and b'<form id="signup"' in body
    assert b'action="https://forms.acme-marketing.com/subscribe"' in body
    status, headers, _ = get(served, "/campaigns/spring/index.html")
    assert status == 307 and headers["location"] == "/campaigns/spring/"


def test_a_missing_page_is_the_sites_404_page_with_status_404(served: int) -> None:
    status, _, body = get(served, "/campaigns/no-such-campaign/")
    assert status == 404 and b"Page not found" in body


def test_redirects_and_headers_files_are_applied_not_served(served: int) -> None:
    status, headers, _ = get(served, "/campaigns/spring-sale")
    assert status == 301 and headers["location"] == "/campaigns/spring/"
    status, headers, _ = get(served, "/campaigns/thank-you/")
    assert status == 200 and headers.get("x-robots-tag") == "noindex"
    status, headers, _ = get(served, "/campaigns/assets/site.css")
    assert status == 200 and headers.get("cache-control") == "public, max-age=3600"
    for rule_file in ("/_headers", "/_redirects"):
        assert get(served, rule_file)[0] == 404, f"{rule_file} must not be served"


def test_a_query_string_does_not_change_the_response(served: int) -> None:
    plain = get(served, "/campaigns/spring/")
    tracked = get(served, "/campaigns/spring/?utm_source=email&utm_campaign=spring&mc_eid=ab12")
    assert tracked[0] == 200 and tracked[2] == plain[2]
    assert tracked[1].get("etag") == plain[1].get("etag")


def test_the_uploaded_build_leaves_the_rule_files_out(tmp_path: Path) -> None:
    from components.site import prepare_upload

    build(tmp_path / "site", form_endpoint="https://forms.example.com")
    upload = prepare_upload(tmp_path / "site", tmp_path / "upload")
    assert set(upload.rule_files) == {"_headers", "_redirects"}
    assert not (tmp_path / "upload" / "_headers").exists()
    assert (tmp_path / "upload" / "campaigns" / "spring" / "index.html").is_file()
