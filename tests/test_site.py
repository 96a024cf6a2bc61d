"""The static site under the mock engine (`spikeproof:site:StaticSite`), its settings, and the
checks the publish pipeline runs on a build (html-validate, the link check)."""

from __future__ import annotations

import base64
import shutil
import subprocess
from pathlib import Path

import pytest

from settings import stack_settings
from settings.files import ROOT
from tools.engine.mockrun import display, is_secret
from tools.site_build import BuildError, build
from tools.site_build import main as site_build_main
from tools.site_check import check
from tools.site_dates import main as site_dates

STACKS = ("staging", "prod")
WORKER = "cloudflare:index/worker:Worker"
VERSION = "cloudflare:index/workerVersion:WorkerVersion"
DEPLOYMENT = "cloudflare:index/workersDeployment:WorkersDeployment"
ROUTE = "cloudflare:index/workersRoute:WorkersRoute"
RULESET = "cloudflare:index/ruleset:Ruleset"
DNS = "cloudflare:index/dnsRecord:DnsRecord"
ROLLBACK = "5a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"


@pytest.mark.parametrize("stack", STACKS)
def test_the_site_is_a_worker_with_its_assets_live_on_its_paths(plan, stack: str) -> None:
    result = plan(stack)
    site = stack_settings(stack).site
    assert site is not None
    (worker,) = result.of_type(WORKER)
    assert worker.input("subdomain") == {"enabled": False, "previewsEnabled": False}, (
        "no workers.dev copy of the site"
    )
    (version,) = result.of_type(VERSION)
    assets = version.input("assets")
    assert assets["config"] == {
        "htmlHandling": site.html_handling,
        "notFoundHandling": site.not_found_handling,
        # The one script runs first only for the CMS sign-in; every page is an asset.
        "runWorkerFirst": ["/admin/oauth/*"],
    }
    assert not Path(assets["directory"]).is_absolute(), "the same path on every checkout"
    uploaded = ROOT / assets["directory"]
    assert (uploaded / "campaigns" / "spring" / "index.html").is_file()
    assert not (uploaded / "_headers").exists() and not (uploaded / "_redirects").exists()
    modules = {m["name"]: m for m in version.input("modules")}
    assert set(modules) == {"_headers", "_redirects", "admin.js"}
    assert version.input("mainModule") == "admin.js"
    assert modules["admin.js"]["contentType"] == "application/javascript+module"
    assert all(modules[m]["contentType"] == "text/plain" for m in ("_headers", "_redirects"))
    assert version.input("bindings") is None, "no OAuth app configured: no client id or secret"
    redirects = base64.b64decode(modules["_redirects"]["contentBase64"]).decode()
    assert "/campaigns/spring-sale /campaigns/spring/ 301" in redirects
    (deployment,) = result.of_type(DEPLOYMENT)
    assert deployment.input("strategy") == "percentage"
    assert deployment.input("versions") == [
        {"percentage": 100.0, "versionId": version.outputs["id"]}
    ]
    routes = sorted(r.input("pattern") for r in result.of_type(ROUTE))
    hosts = stack_settings(stack).edge_rules().hostnames
    assert routes == sorted(f"{h}{p}" for h in hosts for p in ("/campaigns/*", "/admin/*"))
    assert all(r.input("script") == worker.input("name") for r in result.of_type(ROUTE))
    assert result.outputs["site_routes"] == [
        f"{h}{p}" for h in hosts for p in ("/campaigns/*", "/admin/*")
    ]


CLIENT_ID = "Ov23liAbCdEfGhIjKlMn"


def test_the_cms_sign_in_gets_its_client_secret_only_as_a_secret_binding(plan) -> None:
    result = plan(
        "prod",
        {
            "spikeproof:site": {
                "paths": ["/campaigns/*", "/admin/*"],
                "cms": {"repo": "acme/spikeproof", "githubClientId": CLIENT_ID},
            },
            "spikeproof:cmsGithubClientSecret": {"secure": "v1:c2VjcmV0"},
        },
    )
    (version,) = result.of_type(VERSION)
    bindings = {b["name"]: b for b in version.input("bindings")}
    assert bindings["GITHUB_CLIENT_ID"] == {
        "type": "plain_text",
        "name": "GITHUB_CLIENT_ID",
        "text": CLIENT_ID,
    }
    assert bindings["GITHUB_CLIENT_SECRET"]["type"] == "secret_text"
    secret = version.inputs["bindings"]
    assert "offline-plan-secret" not in str(display(secret)), "shown as [secret], never its value"
    assert any(is_secret(b) or is_secret(b.get("text")) for b in _wire(secret)), (
        "the client secret travels as a Pulumi secret"
    )


