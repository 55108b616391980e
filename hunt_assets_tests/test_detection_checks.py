"""The DNS detections' asset checks: the rules alone, then on a real day of the sample tenant, in a real
DuckDB warehouse, passing as written and failing once the tables are damaged by SQL."""

import shutil
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest

from hunt_assets.analytics.dns import quality
from hunt_assets.assets import detections
from hunt_assets.assets.detection_checks import DETECTION_CHECKS, every_lookup_counted, flags_explained
from hunt_assets.assets.detections import dns_flags, host_summary
from hunt_assets.assets.hunts import build_hunt_assets
from hunt_assets.resources import DnsScoringResource, HuntingResource, WarehouseResource
from hunt_assets.warehouse.store import Warehouse

DAY = "2026-11-16"
HUNTS = ("dns_events", "device_ips", "alerts_with_evidence", "encrypted_dns_connections")


# ---- the rules ------------------------------------------------------------------------------------


def test_lookups_counted_passes_only_on_equal_counts():
    assert quality.lookups_counted(10, 10).passed
    lost = quality.lookups_counted(10, 7)
    assert not lost.passed
    assert lost.metadata["missing"] == 3
    assert "3 of 10" in lost.description
    extra = quality.lookups_counted(10, 12)
    assert not extra.passed
    assert "2 more" in extra.description
    assert quality.lookups_counted(0, 0).passed  # a day without DNS events loses nothing


def _flags(rows: list[tuple[str, str, float, str]], key: str = "name") -> pd.DataFrame:
    return pd.DataFrame(rows, columns=[key, "verdict", "score", "reasons"])


def test_flags_explained_names_each_problem_and_its_rows():
    good = _flags([("a.example", "dga", 0.8, "registered label ..."), ("b.example", "suspicious", 0.5, "why"),
                   ("", "invalid", 0.0, "invalid: empty name")])
    domains = _flags([("example", "benign", 0.1, ""), ("x.example", "tunnel", 0.9, "many subdomains")],
                     "registered_domain")
    assert quality.flags_explained(good, domains).passed  # a benign domain needs no reasons
    bad = _flags([("a.example", "dga", 0.8, "  "), ("b.example", "suspicious", 0.9, "why"),
                  ("c.example", "DGA", 0.8, "why"), ("d.example", "tunnel", None, "why"),
                  ("e.example", "invalid", 0.3, "invalid: empty label")])
    out = quality.flags_explained(bad, domains)
    assert not out.passed
    problems = out.metadata["problems"]
    assert problems["names.flag_without_reasons"] == {"rows": 1, "examples": ["a.example"]}
    assert problems["names.unknown_verdict"]["examples"] == ["c.example"]
    assert problems["names.score_outside_band"]["examples"] == ["b.example", "d.example", "e.example"]
    assert "names.flag_without_reasons (1)" in out.description


def test_examples_of_attacker_sized_names_are_clipped_and_few():
    long = "a" * 5000 + ".example"
    names = _flags([(f"{i}{long}", "tunnel", 0.9, "") for i in range(20)])
    problem = quality.flags_explained(names, _flags([], "registered_domain")).metadata["problems"]
    examples = problem["names.flag_without_reasons"]["examples"]
    assert problem["names.flag_without_reasons"]["rows"] == 20
    assert len(examples) == quality.EXAMPLES
    assert all(len(e) == quality.EXAMPLE_CHARS for e in examples)


def test_lookups_attributed_allows_only_the_clientless_look_ups_to_be_missing():
    assert quality.lookups_attributed(100, 100, 0).passed
    assert not quality.lookups_attributed(99, 100, 0).passed
    assert quality.lookups_attributed(95, 100, 5).passed
    assert "5 look-ups" in quality.lookups_attributed(95, 100, 5).description
    short = quality.lookups_attributed(90, 100, 5)
    assert not short.passed
    assert "5 look-ups of flagged domains reached no host" in short.description
    assert not quality.lookups_attributed(101, 100, 0).passed  # more on hosts than the domains had
    assert quality.lookups_attributed(0, 3, 10).passed  # every look-up of the day without a client


