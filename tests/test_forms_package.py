"""The form functions' zip is deterministic: same code, same bytes; changed code, new hash."""

from __future__ import annotations

import os
import shutil
import zipfile
from pathlib import Path

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
    assert not [n for n in names if not n.endswith(".py")], "only sources belong in forms.zip"
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