def _wire(value: object) -> list[dict[str, object]]:
    """The bindings list in wire form, whether the list itself or its items are secret."""
    inner = value["value"] if is_secret(value) else value  # type: ignore[index]
    return list(inner)  # type: ignore[call-overload]


def test_security_headers_on_every_marketing_hostname(plan) -> None:
    result = plan("prod")
    (headers,) = [
        r for r in result.of_type(RULESET) if r.input("phase") == "http_response_headers_transform"
    ]
    (rule,) = headers.input("rules")
    assert rule["action"] == "rewrite"
    for host in stack_settings("prod").edge_rules().hostnames:
        assert f'"{host}"' in rule["expression"]
    sent = rule["actionParameters"]["headers"]
    assert sent["Strict-Transport-Security"]["value"].startswith("max-age=31536000")
    assert all(h["operation"] == "set" for h in sent.values())
    shared = plan("prod", {"edge": {"ownsZoneRulesets": False}})
    assert not [
        r for r in shared.of_type(RULESET) if r.input("phase") == "http_response_headers_transform"
    ]


def test_rolling_back_is_a_config_value_and_no_rebuild(plan) -> None:
    result = plan("prod", {"site": {"liveVersion": ROLLBACK}})
    (deployment,) = result.of_type(DEPLOYMENT)
    assert deployment.input("versions") == [{"percentage": 100.0, "versionId": ROLLBACK}]
    assert result.outputs["site_live_version_id"] == ROLLBACK
    (version,) = result.of_type(VERSION)
    assert result.outputs["site_version_id"] == version.outputs["id"] != ROLLBACK


def test_a_path_moves_back_to_the_fleet_by_one_config_change(plan) -> None:
    moved = plan("prod", {"site": {"paths": ["/campaigns/*", "/admin/*", "/pricing*"]}})
    patterns = {r.input("pattern") for r in moved.of_type(ROUTE)}
    assert "www.acme-marketing.com/pricing*" in patterns
    back = plan("prod", {"site": None})
    assert not back.of_type(ROUTE) and not back.of_type(WORKER)
    assert back.of_type("aws:autoscaling/group:Group"), "the fleet keeps serving"


def test_a_stack_may_run_only_the_static_site(plan) -> None:
    overrides = {
        "fleet": None,
        "campaigns": [],
        "site": {"paths": ["/*"]},
        "edge": {"rateLimits": {"flood": {"requestsPerPeriod": 600}}},
    }
    result = plan("staging", overrides)
    assert not result.of_type("aws:lb/loadBalancer:LoadBalancer") and not result.of_type(
        "aws:autoscaling/group:Group"
    )
    marketing = [r for r in result.of_type(DNS) if r.name.startswith("edge-dns-")]
    assert marketing and all(
        (r.input("type"), r.input("content"), r.input("proxied")) == ("AAAA", "100::", True)
        for r in marketing
    ), "originless hostnames: proxied 100:: records, as Cloudflare documents for Workers routes"
    hosts = stack_settings("staging").edge_rules().hostnames
    assert sorted(r.input("pattern") for r in result.of_type(ROUTE)) == sorted(
        f"{h}/*" for h in hosts
    )


