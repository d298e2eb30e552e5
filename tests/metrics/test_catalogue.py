"""The indicator catalogue, the files in sql/ and DESIGN.md agree (STYLE.md practice 1), a broken
definition folder is refused with every problem at once (practice 2), and every metric SQL
binds in DuckDB against the relations the engine prepares."""

from __future__ import annotations

import shutil
import tomllib
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import duckdb
import pytest

from metrics.catalogue import MetricDefinition, default_sql_dir, load_catalogue
from metrics.engines.duckdb_backend import aggregation_sql
from metrics.errors import UserError
from metrics.facts import prepare_facts, prepare_live_exposure
from tests.export_fixtures import DEFAULT, write_exports

# "Indicator catalogue (v1)" of DESIGN.md, copied verbatim (DESIGN.md lives outside the repo).
DESIGN_TABLE = """
| id | headline | kind | definition | better |
|---|---|---|---|---|
| proactive_rate | yes | share | listings removed/blocked on d whose detection_channel is proactive_* / all removed or blocked on d | higher |
| complaint_rate | yes | rate | complaints received on d per 10k listings live on d | lower |
| time_to_decision | yes | duration | hours received -> decided, complaints decided on d (median, p90) | lower |
| sla_compliance | yes | share | complaints whose SLA deadline falls on d and that were decided by it / all due on d | higher |
| appeal_overturn_rate | yes | share | appeals decided on d that were overturned / appeals decided on d | lower |
| repeat_offender_rate | yes | share | sellers with a removal on d who had another removal in the prior 90 days / sellers with a removal on d | lower |
| missing_qualification_rate | yes | share | new listings on d in regulated categories without required certificates / new regulated listings on d | lower |
| removed_before_sale_share | yes | share | removals on d with no sale before removal / removals on d | higher |
| new_listings | | count | listings created on d | |
| live_listings | | count | listings live at end of d | |
| takedown_rate | | rate | removals on d per 10k live listings | lower |
| prepublish_block_share | | share | removed/blocked on d that were never published / all removed or blocked on d | higher |
| counterfeit_complaint_rate | | rate | counterfeit + ip_infringement complaints per 10k live listings | lower |
| safety_complaint_rate | | rate | product_safety complaints per 10k live listings | lower |
| substantiation_rate | | share | complaints decided on d that were upheld / decided on d | |
| overdue_backlog | | count | open complaints past their SLA deadline at end of d | lower |
| closed_loop_rate | | share | complaints received on d-7 decided and complainant informed within 7 days / received on d-7 | higher |
| complaints_per_10k_orders | | rate | complaints on d per 10k orders on d (needs traffic) | lower |
| appeal_rate | | rate | appeals filed on d per 100 removals on d (needs appeals) | |
"""  # noqa: E501


# Issue 14 extends the catalogue (contract parts are extended, never broken): the accuracy of
# automated enforcement (DSA Art. 15(1)(e)) and the EU Product Safety Pledge KPI.
ISSUE_14_TABLE = """
| id | headline | kind | definition | better |
|---|---|---|---|---|
| appeal_overturn_rate_automated | | share | appeals decided on d against removals found by proactive_model that were overturned / those appeals decided on d | lower |
| appeal_overturn_rate_review | | share | appeals decided on d against removals found by proactive_review that were overturned / those appeals decided on d | lower |
| appeal_overturn_rate_notice | | share | appeals decided on d against removals that followed a notice (consumer, rights_holder, trusted_flagger, authority) that were overturned / those appeals decided on d | lower |
| safety_pledge_compliance | | share | authority product_safety notices whose 2-working-day deadline falls on d and that were decided by it / those due on d | higher |
"""  # noqa: E501


def design_rows(table: str = DESIGN_TABLE) -> list[dict[str, str]]:
    lines = table.strip().splitlines()[2:]
    keys = ["id", "headline", "kind", "definition", "better"]
    return [dict(zip(keys, [c.strip() for c in line.strip("|").split("|")], strict=True))
            for line in lines]  # fmt: skip


DESIGN = {row["id"]: row for row in design_rows() + design_rows(ISSUE_14_TABLE)}
SQL_DIR = default_sql_dir()


def test_design_table_has_19_distinct_indicators() -> None:
    ids = [row["id"] for row in design_rows()]
    assert len(ids) == 19
    assert len(set(ids)) == 19
    # Issue 14 adds four more under new names.
    added = [row["id"] for row in design_rows(ISSUE_14_TABLE)]
    assert len(set(added)) == 4 and not set(added) & set(ids)


def test_every_sql_file_has_its_toml_and_vice_versa() -> None:
    sqls = sorted(p.stem for p in SQL_DIR.glob("*.sql"))
    tomls = sorted(p.stem for p in SQL_DIR.glob("*.toml"))
    assert sqls == tomls


def test_each_design_indicator_is_defined_exactly_once_under_its_own_name() -> None:
    ids_in_files = []
    for path in sorted(SQL_DIR.glob("*.toml")):
        definition = tomllib.loads(path.read_text())
        assert definition["id"] == path.stem, f"{path.name}: id {definition['id']!r}"
        ids_in_files.append(definition["id"])
    # A list, not a set: a duplicated id would show up twice.
    assert sorted(ids_in_files) == sorted(DESIGN)
    assert sorted(m.id for m in load_catalogue()) == sorted(DESIGN)


def test_headline_set_matches_design() -> None:
    design = {i for i, row in DESIGN.items() if row["headline"] == "yes"}
    assert len(design) == 8
    assert {m.id for m in load_catalogue() if m.headline} == design


@pytest.mark.parametrize("metric_id", sorted(DESIGN))
def test_kind_and_direction_match_design(metric_id: str) -> None:
    metric = load_catalogue().get(metric_id)
    assert metric.kind == DESIGN[metric_id]["kind"]
    assert metric.better == (DESIGN[metric_id]["better"] or None)