def test_one_row_per_host():
    assert quality.one_row_per_host(pd.Series(["ws-1", "ws-2"])).passed
    twice = quality.one_row_per_host(pd.Series(["ws-1", "ws-2", "ws-1", None, None]))
    assert not twice.passed
    assert sorted(twice.metadata["repeated"]) == ["<null>", "ws-1"]


# ---- the checks on a real day -----------------------------------------------------------------------


def _hunts() -> list[dg.AssetsDefinition]:
    return [a for a in build_hunt_assets() if a.key.path[-1] in HUNTS]


def _assets() -> list:
    return [*_hunts(), dns_flags, host_summary, *DETECTION_CHECKS]


def _resources(lake: Path, warehouse: Path) -> dict:
    return {"warehouse": WarehouseResource(path=str(warehouse)),
            "hunting": HuntingResource(backend="sample", lake_path=str(lake)),
            "dns_scoring": DnsScoringResource()}


def _evaluations(result: dg.ExecuteInProcessResult) -> dict[str, dg.AssetCheckEvaluation]:
    return {e.check_name: e for e in result.get_asset_check_evaluations()}


def _run_checks(lake: Path, warehouse: Path) -> dict[str, dg.AssetCheckEvaluation]:
    """The checks alone, on what the warehouse holds now (as the UI's "Execute checks" runs them)."""
    # a run of checks alone carries its partition as a tag (``partition_key=`` wants a selected asset)
    result = dg.materialize(_assets(), selection=dg.AssetSelection.checks(*DETECTION_CHECKS),
                            tags={"dagster/partition": DAY}, instance=dg.DagsterInstance.ephemeral(),
                            resources=_resources(lake, warehouse), raise_on_error=False)
    assert not result.get_asset_materialization_events()  # nothing re-materialized: only the checks ran
    return _evaluations(result)


@pytest.fixture(scope="module")
def run(sample_lake, tmp_path_factory) -> tuple[Path, dg.ExecuteInProcessResult]:
    path = tmp_path_factory.mktemp("checks") / "warehouse.duckdb"
    result = dg.materialize(_assets(), partition_key=DAY, instance=dg.DagsterInstance.ephemeral(),
                            resources=_resources(sample_lake, path))
    assert result.success
    return path, result


@pytest.fixture
def materialized(run) -> tuple[Path, dict[str, dg.AssetCheckEvaluation]]:
    return run[0], _evaluations(run[1])


@pytest.fixture
def damaged(materialized, tmp_path) -> Warehouse:
    """A copy of the materialized warehouse, for a test to damage."""
    path = tmp_path / "warehouse.duckdb"
    shutil.copy(materialized[0], path)
    return Warehouse(path)


def _sql(wh: Warehouse, sql: str, params: list | None = None) -> None:
    with wh.connect() as con:
        con.execute(sql, params or [])


def test_every_check_passes_on_the_sample_tenant_and_reports_its_figures(materialized):
    path, checks = materialized
    assert sorted(checks) == sorted(c.check_key.name for c in DETECTION_CHECKS)
    assert all(e.passed for e in checks.values()), {k: e.description for k, e in checks.items()}
    wh = Warehouse(path)
    lookups = wh.query("SELECT count(QueryName) AS n FROM hunts.dns_events WHERE partition_date = ?", [DAY])["n"][0]
    counted = checks["every_lookup_counted"].metadata
    assert counted["lookups"].value == counted["counted"].value == lookups > 60_000
    flagged = wh.query("SELECT sum(queries) AS n FROM analytics.dns_domain_flags WHERE partition_date = ? "
                       "AND verdict IN ('tunnel', 'dga', 'suspicious')", [DAY])["n"][0]
    hosts = checks["flagged_lookups_attributed"].metadata
    assert hosts["host_lookups"].value == hosts["flagged_domain_lookups"].value == flagged > 1_000
    assert checks["flags_explained"].metadata["flagged_names"].value > 1_000


