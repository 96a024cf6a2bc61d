"""Ready for the day: quotas against the peak (documented defaults offline, the account's with
--from-aws: moto where it serves them, botocore's Stubber checking requests against the service
models where it does not), lead times against go-live, the waiting room's size, the scorecard,
the change freeze (the tool and the deploy workflow's step), and the chart's edge line."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml
from botocore.stub import Stubber

from forecast.projection import decide, project
from forecast.readiness import Quota, Quotas, readiness, stack_freezes, with_readiness
from model.readiness import EC2_ON_DEMAND_STANDARD_VCPUS
from settings import stack_settings
from settings.campaign import load_campaign
from settings.files import ROOT
from tests.campaign_support import COUPON_KEYED
from tools import freeze, preflight
from tools.quotas import from_aws, vcpus_offline

BEFORE = datetime(2027, 3, 1, tzinfo=UTC)


def _ready(settings: Any, quotas: Quotas | None = None, now: datetime = BEFORE) -> Any:
    campaign = load_campaign("spring-coupon-blast")
    p = project(campaign, settings, "prod", query_ignored=False)
    verdict = decide(p, settings)
    quotas = quotas or Quotas.defaults("eu-west-1")
    return p, verdict, readiness(p, verdict, settings, quotas, now=now, vcpus_of=vcpus_offline)


def test_instance_sizes_come_from_describe_instance_types_data() -> None:
    """moto ships AWS's DescribeInstanceTypes answers: the sizes are AWS's, not a name rule
    (m7g.medium has 1 vCPU, t4g.medium 2)."""
    assert vcpus_offline("m7g.large") == 2
    assert vcpus_offline("m7g.medium") == 1
    assert vcpus_offline("t4g.medium") == 2
    assert vcpus_offline("m7g.4xlarge") == 16
    assert vcpus_offline("no.such") is None


def test_offline_quotas_are_assumed_and_said_to_be() -> None:
    """The blast on the fleet (default cache key): 5 instances x 2 vCPUs against the documented
    5: a finding that asks for the account's value, with the source; the verdict stands."""
    settings = stack_settings("prod", overrides={"spikeproof:site": None})
    _p, _verdict, ready = _ready(settings)
    ec2 = next(q for q in ready.quotas if q.name.startswith("EC2"))
    assert (
        ec2.short and not ec2.quota.read and ec2.quota.value == EC2_ON_DEMAND_STANDARD_VCPUS.value
    )
    assert "L-1216C47A" in ec2.quota.source
    assert "documented default, assumed" in ec2.text()
    assert any("check the account's quota" in f for f in ready.findings)
    assert not any("EC2" in a for a in ready.actions), "an assumed default is no action"


def test_a_quota_read_short_is_an_action_and_too_late_is_no_go() -> None:
    """Read from the account, 4 vCPUs are short: request the increase; with go-live 6 hours
    away, the increase (days) can no longer be had: NO-GO, saying so."""
    settings = stack_settings("prod", overrides={"spikeproof:site": None})
    read = Quota(4, "Service Quotas ec2 L-1216C47A, read from the account", read=True)
    quotas = Quotas.defaults("eu-west-1")
    quotas = Quotas(
        read,
        *(
            getattr(quotas, f)
            for f in ("lambda_concurrency", "api_rps", "ses_day", "ses_rate", "dynamodb_writes")
        ),
    )
    _p, verdict, early = _ready(settings, quotas, now=BEFORE)
    assert any(a.startswith("request a quota increase: EC2") for a in early.actions), early.actions
    assert not early.no_go, "a week ahead, the increase is in time"
    start = load_campaign("spring-coupon-blast").start_utc
    _p, verdict, late = _ready(settings, quotas, now=start - timedelta(hours=6))
    assert late.no_go
    assert any(
        "quota increase requests needs 3 days; go-live is in 6 h" in f for f in late.findings
    )
    assert with_readiness(verdict, late).word == "NO-GO"


