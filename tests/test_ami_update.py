"""tools.ami_update: the pinned image is proposed for update, never moved by itself."""

from __future__ import annotations

import pytest

from settings import stack_settings
from settings.files import ROOT
from tools import ami_update


def test_a_newer_image_is_proposed_for_the_stacks_architecture() -> None:
    asked: list[tuple[str, str]] = []

    def resolve(parameter: str, region: str) -> str:
        asked.append((parameter, region))
        return "ami-0fedcba9876543210"

    found = ami_update.proposal("prod", resolve)
    current = stack_settings("prod").fleet.ami_id  # type: ignore[union-attr]
    assert found == ("Pulumi.prod.yaml", current, "ami-0fedcba9876543210")
    assert asked == [(ami_update.PARAMETER.format(arch="arm64"), "eu-west-1")]


def test_a_current_image_is_left_alone() -> None:
    current = stack_settings("staging").fleet.ami_id  # type: ignore[union-attr]
    assert ami_update.proposal("staging", lambda p, r: current) is None


def test_rewrite_moves_only_the_ami_line() -> None:
    text = (ROOT / "Pulumi.prod.yaml").read_text()
    moved = ami_update.rewrite(text, "ami-0fedcba9876543210")
    changed = [(a, b) for a, b in zip(text.splitlines(), moved.splitlines(), strict=True) if a != b]
    assert len(changed) == 1 and changed[0][1].strip() == "amiId: ami-0fedcba9876543210", changed


def test_an_answer_that_is_no_image_id_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    code = ami_update.main(["--stack", "prod"], resolve=lambda p, r: "<html>error</html>")
    assert code == 2 and "not an image id" in capsys.readouterr().err
