"""What the Pulumi CLI resolves around our program and our policy pack, as its Go code does it.

The offline plan and the policy tests must run the pack with the interpreter the real CLI would
use, not with whatever Python runs the tests: a pack whose virtualenv the CLI never finds passed
every test for as long as our own harness chose the interpreter for it (issue 24).

Sources (pulumi/pulumi at 1b5949891b3c, 2026-08-21, just after v3.259.0):
- `sdk/python/toolchain/pip.go` `resolveVirtualEnvironmentPath(root, virtualenv)`: an empty option
  is "no virtualenv"; a relative one is `filepath.Join(root, virtualenv)`; an absolute one is kept.
- Root of a program: the folder of Pulumi.yaml (`pkg/engine/deployment.go` ProjectInfoContext,
  `plugin.NewContextWithRoot(..., projinfo.Root)`); the program runs from its `main` folder.
- Root of a local policy pack: the pack's own folder, made absolute
  (`sdk/go/common/resource/plugin/plugin.go` newPlugin: `NewProgramInfo(pluginDir, pluginDir, ".",
  runtimeInfo.Options())`).
- The language host's `RunPlugin` (`sdk/python/cmd/pulumi-language-python/main.go`, since v3.221)
  starts an analyzer as `<venv>/bin/python -u -m pulumi.policy <engine> <pack dir>` in the pack's
  folder, with the virtualenv activated (`PATH` prepended, `VIRTUAL_ENV` set, `PYTHONHOME`
  dropped); without a `virtualenv` option it runs `PULUMI_PYTHON_CMD`, else `python3`, else
  `python` from `PATH`. It neither validates nor creates the virtualenv, and the engine's
  `loadPolicyPlugins` (`pkg/engine/update.go`) installs nothing for a local pack: only
  `pulumi install` run in the pack's folder (or `make venv` here) does.
- For a program, `GetRequiredPackages` calls `EnsureVenv`, which creates a missing virtualenv from
  `requirements.txt` in the program's folder; so the program's side works on a bare clone too, but
  the plan and the tests use the one `make venv` builds.

Deliberately not modelled: the uv and poetry toolchains (neither file uses them; a file that names
one is refused here rather than resolved by a rule we have not read), and Windows' `Scripts\\`.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from settings.errors import ConfigErrors
from settings.files import load_mapping

PROJECT_FILE = "Pulumi.yaml"
POLICY_FILE = "PulumiPolicy.yaml"


class RuntimeResolutionError(Exception):
    """The CLI would not be able to run this program or pack with the files as they are."""


@dataclass(frozen=True)
class PythonRuntime:
    """The interpreter the CLI runs for a Python program or pack, and where it runs it."""

    project_file: Path
    root: Path
    """The folder a relative `virtualenv` is joined onto."""
    virtualenv: Path | None
    """None: no `virtualenv` option, so the ambient Python (PULUMI_PYTHON_CMD, python3, python)."""

    def python(self, environ: Mapping[str, str] | None = None) -> Path:
        """The interpreter, checked to exist; a missing one is the error the user must act on."""
        env = os.environ if environ is None else environ
        if self.virtualenv is None:
            for name in (env.get("PULUMI_PYTHON_CMD"), "python3", "python"):
                found = shutil.which(name, path=env.get("PATH")) if name else None
                if found:
                    return Path(found)
            raise RuntimeResolutionError(
                f"{self.project_file}: no virtualenv is set and no python3 or python is on PATH"
            )
        python = self.virtualenv / "bin" / "python"
        if not python.exists():
            raise RuntimeResolutionError(
                f"{self.project_file}: runtime.options.virtualenv resolves to {self.virtualenv} "
                f"(joined onto {self.root}, as the Pulumi CLI's resolveVirtualEnvironmentPath "
                f"does), which has no bin/python. Create it with `make venv` (or run "
                f"`pulumi install` in {self.root}) before `pulumi preview` or `pulumi up`."
            )
        return python

    def environment(self, base: Mapping[str, str] | None = None) -> dict[str, str]:
        """The child's environment with the virtualenv activated as the CLI's
        `ActivateVirtualEnv` does (sdk/python/toolchain/python.go)."""
        env = dict(os.environ if base is None else base)
        if self.virtualenv is None:
            return env
        env.pop("PYTHONHOME", None)
        env["VIRTUAL_ENV"] = str(self.virtualenv)
        bin_dir = str(self.virtualenv / "bin")
        env["PATH"] = bin_dir + (os.pathsep + env["PATH"] if env.get("PATH") else "")
        return env


def resolve_virtualenv_path(root: Path, virtualenv: str) -> Path | None:
    """pip.go `resolveVirtualEnvironmentPath`, line for line."""
    if virtualenv == "":
        return None
    path = Path(virtualenv)
    if not path.is_absolute():
        return root / path
    return path


def _runtime_options(project_file: Path) -> Mapping[str, Any]:
    # Read with the CLI's YAML rules (yaml.v3), as the stack files are.
    try:
        document = load_mapping(project_file, label=str(project_file), shape="a YAML mapping")
    except (OSError, ConfigErrors) as error:
        raise RuntimeResolutionError(f"{project_file}: cannot be read: {error}") from None
    runtime = document.get("runtime")
    name: Any
    options: Any
    # `runtime: python` (a string) and `runtime: {name: python, options: {...}}` are both valid
    # (sdk/go/common/workspace/project.go ProjectRuntimeInfo.UnmarshalYAML).
    if isinstance(runtime, str):
        name, options = runtime, {}
    elif isinstance(runtime, dict):
        name, options = runtime.get("name"), runtime.get("options") or {}
    else:
        raise RuntimeResolutionError(f"{project_file}: has no runtime")
    if name != "python":
        raise RuntimeResolutionError(f"{project_file}: runtime is {name!r}, not python")
    if not isinstance(options, dict):
        raise RuntimeResolutionError(f"{project_file}: runtime.options must be a mapping")
    toolchain = options.get("toolchain", "pip")
    if toolchain != "pip":
        raise RuntimeResolutionError(
            f"{project_file}: runtime.options.toolchain is {toolchain!r}; only pip is resolved "
            "here (the uv and poetry toolchains place their environments by other rules)"
        )
    virtualenv = options.get("virtualenv", "")
    if not isinstance(virtualenv, str):
        raise RuntimeResolutionError(f"{project_file}: runtime.options.virtualenv must be text")
    return {"virtualenv": virtualenv}


def program_runtime(project_dir: Path) -> PythonRuntime:
    """The program's interpreter: Pulumi.yaml's virtualenv joined onto Pulumi.yaml's folder."""
    project_file = project_dir.resolve() / PROJECT_FILE
    options = _runtime_options(project_file)
    root = project_file.parent
    return PythonRuntime(project_file, root, resolve_virtualenv_path(root, options["virtualenv"]))


def policy_pack_runtime(pack_dir: Path) -> PythonRuntime:
    """A local pack's interpreter: PulumiPolicy.yaml's virtualenv joined onto the pack's folder.
    The CLI refuses a folder without PulumiPolicy.yaml, and so does this."""
    root = pack_dir.resolve()
    project_file = root / POLICY_FILE
    if not project_file.is_file():
        raise RuntimeResolutionError(
            f"{root}: no {POLICY_FILE}; the Pulumi CLI loads a local policy pack from it"
        )
    options = _runtime_options(project_file)
    return PythonRuntime(project_file, root, resolve_virtualenv_path(root, options["virtualenv"]))