def test_the_waiting_room_is_sized_against_the_origin() -> None:
    """With the blast on the fleet, the room's limits are judged against 75% of what the fleet
    carries (Cloudflare's best practice); a stack without a room whose fleet is overloaded gets
    one proposed, and a Pro zone is told it needs Business."""
    settings = stack_settings("prod", overrides=COUPON_KEYED)
    _p, _verdict, ready = _ready(settings)
    # Worked by hand: the fleet at its smallest in the window is the pre-warm prod schedules for
    # the campaign, 5 x 400 req/s = 2,000 req/s; each visit sends one request to the origin
    # (the coupon-keyed landing page; assets and the second page are cached); 75% of
    # 2,000 x 60 / 1 = 90,000 new users a minute; over a 5-minute session, 450,000 active.
    # Prod's room (1,000 a minute, 5,000 active) is well inside both.
    room = "\n".join(ready.room)
    assert "new users per minute 1,000 against 90,000" in room, room
    assert "total active users 5,000 against 450,000" in room, room
    raw = yaml.safe_load((ROOT / "Pulumi.prod.yaml").read_text())["config"]["spikeproof:edge"]
    no_room = {**raw, "waitingRoom": {"enabled": False}, "plan": "enterprise",
               "cache": COUPON_KEYED["spikeproof:edge"]["cache"]}  # fmt: skip
    bare = stack_settings("prod", overrides={**COUPON_KEYED, "spikeproof:edge": no_room})
    rehearsal = load_campaign("spring-coupon-blast")
    assert rehearsal.audience is not None
    bigger = rehearsal.audience.model_copy(update={"size": 6_000_000})
    campaign = rehearsal.model_copy(update={"audience": bigger})
    heavy = project(campaign, bare, "prod", query_ignored=False, max_size=3, windows=[])
    ready = readiness(
        heavy,
        decide(heavy, bare),
        bare,
        Quotas.defaults("eu-west-1"),
        now=BEFORE,
        vcpus_of=vcpus_offline,
    )
    assert heavy.overloaded
    assert any(a.startswith("add a waiting room") for a in ready.actions), ready.actions
    assert any("WaitingRoomEvent" in r and "Enterprise add-on" in r for r in ready.room)


def test_a_static_path_room_is_said_to_guard_nothing_the_origin_feels() -> None:
    _p, _v, ready = _ready(stack_settings("prod"))
    assert any("never reach the origin" in r for r in ready.room), ready.room


class _Stubbed:
    """boto3.client for --from-aws: moto's server for DynamoDB (it serves DescribeTable),
    Stubber-checked clients for Service Quotas, Lambda and SES v2 (moto's server has no EC2 or
    API Gateway quota defaults, answers GetAccountSettings with a 404 and has no SES v2
    GetAccount)."""

    def __init__(self, endpoint: str) -> None:
        self.endpoint = endpoint
        self.stubs: list[Stubber] = []

    def __call__(self, service: str, region_name: str) -> Any:
        keys = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
        if service in ("dynamodb", "ec2"):
            return boto3.client(
                service, region_name=region_name, endpoint_url=self.endpoint, **keys
            )
        client = boto3.client(service, region_name=region_name, **keys)
        stub = Stubber(client)
        if service == "service-quotas":
            for service_code, code, value in (
                ("ec2", "L-1216C47A", 640.0),
                ("apigateway", "L-8A5B8E43", 10000.0),
                ("ec2", "L-34B43A08", 320.0),
            ):
                stub.add_response(
                    "get_service_quota",
                    {"Quota": {"QuotaCode": code, "Value": value}},
                    {"ServiceCode": service_code, "QuotaCode": code},
                )
        elif service == "lambda":
            stub.add_response(
                "get_account_settings",
                {
                    "AccountLimit": {
                        "ConcurrentExecutions": 400,
                        "UnreservedConcurrentExecutions": 345,
                    }
                },
                {},
            )
        elif service == "sesv2":
            stub.add_response(
                "get_account",
                {
                    "SendQuota": {
                        "Max24HourSend": 50000.0,
                        "MaxSendRate": 14.0,
                        "SentLast24Hours": 0.0,
                    }
                },
                {},
            )
        stub.activate()
        self.stubs.append(stub)
        return client


