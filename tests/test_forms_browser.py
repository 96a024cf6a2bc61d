"""The sample landing page in a real browser: headless Chromium signs up, with and without
JavaScript, through the fleet's nginx config and the local form front (`tools.forms_local`).

Chromium and ChromeDriver are Debian's (`make bin-deps`); Selenium drives them through that
ChromeDriver, never downloading one. The page is `examples/site/` built by `tools.site_build`
against the front; Turnstile is the front's offline stand-in with Cloudflare's testing keys. What
is asserted is what the visitor sees (the thank-you page, the error page or the message on the
form) and that the address is stored and handed to the list exactly once.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from settings import stack_settings
from tests.nginx_support import free_port, serve_nginx
from tests.workerd_support import serve_workerd
from tools.forms_local import TEST_SECRET_PASS, LocalForms
from tools.site_build import build

CAMPAIGN = "/campaigns/spring/"


def _binary(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed: run `make bin-deps` (Debian chromium packages)")
    return found


@dataclass(frozen=True)
class Site:
    origin: str
    front: LocalForms


def _site(tmp: Path, moto_endpoint: str, turnstile: bool, server: str = "nginx") -> Iterator[Site]:
    port = free_port()
    origin = f"http://127.0.0.1:{port}"
    front = LocalForms(
        moto_endpoint, origins=[origin], turnstile_secret=TEST_SECRET_PASS if turnstile else None
    ).start()
    try:
        build(
            tmp / "www",
            form_endpoint=front.url,
            turnstile_sitekey="1x00000000000000000000AA" if turnstile else None,
            turnstile_script=f"{front.url}/turnstile/v0/api.js",
        )
        if server == "workerd":
            site = stack_settings("prod").site
            assert site is not None
            with serve_workerd(
                tmp / "www", tmp / "workerd", site.asset_config(), site.compatibility_date, port
            ):
                yield Site(origin=origin, front=front)
        else:
            with serve_nginx(tmp / "www", tmp / "nginx", port):
                yield Site(origin=origin, front=front)
    finally:
        front.stop()


@pytest.fixture(scope="module")
def plain_site(tmp_path_factory: pytest.TempPathFactory, moto_endpoint: str) -> Iterator[Site]:
    yield from _site(tmp_path_factory.mktemp("plain"), moto_endpoint, turnstile=False)


@pytest.fixture(scope="module")
def workerd_site(tmp_path_factory: pytest.TempPathFactory, moto_endpoint: str) -> Iterator[Site]:
    """The static page as Workers Static Assets serves it (wrangler dev), Turnstile on."""
    yield from _site(tmp_path_factory.mktemp("workerd"), moto_endpoint, True, "workerd")


@pytest.fixture(scope="module")
def turnstile_site(tmp_path_factory: pytest.TempPathFactory, moto_endpoint: str) -> Iterator[Site]:
    yield from _site(tmp_path_factory.mktemp("turnstile"), moto_endpoint, turnstile=True)


Browser = Callable[[bool], webdriver.Chrome]


def chrome(
    profile: Path, *, javascript: bool = True, window_size: str | None = None
) -> webdriver.Chrome:
    """Headless Chromium with the flags the machine notes require: no sandbox as root, and
    nothing that reaches out to Google's hosts from a closed network. Its console is kept
    (`get_log("browser")`) for a failing test to show."""
    options = webdriver.ChromeOptions()
    options.binary_location = _binary("chromium")
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        *([f"--window-size={window_size}"] if window_size else []),
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    if not javascript:
        options.add_experimental_option(
            "prefs", {"profile.managed_default_content_settings.javascript": 2}
        )
    driver = webdriver.Chrome(options=options, service=Service(_binary("chromedriver")))
    driver.set_page_load_timeout(20)
    return driver


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Browser]:
    opened: list[webdriver.Chrome] = []

    def open_browser(javascript: bool) -> webdriver.Chrome:
        driver = chrome(tmp_path / f"profile-{len(opened)}", javascript=javascript)
        opened.append(driver)
        return driver

    yield open_browser
    for driver in opened:
        driver.quit()


def _fill(driver: webdriver.Chrome, email: str, name: str = "Ann") -> None:
    driver.find_element(By.ID, "email").send_keys(email)
    driver.find_element(By.ID, "name").send_keys(name)
    driver.find_element(By.ID, "consent").click()


def _submit(driver: webdriver.Chrome) -> None:
    driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()


def _wait(driver: webdriver.Chrome, condition: Callable[[Any], Any], what: str) -> Any:
    try:
        return WebDriverWait(driver, 15).until(condition)
    except Exception:
        pytest.fail(f"{what}; page {driver.current_url}: {driver.page_source[:1500]}")


def _listed_once(site: Site, email: str) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        state = site.front.state()
        stored = [s for s in state["subscribers"] if s["email"] == email]
        if stored and stored[0]["listed"] and state["handed"].get(email) == 1:
            assert len(stored) == 1
            return
        time.sleep(0.2)
    pytest.fail(f"{email} was not stored and listed exactly once: {site.front.state()}")


def _post_without_js(browser: Browser, site: Site, email: str, lands_on: str) -> Any:
    """A visitor with JavaScript off fills the form and posts it; the page it lands on."""
    driver = browser(False)
    driver.get(site.origin + CAMPAIGN)
    _fill(driver, email)
    _submit(driver)
    _wait(driver, lambda d: lands_on in d.current_url, f"no {lands_on} page after the post")
    return driver


def test_without_javascript_the_form_posts_and_lands_on_the_thank_you_page(
    plain_site: Site, browser: Browser
) -> None:
    driver = _post_without_js(browser, plain_site, "No.Script@Example.org", "/thank-you/")
    assert driver.find_element(By.TAG_NAME, "h1").text == "Thanks, you're on the list"
    _listed_once(plain_site, "no.script@example.org")


def test_without_javascript_a_refused_address_lands_on_the_error_page(
    plain_site: Site, browser: Browser
) -> None:
    # The browser's own check passes `a@localhost`; email-validator refuses it (no dot).
    driver = _post_without_js(browser, plain_site, "ann@localhost", "/sign-up-error/")
    assert driver.find_element(By.TAG_NAME, "h1").text == "We could not sign you up"
    assert "error=invalid_email" in driver.current_url and "field=email" in driver.current_url


def test_with_javascript_the_form_signs_up_in_place(plain_site: Site, browser: Browser) -> None:
    driver = browser(True)
    driver.get(plain_site.origin + CAMPAIGN)
    _fill(driver, "With.Script@Example.org")
    _submit(driver)
    status = _wait(
        driver,
        lambda d: d.find_element(By.ID, "signup-status").get_attribute("data-outcome"),
        "no outcome shown on the form",
    )
    assert status == "accepted", driver.find_element(By.ID, "signup-status").text
    assert driver.current_url.endswith(CAMPAIGN), "the enhanced form stays on the page"
    assert "on the list" in driver.find_element(By.ID, "signup-status").text
    _listed_once(plain_site, "with.script@example.org")


def test_with_javascript_and_turnstile_an_error_is_shown_then_a_retry_signs_up(
    turnstile_site: Site, browser: Browser
) -> None:
    driver = browser(True)
    driver.get(turnstile_site.origin + CAMPAIGN)
    _wait(
        driver,
        lambda d: d.find_elements(By.CSS_SELECTOR, 'input[name="cf-turnstile-response"]'),
        "the Turnstile widget did not render its token",
    )
    _fill(driver, "ann@localhost")
    _submit(driver)
    error = _wait(
        driver,
        lambda d: (el := d.find_element(By.ID, "email-error")).is_displayed() and el.text,
        "no error shown beside the email field",
    )
    assert "not valid" in error
    assert driver.find_element(By.ID, "email").get_attribute("aria-invalid") == "true"
    email = driver.find_element(By.ID, "email")
    email.clear()
    email.send_keys("turn.stile@example.org")
    driver.find_element(By.ID, "consent").click()  # form.reset() did not run: re-tick it
    if not driver.find_element(By.ID, "consent").is_selected():
        driver.find_element(By.ID, "consent").click()
    _submit(driver)
    _wait(
        driver,
        lambda d: (
            d.find_element(By.ID, "signup-status").get_attribute("data-outcome") == "accepted"
        ),
        "the corrected sign-up was not accepted",
    )
    _listed_once(turnstile_site, "turn.stile@example.org")


def test_without_javascript_turnstile_cannot_run_and_the_error_page_says_so(
    turnstile_site: Site, browser: Browser
) -> None:
    driver = _post_without_js(
        browser, turnstile_site, "nojs.turnstile@example.org", "/sign-up-error/"
    )
    assert "error=turnstile_required" in driver.current_url
    assert "JavaScript" in driver.find_element(By.TAG_NAME, "noscript").get_attribute("textContent")


def test_the_error_page_says_what_went_wrong_in_its_own_words(
    plain_site: Site, browser: Browser
) -> None:
    """Anyone can link to the error page with any query string: it shows only its own sentence
    for a known code, never the query's `message`."""
    driver = browser(True)
    driver.get(
        plain_site.origin + "/campaigns/sign-up-error/?error=invalid_email&message=Call+us+now"
    )
    problem = _wait(
        driver,
        lambda d: (el := d.find_element(By.ID, "problem")).get_attribute("data-error") and el,
        "the error page did not show the code's sentence",
    )
    assert "email address does not look right" in problem.text and "Call us" not in problem.text
    driver.get(plain_site.origin + "/campaigns/sign-up-error/?error=made_up&message=Call+us+now")
    assert "Call us" not in driver.find_element(By.ID, "problem").text


def test_the_static_page_on_workerd_signs_up_with_and_without_javascript(
    workerd_site: Site, browser: Browser
) -> None:
    """The page a static publish serves (level 3) posts to the form API as the fleet's page
    does: JavaScript on signs up in place; JavaScript off reaches the error page (Turnstile)."""
    driver = browser(True)
    driver.get(workerd_site.origin + "/campaigns/spring")  # the runtime adds the slash
    assert driver.current_url.endswith(CAMPAIGN)
    _wait(
        driver,
        lambda d: d.find_elements(By.CSS_SELECTOR, 'input[name="cf-turnstile-response"]'),
        "the Turnstile widget did not render its token",
    )
    _fill(driver, "static.page@example.org")
    _submit(driver)
    _wait(
        driver,
        lambda d: (
            d.find_element(By.ID, "signup-status").get_attribute("data-outcome") == "accepted"
        ),
        "the sign-up from the static page was not accepted",
    )
    _listed_once(workerd_site, "static.page@example.org")
    nojs = _post_without_js(browser, workerd_site, "static.nojs@example.org", "/sign-up-error/")
    assert nojs.find_element(By.TAG_NAME, "h1").text == "We could not sign you up"
