"""docs/first-deploy.md lists, for the deploy role, every AWS service the plans create resources in:
a plan that starts using a new service fails here until the walkthrough names it."""

from __future__ import annotations

import re

import pytest

from settings.files import ROOT

DOC = ROOT / "docs" / "first-deploy.md"
# pulumi-aws module -> IAM service prefix (where they differ, the IAM prefix is the service's).
PREFIX = {
    "vpc": "ec2",
    "lb": "elasticloadbalancing",
    "apigatewayv2": "apigateway",
    "sesv2": "ses",
}


def _listed() -> set[str]:
    section = DOC.read_text().split("### The deploy role's permissions", 1)[1].split("\n###", 1)[0]
    return set(re.findall(r"^\| `([a-z0-9-]+)` \|", section, flags=re.M))


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_the_deploy_role_covers_every_service_in_the_plan(plan, stack: str) -> None:  # type: ignore[no-untyped-def]
    modules = {
        r.type.split(":")[1].split("/")[0]
        for r in plan(stack).resources
        if r.type.startswith("aws:")
    }
    needed = {PREFIX.get(m, m) for m in modules}
    # CloudWatch Logs groups are `aws:cloudwatch/logGroup`, a different IAM service.
    if any(r.type == "aws:cloudwatch/logGroup:LogGroup" for r in plan(stack).resources):
        needed.add("logs")
    missing = sorted(needed - _listed())
    assert not missing, f"docs/first-deploy.md's deploy role lacks {missing} ({stack} uses them)"


def test_the_list_is_read_from_the_doc() -> None:
    """The check can fail: the table is found and holds the services by their IAM prefix."""
    listed = _listed()
    assert {"rds", "ec2", "elasticloadbalancing", "chatbot", "logs"} <= listed, listed


def _token_rows() -> dict[str, str]:
    """Each resource type (and `Ruleset <phase>`) the token table covers -> its permission."""
    section = DOC.read_text().split("### The Cloudflare API token's permissions", 1)[1]
    section = section.split("\n###", 1)[0]
    covered: dict[str, str] = {}
    for permission, _scope, types in re.findall(
        r"^\| ([A-Z][\w ]+) \| (zone|account) \| (.+) \|$", section, flags=re.M
    ):
        names = re.findall(r"`([\w]+)`", types)
        if names[:1] == ["Ruleset"]:
            for phase in names[1:]:
                covered[f"Ruleset {phase}"] = permission
        else:
            for name in names:
                covered[name] = permission
    return covered


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_the_cloudflare_token_covers_every_type_and_phase_in_the_plan(plan, stack: str) -> None:  # type: ignore[no-untyped-def]
    result = plan(stack)
    needed = set()
    for r in result.resources:
        if not r.type.startswith("cloudflare:"):
            continue
        short = r.type.rsplit(":", 1)[1]
        needed.add(f"Ruleset {r.input('phase')}" if short == "Ruleset" else short)
    missing = sorted(needed - set(_token_rows()))
    assert not missing, f"docs/first-deploy.md's Cloudflare token table lacks {missing} ({stack})"


def test_the_token_table_is_read_with_the_workers_and_header_permissions() -> None:
    rows = _token_rows()
    assert (
        rows["Worker"] == "Workers Scripts Edit" and rows["WorkersRoute"] == "Workers Routes Edit"
    )
    assert rows["Ruleset http_response_headers_transform"] == "Transform Rules Edit"
    assert rows["ZoneCacheReserve"] == "Zone Settings Edit", rows


@pytest.mark.parametrize("doc", ["docs/first-deploy.md", "README.md"])
def test_the_image_is_pinned_from_aws_before_the_first_preview(doc: str) -> None:
    """The shipped amiId is no image an account can count on: the walkthroughs resolve the
    region's AL2023 image with tools.ami_update before the first preview."""
    text = (ROOT / doc).read_text()
    blocks = "\n".join(re.findall(r"```sh\n(.*?)```", text, flags=re.S))
    pin = blocks.find("tools.ami_update --stack staging --write")
    preview = blocks.find("pulumi preview")
    assert pin != -1 and preview != -1 and pin < preview, doc


def test_the_reader_check_runs_where_the_replicas_admit_it() -> None:
    """Only the fleet's security group reaches the replicas: a check from "a host in the VPC"
    could never pass."""
    text = DOC.read_text()
    assert "From a host inside the VPC" not in text
    assert "aws ssm start-session" in text and "reader.marketing.internal" in text
