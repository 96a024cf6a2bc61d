"""The rendered nginx config is checked by the real binary and served on loopback.

nginx comes from `make bin-deps` (Debian's nginx-light). A missing binary FAILS these tests:
skipping would let CI pass without ever checking the config the instances run.
"""

from __future__ import annotations

import http.client
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from model.webserver import (
    BOOT_ALLOWANCE_SECONDS,
    HOOK_HEARTBEAT_SECONDS,
    READY_DEADLINE_SECONDS,
    SITE_SYNC_TIMEOUT_SECONDS,
    CachePolicy,
    SiteSource,
    WebServerConfig,
    render_nginx_conf,
    render_user_data,
)
from tests.nginx_support import CACHE, free_port, nginx_binary, runtime_under, serve_nginx

PAGE_HEADER = "public, max-age=120, s-maxage=1800, stale-while-revalidate=600"
STATIC_HEADER = "public, max-age=31536000, immutable"


def write_site(root: Path) -> None:
    (root / "assets").mkdir(parents=True)
    (root / "api").mkdir()
    (root / "forms").mkdir()
    (root / "index.html").write_text("<h1>home</h1>")
    (root / "pricing.html").write_text("<h1>pricing</h1>")
    (root / "assets" / "app.3f9a1c.css").write_text("body{}")
    (root / "api" / "status.json").write_text('{"ok":true}')
    (root / "forms" / "contact.html").write_text("<form></form>")


@dataclass(frozen=True)
class Served:
    port: int


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    base = tmp_path_factory.mktemp("nginx")
    root = base / "www"
    write_site(root)
    with serve_nginx(root, base) as port:
        yield Served(port=port)


def get(served: Served, path: str, method: str = "GET") -> http.client.HTTPResponse:
    conn = http.client.HTTPConnection("127.0.0.1", served.port, timeout=5)
    conn.request(method, path)
    resp = conn.getresponse()
    resp.read()
    conn.close()
    return resp