def test_optional_exports_required_exactly_where_design_says() -> None:
    catalogue = load_catalogue()
    needs = {m.id: set(m.requires) for m in catalogue if m.requires}
    assert needs == {
        "complaints_per_10k_orders": {"traffic"},  # "(needs traffic)"
        "appeal_rate": {"appeals"},  # "(needs appeals)"
        "appeal_overturn_rate": {"appeals"},  # reads appeals
        "appeal_overturn_rate_automated": {"appeals"},
        "appeal_overturn_rate_review": {"appeals"},
        "appeal_overturn_rate_notice": {"appeals"},
    }


def test_scales_follow_the_catalogue_units() -> None:
    # Shares as fractions, rates per 10k (appeal_rate per 100 removals), counts and durations
    # unscaled.
    for metric in load_catalogue():
        expected = {"share": 1, "count": 1, "duration": 1}.get(metric.kind, 10_000)
        if metric.id == "appeal_rate":
            expected = 100
        assert metric.scale == expected, metric.id


COMPLAINT_METRICS = {
    "complaint_rate", "time_to_decision", "sla_compliance", "counterfeit_complaint_rate",
    "safety_complaint_rate", "substantiation_rate", "overdue_backlog", "closed_loop_rate",
    "complaints_per_10k_orders",
}  # fmt: skip


@pytest.mark.parametrize("metric_id", sorted(DESIGN))
def test_dimensions_give_the_design_slices(metric_id: str) -> None:
    # DESIGN.md: every metric for the whole platform and per market, category_l1, seller_tier
    # and market x category_l1; complaint metrics also per channel and issue_type. Traffic
    # has no seller tier, so the orders-based rate cannot be sliced by it.
    metric = load_catalogue().get(metric_id)
    expected = {"market", "category_l1", "seller_tier"}
    if "traffic" in metric.requires:
        expected.discard("seller_tier")
    if metric_id in COMPLAINT_METRICS:
        expected |= {"channel", "issue_type"}
    assert set(metric.dimensions) == expected
    slice_sets = set(metric.slice_sets)
    assert {(), ("market",), ("category_l1",), ("market", "category_l1")} <= slice_sets
    # Only rates over an exposure keep the parent's denominator for channel/issue_type slices.
    if metric.kind == "rate" and metric_id in COMPLAINT_METRICS:
        assert set(metric.exposure_dimensions) == {"channel", "issue_type"}
    else:
        assert metric.exposure_dimensions == ()


def _broken_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "sql"
    shutil.copytree(SQL_DIR, folder, ignore=shutil.ignore_patterns("__pycache__"))
    return folder


def test_malformed_definitions_are_all_reported_at_once(tmp_path: Path) -> None:
    folder = _broken_copy(tmp_path)
    unknown = folder / "proactive_rate.toml"
    unknown.write_text(unknown.read_text() + 'colour = "red"\n')
    bad_kind = folder / "complaint_rate.toml"
    bad_kind.write_text(bad_kind.read_text().replace('kind = "rate"', 'kind = "ratio"'))
    with pytest.raises(UserError) as caught:
        load_catalogue(folder)
    message = str(caught.value)
    assert "proactive_rate.toml" in message and "colour" in message
    assert "complaint_rate.toml" in message and "kind" in message
    # And nothing about the untouched definitions.
    assert "new_listings" not in message


def test_missing_pair_and_wrong_id_are_reported(tmp_path: Path) -> None:
    folder = _broken_copy(tmp_path)
    (folder / "new_listings.toml").unlink()
    (folder / "live_listings.sql").unlink()
    renamed = folder / "takedown_rate.toml"
    renamed.write_text(renamed.read_text().replace('id = "takedown_rate"', 'id = "takedowns"'))
    with pytest.raises(UserError) as caught:
        load_catalogue(folder)
    message = str(caught.value)
    assert "new_listings.sql" in message
    assert "live_listings.toml" in message
    assert "takedowns" in message and "takedown_rate.toml" in message


def test_shipped_catalogue_loads_with_the_shared_exposure() -> None:
    catalogue = load_catalogue()
    assert set(catalogue.shared_sql) == {"live_exposure"}


# The columns each aggregation reads from a metric's SQL (engines/duckdb_backend.py).
def expected_columns(metric: MetricDefinition) -> set[str]:
    base = {"day", *metric.dimensions}
    if metric.aggregation == "distinct":
        return base | {"entity", "in_numerator"}
    if metric.aggregation == "median":
        return base | {"hours"}
    if metric.kind in ("share", "rate"):
        return base | {"numerator", "denominator"}
    return base | {"numerator"}


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection holding the engine's prepared relations over a tiny four-table export."""
    data = write_exports(tmp_path_factory.mktemp("catalogue") / "data", appeals=DEFAULT,
                         traffic=DEFAULT)  # fmt: skip
    con = duckdb.connect()
    prepare_facts(con, str(data))
    prepare_live_exposure(con, load_catalogue().shared_sql)
    yield con
    con.close()


@pytest.mark.parametrize("metric_id", sorted(DESIGN))
def test_metric_sql_binds_with_the_columns_its_aggregation_reads(
    prepared: duckdb.DuckDBPyConnection, metric_id: str
) -> None:
    metric = load_catalogue().get(metric_id)
    columns = {row[0] for row in prepared.execute(f"DESCRIBE {metric.sql}").fetchall()}
    assert columns == expected_columns(metric)
    # The GROUPING SETS query the engine wraps around it binds and plans too.
    prepared.execute(
        "EXPLAIN " + aggregation_sql(metric), [date(2026, 3, 1), date(2026, 3, 31)]
    ).fetchall()
