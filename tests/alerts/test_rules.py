"""alerts.rules.rulebook: the versioned threshold rules file, resolution and evaluation."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import textwrap

import numpy as np
import pandas as pd
import pytest

from alerts.rules.rulebook import RuleBook, load_rules
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


GUARDED = """
[[rule]]
id = "proactive.global"
metric = "proactive_rate"
min_volume = 30

[[rule.version]]
effective_from = 2024-01-01
warning = 0.95
critical = 0.90
owner = "detection"
rationale = "inherits the rule's guard"

[[rule.version]]
effective_from = 2024-06-01
warning = 0.95
critical = 0.90
min_volume = 100
owner = "detection"
rationale = "own guard"

[[rule]]
id = "repeat.global"
metric = "repeat_offender_rate"

[[rule.version]]
effective_from = 2024-01-01
warning = 0.35
critical = 0.50
min_volume = 30
owner = "integrity"
rationale = "at least 30 sellers"

[[rule]]
id = "ttd.global"
metric = "time_to_decision"

[[rule.version]]
effective_from = 2024-01-01
warning = 36
min_volume = 50
owner = "notice"
rationale = "median of at least 50 decided cases"

[[rule]]
id = "counterfeit.global"
metric = "counterfeit_complaint_rate"

[[rule.version]]
effective_from = 2024-01-01
warning = 5
critical = 10
min_volume = 10000
owner = "notice"
rationale = "at least 10k live listings"

[[rule]]
id = "complaints.global"
metric = "complaint_rate"

