"""Jobs and schedules: the daily hunts for the last complete day, the daily refresh of investigations."""

import os
from collections.abc import Iterator
from datetime import UTC, datetime

import dagster as dg
from dagster._core.definitions.unresolved_asset_job_definition import UnresolvedAssetJobDefinition

from hunt_assets.assets.investigations import open_investigations
from hunt_assets.partitions import daily_partitions, investigated_domains

SCHEDULE_HOUR = int(os.environ.get("HUNT_SCHEDULE_HOUR", "2"))  # UTC hour of the daily runs (configuration)
REFRESH_HOUR = int(os.environ.get("HUNT_REFRESH_HOUR", "4"))


def build_jobs(assets: list[dg.AssetsDefinition]) -> tuple[UnresolvedAssetJobDefinition, ...]:
    """``daily_hunts``: every daily-partitioned asset (hunts, flags, summaries, indicators);
    ``investigate_domain``: every asset partitioned by investigation (pDNS, heatmap, TI, context, report)."""
    daily = [k for a in assets if a.partitions_def == daily_partitions for k in a.keys]
    investigation = [k for a in assets if a.partitions_def == investigated_domains for k in a.keys]
    daily_job = dg.define_asset_job(
        "daily_hunts", selection=dg.AssetSelection.assets(*daily),
        description="Every hunt for one day, then the DNS flags, host summaries and indicators derived from them.",
        tags={"hunt/kind": "daily"})
    investigate_job = dg.define_asset_job(
        "investigate_domain", selection=dg.AssetSelection.assets(*investigation),
        description="One investigation: passive DNS, heatmap, threat-intel verdicts, context and the findings report.",
        tags={"hunt/kind": "investigation"})
    return daily_job, investigate_job


def build_schedules(daily_job: UnresolvedAssetJobDefinition,
                    investigate_job: UnresolvedAssetJobDefinition) -> list[dg.ScheduleDefinition]:
    daily_schedule = dg.build_schedule_from_partitioned_job(
        daily_job, name="daily_hunts_schedule", hour_of_day=SCHEDULE_HOUR, minute_of_hour=15,
        default_status=dg.DefaultScheduleStatus.RUNNING,
        description=f"Daily at {SCHEDULE_HOUR:02d}:15 UTC: the hunts for the last complete day (UTC).")

    @dg.schedule(name="investigation_refresh_schedule", job=investigate_job,
                 cron_schedule=f"30 {REFRESH_HOUR} * * *", execution_timezone="UTC",
                 default_status=dg.DefaultScheduleStatus.RUNNING,
                 description="Daily: re-pull passive DNS, TI and context of every open investigation, one run each.")
    def investigation_refresh_schedule(
        context: dg.ScheduleEvaluationContext,
    ) -> Iterator[dg.RunRequest | dg.SkipReason]:
        keys = open_investigations(context.instance)
        if not keys:
            yield dg.SkipReason("no open investigations")
            return
        tick = (context.scheduled_execution_time or datetime.now(UTC)).strftime("%Y-%m-%d")
        for key in sorted(keys):
            yield dg.RunRequest(run_key=f"refresh:{key}@{tick}", partition_key=key,
                                tags={"hunt/opened_by": "investigation_refresh_schedule"})

    return [daily_schedule, investigation_refresh_schedule]