@pytest.mark.parametrize(
    ("stack", "overrides", "key", "words"),
    [
        ("prod", {"site": {"workersDev": True}}, "spikeproof:site.workersDev", "workers.dev"),
        ("staging", {"edge": {"accountId": None}}, "spikeproof:site", "accountId"),
        ("prod", {"site": {"paths": ["/*"]}}, "spikeproof:site.paths", "fleet would serve"),
        ("prod", {"site": {"paths": ["/camp*aigns"]}}, "spikeproof:site.paths", "wildcard"),
        ("prod", {"site": {"paths": []}}, "spikeproof:site.paths", "at least one"),
        ("prod", {"site": {"paths": ["/pricing"]}}, "spikeproof:site.paths", "query string"),
        ("prod", {"site": {"liveVersion": "v2"}}, "spikeproof:site.liveVersion", "version id"),
        ("prod", {"site": {"htmlHandling": "sometimes"}}, "spikeproof:site.htmlHandling", ""),
        ("prod", {"site": {"directory": "../elsewhere"}}, "spikeproof:site.directory", "inside"),
        ("prod", {"site": {"directory": "build/nothing-here"}}, "spikeproof:site.directory",
         "no built site"),
        ("prod", {"site": {"paths": ["/campaigns/*"]}}, "spikeproof:site.cms", "/admin/"),
        ("prod", {"site": {"cms": {"repo": "spikeproof"}}}, "spikeproof:site.cms.repo",
         "owner/name"),
        ("prod", {"site": {"cms": {"repo": "acme/site", "branch": "a..b"}}},
         "spikeproof:site.cms.branch", "branch name"),
        ("prod", {"site": {"cms": {"repo": "acme/site", "githubClientId": "hunter2"}}},
         "spikeproof:site.cms.githubClientId", "client id"),
        ("prod", {"site": {"cms": {"repo": "acme/site", "githubClientId": "Ov23liAbCdEfGhIjKlMn"}}},
         "spikeproof:cmsGithubClientSecret", "pulumi config set --secret"),
        ("prod", {"cmsGithubClientSecret": "in-the-clear"}, "spikeproof:cmsGithubClientSecret",
         "plain text"),
    ],
)  # fmt: skip
def test_bad_site_config_is_a_clear_error(config_error, stack, overrides, key, words) -> None:  # type: ignore[no-untyped-def]
    rendered = config_error(stack, overrides).render()
    assert key in rendered and words in rendered, rendered


