"""`python -m tools.campaign_check`: the pre-flight of the campaign pull request."""

from __future__ import annotations

from pathlib import Path

import yaml

from settings.files import ROOT
from tools.campaign_check import main, stacks_referencing


def test_a_campaign_runs_against_the_stacks_that_reference_it_or_prod() -> None:
    assert stacks_referencing("spring-coupon-blast") == ["prod"]
    assert stacks_referencing("not-referenced-anywhere") == ["prod"]


def test_a_go_campaign_passes_with_its_report_and_chart(tmp_path: Path) -> None:
    report, charts = tmp_path / "report.md", tmp_path / "charts"
    code = main([str(ROOT / "campaigns" / "spring-coupon-blast.yaml"), "--report", str(report),
                 "--charts", str(charts)])  # fmt: skip
    text = report.read_text()
    assert code == 0 and "| `spring-coupon-blast` | prod | **GO** |" in text, text
    assert (charts / "spring-coupon-blast-prod.svg").is_file()


def test_a_no_go_campaign_fails_the_check(tmp_path: Path) -> None:
    raw = yaml.safe_load((ROOT / "campaigns" / "spring-coupon-blast.yaml").read_text())
    raw.update(name="reckless", dataAccess="primary-write")
    folder = tmp_path / "campaigns"
    folder.mkdir()
    (folder / "reckless.yaml").write_text(yaml.safe_dump(raw))
    report = tmp_path / "report.md"
    code = main([str(folder / "reckless.yaml"), "--report", str(report)])
    assert code == 2 and "**NO-GO**" in report.read_text()


def test_a_deleted_or_unrelated_file_is_skipped(tmp_path: Path) -> None:
    report = tmp_path / "report.md"
    assert (
        main([str(tmp_path / "campaigns" / "gone.yaml"), "README.md", "--report", str(report)]) == 0
    )
    assert "No campaign file to check." in report.read_text()


def test_the_report_carries_each_check_s_readiness_scorecard() -> None:
    from tools.campaign_check import markdown, run_checks

    checks = run_checks([ROOT / "campaigns" / "spring-coupon-blast.yaml"], None)
    text = markdown(checks)
    assert "#### Readiness scorecard: `spring-coupon-blast` on prod" in text
    assert "| On call (engineering) | ready | platform-oncall@example.com |" in text