def test_a_domain_row_lost_from_the_flags_fails_the_count(sample_lake, damaged):
    lost = damaged.query("SELECT registered_domain, queries FROM analytics.dns_domain_flags "
                         "WHERE partition_date = ? ORDER BY queries DESC LIMIT 1", [DAY])
    _sql(damaged, "DELETE FROM analytics.dns_domain_flags WHERE partition_date = ? AND registered_domain = ?",
         [DAY, lost["registered_domain"][0]])
    checks = _run_checks(sample_lake, damaged.path)
    count = checks["every_lookup_counted"]
    assert not count.passed
    assert count.severity == dg.AssetCheckSeverity.ERROR
    assert count.metadata["missing"].value == int(lost["queries"][0])
    assert checks["flags_explained"].passed


def test_a_flag_without_reasons_or_out_of_its_band_fails_and_is_named(sample_lake, damaged):
    name = damaged.query("SELECT name FROM analytics.dns_flags WHERE partition_date = ? AND verdict = 'dga' "
                         "ORDER BY name LIMIT 1", [DAY])["name"][0]
    _sql(damaged, "UPDATE analytics.dns_flags SET reasons = '' WHERE partition_date = ? AND name = ?", [DAY, name])
    _sql(damaged, "UPDATE analytics.dns_domain_flags SET score = 0.2 WHERE partition_date = ? AND verdict = 'tunnel'",
         [DAY])
    check = _run_checks(sample_lake, damaged.path)["flags_explained"]
    assert not check.passed
    problems = check.metadata["problems"].value
    assert problems["names.flag_without_reasons"] == {"rows": 1, "examples": [name]}
    assert problems["domains.score_outside_band"]["rows"] >= 1


def test_a_host_lost_or_listed_twice_fails_the_host_checks(sample_lake, damaged):
    top = damaged.query("SELECT client, lookups_flagged FROM analytics.host_summary WHERE partition_date = ? "
                        "ORDER BY priority DESC LIMIT 1", [DAY])
    _sql(damaged, "DELETE FROM analytics.host_summary WHERE partition_date = ? AND client = ?",
         [DAY, top["client"][0]])
    lost = _run_checks(sample_lake, damaged.path)
    assert not lost["flagged_lookups_attributed"].passed
    assert f"{int(top['lookups_flagged'][0]):,} look-ups of flagged domains reached no host" in \
        lost["flagged_lookups_attributed"].description
    assert lost["one_row_per_host"].passed
    _sql(damaged, "INSERT INTO analytics.host_summary SELECT * FROM analytics.host_summary "
                  "WHERE partition_date = ? ORDER BY priority DESC LIMIT 1", [DAY])
    twice = _run_checks(sample_lake, damaged.path)["one_row_per_host"]
    assert not twice.passed
    assert len(twice.metadata["repeated"].value) == 1


def test_flags_that_lose_look_ups_block_the_host_summary(sample_lake, tmp_path, monkeypatch):
    """A fault between scoring and writing (here: the busiest domain's row dropped) fails the blocking
    check in the same run, and the host summary is not built on the partial flags."""
    real = detections.mark_resolved

    def drops_a_domain(domains, events, names):
        out = real(domains, events, names)
        return out.drop(index=out["queries"].idxmax())

    monkeypatch.setattr(detections, "mark_resolved", drops_a_domain)
    result = dg.materialize(_assets(), partition_key=DAY, instance=dg.DagsterInstance.ephemeral(),
                            resources=_resources(sample_lake, tmp_path / "warehouse.duckdb"), raise_on_error=False)
    assert not result.success
    assert not _evaluations(result)["every_lookup_counted"].passed
    built = {tuple(e.asset_key.path) for e in result.get_asset_materialization_events()}
    assert ("analytics", "dns_flags") in built
    assert ("analytics", "host_summary") not in built