@pytest.mark.parametrize("turnstile", [False, True])
def test_the_built_site_passes_html_validate_and_the_link_check(
    tmp_path: Path, turnstile: bool
) -> None:
    outputs = tmp_path / "outputs.json"
    outputs.write_text('{"turnstile_site_key": "0x4AAAAAAAexample"}' if turnstile else "{}")
    assert site_build_main(["--stack", "prod", "--outputs", str(outputs),
                            "--out", str(tmp_path / "site")]) == 0  # fmt: skip
    assert (tmp_path / "site" / "admin" / "config.yml").is_file(), "prod has the CMS admin"
    npx = ROOT / "node_modules" / ".bin" / "html-validate"
    if not npx.exists():
        pytest.fail("html-validate is not installed: run `make node-deps`")
    run = subprocess.run(
        [str(npx), "--config", str(ROOT / ".htmlvalidate.json"), str(tmp_path / "site")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    broken, skipped = check(tmp_path / "site", ["/campaigns/*", "/admin/*"])
    assert broken == [] and skipped == []
    spring = (tmp_path / "site" / "campaigns" / "spring" / "index.html").read_text()
    assert ('data-sitekey="0x4AAAAAAAexample"' in spring) is turnstile
    assert 'action="https://forms.acme-marketing.com/subscribe"' in spring


def test_the_link_check_finds_a_broken_link(tmp_path: Path) -> None:
    build(tmp_path / "site", form_endpoint="https://forms.acme-marketing.com")
    page = tmp_path / "site" / "campaigns" / "spring" / "index.html"
    page.write_text(
        page.read_text().replace("/campaigns/assets/site.css", "/campaigns/assets/gone.css")
    )
    broken, _ = check(tmp_path / "site", ["/campaigns/*"])
    assert broken == [
        "campaigns/spring/index.html: /campaigns/assets/gone.css: no file, index.html or redirect"
    ]
    _, skipped = check(tmp_path / "site", ["/campaigns/spring*"])
    assert any("served by the fleet" in s for s in skipped)


def test_routes_match_the_whole_url_query_string_included() -> None:
    """Cloudflare's route matching takes the full URL: an exact route misses a tracked link,
    which is why settings accept only patterns ending in `*`."""
    from model.edge_eval import route_matches

    assert route_matches("www.example.com/pricing*", "www.example.com", "/pricing", "utm=x")
    assert not route_matches("www.example.com/pricing", "www.example.com", "/pricing", "utm=x")
    assert route_matches("www.example.com/pricing", "www.example.com", "/pricing")
    assert route_matches("*.example.com/*", "go.example.com", "/x")
    assert not route_matches("www.example.com/campaigns/*", "www.example.com", "/campaigns")


HSTS_SUB = {"Strict-Transport-Security": "max-age=31536000; includeSubDomains"}


@pytest.mark.parametrize(
    "value",
    [
        "max-age=31536000; includeSubDomains",
        "max-age=63072000; preload",
        "MAX-AGE=1; INCLUDESUBDOMAINS",
    ],
)
def test_hsts_binding_the_whole_zone_from_its_apex_needs_confirming(
    config_error, value: str
) -> None:  # type: ignore[no-untyped-def]
    """Prod serves its apex (acme-marketing.com): includeSubDomains there binds every host of the
    zone to HTTPS for a year, also hosts this stack does not own."""
    rendered = config_error(
        "prod", {"site": {"securityHeaders": {"Strict-Transport-Security": value}}}
    ).render()
    assert "site.securityHeaders.Strict-Transport-Security" in rendered, rendered
    assert "acme-marketing.com" in rendered and "hstsCoversZone" in rendered, rendered


def test_hsts_for_the_zone_is_a_deliberate_choice(plan) -> None:  # type: ignore[no-untyped-def]
    result = plan("prod", {"site": {"securityHeaders": HSTS_SUB, "hstsCoversZone": True}})
    (ruleset,) = [
        r for r in result.of_type("cloudflare:index/ruleset:Ruleset")
        if r.input("phase") == "http_response_headers_transform"
    ]  # fmt: skip
    headers = ruleset.input("rules")[0]["actionParameters"]["headers"]
    assert headers["Strict-Transport-Security"]["value"] == HSTS_SUB["Strict-Transport-Security"]


def test_the_default_hsts_binds_only_the_hosts_that_send_it(plan) -> None:  # type: ignore[no-untyped-def]
    (ruleset,) = [
        r for r in plan("prod").of_type("cloudflare:index/ruleset:Ruleset")
        if r.input("phase") == "http_response_headers_transform"
    ]  # fmt: skip
    value = ruleset.input("rules")[0]["actionParameters"]["headers"]["Strict-Transport-Security"]
    assert "includesubdomains" not in value["value"].lower(), value


def _flash_sale(tmp_path: Path) -> Path:
    """The site's source with a page live from 2027-03-01 09:00 to 2027-03-02 09:00 UTC."""
    source = tmp_path / "source"
    shutil.copytree(ROOT / "site", source)
    (source / "content" / "campaigns" / "flash.md").write_text(
        "---\ntype: campaign\ntitle: Flash sale\nform: signup\n"
        "publishDate: 2027-03-01T09:00:00Z\nexpiryDate: 2027-03-02T09:00:00Z\n---\nOne day.\n"
    )
    return source


def test_a_page_is_built_from_its_publish_date_until_its_expiry_date(tmp_path: Path) -> None:
    """Hugo leaves out a page before its publishDate and after its expiryDate (site/hugo.toml),
    as of the build's clock: the hourly build in deploy.yml is what takes it down."""
    source = _flash_sale(tmp_path)
    live = {}
    for now in ("2027-03-01T08:59:00Z", "2027-03-01T12:00:00Z", "2027-03-02T09:01:00Z"):
        out = tmp_path / now
        build(out, form_endpoint="https://forms.acme-marketing.com", source=source, now=now)
        live[now] = (out / "campaigns" / "flash" / "index.html").is_file()
    assert live == {
        "2027-03-01T08:59:00Z": False,
        "2027-03-01T12:00:00Z": True,
        "2027-03-02T09:01:00Z": False,
    }


def test_a_page_hugo_cannot_build_is_a_clear_error_naming_it(tmp_path: Path) -> None:
    source = tmp_path / "source"
    shutil.copytree(ROOT / "site", source)
    (source / "content" / "campaigns" / "typo.md").write_text(
        "---\ntype: campaign\ntitle: Typo\nform: sign-up-form\n---\n"
    )
    with pytest.raises(BuildError, match=r"typo\.md.*form \"sign-up-form\" is not in"):
        build(tmp_path / "www", form_endpoint="https://forms.acme-marketing.com", source=source)


def test_the_hourly_run_deploys_only_when_a_page_date_passed(tmp_path: Path) -> None:
    """tools/site_dates reads the dates as Hugo does (`hugo list all`) and answers whether one
    passed in the last 65 minutes: deploy.yml's scheduled run asks prod for nothing otherwise."""
    source = _flash_sale(tmp_path)
    answers = {}
    for now in ("2027-03-01T09:17:00Z", "2027-03-01T11:17:00Z", "2027-03-02T09:40:00Z"):
        out = tmp_path / f"out-{now}"
        assert site_dates(["--now", now, "--source", str(source), "--github-output", str(out)]) == 0
        answers[now] = out.read_text()
    assert answers == {
        "2027-03-01T09:17:00Z": "changed=true\n",
        "2027-03-01T11:17:00Z": "changed=false\n",
        "2027-03-02T09:40:00Z": "changed=true\n",
    }
    assert site_dates(["--now", "tomorrow", "--source", str(source)]) == 2
