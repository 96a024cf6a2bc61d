"""What the real Pulumi CLI does around the program: the virtualenvs it resolves from Pulumi.yaml
and PulumiPolicy.yaml exist after the README's setup and import what each runtime needs, every
workflow that runs the pack creates its virtualenv first, and our own harness starts the pack with
the interpreter the CLI would use, so a pack the CLI cannot start cannot pass here (issue 24).

The resolution rules and their sources are in tools/engine/cli.py (pulumi/pulumi pip.go
resolveVirtualEnvironmentPath, plugin.go newPlugin, the language host's RunPlugin)."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement

from settings.files import ROOT
from tools.engine.analyzer import POLICY_DIR, AnalyzerError, PolicyPackProcess
from tools.engine.cli import (
    PythonRuntime,
    RuntimeResolutionError,
    policy_pack_runtime,
    program_runtime,
    resolve_virtualenv_path,
)

WORKFLOWS = ROOT / ".github" / "workflows"


def _requirements(path: Path) -> list[Requirement]:
    lines = (ln.split("#", 1)[0].strip() for ln in path.read_text().splitlines())
    return [Requirement(ln) for ln in lines if ln and not ln.startswith("-")]


def _installed(runtime: PythonRuntime, requirements: list[Requirement], imports: list[str]) -> str:
    """Asks the runtime's own interpreter for each requirement's installed version and imports the
    modules the CLI runs; returns what is missing or off its pin, empty when nothing is."""
    script = (
        "import importlib, importlib.metadata as m, json, sys\n"
        "names, mods = json.loads(sys.argv[1]), json.loads(sys.argv[2])\n"
        "versions = {}\n"
        "for n in names:\n"
        "    try: versions[n] = m.version(n)\n"
        "    except m.PackageNotFoundError: versions[n] = None\n"
        "errors = {}\n"
        "for mod in mods:\n"
        "    try: importlib.import_module(mod)\n"
        "    except Exception as e: errors[mod] = repr(e)\n"
        "print(json.dumps([versions, errors]))\n"
    )
    done = subprocess.run(
        [
            str(runtime.python()),
            "-c",
            script,
            json.dumps([r.name for r in requirements]),
            json.dumps(imports),
        ],
        capture_output=True,
        text=True,
        env=runtime.environment(),
        cwd=runtime.root,
        check=False,
    )
    if done.returncode != 0:
        return done.stderr.strip()
    versions, errors = json.loads(done.stdout)
    bad = [
        f"{r.name} {versions[r.name] or 'not installed'} (wants {r.specifier})"
        for r in requirements
        if versions[r.name] is None or versions[r.name] not in r.specifier
    ]
    return "; ".join(bad + [f"import {k}: {v}" for k, v in errors.items()])


def test_the_program_virtualenv_is_the_one_make_venv_builds_and_holds_its_requirements() -> None:
    runtime = program_runtime(ROOT)
    assert runtime.virtualenv == ROOT / ".venv", (
        f"Pulumi.yaml's virtualenv resolves to {runtime.virtualenv}; the Makefile builds .venv"
    )
    problems = _installed(runtime, _requirements(ROOT / "requirements.txt"), ["pulumi"])
    assert problems == "", f"Pulumi.yaml's virtualenv {runtime.virtualenv}: {problems}"


def test_the_policy_pack_virtualenv_exists_in_the_pack_folder_and_runs_pulumi_policy() -> None:
    runtime = policy_pack_runtime(POLICY_DIR)
    assert runtime.virtualenv == POLICY_DIR.resolve() / "venv", runtime.virtualenv
    problems = _installed(
        runtime,
        _requirements(POLICY_DIR / "requirements.txt"),
        # RunPlugin runs `python -m pulumi.policy` (the pulumi SDK's module), which runs the
        # pack's __main__.py, which imports pulumi_policy.
        ["pulumi.policy", "pulumi_policy"],
    )
    assert problems == "", f"PulumiPolicy.yaml's virtualenv {runtime.virtualenv}: {problems}"


@pytest.mark.parametrize(
    ("option", "expected"),
    [("", None), ("venv", "/pack/venv"), ("../.venv", "/pack/../.venv"), ("/opt/v", "/opt/v")],
)
def test_relative_virtualenvs_join_the_root_and_absolute_ones_are_kept(
    option: str, expected: str | None
) -> None:
    """pip.go: `filepath.Join(root, virtualenv)` for a relative path; Go's Join also cleans the
    path, which compares equal here once both sides are resolved."""
    got = resolve_virtualenv_path(Path("/pack"), option)
    assert (got.resolve() if got else None) == (Path(expected).resolve() if expected else None)


def test_the_pack_folder_decides_not_the_working_directory(tmp_path: Path) -> None:
    """The CLI joins onto the pack folder; run from elsewhere the answer must not move."""
    here = policy_pack_runtime(POLICY_DIR).virtualenv
    done = subprocess.run(
        [
            str(program_runtime(ROOT).python()),
            "-c",
            "import sys; sys.path.insert(0, sys.argv[1]); from pathlib import Path;"
            "from tools.engine.cli import policy_pack_runtime as p;"
            "print(p(Path(sys.argv[1]) / 'policies').virtualenv)",
            str(ROOT),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=True,
    )
    assert done.stdout.strip() == str(here)


def test_a_pack_whose_virtualenv_is_missing_cannot_start_and_says_how_to_make_it(
    tmp_path: Path,
) -> None:
    (tmp_path / "__main__.py").write_text("raise SystemExit('must never run')\n")
    (tmp_path / "PulumiPolicy.yaml").write_text(
        "runtime:\n  name: python\n  options:\n    toolchain: pip\n    virtualenv: venv\n"
    )
    with pytest.raises(AnalyzerError) as caught:
        PolicyPackProcess(tmp_path).start(stack="prod")
    message = str(caught.value)
    assert str(tmp_path / "venv") in message and "make venv" in message, message


def test_a_folder_without_pulumipolicy_yaml_is_no_pack(tmp_path: Path) -> None:
    (tmp_path / "__main__.py").write_text("")
    with pytest.raises(RuntimeResolutionError, match=r"PulumiPolicy\.yaml"):
        policy_pack_runtime(tmp_path)


def test_our_harness_runs_the_pack_with_the_interpreter_the_cli_resolves() -> None:
    with PolicyPackProcess() as pack:
        assert pack._proc is not None
        argv = Path(f"/proc/{pack._proc.pid}/cmdline").read_bytes().split(b"\0")
        environ = dict(
            item.split(b"=", 1)
            for item in Path(f"/proc/{pack._proc.pid}/environ").read_bytes().split(b"\0")
            if b"=" in item
        )
    runtime = policy_pack_runtime(POLICY_DIR)
    assert argv[0].decode() == str(runtime.python()), argv
    assert argv[1:4] == [b"-u", b"-m", b"pulumi.policy"], argv
    assert environ[b"VIRTUAL_ENV"].decode() == str(runtime.virtualenv)


def _make_dry_run(command: str) -> str:
    """What a workflow's `make ...` step would execute on a fresh runner (-B: nothing built)."""
    words = shlex.split(command)
    assert words[0] == "make", command
    done = subprocess.run(
        ["make", "--dry-run", "--always-make", *words[1:]],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    return done.stdout


def _workflow_jobs() -> list[object]:
    jobs = []
    for path in sorted(WORKFLOWS.glob("*.yml")):
        for job_id, job in yaml.safe_load(path.read_text())["jobs"].items():
            jobs.append(pytest.param(path.name, job_id, job["steps"], id=f"{path.name}:{job_id}"))
    return jobs


@pytest.mark.parametrize(("workflow", "job", "steps"), _workflow_jobs())
def test_every_job_that_runs_the_pack_creates_its_virtualenv_first(
    workflow: str, job: str, steps: list[dict[str, object]]
) -> None:
    """pulumi/actions installs nothing (its README: "no supporting functionality for npm or pip
    installs"); it passes policyPacks to the CLI relative to its work-dir. So an earlier `make`
    step of the same job must create the virtualenv PulumiPolicy.yaml resolves to, and install the
    pack's requirements into it: read from what make would run, not from the step's name."""
    for index, step in enumerate(steps):
        uses = str(step.get("uses", ""))
        with_ = step.get("with") or {}
        assert isinstance(with_, dict)
        if not uses.startswith("pulumi/actions@") or "policyPacks" not in with_:
            continue
        work_dir = ROOT / str(with_.get("work-dir", "./"))
        for pack in re.split(r"[;\n]", str(with_["policyPacks"])):
            if not pack.strip():
                continue
            runtime = policy_pack_runtime(work_dir / pack.strip())
            venv = runtime.virtualenv
            assert venv is not None, f"{workflow}:{job}: {pack} sets no virtualenv"
            earlier = "\n".join(
                _make_dry_run(line.strip())
                for s in steps[:index]
                for line in str(s.get("run", "")).splitlines()
                if line.strip().startswith("make ")
            )
            relative = venv.relative_to(ROOT)
            assert f"-m venv {relative}" in earlier, (
                f"{workflow}:{job}: nothing before the pulumi step creates {relative}, the pack's "
                "virtualenv; the CLI would fail to start the pack"
            )
            requirements = (runtime.root / "requirements.txt").relative_to(ROOT)
            assert (
                f"{relative}/bin/python -m pip install" in earlier and str(requirements) in earlier
            ), f"{workflow}:{job}: {requirements} is never installed into {relative}"


def test_the_readme_deploy_commands_build_both_virtualenvs_before_preview() -> None:
    section = (ROOT / "README.md").read_text().split("## Deploying for real", 1)[1]
    block = section.split("```sh", 1)[1].split("```", 1)[0]
    lines = [ln.split("#", 1)[0].strip() for ln in block.splitlines()]
    setup = next(i for i, ln in enumerate(lines) if ln.startswith("make venv"))
    preview = next(i for i, ln in enumerate(lines) if ln.startswith("pulumi preview"))
    assert setup < preview
    dry = _make_dry_run("make venv")
    for runtime in (program_runtime(ROOT), policy_pack_runtime(POLICY_DIR)):
        assert runtime.virtualenv is not None
        assert f"-m venv {runtime.virtualenv.relative_to(ROOT)}" in dry, dry
