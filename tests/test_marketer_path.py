"""The marketer's path, end to end, in Chromium: the CMS admin (Decap CMS from the site's own
build, its local backend `decap-server` writing to a temporary git repository) creates a campaign
landing page and publishes it through the editorial workflow (draft, ready, published: a branch
merged into main); Hugo builds the repository's site; workerd serves it as Workers Static Assets;
a visitor opens the new page and signs up through its form, with and without JavaScript.

No production server is touched: the admin, the git repository, the build and the serving are
local, and the form posts to the local form front (moto). Selectors follow Decap CMS 3.x's admin
as it renders (labels' `for`, the markdown widget's raw mode, the workflow's status menu)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from forecast.projection import edge_rulesets
from model.edge_eval import Request, evaluate
from settings import stack_settings
from settings.files import ROOT
from tests.nginx_support import free_port, stop_process
from tests.test_forms_browser import (
    Browser,
    _fill,
    _listed_once,
    _submit,
    _wait,
    browser,
    chrome,
)
from tests.workerd_support import serve_workerd
from tools.cms_local import admin_server
from tools.forms_local import LocalForms
from tools.site_build import CmsTarget, build

__all__ = ["browser"]  # the fixture, shared with the form tests

DECAP_SERVER = ROOT / "node_modules" / "decap-server" / "dist" / "index.js"
SLUG = "summer-sale-30-off"  # Decap's slug of the title
PAGE = f"/campaigns/{SLUG}/"


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True
    ).stdout


def _repository(tmp: Path) -> Path:
    """A checkout of the site's source on main, as the CMS's repository holds it."""
    repo = tmp / "repo"
    shutil.copytree(ROOT / "site", repo / "site")
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True)
    for key, value in (("user.name", "Marketing"), ("user.email", "marketing@example.invalid"),
                       ("commit.gpgsign", "false")):  # fmt: skip
        _git(repo, "config", key, value)
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "site")
    return repo


def _decap_server(repo: Path, port: int, log: Path) -> subprocess.Popen[bytes]:
    if not DECAP_SERVER.is_file():
        pytest.fail("decap-server is not installed: run `make node-deps` (package.json)")
    env = {**os.environ, "MODE": "git", "GIT_REPO_DIRECTORY": str(repo), "PORT": str(port),
           "BIND_HOST": "127.0.0.1", "LOG_LEVEL": "info"}  # fmt: skip
    with log.open("wb") as out:  # the child keeps its own descriptor
        proc = subprocess.Popen(
            ["node", str(DECAP_SERVER)], env=env, stdout=out, stderr=subprocess.STDOUT
        )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return proc
        except OSError:
            if proc.poll() is not None:
                pytest.fail(f"decap-server exited: {log.read_text()[-2000:]}")
            time.sleep(0.2)
    pytest.fail("decap-server did not start within 30 s")


def _field(driver: webdriver.Chrome, label: str) -> str:
    """The input id of the field labelled `label` (optional fields' labels carry a suffix)."""
    found = WebDriverWait(driver, 30).until(
        ec.presence_of_element_located(
            (By.XPATH, f"//label[starts-with(normalize-space(.), {label!r})]")
        )
    )
    return str(found.get_attribute("for"))


def _click(driver: webdriver.Chrome, xpath: str) -> None:
    element = WebDriverWait(driver, 30).until(ec.element_to_be_clickable((By.XPATH, xpath)))
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    element.click()


def _type(driver: webdriver.Chrome, label: str, text: str) -> None:
    element = driver.find_element(By.ID, _field(driver, label))
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    element.click()
    element.send_keys(text)


def _set_datetime(driver: webdriver.Chrome, label: str, value: str) -> None:
    """A React-controlled <input type=datetime-local>: the native setter, then its events."""
    element = driver.find_element(By.ID, _field(driver, label))
    driver.execute_script(
        "const el = arguments[0];"
        "Object.getOwnPropertyDescriptor(Object.getPrototypeOf(el), 'value')"
        ".set.call(el, arguments[1]);"
        "el.dispatchEvent(new Event('input', {bubbles: true}));"
        "el.dispatchEvent(new Event('change', {bubbles: true}));",
        element,
        value,
    )


def _publish_in_the_admin(driver: webdriver.Chrome, admin: str) -> None:
    """What a marketer does: sign in, new campaign page, fill it, save, ready, publish now."""
    wait = WebDriverWait(driver, 30)
    driver.get(admin)
    _click(driver, "//button[normalize-space(.)='Login']")
    wait.until(
        ec.presence_of_element_located((By.XPATH, "//*[normalize-space(.)='Campaign pages']"))
    )
    driver.get(admin + "#/collections/campaigns/new")
    _type(driver, "Title", "Summer sale: 30% off")
    _type(driver, "Hero line", "Sign up and your code arrives the moment the sale opens.")
    _type(driver, "Call to action", "Send me the code")
    _field(driver, "Body")
    if driver.execute_script("return localStorage.getItem('cms.md-mode')") != "raw":
        _click(driver, "//button[@role='switch']")
        wait.until(
            lambda d: d.execute_script("return localStorage.getItem('cms.md-mode')") == "raw"
        )
    body = wait.until(ec.element_to_be_clickable(
        (By.CSS_SELECTOR, "[data-slate-editor='true'][contenteditable='true']")))  # fmt: skip
    body.click()
    body.send_keys("Three days only, **everything** in store.")
    body.send_keys(Keys.ENTER, Keys.ENTER, "<script>alert('no')</script>")
    _set_datetime(driver, "Publish date", "2026-01-01T09:00")
    _click(driver, "//button[normalize-space(.)='Save']")
    wait.until(lambda d: f"/entries/{SLUG}" in d.current_url)
    wait.until(
        ec.presence_of_element_located((By.XPATH, "//*[normalize-space(.)='Changes saved']"))
    )
    _click(driver, "//span[@role='button'][starts-with(normalize-space(.), 'Status:')]")
    _click(driver, "//*[@role='menuitem'][normalize-space(.)='Ready']")
    wait.until(ec.presence_of_element_located(
        (By.XPATH, "//*[normalize-space(.)='Entry status updated']")))  # fmt: skip
    driver.execute_script("window.confirm = () => true;")  # Decap asks with window.confirm
    _click(driver, "//span[@role='button'][normalize-space(.)='Publish']")
    _click(driver, "//*[@role='menuitem'][normalize-space(.)='Publish now']")
    wait.until(
        ec.presence_of_element_located((By.XPATH, "//*[normalize-space(.)='Entry published']"))
    )


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The repository after a marketer published a page in the admin."""
    tmp = tmp_path_factory.mktemp("marketer")
    repo = _repository(tmp)
    proxy = free_port()
    server = _decap_server(repo, proxy, tmp / "decap-server.log")
    admin_build = tmp / "admin-site"
    try:
        build(
            admin_build,
            form_endpoint="http://127.0.0.1:9",
            source=repo / "site",
            cms=CmsTarget("acme/spikeproof", local_backend=f"http://127.0.0.1:{proxy}/api/v1"),
        )
        static = admin_server(admin_build, 0, quiet=True)
        threading.Thread(target=static.serve_forever, daemon=True).start()
        port = static.server_address[1]
        driver = chrome(tmp / "profile", window_size="1400,1000")
        try:
            # The local backend answers only an admin on localhost (Decap's isLocalhost check).
            _publish_in_the_admin(driver, f"http://localhost:{port}/admin/")
        except Exception:
            driver.save_screenshot(str(tmp / "admin.png"))
            console = driver.get_log("browser") if hasattr(driver, "get_log") else []
            pytest.fail(f"the admin did not publish ({tmp / 'admin.png'}): {console[-5:]}")
        finally:
            driver.quit()
            static.shutdown()
            static.server_close()
    finally:
        stop_process(server)
    yield repo


def test_the_published_page_lands_on_main_as_a_reviewed_commit(published: Path) -> None:
    assert _git(published, "branch", "--list", "cms/*").strip() == "", "the draft branch merged"
    log = _git(published, "log", "--format=%s", "main")
    assert log.splitlines()[0].startswith("Create Campaign page"), log
    text = (published / "site" / "content" / "campaigns" / f"{SLUG}.md").read_text()
    front = yaml.safe_load(text.split("---\n")[1])
    assert front["type"] == "campaign" and front["form"] == "signup"
    assert front["title"] == "Summer sale: 30% off"
    assert str(front["publishDate"]).startswith("2026-01-01")
    assert "**everything**" in text


@pytest.fixture(scope="module")
def served(
    published: Path, tmp_path_factory: pytest.TempPathFactory, moto_endpoint: str
) -> Iterator[tuple[str, LocalForms, Path]]:
    tmp = tmp_path_factory.mktemp("visitor")
    port = free_port()
    origin = f"http://127.0.0.1:{port}"
    front = LocalForms(moto_endpoint, origins=[origin]).start()
    site = stack_settings("prod").site
    assert site is not None
    try:
        build(tmp / "www", form_endpoint=front.url, source=published / "site")
        with serve_workerd(tmp / "www", tmp / "run", site.asset_config(),
                           site.compatibility_date, port):  # fmt: skip
            yield origin, front, tmp / "www"
    finally:
        front.stop()


def test_the_built_page_is_static_and_its_content_is_cleaned(
    served: tuple[str, LocalForms, Path],
) -> None:
    page = (served[2] / "campaigns" / SLUG / "index.html").read_text()
    assert "<strong>everything</strong>" in page
    assert "<script>alert" not in page, "raw HTML in CMS content is not rendered"
    # The pre-flight's verdict for a campaign landing on the new path (forecast/projection.py).
    spec = stack_settings("prod").edge_rules()
    landing = Request(host=spec.hostnames[0], path=PAGE, query="utm_source=email")
    assert evaluate(edge_rulesets(spec), landing).outcome == "static"


def test_a_visitor_signs_up_on_the_new_page_with_and_without_javascript(
    served: tuple[str, LocalForms, Path], browser: Browser
) -> None:
    origin, front, _ = served
    driver = browser(True)
    driver.get(origin + f"/campaigns/{SLUG}")
    assert driver.current_url.endswith(PAGE)
    assert driver.find_element(By.TAG_NAME, "h1").text == "Summer sale: 30% off"
    _fill(driver, "summer.js@example.org")
    _submit(driver)
    _wait(
        driver,
        lambda d: (
            d.find_element(By.ID, "signup-status").get_attribute("data-outcome") == "accepted"
        ),
        "the sign-up from the new page was not accepted",
    )
    nojs = browser(False)
    nojs.get(origin + PAGE)
    _fill(nojs, "summer.nojs@example.org")
    _submit(nojs)
    _wait(nojs, lambda d: "/campaigns/thank-you/" in d.current_url, "no thank-you page")

    class Stand:  # _listed_once reads the front through .front
        pass

    stand = Stand()
    stand.front = front  # type: ignore[attr-defined]
    _listed_once(stand, "summer.js@example.org")  # type: ignore[arg-type]
    _listed_once(stand, "summer.nojs@example.org")  # type: ignore[arg-type]