[[rule.version]]
effective_from = 2024-01-01
warning = 25
owner = "notice"
rationale = "no guard"
"""


def rated(book: RuleBook, rows: list[tuple[str, str, str, float | None, float | None]]):
    frame = pd.DataFrame(rows, columns=["metric_id", "slice", "date", "value", "denominator"])
    frame["date"] = pd.to_datetime(frame["date"])
    return book.evaluate(frame)


def test_low_volume_days_show_only_breaches_that_survive_the_minimum_volume(tmp_path):
    book = book_from(tmp_path, GUARDED)
    cases = [
        # (metric, slice, day, value, denominator) -> (low_volume, level)
        # IE on a quiet day: its one removal was found by a consumer. At 30 removals with the
        # other 29 proactive the share would be 0.967: nothing to say.
        (("proactive_rate", "market=IE", "2024-03-01", 0.0, 1), (True, None)),
        # A model outage: 7 proactive of 22 removals; even 7 + 8 of 30 is critical.
        (("proactive_rate", "all", "2024-03-01", 7 / 22, 22), (True, "critical")),
        # 26 of 28: padded 28 of 30 = 0.933, a warning that stands.
        (("proactive_rate", "all", "2024-03-01", 26 / 28, 28), (True, "warning")),
        (("proactive_rate", "market=DE", "2024-03-01", 0.96, 30), (False, "ok")),  # the line
        # From June the version's own guard of 100 applies: 0.96 of 99 pads to 0.96.
        (("proactive_rate", "market=DE", "2024-07-01", 0.96, 99), (True, None)),
        (("proactive_rate", "market=DE", "2024-07-01", 0.5, 99), (True, "critical")),
        # Lower is better: 12 repeat sellers of 14 is 12 of 30 at best, above 0.35.
        (("repeat_offender_rate", "market=PL", "2024-03-01", 12 / 14, 14), (True, "warning")),
        (("repeat_offender_rate", "market=PL", "2024-03-01", 3 / 4, 4), (True, None)),
        (("repeat_offender_rate", "market=PL", "2024-03-01", 3 / 4, 40), (False, "critical")),
        # A rate's denominator is its exposure: 6 complaints on 2,000 listings (30 per 10k)
        # are 6 per 10k over 10,000 listings, still above 5.
        (("counterfeit_complaint_rate", "market=IE", "2024-03-01", 30.0, 2000), (True, "warning")),
        (("counterfeit_complaint_rate", "market=IE", "2024-03-01", 20.0, 2000), (True, None)),
        # A median of 12 cases cannot be bounded: no level however slow.
        (("time_to_decision", "all", "2024-03-01", 80.0, 12), (True, None)),
        (("time_to_decision", "all", "2024-03-01", 80.0, 50), (False, "warning")),
        (("complaint_rate", "market=IE", "2024-03-01", 40.0, 1), (False, "warning")),  # no guard
        (("takedown_rate", "all", "2024-03-01", 9.0, 1), (False, None)),  # no rule
    ]
    result = rated(book, [row for row, _ in cases])
    got = list(zip(result["low_volume"], result["level"], strict=True))
    assert got == [expected for _, expected in cases]
    assert result["low_volume"].dtype == bool
    assert result["min_volume"].tolist()[:5] == [30, 30, 30, 30, 100]
    assert np.isnan(result["min_volume"].iloc[-2])
    # A grey day still names the rule in force, so the caller can say why it is grey.
    assert result["rule_id"].iloc[0] == "proactive.global"


def test_an_unknown_volume_is_judged(tmp_path):
    book = book_from(tmp_path, GUARDED)
    # A bring-your-own series may leave the denominator null or out altogether.
    with_nulls = rated(book, [("proactive_rate", "all", "2024-03-01", 0.5, None)])
    assert (with_nulls["level"].iloc[0], with_nulls["low_volume"].iloc[0]) == ("critical", False)
    without = one(book, "proactive_rate", "all", "2024-03-01", 0.5)
    assert (without["level"], without["low_volume"]) == ("critical", False)


def test_threshold_carries_its_guard_and_the_guard_is_part_of_the_version(tmp_path):
    book = book_from(tmp_path, GUARDED)
    assert book.threshold_for("proactive_rate", "all", dt.date(2024, 3, 1)).min_volume == 30
    assert book.threshold_for("proactive_rate", "all", dt.date(2024, 7, 1)).min_volume == 100
    assert book.threshold_for("complaint_rate", "all", dt.date(2024, 3, 1)).min_volume is None
    changed = book_from(tmp_path, GUARDED.replace("min_volume = 30", "min_volume = 40"))
    day = dt.date(2024, 3, 1)
    before = book.threshold_for("proactive_rate", "all", day).version
    assert changed.threshold_for("proactive_rate", "all", day).version != before
    # A version without a guard keeps the identity it had before guards existed.
    fields = ["complaints.global", "complaint_rate", ["all", "market=*"], "above", 25.0, None]
    digest = hashlib.sha256(json.dumps([*fields, "notice", "no guard"]).encode()).hexdigest()
    unguarded = book.threshold_for("complaint_rate", "all", day).version
    assert unguarded == f"2024-01-01-{digest[:8]}"


def _reference_level(book: RuleBook, row) -> tuple[bool, str | None]:
    """One row judged the slow way, from threshold_for."""
    t = book.threshold_for(row.metric_id, row.slice, row.date.date())
    kind = CATALOGUE.metrics[row.metric_id].kind
    value = row.value
    low = t.min_volume is not None and row.denominator < t.min_volume
    if low:
        fill = row.denominator / t.min_volume
        if kind == "duration":
            return True, None
        value = 1 - (1 - value) * fill if t.side == "below" else value * fill
    worse = (lambda a, b: a < b) if t.side == "below" else (lambda a, b: a > b)
    if t.critical is not None and worse(value, t.critical):
        return low, "critical"
    if t.warning is not None and worse(value, t.warning):
        return low, "warning"
    return low, None if low else "ok"


def test_guard_agrees_with_a_row_by_row_reference_on_a_large_series(tmp_path):
    book = book_from(tmp_path, GUARDED)
    rng = np.random.default_rng(11)
    n = 20_000
    metrics = ["proactive_rate", "repeat_offender_rate", "time_to_decision"]
    frame = pd.DataFrame(
        {
            "metric_id": rng.choice(metrics, n),
            "slice": rng.choice(["all", "market=DE", "market=IE"], n),
            "date": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 300, n), unit="D"),
            "value": rng.uniform(0.0, 1.0, n),
            "denominator": rng.integers(0, 150, n).astype(float),
        }
    )
    frame.loc[frame["metric_id"] == "time_to_decision", "value"] *= 60
    result = book.evaluate(frame)
    for row in result.sample(600, random_state=2).itertuples():
        assert (row.low_volume, row.level) == _reference_level(book, row), row
    levels = set(zip(result["low_volume"], result["level"], strict=True))
    assert levels >= {(True, None), (True, "warning"), (True, "critical"), (False, "ok")}


@pytest.mark.parametrize(
    ("rule", "problem"),
    [
        ('metric = "new_listings"\nside = "above"\nmin_volume = 10', "is a count"),
        ('metric = "proactive_rate"\nmin_volume = -1', "greater than or equal to 0"),
    ],
)
def test_bad_guards_are_rejected(tmp_path, rule, problem):
    text = "\n".join(
        ["[[rule]]", 'id = "r"', rule, "[[rule.version]]", "effective_from = 2024-01-01",
         "warning = 0.5", 'owner = "x"', 'rationale = "y"']
    )  # fmt: skip
    path = tmp_path / "rules.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_rules(path, catalogue=CATALOGUE)
    assert problem in str(info.value)


def test_a_retired_version_takes_no_guard(tmp_path):
    text = RULES.replace(
        "effective_from = 2024-09-01\nretired = true",
        "effective_from = 2024-09-01\nretired = true\nmin_volume = 5",
    )
    assert text != RULES
    with pytest.raises(ConfigError, match="retired version takes no warning, critical or min_vol"):
        book_from(tmp_path, text)


def test_every_default_rule_has_a_volume_guard_and_says_why():
    book = load_rules()
    for threshold in book.thresholds():
        assert threshold.min_volume is not None and threshold.min_volume >= 1, threshold.rule_id
        assert "at least" in threshold.rationale or "Every order" in threshold.rationale
    day = dt.date(2025, 1, 1)
    # The published-figure rules judge a market only on a day with real volume.
    assert book.threshold_for("proactive_rate", "market=IE", day).min_volume >= 34
    assert book.threshold_for("sla_compliance", "channel=authority", day).min_volume == 1