@pytest.mark.parametrize(("asset", "entry", "table"), [
    ("dns_flags", "dagster/column_schema", "analytics.dns_flags"),
    ("dns_flags", "domain_table_columns", "analytics.dns_domain_flags"),
    ("host_summary", "dagster/column_schema", "analytics.host_summary"),
])
def test_every_column_written_is_described_in_the_ui(run, asset, entry, table):
    """The UI's column list is the table's, in order, with its SQL types (as a notebook querying it sees
    them), each column with a description: a column added to a table without one fails here."""
    path, result = run
    (mat,) = [e.materialization for e in result.get_asset_materialization_events()
              if e.asset_key == dg.AssetKey(["analytics", asset])]
    schema = mat.metadata[entry].value
    schema_name, table_name = table.split(".")
    written = Warehouse(path).query("SELECT column_name, data_type FROM information_schema.columns "
                                    "WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position",
                                    [schema_name, table_name])
    assert [(c.name, c.type) for c in schema.columns] == list(written.itertuples(index=False, name=None))
    undescribed = [c.name for c in schema.columns if not (c.description or "").strip()]
    assert undescribed == []


@pytest.mark.parametrize("flags_lose_look_ups", [False, True])
def test_automation_builds_the_host_summary_only_on_flags_that_passed(sample_lake, tmp_path, monkeypatch,
                                                                      flags_lose_look_ups):
    """host_summary is eager, and a run that failed dns_flags' blocking check skipped it. Eager alone
    would then build it on the next tick from those same flags (it did, before the condition)."""
    from datetime import UTC, datetime

    if flags_lose_look_ups:
        real = detections.mark_resolved
        monkeypatch.setattr(detections, "mark_resolved",
                            lambda d, e, n: (lambda out: out.drop(index=out["queries"].idxmax()))(real(d, e, n)))
    instance = dg.DagsterInstance.ephemeral()
    resources = _resources(sample_lake, tmp_path / "warehouse.duckdb")
    hunts = _hunts()
    defs = dg.Definitions(assets=[*hunts, dns_flags, host_summary], asset_checks=DETECTION_CHECKS,
                          resources=resources)
    target = dg.AssetSelection.assets(host_summary)
    # the day's partition is the latest complete one at these times (eager looks at that one only)
    before = dg.evaluate_automation_conditions(defs=defs, instance=instance, asset_selection=target,
                                               evaluation_time=datetime(2026, 11, 17, 0, 30, tzinfo=UTC))
    assert before.total_requested == 0  # its dependencies are missing
    run = dg.materialize([*hunts, dns_flags, every_lookup_counted, flags_explained], partition_key=DAY,
                         instance=instance, resources=resources, raise_on_error=False)  # with dns_flags' checks
    assert _evaluations(run)["every_lookup_counted"].passed is not flags_lose_look_ups
    after = dg.evaluate_automation_conditions(defs=defs, instance=instance, asset_selection=target,
                                              evaluation_time=datetime(2026, 11, 17, 1, 0, tzinfo=UTC),
                                              cursor=before.cursor)
    expected = set() if flags_lose_look_ups else {DAY}
    assert after.get_requested_partitions(host_summary.key) == expected


def test_a_hunt_landed_again_after_the_flags_fails_the_count_and_says_what_to_do(sample_lake, damaged):
    """The DNS hunt's day changed after dns_flags ran (here: one more look-up): the flags are stale."""
    _sql(damaged, "INSERT INTO hunts.dns_events SELECT * FROM hunts.dns_events WHERE partition_date = ? LIMIT 1",
         [DAY])
    count = _run_checks(sample_lake, damaged.path)["every_lookup_counted"]
    assert not count.passed
    assert count.metadata["missing"].value == 1
    assert "materialize dns_flags for the day again" in count.description
