"""Every indicator has an owner and a runbook; a runbook address is an http(s) address, checked
when the catalogue or the settings load; the settings point the runbooks at a team's wiki, most
specific first (`metrics.runbooks.contact`)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from metrics.catalogue import default_sql_dir, load_catalogue
from metrics.errors import ConfigError, UserError
from metrics.runbooks import contact, packaged_runbook, runbooks_dir
from metrics.settings import Settings, load_settings


def test_every_indicator_has_an_owner_and_a_packaged_runbook_of_its_own() -> None:
    catalogue = load_catalogue()
    for m in catalogue:
        assert m.owner, m.id
        assert m.runbook_url == f"runbooks/{m.id}.md", m.id  # named in the catalogue
        text = packaged_runbook(m)
        assert text is not None, f"no sql/runbooks/{m.id}.md"
        assert text.startswith(f"# Runbook: {m.label} (`{m.id}`)"), m.id
        assert "## When it alerts" in text, m.id
    # and no runbook of an indicator that does not exist
    assert {p.stem for p in runbooks_dir().glob("*.md")} == set(catalogue.metrics)


def test_a_runbook_that_is_not_a_web_address_is_named_with_its_file(tmp_path: Path) -> None:
    folder = tmp_path / "sql"
    shutil.copytree(default_sql_dir(), folder)
    for metric_id, url in (("proactive_rate", "wiki/proactive"), ("complaint_rate", "ftp://x.org")):
        toml = folder / f"{metric_id}.toml"
        packaged = f'runbook_url = "runbooks/{metric_id}.md"'
        toml.write_text(toml.read_text().replace(packaged, f'runbook_url = "{url}"'))
    with pytest.raises(UserError) as caught:
        load_catalogue(folder)
    message = str(caught.value)
    assert "proactive_rate.toml: runbook_url" in message and "'wiki/proactive'" in message
    assert "nor a packaged runbook (runbooks/<name>.md)" in message
    assert "complaint_rate.toml: runbook_url" in message and "ftp://x.org" in message


def test_owner_and_runbook_are_wording_not_part_of_the_fingerprint(tmp_path: Path) -> None:
    folder = tmp_path / "sql"
    shutil.copytree(default_sql_dir(), folder)
    toml = folder / "proactive_rate.toml"
    text = toml.read_text().replace('owner = "Detection team"', 'owner = "Ana (#det-oncall)"')
    packaged = 'runbook_url = "runbooks/proactive_rate.md"'
    toml.write_text(text.replace(packaged, 'runbook_url = "https://wiki.example.com/p"'))
    changed = load_catalogue(folder).metrics["proactive_rate"]
    shipped = load_catalogue().metrics["proactive_rate"]
    assert (
        changed.owner == "Ana (#det-oncall)" and changed.runbook_url == "https://wiki.example.com/p"
    )
    assert changed.fingerprint == shipped.fingerprint


def test_the_most_specific_runbook_and_owner_win() -> None:
    catalogue = load_catalogue()
    proactive, complaints = catalogue.metrics["proactive_rate"], catalogue.metrics["complaint_rate"]
    # Nothing set: the packaged runbook on the dashboard's Catalogue page; none without one.
    found = contact(proactive, Settings(dashboard_url="https://govkpi.example.com/app"))
    assert found.runbook_url == "https://govkpi.example.com/app/catalogue?metric=proactive_rate"
    assert (found.owner, found.runbook_source) == ("Detection team", "packaged")
    assert contact(proactive, Settings()).runbook_url is None
    # A wiki for every indicator, with or without the placeholder.
    wiki = Settings(runbook_base_url="https://wiki.example.com/kpi/{metric_id}/runbook")
    assert (
        contact(proactive, wiki).runbook_url
        == "https://wiki.example.com/kpi/proactive_rate/runbook"
    )
    wiki = Settings(runbook_base_url="https://wiki.example.com/kpi/")
    assert contact(complaints, wiki).runbook_url == "https://wiki.example.com/kpi/complaint_rate"
    # The catalogue's own page beats the wiki base; the settings' page for one indicator beats both.
    own = proactive.model_copy(update={"runbook_url": "https://handbook.example.com/p"})
    assert contact(own, wiki).runbook_url == "https://handbook.example.com/p"
    one = Settings(
        runbook_base_url="https://wiki.example.com/kpi",
        indicators={"proactive_rate": {"runbook_url": "https://x.example.com/p", "owner": "Ana"}},
    )
    assert contact(own, one) == contact(proactive, one)
    found = contact(own, one)
    assert (found.runbook_url, found.owner) == ("https://x.example.com/p", "Ana")
    assert contact(complaints, one).owner == "Notice and action team"  # only the one named
    # A catalogue entry without an owner: the team of its owner area.
    unowned = proactive.model_copy(update={"owner": None})
    assert contact(unowned, Settings()).owner == "Detection team"


def test_bad_runbook_settings_are_named_together(tmp_path: Path) -> None:
    config = tmp_path / "govkpi.toml"
    config.write_text(
        'runbook_base_url = "wiki.example.com/kpi"\n\n'
        '[indicators.proactive_rate]\nrunbook_url = "javascript:alert(1)"\n\n'
        '[indicators.proactiv_rate]\nowner = "Ana"\n'
    )
    with pytest.raises(ConfigError) as caught:
        load_settings(config, env={})
    message = str(caught.value)
    assert "runbook_base_url" in message and "wiki.example.com/kpi" in message
    assert "indicators.proactive_rate.runbook_url" in message and "javascript:" in message
    # the unknown indicator is found once the values are valid
    config.write_text('[indicators.proactiv_rate]\nowner = "Ana"\n')
    with pytest.raises(ConfigError, match="indicators.proactiv_rate: unknown indicator"):
        load_settings(config, env={})


def test_runbook_settings_from_the_environment() -> None:
    env = {
        "GOVKPI_RUNBOOK_BASE_URL": "https://wiki.example.com/kpi",
        "GOVKPI_INDICATORS": '{"complaint_rate": {"owner": "NA desk"}}',
    }
    config = load_settings(None, env=env)
    definition = load_catalogue().metrics["complaint_rate"]
    found = contact(definition, config)
    assert (found.owner, found.runbook_url) == (
        "NA desk",
        "https://wiki.example.com/kpi/complaint_rate",
    )
