"""alerts.rules: the versioned threshold rules file, resolution and vectorised evaluation."""

from __future__ import annotations

import datetime as dt
import textwrap

import numpy as np
import pandas as pd
import pytest

from alerts.rules import RuleBook, load_rules
from metrics.catalogue import load_catalogue
from metrics.errors import ConfigError

CATALOGUE = load_catalogue()

RULES = """
[[rule]]
id = "proactive.global"
metric = "proactive_rate"

[[rule.version]]
effective_from = 2024-01-01
warning = 0.90
critical = 0.80
owner = "detection"
rationale = "first target"

[[rule.version]]
effective_from = 2024-06-01
warning = 0.95
critical = 0.90
owner = "detection"
rationale = "raised after the new model"

[[rule]]
id = "proactive.de"
metric = "proactive_rate"
slices = ["market=DE"]

[[rule.version]]
effective_from = 2024-03-01
warning = 0.99
critical = 0.97
owner = "detection-de"
rationale = "DE commitment"

[[rule.version]]
effective_from = 2024-09-01
retired = true
owner = "detection-de"
rationale = "commitment ended; back to the global target"

[[rule]]
id = "complaints.global"
metric = "complaint_rate"

[[rule.version]]
effective_from = 2024-01-01
warning = 10
critical = 20
owner = "notice"
rationale = "ceiling"

[[rule]]
id = "sla.authority"
metric = "sla_compliance"
slices = ["channel=authority"]

[[rule.version]]
effective_from = 2024-01-01
critical = 1.0
owner = "notice"
rationale = "100% target"
"""


def book_from(tmp_path, text: str = RULES) -> RuleBook:
    path = tmp_path / "rules.toml"
    path.write_text(textwrap.dedent(text))
    return load_rules(path, catalogue=CATALOGUE)


def one(book: RuleBook, metric: str, slice: str, day: str, value: float | None) -> pd.Series:
    frame = pd.DataFrame(
        {"metric_id": [metric], "slice": [slice], "date": [pd.Timestamp(day)], "value": [value]}
    )
    return book.evaluate(frame).iloc[0]


def test_a_past_day_is_judged_by_the_version_then_in_force(tmp_path):
    book = book_from(tmp_path)
    before = book.threshold_for("proactive_rate", "all", dt.date(2024, 5, 31))
    after = book.threshold_for("proactive_rate", "all", dt.date(2024, 6, 1))
    assert (before.warning, before.rationale) == (0.90, "first target")
    assert (after.warning, after.rationale) == (0.95, "raised after the new model")
    assert before.version != after.version and before.version.startswith("2024-01-01-")
    assert book.threshold_for("proactive_rate", "all", dt.date(2023, 12, 31)) is None

    assert one(book, "proactive_rate", "all", "2024-05-31", 0.93)["level"] == "ok"
    late = one(book, "proactive_rate", "all", "2024-06-01", 0.93)
    assert late["level"] == "warning" and late["rule_version"] == after.version


def test_market_override_beats_global_while_in_force(tmp_path):
    book = book_from(tmp_path)
    # Before the override existed, DE was judged by the global rule then in force.
    assert book.threshold_for("proactive_rate", "market=DE", dt.date(2024, 2, 1)).rule_id == (
        "proactive.global"
    )
    de = book.threshold_for("proactive_rate", "market=DE", dt.date(2024, 7, 1))
    assert (de.rule_id, de.warning, de.owner) == ("proactive.de", 0.99, "detection-de")
    # Other markets keep the global rule; the retired override hands DE back to it.
    assert book.threshold_for("proactive_rate", "market=FR", dt.date(2024, 7, 1)).warning == 0.95
    back = book.threshold_for("proactive_rate", "market=DE", dt.date(2024, 9, 1))
    assert (back.rule_id, back.warning) == ("proactive.global", 0.95)

    assert one(book, "proactive_rate", "market=DE", "2024-07-01", 0.98)["level"] == "warning"
    assert one(book, "proactive_rate", "market=FR", "2024-07-01", 0.98)["level"] == "ok"
    assert one(book, "proactive_rate", "market=DE", "2024-09-01", 0.98)["level"] == "ok"


def test_market_pattern_does_not_reach_finer_slices(tmp_path):
    book = book_from(tmp_path)
    day = dt.date(2024, 7, 1)
    assert book.threshold_for("proactive_rate", "market=DE,category_l1=toys", day) is None
    assert book.threshold_for("proactive_rate", "category_l1=toys", day) is None


