"""``hunt-assets demo``: from nothing to materialized, browsable hunts on the sample tenant.

Why in-process against the persistent instance: the UI (``make ui``) reads the same DAGSTER_HOME, so
everything the demo materializes is there to browse, with its metadata, partitions and run logs.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from hunt_assets import settings

# the console shows warnings and errors only; every event still lands in the instance for the UI
QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


def sample_days() -> list[str]:
    from hunt_assets.sample_tenant import SAMPLE_DAYS, SAMPLE_START

    return [(SAMPLE_START + timedelta(days=i)).isoformat() for i in range(SAMPLE_DAYS)]


def open_sample_investigations(instance, lake) -> list[str]:
    """Open investigations the way the sensors would: from the sample tenant's alerts and DNS flags."""
    from hunt_assets.assets.investigations import add_investigation
    from hunt_assets.automation.alert_cursor import AlertCursor, plan
    from hunt_assets.clients.alerts import SampleAlertsSource

    alerts = SampleAlertsSource(lake).alerts_since(datetime(2000, 1, 1, tzinfo=UTC))
    keys = {add_investigation(instance, r.partition_key) for r in plan(alerts, AlertCursor()).requests}
    keys |= {add_investigation(instance, d) for d in flagged_domains()}
    return sorted(keys)


def flagged_domains() -> list[str]:
    """Registered domains the DNS analytics flagged as tunnel or DGA on the sample days."""
    from hunt_assets.warehouse.store import Warehouse

    wh = Warehouse(settings.warehouse_path())
    if not wh.table_exists("analytics.dns_domain_flags"):
        return []
    from hunt_assets.automation.sensors import worth_investigating

    df = wh.query("SELECT registered_domain AS domain, verdict, max(score) AS score, bool_or(resolved) AS resolved "
                  "FROM analytics.dns_domain_flags WHERE verdict IN ('tunnel', 'dga') GROUP BY 1, 2")
    return sorted({f["domain"] for f in worth_investigating(df.to_dict("records"))})


def run_demo(*, rebuild: bool = False) -> int:
    from hunt_assets.instance import ensure_dagster_home

    t0 = time.monotonic()
    data = settings.data_dir()
    data.mkdir(parents=True, exist_ok=True)
    home = ensure_dagster_home(data)

    import dagster as dg

    from hunt_assets.sample_tenant import build_lake
    from hunt_assets.sample_tenant.lake import GENERATOR_VERSION, generator_version

    lake = settings.lake_path()
    built_by = generator_version(lake) if lake.exists() and not rebuild else GENERATOR_VERSION
    if built_by != GENERATOR_VERSION:
        print(f"[demo] sample tenant: {lake} was built by generator {built_by or 'before 1.0.0'}, "
              f"this is {GENERATOR_VERSION}: rebuilding")
    if rebuild or not lake.exists() or built_by != GENERATOR_VERSION:
        summary = build_lake(lake, overwrite=True)
        print(f"[demo] sample tenant: {lake} ({sum(summary.row_counts.values()):,} rows)")
    else:
        print(f"[demo] sample tenant: {lake} (exists; --rebuild to regenerate)")

    from hunt_assets.definitions import defs

    instance = dg.DagsterInstance.get()
    job = defs.resolve_job_def("daily_hunts")
    for day in sample_days():
        result = job.execute_in_process(partition_key=day, instance=instance, run_config=QUIET)
        checks = result.get_asset_check_evaluations()
        failed = [f"{'/'.join(c.asset_key.path)}:{c.check_name} ({c.description})" for c in checks if not c.passed]
        if not result.success or failed:
            print(f"[demo] daily hunts failed for {day}" + (": " + "; ".join(failed) if failed else ""))
            return 1
        print(f"[demo] daily hunts for {day}: ok, {len(checks)} asset checks passed")

    keys = open_sample_investigations(instance, lake)
    inv_job = defs.resolve_job_def("investigate_domain")
    for key in keys:
        result = inv_job.execute_in_process(partition_key=key, instance=instance, raise_on_error=False,
                                            run_config=QUIET)
        print(f"[demo] investigation {key}: {'ok' if result.success else 'FAILED'}")

    from hunt_assets.report_summary import print_summary

    print_summary(settings.warehouse_path(), settings.data_dir())
    print(f"[demo] done in {time.monotonic() - t0:.0f}s. Dagster home: {home}")
    print("[demo] browse it:  make ui   then open http://127.0.0.1:3000")
    return 0
