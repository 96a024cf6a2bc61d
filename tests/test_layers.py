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
    "cms",
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
    # The API CMS (cms/wagtail): a Django project run from its own folder and virtualenv; it
    # imports none of ours.
    "cms": {"cms"},
    "tools": OURS - {"tests", "__main__", "cms"},
}
# Third-party packages a pure layer must not reach for.
IMPURE = ("pulumi", "pulumi_aws", "pulumi_cloudflare", "pulumi_random", "boto3", "botocore")
FORBIDDEN_THIRD_PARTY: dict[str, tuple[str, ...]] = {"model": IMPURE}


_DYNAMIC = {"import_module", "__import__"}


def imported(source: str, *, package: str) -> list[tuple[int, str]]:
    """(line, top-level module) for every import in `source`: statements at any depth, relative
    imports (resolved to `package`), and `importlib.import_module("x.y")` / `__import__("x")` with
    a literal name."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name.split(".")[0]) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            top = package if node.level else (node.module or "").split(".")[0]
            found.append((node.lineno, top))
        elif isinstance(node, ast.Call) and node.args:
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            first = node.args[0]
            if (
                called in _DYNAMIC
                and isinstance(first, ast.Constant)
                and isinstance(first.value, str)
            ):
                found.append((node.lineno, first.value.split(".")[0]))
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


def _ours(folder: Path) -> list[Path]:
    """The Python files under `folder`, not those of a virtualenv in it (policies/venv is the
    pack's own, where the CLI looks for it: tests/test_cli_runtime.py)."""
    venvs = [cfg.parent for cfg in folder.rglob("pyvenv.cfg")]
    return sorted(p for p in folder.rglob("*.py") if not any(p.is_relative_to(v) for v in venvs))


def layer_files() -> list[tuple[str, Path]]:
    files = [("__main__", ROOT / "__main__.py")]
    for layer in ALLOWED:
        if layer != "__main__":
            files += [(layer, p) for p in _ours(ROOT / layer)]
    return files


def test_every_module_imports_only_its_layers() -> None:
    problems = []
    for layer, path in layer_files():
        problems += violations(layer, path.read_text(), str(path.relative_to(ROOT)))
    assert not problems, "layer violations:\n" + "\n".join(problems)


# Top-level folders that hold Python but are not part of the program: the virtualenv, build
# output, the sample consumer (another team's program) and the tests themselves.
NOT_LAYERS = {".venv", ".venv-cms", "build", "examples", "tests", ".git"}


def test_every_python_file_of_ours_has_a_layer() -> None:
    """A new top-level folder or module holding Python must be given a row in ALLOWED, or its
    imports would escape the check (a folder without __init__.py included)."""
    folders = {
        p.relative_to(ROOT).parts[0]
        for p in ROOT.rglob("*.py")
        if len(p.relative_to(ROOT).parts) > 1 and p.relative_to(ROOT).parts[0] not in NOT_LAYERS
    }
    modules = {p.stem for p in ROOT.glob("*.py")}
    unknown = (folders | modules) - set(ALLOWED)
    assert not unknown, f"Python outside every layer: {sorted(unknown)}"


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
        ("model", "import importlib\nm = importlib.import_module('components.fleet')\n"),
        ("settings", "def f():\n    return __import__('tools.plan')\n"),
    ],
)
def test_a_forbidden_import_is_reported(layer: str, source: str) -> None:
    assert violations(layer, source, "example.py"), f"{layer}: {source!r} must be refused"


def test_an_allowed_import_is_not_reported() -> None:
    assert not violations("components", "from settings.fleet import FleetSettings", "x.py")
    assert not violations("tools", "from components.fleet import WebFleet", "x.py")


def test_the_program_stays_composition_under_80_lines() -> None:
    """STYLE.md: __main__.py loads settings, prepares campaigns, builds components and exports,
    in under 80 lines; anything longer is logic that belongs in a component or in settings."""
    lines = (ROOT / "__main__.py").read_text().splitlines()
    assert len(lines) < 80, f"__main__.py has {len(lines)} lines"
