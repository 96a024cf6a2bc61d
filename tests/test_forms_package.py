"""The form functions' zip is deterministic: same code, same bytes; changed code, new hash."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from functions.package import FIXED_TIME, SOURCE, build


def test_unchanged_code_builds_identical_bytes(tmp_path: Path) -> None:
    first = build(tmp_path / "a.zip")
    # Touch every source file: a new mtime must not change the package.
    copy = tmp_path / "src"
    shutil.copytree(SOURCE, copy)
    for path in copy.rglob("*.py"):
        os.utime(path, (1_900_000_000, 1_900_000_000))
    (copy / "__pycache__").mkdir(exist_ok=True)
    (copy / "__pycache__" / "junk.cpython-311.pyc").write_bytes(b"\0junk")
    second = build(tmp_path / "b.zip", source=copy)
    assert first.sha256_hex == second.sha256_hex, (
        "forms.zip: rebuilding unchanged code (new mtimes, a stray __pycache__) changed the hash"
    )
    assert (tmp_path / "a.zip").read_bytes() == (tmp_path / "b.zip").read_bytes()


def test_entries_sorted_fixed_time_and_mode(tmp_path: Path) -> None:
    pkg = build(tmp_path / "forms.zip")
    with zipfile.ZipFile(pkg.path) as zf:
        infos = zf.infolist()
    names = [i.filename for i in infos]
    assert names == sorted(names), f"forms.zip entries not sorted: {names}"
    assert "forms/lambda_ingest.py" in names and "forms/lambda_worker.py" in names
    stray = [n for n in names if not n.endswith(".py") and "/licenses/" not in n]
    assert not stray, f"only sources and vendored licences belong in forms.zip: {stray}"
    assert "email_validator/__init__.py" in names and "idna/uts46data.py" in names
    assert any(n.startswith("idna-") and n.endswith("LICENSE.md") for n in names)
    for info in infos:
        assert info.date_time == FIXED_TIME, f"{info.filename}: timestamp {info.date_time}"
        assert info.external_attr >> 16 == 0o100644, (
            f"{info.filename}: mode {info.external_attr >> 16:o}"
        )


def test_changed_code_changes_the_hash(tmp_path: Path) -> None:
    copy = tmp_path / "src"
    shutil.copytree(SOURCE, copy)
    before = build(tmp_path / "a.zip", source=copy)
    with (copy / "config.py").open("a") as f:
        f.write("\n# changed\n")
    after = build(tmp_path / "b.zip", source=copy)
    assert before.sha256_hex != after.sha256_hex, "forms.zip: a code change did not change the hash"


# Runs in a fresh interpreter: site-packages stays reachable for what the Lambda runtime and the
# Powertools layer provide (boto3, aws_lambda_powertools), and is refused for what the zip must
# carry itself, so a library left out of VENDORED fails here instead of at the first cold start.
_FROM_ZIP_ONLY = """
import importlib.abc, sys
ZIP = sys.argv[1]
class OnlyFromZip(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        top = name.split(".")[0]
        if top in ("email_validator", "idna", "dns"):
            for finder in sys.meta_path:
                if finder is self or not hasattr(finder, "find_spec"):
                    continue
                spec = finder.find_spec(name, path, target)
                if spec is not None:
                    if not (spec.origin or "").startswith(ZIP):
                        raise ImportError(f"{name} imported from {spec.origin}, not the zip")
                    return spec
        return None
sys.meta_path.insert(0, OnlyFromZip())
sys.path.insert(0, ZIP)
import forms.lambda_ingest as entry
answer = entry.handler({"version": "2.0", "routeKey": "POST /subscribe", "rawPath": "/subscribe",
    "headers": {"origin": "https://www.example.com", "content-type": "application/json"},
    "requestContext": {"http": {"method": "POST", "path": "/subscribe", "sourceIp": "1.2.3.4"},
                       "requestId": "r", "stage": "$default"},
    "body": '{"email": "x@Faß.de", "consent": "no"}', "isBase64Encoded": False}, None)
print(answer["statusCode"], sorted(m for m in sys.modules if m.split(".")[0] == "dns"))
"""


def test_the_zip_carries_every_library_the_runtime_and_layer_lack(tmp_path: Path) -> None:
    pkg = build(tmp_path / "forms.zip")
    env = {
        "PATH": os.environ.get("PATH", ""),
        "AWS_DEFAULT_REGION": "us-east-1",
        "QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/q",
        "ALLOWED_ORIGINS": "https://www.example.com",
    }
    run = subprocess.run(
        [sys.executable, "-c", _FROM_ZIP_ONLY, str(pkg.path)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    # 422 (consent), reached through email-validator and idna loaded from the zip; no dnspython.
    assert run.stdout.splitlines()[-1] == "422 []", run.stdout


def test_parallel_builds_into_one_path_all_succeed_with_the_same_bytes(tmp_path: Path) -> None:
    """Two plans at once in one checkout build the same zip: 8 processes racing on one path (one
    shared temporary name made 5 of 8 fail) each finish, and the file is whole."""
    from settings.files import ROOT

    out = tmp_path / "forms.zip"
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "functions.package", "--out", str(out)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(8)
    ]
    results = [(p.wait(), *p.communicate()) for p in procs]
    assert [r[0] for r in results] == [0] * 8, [r[2][-300:] for r in results if r[0]]
    digests = {r[1].split("sha256 ", 1)[1].split()[0] for r in results}
    assert len(digests) == 1, digests
    assert hashlib.sha256(out.read_bytes()).hexdigest() in digests
    assert [p.name for p in tmp_path.iterdir()] == ["forms.zip"], "no temporary file is left"


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_the_tests_run_the_powertools_release_the_layer_holds(stack: str) -> None:
    """The functions import Powertools from AWS's public layer; the suite must exercise that same
    release, or a handler could pass here on an API the deployed layer lacks."""
    import importlib.metadata

    from settings import stack_settings
    from settings.forms import POWERTOOLS_LAYER_RELEASES

    forms = stack_settings(stack).forms
    assert forms is not None
    release = POWERTOOLS_LAYER_RELEASES[forms.powertools_layer_version]
    installed = importlib.metadata.version("aws-lambda-powertools")
    assert installed == release, (
        f"Pulumi.{stack}.yaml deploys layer {forms.powertools_layer_version} ({release}); the "
        f"tests run {installed}: pin aws-lambda-powertools=={release} in requirements-dev.txt"
    )
