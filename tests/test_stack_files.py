"""Stack and campaign files read as the Pulumi CLI reads them, with every problem named in the
file that was read (issue: stack files read exactly as the CLI reads them)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from settings.errors import ConfigErrors
from settings.files import ROOT
from tools.engine.mockrun import run_program


def _stack_copy(tmp_path: Path, stack: str, edit) -> Path:  # type: ignore[no-untyped-def]
    text = (ROOT / f"Pulumi.{stack}.yaml").read_text()
    path = tmp_path / f"Pulumi.{stack}-candidate.yaml"
    path.write_text(edit(text))
    return path


def _errors(stack: str, config_file: Path) -> ConfigErrors:
    with pytest.raises(ConfigErrors) as caught:
        run_program(stack, config_file=config_file)
    assert getattr(caught.value, "registered", []) == [], "nothing registered before the error"
    return caught.value


def test_a_key_given_twice_is_an_error_with_its_line(tmp_path: Path) -> None:
    path = _stack_copy(
        tmp_path,
        "staging",
        lambda t: t + "  spikeproof:replicas:\n    count: 1\n",
    )
    rendered = _errors("staging", path).render()
    assert path.name in rendered and "'spikeproof:replicas' is given twice" in rendered, rendered
    assert "line" in rendered and "column" in rendered


def test_a_nested_key_given_twice_is_an_error(tmp_path: Path) -> None:
    path = _stack_copy(
        tmp_path,
        "staging",
        lambda t: t.replace("    minSize: ", "    minSize: 3\n    minSize: ", 1),
    )
    rendered = _errors("staging", path).render()
    assert "'minSize' is given twice" in rendered, rendered


def test_messages_name_the_config_file_read_and_it_is_not_its_own_zone_conflict(
    tmp_path: Path,
) -> None:
    """--config-file FILE (tools.plan): a candidate prod stack file kept in the project folder
    is not "another stack owning the zone", and its errors name FILE."""
    candidate = ROOT / "Pulumi.prod-candidate.yaml"
    good = (ROOT / "Pulumi.prod.yaml").read_text()
    try:
        candidate.write_text(good)
        result = run_program("prod", config_file=candidate)
        assert result.outputs["environment"] == "prod"
        candidate.write_text(
            good.replace("  spikeproof:environment: prod", '  spikeproof:environment: "X!"')
        )
        rendered = _errors("prod", candidate).render()
        assert rendered.count("Pulumi.prod-candidate.yaml: spikeproof:environment") == 1, rendered
        assert "Pulumi.prod.yaml" not in rendered
    finally:
        candidate.unlink(missing_ok=True)


def test_a_huge_number_is_refused_before_any_resource(tmp_path: Path) -> None:
    path = _stack_copy(
        tmp_path,
        "staging",
        lambda t: t.replace("    maxSize: ", "    maxSize: " + "9" * 400 + " #", 1),
    )
    rendered = _errors("staging", path).render()
    assert "spikeproof:fleet.maxSize" in rendered and "400 digits" in rendered, rendered


def test_what_pulumi_config_set_writes_for_a_boolean_is_accepted(tmp_path: Path) -> None:
    """`pulumi config set spikeproof:protect false` writes the string "false"."""
    path = _stack_copy(
        tmp_path,
        "staging",
        lambda t: t.replace("  spikeproof:protect: false", '  spikeproof:protect: "false"'),
    )
    assert 'spikeproof:protect: "false"' in path.read_text()
    run_program("staging", config_file=path)
    path.write_text(
        path.read_text().replace('spikeproof:protect: "false"', 'spikeproof:protect: "maybe"')
    )
    assert "spikeproof:protect" in _errors("staging", path).render()


def test_an_unquoted_timestamp_is_text_and_checked_as_one(tmp_path: Path) -> None:
    """`2027-03-28T09:00` (no seconds, no zone) is no timestamp to yaml.v3: unquoted, it is the
    text it looks like and plans; a malformed time is a message naming the key (never a
    `program error (TypeError)`). A full timestamp unquoted is refused (below)."""
    unquoted = _stack_copy(
        tmp_path,
        "staging",
        lambda t: t.replace('start: "2027-03-28T09:00"', "start: 2027-03-28T09:00"),
    )
    assert "start: 2027-03-28T09:00\n" in unquoted.read_text()
    run_program("staging", config_file=unquoted)
    spaced = _stack_copy(
        tmp_path,
        "staging",
        lambda t: t.replace('start: "2027-03-28T09:00"', "start: 2027-03-28 09:00:00 +1"),
    )
    rendered = _errors("staging", spaced).render()
    assert "campaignWindows" in rendered and "program error" not in rendered, rendered


def test_a_campaign_file_not_in_utf8_is_named(tmp_path: Path) -> None:
    from settings.campaign import load_campaign

    raw = yaml.safe_load((ROOT / "campaigns" / "spring-coupon-blast.yaml").read_text())
    raw["name"] = "latin"
    text = yaml.safe_dump(raw, allow_unicode=True) + "# Café crème\n"
    path = tmp_path / "latin.yaml"
    path.write_bytes(text.encode("latin-1"))
    with pytest.raises(ConfigErrors) as caught:
        load_campaign(str(path))
    rendered = caught.value.render()
    assert "not UTF-8" in rendered and "latin.yaml" in rendered and "line" in rendered, rendered


def test_a_campaign_key_given_twice_is_named(tmp_path: Path) -> None:
    from settings.campaign import load_campaign

    text = (ROOT / "campaigns" / "spring-coupon-blast.yaml").read_text() + "formConversion: 0.5\n"
    path = tmp_path / "twice.yaml"
    path.write_text(text.replace("name: spring-coupon-blast", "name: twice"))
    with pytest.raises(ConfigErrors) as caught:
        load_campaign(str(path))
    assert "'formConversion' is given twice" in caught.value.render()


@pytest.mark.parametrize(
    ("line", "key", "words"),
    [
        ("  count: 2\n", "count", "could not parse count as a configuration key"),
        ("  spikeprof:edge: {}\n", "spikeprof:edge", "did you mean 'spikeproof:edge'"),
        ("  aws:defaultTag: {tags: {a: b}}\n", "aws:defaultTag", "did you mean 'aws:defaultTags'"),
        ("  cloudflare:apiTokn: x\n", "cloudflare:apiTokn", "did you mean 'cloudflare:apiToken'"),
        ("  spikeproof:replicas.count: 2\n", "spikeproof:replicas.count", "not a path"),
    ],
)
def test_keys_nothing_would_read_are_named_with_a_fix(
    tmp_path: Path, line: str, key: str, words: str
) -> None:
    """The CLI refuses a key without a namespace (its ParseKey); a key in a namespace nothing
    reads, or a provider key the provider SDK does not have, would be ignored: refused instead,
    with the closest real key."""
    path = _stack_copy(tmp_path, "staging", lambda t: t.replace("config:\n", "config:\n" + line, 1))
    rendered = _errors("staging", path).render()
    assert f"{path.name}: {key}" in rendered and words in rendered, rendered


def test_a_misspelt_region_gets_the_nearest_real_one(tmp_path: Path) -> None:
    path = _stack_copy(
        tmp_path, "staging", lambda t: t.replace("aws:region: eu-west-1", "aws:region: eu-wset-1")
    )
    rendered = _errors("staging", path).render()
    assert "aws:region" in rendered and "did you mean 'eu-west-1'" in rendered, rendered


def test_a_misspelt_rate_limit_method_is_named(config_error) -> None:  # type: ignore[no-untyped-def]
    rendered = config_error(
        "prod", {"edge": {"rateLimits": {"form": {"methods": ["PSOT"]}}}}
    ).render()
    assert "spikeproof:edge.rateLimits.form.methods" in rendered, rendered
    assert "did you mean POST" in rendered, rendered


def test_a_campaign_posting_to_a_route_the_backend_does_not_serve_is_no_go(tmp_path: Path) -> None:
    from tools import preflight

    raw = yaml.safe_load((ROOT / "campaigns" / "spring-coupon-blast.yaml").read_text())
    raw.update(name="wrong-form", forms=["/forms/submit"])
    path = tmp_path / "wrong-form.yaml"
    path.write_text(yaml.safe_dump(raw))
    assert preflight.main([str(path), "--stack", "prod"]) == 2


def test_the_preflight_lists_every_finding_not_only_the_first_no_go(tmp_path: Path) -> None:
    from forecast.projection import decide, project
    from settings import stack_settings
    from settings.campaign import load_campaign

    raw = yaml.safe_load((ROOT / "campaigns" / "spring-coupon-blast.yaml").read_text())
    raw.update(name="both", channel="press", expectedPeakRps=200000, forms=["/forms/submit"])
    raw.pop("audience", None)
    path = tmp_path / "both.yaml"
    path.write_text(yaml.safe_dump(raw))
    from tests.campaign_support import COUPON_KEYED  # /campaigns/* on the fleet, coupon keyed

    settings = stack_settings("prod", overrides=COUPON_KEYED)
    verdict = decide(project(load_campaign(str(path)), settings, "prod", windows=[]), settings)
    assert verdict.word == "NO-GO"
    text = "\n".join(verdict.findings)
    assert "fleet.maxSize" in text and "/forms/submit" in text, verdict.findings


# The Pulumi CLI reads stack files with gopkg.in/yaml.v3 v3.0.1 (pulumi/pulumi
# sdk/go/common/encoding/marshal.go); each row is its resolve.go's answer for a plain scalar.
GO_YAML = [
    ("yes", "str", "yes"),
    ("on", "str", "on"),
    ("n", "str", "n"),
    ("True", "bool", True),
    ("FALSE", "bool", False),
    ("1:30", "str", "1:30"),
    ("0755", "int", 493),
    ("0o17", "int", 15),
    ("0x1F", "int", 31),
    ("-0x1F", "int", -31),
    ("08", "float", 8.0),
    ("1_000", "int", 1000),
    ("1e3", "float", 1000.0),
    (".5", "float", 0.5),
    ("~", "null", None),
    ("2027-03-28", "timestamp", "2027-03-28"),
    ("2027-03-28T09:00:00Z", "timestamp", "2027-03-28T09:00:00Z"),
    ("2027-03-28 09:00:00", "timestamp", "2027-03-28 09:00:00"),
    ("2027-03-28T09:00", "str", "2027-03-28T09:00"),
    ("<<", "merge", "<<"),
]


@pytest.mark.parametrize(("text", "kind", "value"), GO_YAML)
def test_plain_scalars_resolve_as_the_cli_resolves_them(
    text: str, kind: str, value: object
) -> None:
    from settings.files import go_yaml_scalar

    assert go_yaml_scalar(text) == (kind, value)


def test_yaml_1_1_words_are_text_as_the_cli_reads_them(tmp_path: Path) -> None:
    """`channelName: yes` is the text "yes" to the CLI (YAML 1.2 booleans only), so it plans; a
    base-60 `leadMinutes: 1:30` is text too, and refused as not a number, naming the key."""
    yes = _stack_copy(
        tmp_path,
        "staging",
        lambda t: t.replace("channelName: marketing-eng-sync", "channelName: yes"),
    )
    result = run_program("staging", config_file=yes)
    chatbot = result.of_type("aws:chatbot/slackChannelConfiguration:SlackChannelConfiguration")
    assert chatbot and "yes" in chatbot[0].input("configurationName")
    lead = _stack_copy(
        tmp_path, "staging", lambda t: t.replace("leadMinutes: 20", "leadMinutes: 1:30")
    )
    rendered = _errors("staging", lead).render()
    assert "spikeproof:fleet.campaignWindows[0].leadMinutes: must be a whole number" in rendered
    assert "without quotes" not in rendered, "1:30 unquoted is text too: no such hint"
    quoted = _stack_copy(
        tmp_path, "staging", lambda t: t.replace("leadMinutes: 20", 'leadMinutes: "20"')
    )
    assert "(quoted, it is text: write it without quotes)" in _errors("staging", quoted).render()


def test_kinds_are_not_coerced(tmp_path: Path) -> None:
    """`count: true` is not one replica and `minSize: "3"` is not 3 (strict settings models); a
    whole-number float is the int the CLI writes back (`minSize: 1.0` is 1)."""
    true_count = _stack_copy(tmp_path, "staging", lambda t: t.replace("count: 1", "count: true"))
    assert (
        "spikeproof:replicas.count: must be a whole number"
        in _errors("staging", true_count).render()
    )
    one = _stack_copy(
        tmp_path, "staging", lambda t: t.replace("    minSize: 1\n", "    minSize: 1.0\n")
    )
    group = run_program("staging", config_file=one).of_type("aws:autoscaling/group:Group")[0]
    assert group.input("minSize") == 1


def test_merge_keys_are_honoured_and_the_mappings_own_keys_win(tmp_path: Path) -> None:
    merged = _stack_copy(
        tmp_path,
        "staging",
        lambda t: t.replace(
            "  spikeproof:fleet:\n", "  spikeproof:fleet:\n    <<: {minSize: 3, maxSize: 6}\n"
        ),
    )
    group = run_program("staging", config_file=merged).of_type("aws:autoscaling/group:Group")[0]
    assert (group.input("minSize"), group.input("maxSize")) == (1, 4), "own keys win over <<"


def test_an_unquoted_full_timestamp_is_refused_naming_its_key(tmp_path: Path) -> None:
    path = _stack_copy(
        tmp_path,
        "staging",
        lambda t: t.replace('start: "2027-03-28T09:00"', "start: 2027-03-28T09:00:00Z"),
    )
    rendered = _errors("staging", path).render()
    assert "spikeproof:fleet.campaignWindows[0].start: not valid YAML at line" in rendered
    assert 'quote it: "2027-03-28T09:00:00Z"' in rendered


def test_provider_values_have_the_providers_shape(tmp_path: Path) -> None:
    """aws:defaultTags as the provider's schema has it (pulumi_aws/provider.py ProviderArgs):
    a tag value of 0x1F is the number 31 in YAML, not text."""
    path = _stack_copy(
        tmp_path, "staging", lambda t: t.replace("cost-center: marketing", "cost-center: 0x1F")
    )
    rendered = _errors("staging", path).render()
    assert "aws:defaultTags.tags.cost-center must be text, not a number" in rendered


def test_a_credential_in_the_wrong_shape_is_never_echoed(tmp_path: Path) -> None:
    path = _stack_copy(
        tmp_path,
        "staging",
        lambda t: t.replace(
            "  aws:region: eu-west-1\n",
            "  aws:region: eu-west-1\n  cloudflare:apiToken: {token: sk-LEAK-123}\n",
        ),
    )
    rendered = _errors("staging", path).render()
    assert "cloudflare:apiToken must be text, not a mapping" in rendered
    assert "sk-LEAK-123" not in rendered and "[secret]" in rendered
