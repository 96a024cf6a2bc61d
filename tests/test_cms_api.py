"""An API CMS for real: the project's Wagtail (cms/wagtail, its own virtualenv .venv-cms, SQLite)
migrated and served by gunicorn, its pages published by its own code path (a revision published,
Wagtail's page_published signal sending the signed webhook), the webhook relayed by the site's
Worker on workerd to a stand-in GitHub as repository_dispatch, the pages pulled through the API
v2 into Hugo content and built: the same page type as the git CMS writes.

`make test` installs .venv-cms (cms/wagtail/requirements.txt); without it these tests fail
saying so. Timings of this machine are in docs/site.md."""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from components.site import ADMIN_WORKER, worker_routes
from settings import stack_settings
from settings.files import ROOT
from settings.site import CmsApiSettings
from tests.github_support import FakeGitHub, fake_github
from tests.nginx_support import free_port, stop_process
from tests.workerd_support import serve_workerd
from tools.cms_pull import pull
from tools.site_build import build
from tools.site_build import main as site_build

CMS = ROOT / "cms" / "wagtail"
CMS_BIN = ROOT / ".venv-cms" / "bin"
HOOK_SECRET = secrets.token_hex(16)


@dataclass(frozen=True)
class Wagtail:
    url: str
    env: dict[str, str]
    github: FakeGitHub

    def manage(self, *args: str) -> str:
        done = subprocess.run(
            [str(CMS_BIN / "python"), "manage.py", *args],
            cwd=CMS, env=self.env, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    def publish(self, slug: str, *, expire: datetime | None = None, body: str = "") -> None:
        now = datetime.now(UTC)
        args = ["create_campaign", "--slug", slug, "--title", slug.replace("-", " ").title(),
                "--hero", f"The {slug} offer", "--cta", "Get the code", "--form", "signup",
                "--body", body, "--go-live-at", (now - timedelta(hours=1)).isoformat()]  # fmt: skip
        if expire is not None:
            args += ["--expire-at", expire.isoformat()]
        self.manage(*args)


def _wait_for(url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"gunicorn exited: {log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    pytest.fail(f"Wagtail did not answer {url} within 60 s: {log.read_text()[-2000:]}")


@pytest.fixture(scope="module")
def wagtail(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Wagtail]:
    if not (CMS_BIN / "gunicorn").is_file():
        pytest.fail("Wagtail is not installed: run `make cms-venv` (cms/wagtail/requirements.txt)")
    tmp = tmp_path_factory.mktemp("wagtail")
    site = stack_settings("prod").site
    assert site is not None and site.cms is not None
    api = CmsApiSettings(kind="wagtail", url="http://127.0.0.1:8000")
    with_api = site.model_copy(update={"cms": site.cms.model_copy(update={"api": api})})
    assert site_build(["--stack", "prod", "--out", str(tmp / "www")]) == 0
    with fake_github() as (github_url, github):
        variables = {"GITHUB_REPO": "acme/spikeproof", "GITHUB_API_URL": github_url,
                     "GITHUB_DISPATCH_TOKEN": "github_pat_test",
                     "CMS_WEBHOOK_SECRET": HOOK_SECRET}  # fmt: skip
        config = {**site.asset_config(), "run_worker_first": worker_routes(with_api)}
        with serve_workerd(tmp / "www", tmp / "run", config, site.compatibility_date,
                           main=ADMIN_WORKER, variables=variables) as relay:  # fmt: skip
            port = free_port()
            env = {**os.environ, "CMS_SECRET_KEY": secrets.token_hex(32),
                   "CMS_DB_PATH": str(tmp / "cms.sqlite3"), "CMS_ALLOWED_HOSTS": "127.0.0.1",
                   "CMS_BASE_URL": f"http://127.0.0.1:{port}",
                   "CMS_WEBHOOK_URL": f"http://127.0.0.1:{relay}/admin/hooks/publish",
                   "CMS_WEBHOOK_SECRET": HOOK_SECRET}  # fmt: skip
            cms = Wagtail(f"http://127.0.0.1:{port}", env, github)
            cms.manage("migrate", "-v0")
            log = tmp / "gunicorn.log"
            with log.open("wb") as out:
                proc = subprocess.Popen(
                    [str(CMS_BIN / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}",
                     "cmsproject.wsgi"],
                    cwd=CMS, env=env, stdout=out, stderr=subprocess.STDOUT,
                )  # fmt: skip
            try:
                _wait_for(f"{cms.url}/api/v2/pages/", proc, log)
                yield cms
            finally:
                stop_process(proc)


BODY = (
    "<h2>Three days only</h2><p>Everything <b>30% off</b>.</p>"
    '<script>alert("x")</script><p><a href="javascript:alert(1)">bad</a> '
    '<a href="https://www.acme-marketing.com/terms/" onclick="steal()">terms</a></p>'
)


@pytest.fixture(scope="module")
def published(wagtail: Wagtail, tmp_path_factory: pytest.TempPathFactory) -> Path:
    wagtail.publish("autumn-sale", expire=datetime.now(UTC) + timedelta(days=7), body=BODY)
    wagtail.publish("summer-sale", expire=datetime.now(UTC) - timedelta(minutes=1))
    wagtail.manage("create_campaign", "--slug", "not-yet", "--hero", "Draft", "--draft")
    content = tmp_path_factory.mktemp("content") / "content"
    assert pull(wagtail.url, content) == ["autumn-sale", "summer-sale"]
    return content


def test_each_publish_reaches_github_as_one_repository_dispatch(
    wagtail: Wagtail, published: Path
) -> None:
    sent = [body for _, body in wagtail.github.dispatches]
    assert [s["event_type"] for s in sent] == ["cms-publish", "cms-publish"], "a draft sends none"
    assert [s["client_payload"]["event"] for s in sent] == ["page_published"] * 2
    headers = wagtail.github.dispatches[0][0]
    assert headers["authorization"] == "Bearer github_pat_test"


def test_the_api_pages_build_as_the_git_cms_page_type_and_expire(
    published: Path, tmp_path: Path
) -> None:
    out = tmp_path / "www"
    build(out, form_endpoint="https://forms.acme-marketing.com", content=published)
    page = (out / "campaigns" / "autumn-sale" / "index.html").read_text()
    assert "<h1>Autumn Sale</h1>" in page and "The autumn-sale offer" in page
    assert "Three days only</h2>" in page and "<strong>30% off</strong>" in page
    assert 'action="https://forms.acme-marketing.com/subscribe"' in page
    assert "<script>alert" not in page and "javascript:" not in page and "onclick" not in page
    assert 'href="https://www.acme-marketing.com/terms/"' in page
    assert not (out / "campaigns" / "summer-sale").exists(), "past its expiry: left out"
    assert not (out / "campaigns" / "not-yet").exists(), "a draft is not published"
    assert not (out / "campaigns" / "spring").exists(), "the git CMS's pages are replaced"
    assert (out / "campaigns" / "thank-you" / "index.html").is_file(), "the site's own pages stay"


def test_wagtails_scheduled_unpublish_sends_its_webhook_and_leaves_the_api(
    wagtail: Wagtail, published: Path, tmp_path: Path
) -> None:
    before = len(wagtail.github.dispatches)
    wagtail.manage("publish_scheduled")  # what Wagtail's docs ask to run hourly
    assert [b["client_payload"]["event"] for _, b in wagtail.github.dispatches[before:]] == [
        "page_unpublished"
    ]
    assert pull(wagtail.url, tmp_path / "content") == ["autumn-sale"]


def test_a_stack_with_an_api_cms_builds_from_it(
    wagtail: Wagtail, published: Path, tmp_path: Path
) -> None:
    """`make site` with spikeproof:site.cms.api pulls the pages itself (deploy.yml's build)."""
    stack_file = tmp_path / "Pulumi.prod.yaml"
    text = (ROOT / "Pulumi.prod.yaml").read_text()
    text = text.replace("      repo: acme/spikeproof\n", "      repo: acme/spikeproof\n"
                        f"      api: {{kind: wagtail, url: '{wagtail.url}'}}\n")  # fmt: skip
    text += "  spikeproof:cmsDispatchToken:\n    secure: v1:dG9rZW4=\n"
    text += "  spikeproof:cmsWebhookSecret:\n    secure: v1:c2VjcmV0\n"
    stack_file.write_text(text)
    env = {**os.environ, "SPIKEPROOF_CONFIG_FILE": str(stack_file)}
    done = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "python"), "-m", "tools.site_build", "--stack", "prod",
         "--out", str(tmp_path / "www")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "campaign pages from" in done.stdout, done.stdout + done.stderr
    assert (tmp_path / "www" / "campaigns" / "autumn-sale" / "index.html").is_file(), done.stdout
    assert (tmp_path / "www" / "admin" / "config.yml").is_file()
    shutil.rmtree(tmp_path / "www-content", ignore_errors=True)


SET_FORM = (
    "from campaigns.models import CampaignPage;"
    "CampaignPage.objects.filter(slug='autumn-sale').update(form='{form}')"
)


def test_a_page_the_site_cannot_build_refuses_the_pull_naming_it(
    wagtail: Wagtail, tmp_path: Path
) -> None:
    from tools.cms_pull import PullError

    wagtail.manage("shell", "--no-imports", "-c", SET_FORM.format(form="gone"))
    try:
        with pytest.raises(PullError, match=r"autumn-sale.*form 'gone'"):
            pull(wagtail.url, tmp_path / "content")
        assert not (tmp_path / "content").exists(), "nothing written from a refused pull"
    finally:
        wagtail.manage("shell", "--no-imports", "-c", SET_FORM.format(form="signup"))
