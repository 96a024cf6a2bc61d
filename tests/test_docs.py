"""Documentation that is generated must be current: a new config key cannot ship undocumented."""

from __future__ import annotations

from tools import config_doc


def test_readme_configuration_reference_is_current(capsys) -> None:
    assert config_doc.main(["--check"]) == 0, capsys.readouterr().out


def test_every_settings_key_is_in_the_reference() -> None:
    rendered = config_doc.render()
    for key in (
        "spikeproof:replicas.count",
        "spikeproof:replicas.readerDns.zoneName",
        "spikeproof:primary.kmsKeyId",
        "spikeproof:alerting.httpsEndpoints",
    ):
        assert f"`{key}`" in rendered, f"{key} missing from the generated reference"
