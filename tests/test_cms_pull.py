"""tools/cms_pull.py against answers the real Wagtail (tests/test_cms_api.py) does not give on
demand: hostile rich text, a page that takes a site page's address, an empty or broken API
answer. The pull must refuse or clean, never write a page that escapes the allow-list, and never
end in a traceback. The built pages go through Hugo, so what reaches the HTML is Hugo's."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tools.cms_pull import PullError, main, pull
from tools.site_build import build

ANSWER: dict[str, Any] = {}


def _page(slug: str, body: str = "<p>Hello</p>", **fields: Any) -> dict[str, Any]:
    return {"id": 7, "meta": {"type": "campaigns.CampaignPage", "slug": slug},
            "title": slug.title(), "hero": "Hero", "cta": "Go", "form": "signup",
            "body": body, "go_live_at": "2026-01-01T00:00:00Z", "expire_at": None,
            **fields}  # fmt: skip


@pytest.fixture(scope="module")
def api() -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            data = ANSWER["raw"] if "raw" in ANSWER else json.dumps(ANSWER["json"]).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _serve(*items: Any, raw: bytes | None = None) -> None:
    ANSWER.clear()
    if raw is not None:
        ANSWER["raw"] = raw
    else:
        ANSWER["json"] = {"meta": {"total_count": len(items)}, "items": list(items)}


def test_shortcodes_and_markup_in_cms_text_stay_text(api: str, tmp_path: Path) -> None:
    body = ("<p>{{&lt; youtube abc &gt;}} {{% param brand %}} &lt;img src=x onerror=alert(1)&gt; "
            "*not emphasis* [not a link](javascript:alert(1))</p>"
            '<p><a href="https://www.acme-marketing.com/terms/">terms</a></p>')  # fmt: skip
    _serve(_page("spring-offer", body))
    pull(api, tmp_path / "content")
    build(tmp_path / "www", form_endpoint="https://forms.example.com", content=tmp_path / "content")
    page = (tmp_path / "www" / "campaigns" / "spring-offer" / "index.html").read_text()
    assert "<iframe" not in page and "youtube" in page, "the shortcode is shown as text"
    assert "{{% param brand %}}" in page.replace("&#34;", '"')
    assert "<img" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "<em>" not in page and 'href="javascript' not in page
    assert '<a href="https://www.acme-marketing.com/terms/"' in page


def test_a_page_with_a_site_pages_address_is_refused(api: str, tmp_path: Path) -> None:
    _serve(_page("thank-you"), _page("summer"))
    with pytest.raises(PullError, match="'thank-you': the site's own page has that address"):
        pull(api, tmp_path / "content")
    assert not (tmp_path / "content").exists()


def test_an_empty_answer_takes_nothing_down_unless_asked(api: str, tmp_path: Path) -> None:
    _serve()
    with pytest.raises(PullError, match="lists no campaign page"):
        pull(api, tmp_path / "content")
    assert pull(api, tmp_path / "content", allow_empty=True) == []
    assert (tmp_path / "content" / "campaigns" / "thank-you.md").is_file()


@pytest.mark.parametrize(
    ("raw", "words"),
    [(b"\xff\xfe not utf-8", "utf-8"), (b"[1, 2]", "not the JSON object"),
     (b'{"items": [], "meta": []}', "total_count"),
     (b'{"items": ["page"], "meta": {"total_count": 1}}', "not a page object"),
     (b'{"items": [{"meta": "x", "title": ""}], "meta": {"total_count": 1}}', "slug")],
)  # fmt: skip
def test_a_broken_answer_is_a_clear_error(
    api: str, tmp_path: Path, raw: bytes, words: str, capsys: pytest.CaptureFixture[str]
) -> None:
    _serve(raw=raw)
    assert main(["--url", api, "--out", str(tmp_path / "content")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("cms_pull: ") and words in err and "Traceback" not in err, err


def test_an_unreachable_cms_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--url", "http://127.0.0.1:9", "--out", str(tmp_path / "content")]) == 2
    assert "Connection refused" in capsys.readouterr().err
