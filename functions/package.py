"""Build the form functions' Lambda zip deterministically: `python -m functions.package`.

    python -m functions.package [--out build/forms.zip]

Entries are the `.py` files of functions/forms (no caches, no bytecode), stored under `forms/`,
sorted, with a fixed timestamp (1980-01-01, the zip epoch), fixed permissions and fixed
compression, so unchanged code gives byte-identical zips and the same hash, and Pulumi sees no
diff. Dependencies are not packaged: boto3 is in the Lambda runtime and Powertools comes from the
official public layer (docs/forms.md explains the choice).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

SOURCE = Path(__file__).resolve().parent / "forms"
FIXED_TIME = (1980, 1, 1, 0, 0, 0)


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


def build(out: Path, source: Path = SOURCE, package: str = "forms") -> Package:
    out.parent.mkdir(parents=True, exist_ok=True)
    names = []
    tmp = out.with_suffix(out.suffix + ".tmp")
    with zipfile.ZipFile(tmp, "w") as zf:
        for path in _files(source):
            name = f"{package}/{path.relative_to(source).as_posix()}"
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
    tmp.replace(out)
    digest = hashlib.sha256(out.read_bytes()).digest()
    return Package(
        path=out,
        sha256_hex=digest.hex(),
        source_code_hash=base64.b64encode(digest).decode(),
        size_bytes=out.stat().st_size,
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
