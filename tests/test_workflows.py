"""The CI workflows keep their promises: pinned actions, least privilege, gated and serial deploys.

`make check` also validates them against GitHub's schema and runs zizmor; these tests pin down the
project's own rules, which neither tool knows.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml

from settings.files import ROOT

WORKFLOWS = ROOT / ".github" / "workflows"
PINNED = re.compile(r"^\s*(?:-\s+)?uses:\s+([\w.-]+/[\w./-]+)@([0-9a-f]{40}) # v\d+\.\d+\.\d+\s*$")
STACKS = ("staging", "prod")


def _load(name: str) -> dict[str, Any]:
    data = yaml.safe_load((WORKFLOWS / name).read_text())
    assert isinstance(data, dict), f"{name}: not a mapping"
    return data


def _steps(workflow: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [(job_id, step) for job_id, job in workflow["jobs"].items() for step in job["steps"]]


def _pulumi_steps(workflow: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """The steps that run the program (not `output`, which reads the stack's outputs)."""
    return [
        (job_id, step)
        for job_id, step in _steps(workflow)
        if str(step.get("uses", "")).startswith("pulumi/actions@")
        and step["with"]["command"] != "output"
    ]


ALL = sorted(p.name for p in WORKFLOWS.glob("*.yml"))


def test_the_workflows_exist() -> None:
    assert ALL == [
        "ami-update.yml",
        "campaign-checklist.yml",
        "campaign-request.yml",
        "deploy.yml",
        "drift.yml",
        "pull-request.yml",
    ], ALL


def test_image_updates_are_proposed_by_pull_request_never_deployed() -> None:
    """The fleet's image is pinned; the weekly job rewrites fleet.amiId on a branch and opens a
    pull request, and deploys nothing itself."""
    text = (WORKFLOWS / "ami-update.yml").read_text()
    assert "python -m tools.ami_update --write" in text and "gh pr create" in text
    assert "pulumi/actions" not in text and "pulumi up" not in text


@pytest.mark.parametrize("name", ALL)
def test_every_action_is_pinned_by_full_sha_with_its_release(name: str) -> None:
    for number, line in enumerate((WORKFLOWS / name).read_text().splitlines(), start=1):
        if re.match(r"^\s*(?:-\s+)?uses:", line):
            assert PINNED.match(line), (
                f"{name}:{number}: `uses:` must pin a 40-hex commit SHA followed by "
                f"'# vX.Y.Z', got: {line.strip()}"
            )


def test_one_sha_per_action_across_workflows() -> None:
    seen: dict[str, set[str]] = {}
    for name in ALL:
        for line in (WORKFLOWS / name).read_text().splitlines():
            match = PINNED.match(line)
            if match:
                seen.setdefault(match.group(1), set()).add(match.group(2))
    drifted = {action: shas for action, shas in seen.items() if len(shas) > 1}
    assert not drifted, f"actions pinned to different commits in different workflows: {drifted}"
    assert set(seen) == {
        "actions/checkout",
        "actions/setup-node",
        "actions/setup-python",
        "actions/upload-artifact",
        "aws-actions/configure-aws-credentials",
        "pulumi/actions",
    }, seen


@pytest.mark.parametrize("name", ALL)
def test_least_privilege(name: str) -> None:
    workflow = _load(name)
    assert workflow["permissions"] == {}, f"{name}: workflow-level permissions must be empty"
    for job_id, job in workflow["jobs"].items():
        granted = job.get("permissions")
        assert isinstance(granted, dict), f"{name}:{job_id}: job must declare its permissions"
        # The jobs that push, each to a branch of its own: ami-update proposes an image update,
        # campaign-request the campaign file of a request.
        pushes = name in ("ami-update.yml", "campaign-request.yml")
        # A job that reads no repository (deploy.yml's debounce: it only waits) is granted none.
        expected = ("write",) if pushes else ("read", None)
        assert granted.get("contents") in expected, f"{name}:{job_id}: contents must be read-only"
        writes = {scope for scope, level in granted.items() if level == "write"}
        allowed = {"id-token", "pull-requests", "issues"} | ({"contents"} if pushes else set())
        assert writes <= allowed, f"{name}:{job_id}: unexpected write scopes {writes - allowed}"
        uses_aws = any(
            str(step.get("uses", "")).startswith("aws-actions/configure-aws-credentials@")
            for step in job["steps"]
        )
        assert ("id-token" in writes) == uses_aws, (
            f"{name}:{job_id}: id-token: write exactly when the job assumes an AWS role"
        )


@pytest.mark.parametrize("name", ALL)
def test_checkouts_do_not_persist_credentials(name: str) -> None:
    for job_id, step in _steps(_load(name)):
        if str(step.get("uses", "")).startswith("actions/checkout@"):
            assert step.get("with", {}).get("persist-credentials") is False, (
                f"{name}:{job_id}: checkout must set persist-credentials: false"
            )


@pytest.mark.parametrize("name", ALL)
def test_aws_access_is_oidc_role_assumption_only(name: str) -> None:
    text = (WORKFLOWS / name).read_text()
    assert "aws-access-key-id" not in text and "AWS_SECRET_ACCESS_KEY" not in text, (
        f"{name}: no long-lived AWS keys; assume a role through OIDC"
    )
    for job_id, step in _steps(_load(name)):
        if str(step.get("uses", "")).startswith("aws-actions/configure-aws-credentials@"):
            assert step["with"]["role-to-assume"].startswith("${{ vars."), (
                f"{name}:{job_id}: role-to-assume comes from an environment variable"
            )


def test_pull_requests_gate_then_preview_every_stack_with_its_policy_config() -> None:
    workflow = _load("pull-request.yml")
    check = workflow["jobs"]["check"]
    assert any(step.get("run") == "make check" for step in check["steps"]), "make check missing"
    preview = workflow["jobs"]["preview"]
    assert preview["needs"] == "check"
    assert preview["strategy"]["matrix"]["stack"] == list(STACKS)
    [(_, step)] = _pulumi_steps(workflow)
    assert step["with"]["command"] == "preview"
    assert step["with"]["policyPacks"] == "policies"
    assert step["with"]["policyPackConfigs"] == "policies/config/${{ matrix.stack }}.json"
    assert step["with"]["comment-on-pr"] is True
    assert preview["permissions"].get("pull-requests") == "write", "the preview comment needs it"


def test_deploys_run_staging_then_prod_behind_approval_one_at_a_time() -> None:
    workflow = _load("deploy.yml")
    on = workflow.get("on", workflow.get(True))  # PyYAML reads the bare key `on` as True
    assert on["push"]["branches"] == ["main"]
    jobs = workflow["jobs"]
    assert jobs["prod"]["needs"] == "staging", "prod deploys only after staging succeeded"
    assert jobs["prod"]["environment"] == "production", "prod must wait for its approval"
    for stack in STACKS:
        concurrency = jobs[stack]["concurrency"]
        assert concurrency["group"] == f"deploy-{stack}"
        assert concurrency["cancel-in-progress"] is False, (
            f"deploy.yml:{stack}: an update must never be cancelled half-way"
        )
        steps = [s for s in jobs[stack]["steps"] if str(s.get("uses", "")).startswith("pulumi/")]
        assert [s["with"]["command"] for s in steps] == ["output", "up", "up"]
        for step in steps:
            assert step["with"]["stack-name"].endswith(f"/{stack}")
        for step in steps[1:]:
            assert step["with"]["policyPackConfigs"] == f"policies/config/{stack}.json"


def test_drift_check_is_scheduled_expects_no_changes_and_reports() -> None:
    workflow = _load("drift.yml")
    on = workflow.get("on", workflow.get(True))
    assert on["schedule"], "drift.yml must run on a schedule"
    [(job_id, step)] = _pulumi_steps(workflow)
    assert step["with"]["command"] == "preview"
    assert step["with"]["expect-no-changes"] is True
    assert step["continue-on-error"] is True, "the failure is reported by the next steps"
    steps = workflow["jobs"][job_id]["steps"]
    reporting = [s for s in steps if s.get("if") == "steps.preview.outcome == 'failure'"]
    assert any("gh issue create" in s.get("run", "") for s in reporting), "no issue is opened"
    assert any("exit 1" in s.get("run", "") for s in reporting), "the job must fail visibly"
    assert workflow["jobs"][job_id]["permissions"].get("issues") == "write"


@pytest.mark.parametrize("name", ["deploy.yml", "pull-request.yml", "drift.yml"])
def test_every_pulumi_run_builds_the_static_site_first(name: str) -> None:
    """The program uploads spikeproof:site.directory: every job that runs it builds the site first
    (the repository's own build command when SITE_BUILD_COMMAND is set)."""
    workflow = _load(name)
    for job_id, job in workflow["jobs"].items():
        steps = job["steps"]
        # `output` reads the stack's outputs (the build needs the Turnstile key); it runs nothing.
        pulumi = [
            i
            for i, s in enumerate(steps)
            if str(s.get("uses", "")).startswith("pulumi/") and s["with"]["command"] != "output"
        ]
        if not pulumi:
            continue
        builds = [i for i, s in enumerate(steps) if "make site" in str(s.get("run", ""))]
        assert builds and builds[0] < pulumi[0], f"{name}:{job_id}: no site build before pulumi"
        build = steps[builds[0]]
        assert build["env"]["SITE_BUILD"] == "${{ vars.SITE_BUILD_COMMAND }}"


def test_one_workflow_does_every_update_so_a_waiting_deploy_is_always_the_newest() -> None:
    """GitHub keeps one running and one waiting job per concurrency group and cancels the waiting
    one when another is queued, from whichever workflow. Two workflows sharing a stack's group
    let an older commit's run replace a newer one's waiting deploy: so every `pulumi up` (code,
    site, CMS publish) is in deploy.yml, and no other workflow's job is in its groups."""
    ups: dict[str, set[str]] = {}
    groups: dict[str, set[str]] = {}
    for name in ALL:
        workflow = _load(name)
        for job in workflow["jobs"].values():
            group = (job.get("concurrency") or {}).get("group")
            if group:
                groups.setdefault(str(group), set()).add(name)
        for _, step in _pulumi_steps(workflow):
            if step["with"]["command"] in ("up", "destroy", "refresh"):
                stack = step["with"]["stack-name"].rsplit("/", 1)[1]
                ups.setdefault(stack, set()).add(name)
    assert ups == {stack: {"deploy.yml"} for stack in STACKS}, ups
    for stack in STACKS:
        assert groups[f"deploy-{stack}"] == {"deploy.yml"}, groups


def test_the_cms_publish_and_site_checks_run_through_the_deploy() -> None:
    workflow = _load("deploy.yml")
    on = workflow.get("on", workflow.get(True))
    assert on["repository_dispatch"]["types"] == ["cms-publish"], "the CMS webhook's event"
    assert "workflow_dispatch" in on and on["push"]["branches"] == ["main"]
    assert "paths" not in on["push"], "every commit to main deploys, so none waits behind another"
    jobs = workflow["jobs"]
    runs = [str(s.get("run", "")) for s in jobs["check"]["steps"]]
    assert any("html-validate" in r for r in runs) and any("tools.site_check" in r for r in runs)
    assert jobs["staging"]["needs"] == "check" and jobs["prod"]["needs"] == "staging"
    assert jobs["check"]["needs"] == ["debounce", "dates"]
    for stack in STACKS:
        runs = "\n".join(str(s.get("run", "")) for s in jobs[stack]["steps"])
        assert "html-validate" in runs and "tools.site_check" in runs, (
            f"deploy.yml:{stack}: the build it publishes is checked in the job itself"
        )
        # A replica takes an hour or more to create; a job cut off mid-update leaves pending
        # operations behind.
        assert jobs[stack]["timeout-minutes"] >= 120, f"deploy.yml:{stack}"


def test_campaign_pull_requests_run_the_preflight_and_fail_on_no_go() -> None:
    workflow = _load("campaign-checklist.yml")
    on = workflow.get("on", workflow.get(True))
    assert on["pull_request"]["paths"] == ["campaigns/**"]
    [job] = workflow["jobs"].values()
    text = (WORKFLOWS / "campaign-checklist.yml").read_text()
    assert "tools.campaign_check" in text and "gh pr comment" in text
    assert 'test "$CODE" = 0' in text, "a NO-GO (non-zero) fails the check"
    assert job["permissions"] == {"contents": "read", "pull-requests": "write"}
    owners = (ROOT / ".github" / "CODEOWNERS").read_text()
    assert "/campaigns/ @" in owners, "the platform team reviews campaigns/"


def test_a_campaign_request_becomes_a_checked_pull_request_and_an_answer() -> None:
    """The issue body reaches the converter through the environment and a file, never the
    workflow's expression syntax inside a script; the issue number alone names the branch; the
    pull request is opened with a token whose pull requests run campaign-checklist (the required
    check); the request is answered and labelled with the verdict."""
    workflow = _load("campaign-request.yml")
    on = workflow.get("on", workflow.get(True))
    assert set(on["issues"]["types"]) >= {"opened", "edited"}, "an edit runs everything again"
    [job] = workflow["jobs"].values()
    assert "campaign-request" in job["if"]
    runs = "\n".join(str(step.get("run", "")) for step in job["steps"])
    assert "github.event.issue" not in runs, "issue fields only through env"
    convert = next(s for s in job["steps"] if "tools.campaign_request " in str(s.get("run", "")))
    assert convert["env"]["BODY"] == "${{ github.event.issue.body }}"
    assert "printf '%s' \"$BODY\" >" in convert["run"]
    assert "tools.campaign_check" in runs and "--json" in runs
    assert "tools.campaign_request_answer" in runs and "--add-label" in runs
    pr = next(s for s in job["steps"] if "gh pr create" in str(s.get("run", "")))
    assert pr["env"]["GH_TOKEN"] == "${{ secrets.CAMPAIGN_REQUEST_TOKEN }}", (
        "a pull request opened with GITHUB_TOKEN would not run campaign-checklist"
    )
    assert 'branch="campaign-request/$ISSUE"' in pr["run"]
    checklist = _load("campaign-checklist.yml")
    on = checklist.get("on", checklist.get(True))
    assert on["pull_request"]["paths"] == ["campaigns/**"], "the request's pull request runs it"


def test_pull_requests_get_a_cost_diff_of_every_stack() -> None:
    """Infracost's pull-request comment, for this program: each stack priced offline on the base
    commit and on the head, the diff posted as one comment; no cloud credentials."""
    job = _load("pull-request.yml")["jobs"]["cost"]
    assert job["permissions"] == {"contents": "read", "pull-requests": "write"}
    script = "\n".join(str(step.get("run", "")) for step in job["steps"])
    assert "python -m tools.cost" in script and "--diff" in script and "$BASE_SHA" in script
    stacks = sorted(p.name[len("Pulumi.") : -len(".yaml")] for p in ROOT.glob("Pulumi.*.yaml"))
    loop = next(line for line in script.splitlines() if line.strip().startswith("for stack in"))
    assert set(loop.split(" in ", 1)[1].removesuffix("; do").split()) == set(stacks), (loop, stacks)


def test_a_burst_of_cms_publishes_is_one_build_and_pages_expire_hourly() -> None:
    """GitHub's concurrency (docs, "Using concurrency"): with cancel-in-progress, a newly queued
    run cancels the one in progress, so of a burst of cms-publish runs only the last one gets past
    the wait; every later job names its needs' results, because a job whose ancestor was skipped
    (the debounce, on a push) is otherwise skipped too (actions/runner#491)."""
    workflow = _load("deploy.yml")
    on = workflow.get("on", workflow.get(True))
    assert [s["cron"] for s in on["schedule"]] == ["17 * * * *"], "expiry needs a rebuild"
    jobs = workflow["jobs"]
    debounce = jobs["debounce"]
    assert debounce["if"] == "github.event_name == 'repository_dispatch'"
    assert debounce["concurrency"] == {"group": "cms-publish-debounce", "cancel-in-progress": True}
    assert any("sleep" in str(s.get("run", "")) for s in debounce["steps"])
    assert debounce["permissions"] == {}, "it waits; it needs nothing"
    # cancelled() is about the whole run; a job cancelled by its concurrency group leaves the run
    # going, with that job's result `cancelled`: only a named result stops the superseded run.
    guard = " ".join(jobs["check"]["if"].split())
    assert "(needs.debounce.result == 'success' || needs.debounce.result == 'skipped')" in guard
    assert "!cancelled()" in guard
    dates = jobs["dates"]
    assert dates["if"] == "github.event_name == 'schedule'"
    assert "tools.site_dates" in str(dates["steps"][-1]["run"])
    assert "needs.dates.outputs.changed == 'true'" in guard, "an hour with no date deploys nothing"
    assert "needs.check.result == 'success'" in jobs["staging"]["if"]
    assert "needs.staging.result == 'success'" in jobs["prod"]["if"]


def test_the_site_is_built_with_the_stacks_turnstile_key_and_again_if_the_update_made_it() -> None:
    jobs = _load("deploy.yml")["jobs"]
    for stack in STACKS:
        steps = jobs[stack]["steps"]
        ids = {s.get("id"): i for i, s in enumerate(steps) if s.get("id")}
        assert steps[ids["before"]]["with"]["command"] == "output"
        [build] = [s for s in steps if "make site" in str(s.get("run", "")) and "id" not in s]
        assert (
            build["env"]["TURNSTILE_SITE_KEY"] == "${{ steps.before.outputs.turnstile_site_key }}"
        )
        rebuild = steps[ids["rebuild"]]
        assert ids["before"] < ids["up"] < ids["rebuild"]
        assert rebuild["if"] == (
            "steps.up.outputs.turnstile_site_key != steps.before.outputs.turnstile_site_key"
        )
        assert "html-validate" in rebuild["run"] and "tools.site_check" in rebuild["run"]
        last = steps[ids["rebuild"] + 1]
        assert (
            last["if"] == "steps.rebuild.outcome == 'success'" and last["with"]["command"] == "up"
        )


@pytest.mark.parametrize(("name", "job"), [("pull-request.yml", "preview"), ("drift.yml", "drift")])
def test_previews_and_drift_build_the_site_as_the_deploy_does(name: str, job: str) -> None:
    """Built without the deployed Turnstile key, the site would differ from what is live: every
    preview would show a new version and the drift check would always report drift."""
    steps = _load(name)["jobs"][job]["steps"]
    ids = {s.get("id"): i for i, s in enumerate(steps) if s.get("id")}
    assert steps[ids["outputs"]]["with"]["command"] == "output"
    [build] = [(i, s) for i, s in enumerate(steps) if "make site" in str(s.get("run", ""))]
    assert build[0] > ids["outputs"]
    key = "${{ steps.outputs.outputs.turnstile_site_key }}"
    assert build[1]["env"]["TURNSTILE_SITE_KEY"] == key