def test_from_aws_reads_the_account(moto_endpoint: str) -> None:
    clients = _Stubbed(moto_endpoint)
    table = "spikeproof-prod-forms-subscribers-warm"
    clients("dynamodb", "eu-west-1").create_table(
        TableName=table,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "email", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "email", "KeyType": "HASH"}],
    )
    warm = from_aws("eu-west-1", table_name=table, client=_Stubbed(moto_endpoint))
    # moto answers a new on-demand table's warm throughput as AWS documents it: 4,000 writes/s.
    assert warm.dynamodb_writes.read and warm.dynamodb_writes.value == 4000
    quotas = from_aws("eu-west-1", table_name="spikeproof-prod-forms-subscribers", client=clients)
    assert quotas.ec2_vcpus.read and quotas.ec2_vcpus.value == 640
    assert quotas.api_rps.read and quotas.ses_rate.value == 14 and quotas.ses_day.read
    assert quotas.lambda_concurrency.read and quotas.lambda_concurrency.value == 400
    assert quotas.ec2_spot_vcpus is not None and quotas.ec2_spot_vcpus.value == 320
    # No such table in the emulator: the documented default stays, and says why.
    assert not quotas.dynamodb_writes.read
    assert "could not be read" in quotas.dynamodb_writes.source
    for stub in clients.stubs:
        stub.assert_no_pending_responses()


def test_a_campaign_sent_through_ses_is_checked_against_its_quota() -> None:
    campaign = load_campaign("spring-coupon-blast").model_copy(update={"send_via": "ses"})
    settings = stack_settings("prod")
    p = project(campaign, settings, "prod")
    ready = readiness(
        p,
        decide(p, settings),
        settings,
        Quotas.defaults("eu-west-1"),
        now=BEFORE,
        vcpus_of=vcpus_offline,
    )
    ses = {q.name.split(" (")[0]: q for q in ready.quotas if q.name.startswith("SES")}
    assert ses["SES sends in 24 h"].needed == 2_000_000 and ses["SES sends in 24 h"].short
    assert ses["SES send rate"].needed == pytest.approx(2_000_000 / (20 * 60))