def test_nginx_accepts_rendered_config(tmp_path: Path) -> None:
    binary = nginx_binary()
    root = tmp_path / "www"
    root.mkdir()
    conf = tmp_path / "nginx.conf"
    conf.write_text(
        render_nginx_conf(
            WebServerConfig(document_root=str(root), listen_port=free_port(), cache=CACHE),
            runtime_under(tmp_path),
        )
    )
    result = subprocess.run(
        [binary, "-t", "-c", str(conf), "-p", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, f"nginx -t rejected the rendered config: {result.stderr}"
    assert "test is successful" in result.stderr, result.stderr


def test_nginx_rejects_a_broken_config(tmp_path: Path) -> None:
    # Proves the check above can fail: the same file with one brace removed must be refused.
    binary = nginx_binary()
    text = render_nginx_conf(
        WebServerConfig(document_root=str(tmp_path), listen_port=free_port(), cache=CACHE),
        runtime_under(tmp_path),
    )
    conf = tmp_path / "broken.conf"
    conf.write_text(text.rstrip().removesuffix("}"))
    result = subprocess.run(
        [binary, "-t", "-c", str(conf), "-p", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode != 0, "nginx -t accepted a config with an unbalanced brace"


@pytest.mark.parametrize(
    ("path", "status", "cache_control"),
    [
        ("/", 200, PAGE_HEADER),
        ("/pricing", 200, PAGE_HEADER),
        ("/pricing.html", 200, PAGE_HEADER),
        ("/assets/app.3f9a1c.css", 200, STATIC_HEADER),
        ("/healthz", 200, "no-store"),
        ("/api/status.json", 200, "no-store"),
        ("/api/missing", 404, "no-store"),
        ("/forms/contact.html", 200, "no-store"),
        # A form asset must not pick up the static rule's year of caching.
        ("/forms/missing.css", 404, "no-store"),
    ],
)
def test_served_cache_headers(served: Served, path: str, status: int, cache_control: str) -> None:
    resp = get(served, path)
    assert resp.status == status, f"GET {path}: status {resp.status}, expected {status}"
    assert resp.getheader("Cache-Control") == cache_control, (
        f"GET {path}: Cache-Control {resp.getheader('Cache-Control')!r}, expected {cache_control!r}"
    )


def test_missing_page_and_asset_are_not_cacheable(served: Served) -> None:
    for path in ("/nope", "/assets/gone.js"):
        resp = get(served, path)
        assert resp.status == 404, f"GET {path}: expected 404, got {resp.status}"
        assert resp.getheader("Cache-Control") is None, (
            f"GET {path}: a 404 carried Cache-Control {resp.getheader('Cache-Control')!r}; "
            "the edge would cache a missing page"
        )


def test_healthz_body_and_server_tokens(served: Served) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", served.port, timeout=5)
    conn.request("GET", "/healthz")
    resp = conn.getresponse()
    body = resp.read()
    conn.close()
    assert body == b"ok\n", f"/healthz body {body!r}"
    assert resp.getheader("Server") == "nginx", "server_tokens off: no version in Server header"


def test_user_data_is_cloud_config_with_the_same_nginx_conf() -> None:
    config = WebServerConfig(cache=CACHE)
    text = render_user_data(config, SiteSource(s3_uri="s3://site-bucket/marketing/"))
    assert text.startswith("#cloud-config\n"), "cloud-init needs the #cloud-config header"
    doc = yaml.safe_load(text)
    assert doc["packages"] == ["nginx"]
    files = {f["path"]: f for f in doc["write_files"]}
    assert files["/etc/nginx/nginx.conf"]["content"] == render_nginx_conf(config), (
        "user data must carry the rendered conf"
    )
    commands = doc["runcmd"]
    assert commands.index(["nginx", "-t"]) < commands.index(
        ["systemctl", "enable", "--now", "nginx"]
    ), "nginx must be checked before it is enabled"
    assert commands[-1] == ["systemctl", "enable", "--now", "spikeproof-ready"], (
        "the readiness report runs last, after nginx serves"
    )


def test_every_nginx_start_serves_the_current_site() -> None:
    """User data runs once; a warm-pool instance resumes later. The sync is therefore a unit that
    nginx requires at every start, not a one-time boot command, and not nginx's ExecStartPre
    (which ran under nginx's 90 s start timeout)."""
    doc = yaml.safe_load(
        render_user_data(WebServerConfig(cache=CACHE), SiteSource(s3_uri="s3://b/p/"))
    )
    files = {f["path"]: f for f in doc["write_files"]}
    dropin = files["/etc/systemd/system/nginx.service.d/10-site-sync.conf"]["content"]
    assert "ExecStartPre" not in dropin
    assert "Requires=spikeproof-site-sync.service" in dropin
    assert "After=spikeproof-site-sync.service" in dropin
    unit = files["/etc/systemd/system/spikeproof-site-sync.service"]["content"]
    assert "Type=oneshot" in unit and f"TimeoutStartSec={SITE_SYNC_TIMEOUT_SECONDS}" in unit
    assert ["systemctl", "enable", "spikeproof-site-sync"] in doc["runcmd"]
    sync = files["/usr/local/bin/spikeproof-site-sync"]
    assert (
        "aws s3 sync --only-show-errors --delete s3://b/p/ /usr/share/nginx/marketing"
        in sync["content"]
    )
    assert sync["permissions"] == "0755"
    ready = files["/usr/local/bin/spikeproof-ready"]["content"]
    assert "complete-lifecycle-action --lifecycle-hook-name spikeproof-ready" in ready
    assert "http://127.0.0.1:80/healthz" in ready, "ready only once nginx answers its health path"


@pytest.mark.parametrize(
    "path", ["/usr/local/bin/spikeproof-site-sync", "/usr/local/bin/spikeproof-ready"]
)
def test_the_boot_scripts_are_valid_bash(tmp_path: Path, path: str) -> None:
    """Checked by bash itself (`bash -n`), as the instance will run them."""
    doc = yaml.safe_load(
        render_user_data(WebServerConfig(cache=CACHE), SiteSource(s3_uri="s3://b/p/"))
    )
    (script,) = [f["content"] for f in doc["write_files"] if f["path"] == path]
    assert script.startswith("#!/bin/bash\n")
    target = tmp_path / "script.sh"
    target.write_text(script)
    done = subprocess.run(["bash", "-n", str(target)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    broken = tmp_path / "broken.sh"
    broken.write_text(script + 'echo "unterminated\n')
    assert subprocess.run(["bash", "-n", str(broken)], capture_output=True).returncode != 0, (
        "the check must be able to fail"
    )


def test_user_data_is_deterministic_and_skips_sync_for_baked_ami() -> None:
    config = WebServerConfig(cache=CACHE)
    baked = render_user_data(config, SiteSource(s3_uri=None))
    assert baked == render_user_data(WebServerConfig(cache=CACHE), SiteSource(s3_uri=None))
    assert "s3" not in [c[1] for c in yaml.safe_load(baked)["runcmd"] if len(c) > 1]
    assert render_user_data(config, SiteSource(s3_uri="s3://a/b/")) != baked


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"listen_port": 0}, "listen_port"),
        ({"document_root": "site"}, "document_root"),
        ({"no_store_prefixes": ("/api/; evil",)}, "/api/; evil"),
    ],
)
def test_config_rejects_bad_values(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        WebServerConfig(cache=CACHE, **kwargs)  # type: ignore[arg-type]


def test_cache_policy_rejects_negative_lifetime() -> None:
    with pytest.raises(ValueError, match="browser_max_age_seconds"):
        CachePolicy(
            browser_max_age_seconds=-1, edge_max_age_seconds=0, stale_while_revalidate_seconds=0
        )


def test_site_source_requires_s3_uri() -> None:
    with pytest.raises(ValueError, match="s3://"):
        SiteSource(s3_uri="https://bucket.s3.amazonaws.com/site")


def _ready_script() -> str:
    doc = yaml.safe_load(
        render_user_data(WebServerConfig(cache=CACHE), SiteSource(s3_uri="s3://b/p/"))
    )
    (script,) = [f["content"] for f in doc["write_files"] if f["path"].endswith("spikeproof-ready")]
    return script


def _stubs(bin_dir: Path, *, complete_failures: int, states: tuple[str, ...] = ()) -> Path:
    """curl, aws and sleep stand-ins on PATH: IMDS answers, a healthy nginx, a group whose
    complete-lifecycle-action fails `complete_failures` times first, while the instance's
    LifecycleState is each of `states` in turn (then Pending:Wait). Calls are logged."""
    log = bin_dir / "calls.log"
    queue = bin_dir / "states"
    queue.write_text("".join(f"{state}\n" for state in states))
    (bin_dir / "curl").write_text(
        "#!/bin/bash\n"
        f'echo "curl $*" >> {log}\n'
        'case "$*" in *api/token*) echo tok ;; *placement/region*) echo eu-west-1 ;;'
        " *instance-id*) echo i-0abc ;; *) : ;; esac\n"
    )
    (bin_dir / "aws").write_text(
        "#!/bin/bash\n"
        f'echo "aws $*" >> {log}\n'
        'case "$*" in *LifecycleState*)'
        f" s=$(head -n1 {queue}); sed -i 1d {queue}; echo ${{s:-Pending:Wait}} ;;"
        " *describe-auto-scaling-instances*) echo web-asg-1a2b3c4 ;;"
        f" *complete-lifecycle-action*) n=$(grep -c complete-lifecycle {log});"
        f' [ "$n" -gt {complete_failures} ] ;; esac\n'
    )
    (bin_dir / "sleep").write_text("#!/bin/bash\n:\n")
    for tool in ("curl", "aws", "sleep"):
        (bin_dir / tool).chmod(0o755)
    return log


def _run_ready(tmp_path: Path, *, complete_failures: int, states: tuple[str, ...]) -> list[str]:
    """Runs the readiness report against the stand-ins; its complete-lifecycle-action calls."""
    log = _stubs(tmp_path, complete_failures=complete_failures, states=states)
    script = tmp_path / "ready.sh"
    script.write_text(_ready_script())
    env = {"PATH": f"{tmp_path}:/usr/bin:/bin", "HOME": str(tmp_path)}
    done = subprocess.run(
        ["bash", str(script)], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return [c for c in log.read_text().splitlines() if "complete-lifecycle-action" in c]


@pytest.mark.parametrize(
    "states", [("Pending", "Pending", "Pending"), ("Warmed:Pending", "Warmed:Pending")]
)
def test_the_readiness_report_waits_for_an_instance_that_has_not_reached_the_hook(
    tmp_path: Path, states: tuple[str, ...]
) -> None:
    """Called while the instance is still Pending (or Warmed:Pending), the hook's action is not
    open yet and completing it fails: the report keeps trying until the hook waits for it,
    instead of taking "no Wait" for "done" and leaving the hook to abandon the instance."""
    completes = _run_ready(tmp_path, complete_failures=len(states), states=states)
    assert len(completes) == len(states) + 1, completes


@pytest.mark.parametrize("state", ["InService", "Warmed:Stopped", "Pending:Proceed"])
def test_the_readiness_report_stops_once_the_instance_is_past_the_hook(
    tmp_path: Path, state: str
) -> None:
    completes = _run_ready(tmp_path, complete_failures=99, states=(state,))
    assert len(completes) == 1, completes


def test_the_lifecycle_states_the_report_names_are_the_apis() -> None:
    """The states the script matches are LifecycleState values in botocore's model."""
    import botocore.session

    model = botocore.session.get_session().get_service_model("autoscaling")
    states = set(model.shape_for("LifecycleState").enum)
    assert {"Pending", "Warmed:Pending", "Pending:Wait", "Warmed:Pending:Wait"} <= states
    named = set(re.findall(r"^\s+([\w:|*]+)\) ;;$", _ready_script(), flags=re.M)[0].split("|"))
    assert named - {"*:Wait"} <= states, named
    assert {s for s in states if s.endswith(":Wait")} >= {"Pending:Wait", "Warmed:Pending:Wait"}


def test_one_launch_fits_the_hooks_heartbeat() -> None:
    """Boot, the site sync's whole timeout and the readiness deadline end before the hook gives
    up on the instance."""
    total = BOOT_ALLOWANCE_SECONDS + SITE_SYNC_TIMEOUT_SECONDS + READY_DEADLINE_SECONDS
    assert total <= HOOK_HEARTBEAT_SECONDS, (total, HOOK_HEARTBEAT_SECONDS)
    assert 30 <= HOOK_HEARTBEAT_SECONDS <= 7200, "PutLifecycleHook's HeartbeatTimeout range"
    assert f"deadline=$((SECONDS + {READY_DEADLINE_SECONDS}))" in _ready_script()


def test_the_units_pass_systemd_analyze_verify(tmp_path: Path) -> None:
    """systemd's own checker over the units user data writes, with the distribution's units
    (nginx.service included) beneath them: unknown keys, bad values, missing commands and
    ordering problems are its findings, not ours."""
    import shutil

    root = tmp_path / "root"
    shutil.copytree("/usr/lib/systemd/system", root / "usr/lib/systemd/system", symlinks=True)
    doc = yaml.safe_load(
        render_user_data(WebServerConfig(cache=CACHE), SiteSource(s3_uri="s3://b/p/"))
    )
    units = []
    for f in doc["write_files"]:
        target = root / f["path"].lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(f["content"])
        target.chmod(int(f["permissions"], 8))
        if f["path"].endswith(".service"):
            units.append(f["path"])
    (root / "usr/sbin").mkdir(parents=True, exist_ok=True)
    (root / "usr/sbin/nginx").write_text("#!/bin/sh\n")
    (root / "usr/sbin/nginx").chmod(0o755)

    def verify(*names: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["systemd-analyze", "verify", "--man=no", f"--root={root}", *names],
            capture_output=True,
            text=True,
            check=False,
        )

    assert len(units) == 2, units
    done = verify(*units, "nginx.service")
    assert done.returncode == 0 and done.stderr.strip() == "", done.stderr
    sync_unit = root / "etc/systemd/system/spikeproof-site-sync.service"
    sync_unit.write_text(sync_unit.read_text().replace("TimeoutStartSec=", "TimeoutStartSecs="))
    broken = verify("/etc/systemd/system/spikeproof-site-sync.service")
    assert "Unknown key" in broken.stderr, "the check must be able to fail"


@pytest.mark.parametrize("failures", [0, 3])
def test_the_readiness_report_completes_the_hook_retrying_on_errors(
    tmp_path: Path, failures: int
) -> None:
    """Run by bash with stand-ins for curl and the AWS CLI: the hook is completed for this
    instance's group, after retries when the first calls fail."""
    completes = _run_ready(tmp_path, complete_failures=failures, states=())
    assert len(completes) == failures + 1, completes
    assert "--auto-scaling-group-name web-asg-1a2b3c4" in completes[-1]
    assert "--instance-id i-0abc" in completes[-1] and "CONTINUE" in completes[-1]