@pytest.mark.parametrize(
    ("metric", "slice", "value", "level"),
    [
        # below: higher is better (proactive_rate), warning 0.95, critical 0.90
        ("proactive_rate", "all", 0.96, "ok"),
        ("proactive_rate", "all", 0.95, "ok"),  # on the line is not a breach
        ("proactive_rate", "all", 0.94, "warning"),
        ("proactive_rate", "all", 0.89, "critical"),
        # above: lower is better (complaint_rate), warning 10, critical 20
        ("complaint_rate", "market=ES", 9.0, "ok"),
        ("complaint_rate", "market=ES", 10.5, "warning"),
        ("complaint_rate", "market=ES", 25.0, "critical"),
        # SLA target with critical only: any miss is critical
        ("sla_compliance", "channel=authority", 1.0, "ok"),
        ("sla_compliance", "channel=authority", 0.999, "critical"),
    ],
)
def test_levels_by_side(tmp_path, metric, slice, value, level):
    result = one(book_from(tmp_path), metric, slice, "2024-07-01", value)
    assert result["level"] == level
    assert result["side"] == ("above" if metric == "complaint_rate" else "below")


def test_missing_value_or_rule_gives_no_level(tmp_path):
    book = book_from(tmp_path)
    no_value = one(book, "proactive_rate", "all", "2024-07-01", None)
    assert no_value["level"] is None and no_value["rule_id"] == "proactive.global"
    no_rule = one(book, "takedown_rate", "all", "2024-07-01", 99.0)
    assert no_rule["level"] is None and no_rule["rule_id"] is None
    assert np.isnan(no_rule["warning"])


def test_evaluate_agrees_with_threshold_for(tmp_path):
    book = book_from(tmp_path)
    rng = np.random.default_rng(7)
    metrics = ["proactive_rate", "complaint_rate", "sla_compliance", "takedown_rate"]
    slices = ["all", "market=DE", "market=FR", "market=DE,category_l1=toys", "channel=authority"]
    pairs = [(m, s) for m in metrics for s in slices if not (s.startswith("channel") and
             m in ("proactive_rate", "takedown_rate"))]  # fmt: skip
    days = pd.date_range("2023-12-15", "2024-10-15", freq="D")
    rows = pd.DataFrame(
        [(m, s, d) for m, s in pairs for d in days], columns=["metric_id", "slice", "date"]
    ).sample(frac=1.0, random_state=3, ignore_index=True)  # order must not matter
    rows["value"] = rng.uniform(0.85, 1.0, len(rows)) * np.where(
        rows["metric_id"] == "complaint_rate", 20, 1
    )
    result = book.evaluate(rows)
    assert list(result.index) == list(rows.index)
    for row in result.sample(300, random_state=1).itertuples():
        expected = book.threshold_for(row.metric_id, row.slice, row.date.date())
        if expected is None:
            assert row.rule_id is None and row.level is None
        else:
            assert (row.rule_id, row.rule_version) == (expected.rule_id, expected.version)
            assert row.level in ("ok", "warning", "critical")
    assert set(result["level"].dropna()) == {"ok", "warning", "critical"}