def test_the_preflight_prints_the_readiness_and_writes_the_scorecard(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    card = tmp_path / "card.md"
    out = tmp_path / "pf.json"
    code = preflight.main(
        ["spring-coupon-blast", "--stack", "prod", "--now", "2027-03-01T00:00:00Z",
         "--scorecard", str(card), "--json", str(out)]
    )  # fmt: skip
    text = capsys.readouterr().out
    assert code == 0, text
    assert "Readiness: account quotas against the peak" in text and "Lead times" in text
    md = card.read_text()
    assert "| Owner (marketing) | ready | growth-team@example.com |" in md
    assert "| On call (engineering) | ready | platform-oncall@example.com |" in md
    assert "| Third parties | ready | Mailchimp (the ESP): volume" in md
    assert "#dashboards/dashboard/spikeproof-prod-campaign-spring-coupon-blast" in md
    assert "from 2027-03-09 07:00 to 2027-03-09 15:00 UTC" in md
    doc = json.loads(out.read_text())
    assert {q["name"].split(" (")[0] for q in doc["readiness"]["quotas"]} >= {
        "EC2 On-Demand vCPUs",
        "Lambda concurrency",
    }
    assert all("startBy" in s for s in doc["readiness"]["timeline"])


def test_the_freeze_covers_each_campaign_and_window() -> None:
    settings = stack_settings("prod")
    names = {f.name for f in stack_freezes(settings, "prod")}
    assert {"spring-coupon-blast", "spring-sale", "black-friday-us"} <= names
    assert freeze.main(["--stack", "prod", "--at", "2027-03-09T08:00:00+00:00"]) == 1
    assert freeze.main(["--stack", "prod", "--at", "2027-03-09T06:59:00+00:00"]) == 0
    assert (
        freeze.main(
            [
                "--stack",
                "prod",
                "--at",
                "2027-03-09T08:00:00+00:00",
                "--override-reason",
                "incident 42",
            ]
        )
        == 0
    )
    assert freeze.main(["--stack", "prod", "--at", "2027-03-09T08:00"]) == 2, "no offset"


def _deploy_step(name: str) -> tuple[list[str], str]:
    job = yaml.safe_load((ROOT / ".github" / "workflows" / "deploy.yml").read_text())["jobs"][
        "prod"
    ]
    steps = [s.get("name") or s.get("uses", "") for s in job["steps"]]
    return steps, next(s["run"] for s in job["steps"] if s.get("name") == name)


def test_the_prod_deploy_stops_in_a_freeze_unless_a_reason_is_given(tmp_path: Path) -> None:
    """The step runs before `pulumi up`, and its script fails when the tool does (no pipe hides
    the exit code): run for real with a stand-in for the venv's python."""
    steps, script = _deploy_step("Change freeze (campaign windows)")
    assert steps.index("Change freeze (campaign windows)") < next(
        i for i, s in enumerate(steps) if s.startswith("pulumi/actions")
    )
    fake = tmp_path / ".venv" / "bin" / "python"
    fake.parent.mkdir(parents=True)
    summary = tmp_path / "summary.md"
    for code in (0, 1):
        fake.write_text(f'#!/bin/sh\necho "freeze: args $*"\nexit {code}\n')
        fake.chmod(0o755)
        env = {**os.environ, "OVERRIDE": "", "GITHUB_STEP_SUMMARY": str(summary)}
        done = subprocess.run(["bash", "-e", "-c", script], cwd=tmp_path, env=env, check=False)
        assert done.returncode == code, f"the step must exit {code} when the tool does"
    assert "--override-reason" in summary.read_text()


def test_the_chart_draws_the_edge_beside_the_origin(tmp_path: Path) -> None:
    chart = tmp_path / "c.svg"
    preflight.main(
        [
            "spring-coupon-blast",
            "--stack",
            "prod",
            "--now",
            "2027-03-01T00:00:00Z",
            "--chart",
            str(chart),
        ]
    )
    svg = chart.read_text()
    assert "edge requests (Cloudflare answers" in svg and "origin demand" in svg


def test_spot_capacity_is_checked_only_against_a_read_quota() -> None:
    """Staging's fleet is spot above one on-demand instance: offline, AWS documents no Spot
    default, so the line asks for the account's; read, it is checked."""
    settings = stack_settings("staging", overrides={"spikeproof:site": None})
    campaign = load_campaign("spring-coupon-blast")
    p = project(campaign, settings, "staging", query_ignored=False)
    verdict = decide(p, settings)
    offline = readiness(
        p, verdict, settings, Quotas.defaults("eu-west-1"), now=BEFORE, vcpus_of=vcpus_offline
    )
    assert any("AWS documents no default for the Spot quota" in f for f in offline.findings)
    read = dataclasses.replace(Quotas.defaults("eu-west-1"), ec2_spot_vcpus=Quota(2, "read", True))
    checked = readiness(p, verdict, settings, read, now=BEFORE, vcpus_of=vcpus_offline)
    spot = next(q for q in checked.quotas if q.name.startswith("EC2 Spot"))
    assert spot.short and any(
        a.startswith("request a quota increase: EC2 Spot") for a in checked.actions
    )


@pytest.mark.parametrize("bad", ["tomorrow", "2027-03-09T06:00"])
def test_a_bad_now_is_invalid_input_not_a_no_go(
    bad: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert preflight.main(["spring-coupon-blast", "--stack", "prod", "--now", bad]) == 3
    err = capsys.readouterr().err
    assert err.startswith(f"preflight: --now '{bad}'") and "Traceback" not in err
