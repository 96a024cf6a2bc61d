"""The layers of docs/architecture.md, enforced: every import in every module (function-level
imports included), read from the source with `ast`, against what its layer may import.

    __main__.py -> components/ -> forecast/ -> settings/ -> model/
    contracts/  the outputs contract: its export side reads the components
    functions/  code that runs in AWS: imports only functions/
    policies/   the CrossGuard pack, its own process: imports only policies/
    tools/      may import anything; nothing outside tools/ and tests/ imports tools/

model/ is pure: besides the layers, no Pulumi and no AWS SDK.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from settings.files import ROOT

OURS = {
    "__main__",
    "components",
    "contracts",
    "forecast",
    "functions",
    "model",
    "policies",
    "settings",
    "tools",
    "tests",
}
# Each layer and the packages of ours it may import (itself included).
ALLOWED: dict[str, set[str]] = {
    "__main__": {"components", "contracts", "forecast", "settings", "model", "functions"},
    "components": {"components", "forecast", "settings", "model"},
    "contracts": {"contracts", "components", "forecast", "settings", "model"},
    "forecast": {"forecast", "settings", "model"},
    "settings": {"settings", "model"},
    "model": {"model"},
    "functions": {"functions"},
    "policies": {"policies"},
    "tools": OURS - {"tests", "__main__"},
}
# Third-party packages a pure layer must not reach for.
IMPURE = ("pulumi", "pulumi_aws", "pulumi_cloudflare", "pulumi_random", "boto3", "botocore")
FORBIDDEN_THIRD_PARTY: dict[str, tuple[str, ...]] = {"model": IMPURE}


def imported(source: str, *, package: str) -> list[tuple[int, str]]:
    """(line, top-level module) for every import in `source`; relative imports resolve to
    `package`."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name.split(".")[0]) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            top = package if node.level else (node.module or "").split(".")[0]
            found.append((node.lineno, top))
    return found


def violations(layer: str, source: str, where: str) -> list[str]:
    allowed = ALLOWED[layer]
    banned = FORBIDDEN_THIRD_PARTY.get(layer, ())
    out = []
    for line, top in imported(source, package=layer):
        if top in OURS and top not in allowed:
            out.append(f"{where}:{line}: {layer} imports {top} (allowed: {sorted(allowed)})")
        elif top in banned:
            out.append(f"{where}:{line}: {layer} is pure and imports {top}")
    return out


def layer_files() -> list[tuple[str, Path]]:
    files = [("__main__", ROOT / "__main__.py")]
    for layer in ALLOWED:
        if layer != "__main__":
            files += [(layer, p) for p in sorted((ROOT / layer).rglob("*.py"))]
    return files


def test_every_module_imports_only_its_layers() -> None:
    problems = []
    for layer, path in layer_files():
        problems += violations(layer, path.read_text(), str(path.relative_to(ROOT)))
    assert not problems, "layer violations:\n" + "\n".join(problems)


def test_every_package_of_ours_has_a_layer() -> None:
    """A new top-level package must be given a row in ALLOWED, or it would escape the check."""
    packages = {p.parent.name for p in ROOT.glob("*/__init__.py")}
    assert packages <= OURS, f"packages without a layer: {sorted(packages - OURS)}"


@pytest.mark.parametrize(
    ("layer", "source"),
    [
        ("model", "from settings import Settings"),
        ("model", "import pulumi"),
        ("settings", "def f():\n    from forecast.projection import project\n"),
        ("forecast", "from components.fleet import WebFleet"),
        ("components", "import tools.plan"),
        ("policies", "from settings.files import ROOT"),
        ("functions", "from settings import Settings"),
        ("__main__", "from tools.engine.mockrun import run_program"),
    ],
)
def test_a_forbidden_import_is_reported(layer: str, source: str) -> None:
    assert violations(layer, source, "example.py"), f"{layer}: {source!r} must be refused"


def test_an_allowed_import_is_not_reported() -> None:
    assert not violations("components", "from settings.fleet import FleetSettings", "x.py")
    assert not violations("tools", "from components.fleet import WebFleet", "x.py")