def test_evaluate_handles_a_large_series(tmp_path):
    book = book_from(tmp_path)
    n = 240_000
    frame = pd.DataFrame(
        {
            "metric_id": np.tile(["proactive_rate", "complaint_rate", "new_listings"], n // 3),
            "slice": np.tile(["all", "market=DE", "market=FR", "market=ES"], n // 4),
            "date": np.tile(pd.date_range("2024-01-01", periods=400).to_numpy(), n // 400),
            "value": np.linspace(0.0, 1.0, n),
        }
    )
    result = book.evaluate(frame)
    assert len(result) == n
    judged = result["metric_id"] != "new_listings"
    assert result.loc[judged, "rule_id"].notna().all()
    assert result.loc[~judged, "level"].isna().all()


def test_side_defaults_from_the_catalogue_and_can_be_set(tmp_path):
    book = book_from(
        tmp_path,
        """
        [[rule]]
        id = "subst"
        metric = "substantiation_rate"
        slices = ["all"]
        side = "below"
        [[rule.version]]
        effective_from = 2024-01-01
        warning = 0.5
        owner = "x"
        rationale = "y"
        """,
    )
    assert one(book, "substantiation_rate", "all", "2024-02-01", 0.4)["level"] == "warning"


def test_rules_file_problems_are_reported_together(tmp_path):
    path = tmp_path / "bad_rules.toml"
    path.write_text(
        textwrap.dedent(
            """
            [[rule]]
            id = "a"
            metric = "proactive_rate"
            colour = "red"
            [[rule.version]]
            effective_from = 2024-01-01
            warning = 0.9
            owner = "x"
            rationale = "y"

            [[rule]]
            id = "b"
            metric = "no_such_metric"
            [[rule.version]]
            effective_from = 2024-01-01
            warning = 0.9
            owner = "x"
            rationale = "y"
            """
        )
    )
    with pytest.raises(ConfigError) as info:
        load_rules(path, catalogue=CATALOGUE)
    message = str(info.value)
    assert "\n" not in message and str(path) in message
    assert "colour" in message and "Extra inputs are not permitted" in message
    assert "unknown metric 'no_such_metric'" in message


@pytest.mark.parametrize(
    ("rule", "problem"),
    [
        ('slices = ["channel=authority"]', "never matches a slice of proactive_rate"),
        ('slices = ["market=ES,category_l1=*", "colour=red"]', "bad slice 'colour=red'"),
        ('slices = ["category_l1=toys,market=ES"]', "not in the dimension order"),
        ("warning = 0.9\ncritical = 0.95", "critical 0.95 is less severe than warning 0.9"),
        ("warning = 97", "limits are fractions in [0, 1]"),
        ("", "needs warning, critical or both"),
        ('effective_from = "soon"', "effective_from"),
    ],
)
def test_each_kind_of_problem_is_caught(tmp_path, rule, problem):
    version_keys = {"effective_from", "warning", "critical"}
    rule_lines = [ln for ln in rule.splitlines() if ln.split(" ")[0] not in version_keys]
    version_lines = [ln for ln in rule.splitlines() if ln.split(" ")[0] in version_keys]
    if not any(ln.startswith("effective_from") for ln in version_lines):
        version_lines.append("effective_from = 2024-01-01")
    text = "\n".join(
        ['[[rule]]', 'id = "r"', 'metric = "proactive_rate"', *rule_lines, "[[rule.version]]",
         *version_lines, 'owner = "x"', 'rationale = "y"']
    )  # fmt: skip
    path = tmp_path / "rules.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match="rules file .*rules.toml is invalid") as info:
        load_rules(path, catalogue=CATALOGUE)
    assert problem in str(info.value)


def test_ambiguous_and_duplicate_rules_are_rejected(tmp_path):
    version = '[[rule.version]]\neffective_from = 2024-01-01\nwarning = 0.9\nowner = "x"\n'
    version += 'rationale = "y"\n'
    text = (
        '[[rule]]\nid = "a"\nmetric = "proactive_rate"\nslices = ["market=ES,category_l1=*"]\n'
        + version
        + '[[rule]]\nid = "b"\nmetric = "proactive_rate"\nslices = ["market=*,category_l1=toys"]\n'
        + version
        + '[[rule]]\nid = "b"\nmetric = "proactive_rate"\nslices = ["market=ES,category_l1=toys"]\n'
        + version
        + version
    )
    path = tmp_path / "rules.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_rules(path, catalogue=CATALOGUE)
    message = str(info.value)
    assert "rules 'a' and 'b' both match" in message
    assert "rule id 'b' is used more than once" in message
    assert "another version has the same effective_from" in message


def test_unreadable_or_invalid_toml_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="cannot read rules file"):
        load_rules(tmp_path / "absent.toml", catalogue=CATALOGUE)
    path = tmp_path / "rules.toml"
    path.write_text("[[rule]\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_rules(path, catalogue=CATALOGUE)


def test_version_is_a_hash_of_the_file(tmp_path):
    first = book_from(tmp_path)
    assert book_from(tmp_path).version == first.version
    changed = book_from(tmp_path, RULES.replace("warning = 0.99", "warning = 0.985"))
    assert changed.version != first.version


def test_default_rules_cover_every_headline_indicator():
    book = load_rules()
    covered = {t.metric_id for t in book.thresholds()}
    headline = {m.id for m in CATALOGUE if m.headline}
    assert headline <= covered
    day = dt.date(2025, 1, 1)
    for metric in headline:
        assert book.threshold_for(metric, "all", day) is not None, metric
        assert book.threshold_for(metric, "market=ES", day) is not None, metric
    authority = book.threshold_for("sla_compliance", "channel=authority", day)
    assert authority.critical == 1.0 and authority.side == "below"
    ip = book.threshold_for("sla_compliance", "channel=rights_holder", day)
    assert (ip.warning, ip.critical) == (0.96, 0.93)
    proactive = book.threshold_for("proactive_rate", "all", day)
    assert proactive.warning == 0.97 and proactive.side == "below"
