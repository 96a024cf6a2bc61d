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
