"""Build the form functions' Lambda zip deterministically: `python -m functions.package`.

    python -m functions.package [--out build/forms.zip]

Entries are the `.py` files of functions/forms (no caches, no bytecode), stored under `forms/`,
sorted, with a fixed timestamp (1980-01-01, the zip epoch), fixed permissions and fixed
compression, so unchanged code gives byte-identical zips and the same hash, and Pulumi sees no
diff. boto3 is in the Lambda runtime and Powertools comes from the official public layer
(docs/forms.md explains the choice); the pure-Python libraries the layer lacks (`VENDORED`:
email-validator and the idna it validates domains with) are copied into the zip's root from the
distributions installed here, which requirements-dev.txt pins: their `.py` files and licence
files, nothing compiled, so an x86 laptop builds the same arm64-ready bytes.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import hashlib
import importlib.metadata
import io
import os
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

SOURCE = Path(__file__).resolve().parent / "forms"
FIXED_TIME = (1980, 1, 1, 0, 0, 0)
VENDORED = ("email-validator", "idna")
"""Distributions packaged with the code (not in the Lambda runtime or the Powertools layer).
dnspython, email-validator's third dependency, is left out: it is imported only for
deliverability checks, which the ingest turns off (tests/test_forms_package.py proves the zip
imports without it)."""


@dataclass(frozen=True)
class Package:
    path: Path
    sha256_hex: str
    source_code_hash: str
    """base64 SHA-256, the form Lambda's `source_code_hash` takes."""
    size_bytes: int
    files: tuple[str, ...]


def _files(source: Path) -> list[Path]:
    return sorted(
        (p for p in source.rglob("*.py") if "__pycache__" not in p.parts),
        key=lambda p: p.relative_to(source).as_posix(),
    )


def vendored_files(distributions: tuple[str, ...] = VENDORED) -> list[tuple[str, Path]]:
    """(name in the zip, file on disk) of each distribution's Python sources and licences."""
    out: list[tuple[str, Path]] = []
    for dist_name in distributions:
        try:
            dist = importlib.metadata.distribution(dist_name)
        except importlib.metadata.PackageNotFoundError:
            raise SystemExit(
                f"functions/package.py: {dist_name} is not installed; it is packaged with the "
                "form functions. Run `make venv` (requirements-dev.txt pins it)."
            ) from None
        for entry in dist.files or ():
            rel = entry.as_posix()
            licence = ".dist-info/licenses/" in rel or ".DIST-INFO/LICEN" in rel.upper()
            if rel.startswith("..") or "__pycache__" in rel:
                continue
            if (rel.endswith(".py") and ".dist-info/" not in rel) or licence:
                out.append((rel, Path(str(dist.locate_file(entry)))))
    return sorted(out)


def build(out: Path, source: Path = SOURCE, package: str = "forms") -> Package:
    out.parent.mkdir(parents=True, exist_ok=True)
    names = []
    buffer = io.BytesIO()
    entries = [(f"{package}/{p.relative_to(source).as_posix()}", p) for p in _files(source)]
    entries += vendored_files()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name, path in sorted(entries):
            info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = (
                0o100644 << 16
            )  # regular file, rw-r--r--, whatever the checkout says
            info.create_system = 3  # Unix, so the mode above is honoured everywhere
            # Normalise line endings so a Windows checkout builds the same bytes.
            data = path.read_bytes().replace(b"\r\n", b"\n")
            zf.writestr(info, data, compresslevel=9)
            names.append(name)
    data = buffer.getvalue()
    # A temporary file of this build's own, renamed over `out`: two plans at once in one checkout
    # (an editor's and a developer's, parallel CI steps) each write whole bytes, and the rename is
    # atomic, so neither reads or removes the other's half-written file. The bytes are the same.
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, out)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    digest = hashlib.sha256(data).digest()
    return Package(
        path=out,
        sha256_hex=digest.hex(),
        source_code_hash=base64.b64encode(digest).decode(),
        size_bytes=len(data),
        files=tuple(names),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m functions.package")
    parser.add_argument("--out", type=Path, default=Path("build") / "forms.zip")
    args = parser.parse_args(argv)
    pkg = build(args.out)
    print(f"{pkg.path}  {pkg.size_bytes} bytes  sha256 {pkg.sha256_hex}  ({len(pkg.files)} files)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
