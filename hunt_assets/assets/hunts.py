"""Asset factory: every ``queries/*.kql`` file becomes one daily-partitioned asset ``hunts/<name>``.

Why a factory: adding a hunt must mean adding a file. The framework owns what every hunt shares --
the partition's time window on the hunt's time column, the row-cap split, the transactional partition
write and the metadata the UI shows -- so a hunt file holds nothing but KQL and its description.
"""


from datetime import date, datetime

import dagster as dg
import pandas as pd
import pyarrow as pa

from hunt_assets.clients.http import ApiError
from hunt_assets.hunts.execute import run_hunt
from hunt_assets.hunts.loader import Hunt, load_hunts
from hunt_assets.partitions import daily_partitions
from hunt_assets.reports.tables import md_table
from hunt_assets.resources import HuntingResource, WarehouseResource

PARTITION_COLUMN = "partition_date"
OWNER = "team:threat-hunting"
PREVIEW_ROWS = 10


def hunt_table(name: str) -> str:
    return f"hunts.{name}"


def preview_markdown(df: pd.DataFrame, rows: int = PREVIEW_ROWS, max_cell: int = 80) -> str:
    """A small preview: long cells clipped and markdown escaped, so one attacker-sized command line can
    neither flood the UI nor turn into a link or a remote image."""
    return md_table(df, limit=rows, cell_limit=max_cell, empty="_no rows_")


def table_schema(df: pd.DataFrame) -> dg.TableSchema:
    return dg.TableSchema(columns=[dg.TableColumn(name=str(c), type=str(t)) for c, t in df.dtypes.items()])


def _description(hunt: Hunt) -> str:
    title = (hunt.title or hunt.name).rstrip(".")
    parts = [f"{title}.", "", hunt.description, "",
             f"Tables: {', '.join(hunt.tables)}; window on `{hunt.time_column}`."]
    if hunt.mitre:
        parts.append("MITRE ATT&CK: " + ", ".join(hunt.mitre))
    parts.append(f"Source: queries/{hunt.path.name}")
    return "\n".join(parts)


def build_hunt_asset(hunt: Hunt) -> dg.AssetsDefinition:
    """One partitioned asset for one hunt file."""
    tags = {t.replace(" ", "_")[:60]: "" for t in hunt.tags}
    tags["severity"] = hunt.severity

    @dg.asset(
        name=hunt.name,
        key_prefix=["hunts"],
        partitions_def=daily_partitions,
        group_name="hunts",
        description=_description(hunt),
        kinds={"duckdb", "kql"},
        owners=[OWNER],
        tags=tags,
        pool="warehouse",
        metadata={
            "source_file": dg.MetadataValue.path(f"queries/{hunt.path.name}"),
            "kql": dg.MetadataValue.md(f"```kql\n{hunt.kql}\n```"),
            "time_column": hunt.time_column,
            "tables": ", ".join(hunt.tables),
            "mitre": ", ".join(hunt.mitre) or "-",
        },
    )
    def _hunt_asset(context: dg.AssetExecutionContext, hunting: HuntingResource,
                    warehouse: WarehouseResource) -> dg.MaterializeResult:
        window = context.partition_time_window
        start: datetime = window.start
        end: datetime = window.end
        day = date.fromisoformat(context.partition_key)
        backend = hunting.get_backend()
        splits: list[str] = []
        try:
            result = run_hunt(backend, hunt, start, end,
                              on_split=lambda s, e, n: splits.append(f"{s.isoformat()}..{e.isoformat()} ({n} rows)"))
        except ApiError as exc:
            if not exc.retryable:
                raise
            # throttling, quota or transient faults outlived the client's own retries: come back later,
            # not in a hot loop (a CPU-quota cycle is 15 minutes)
            wait = max(60.0, exc.retry_after or 0.0)
            context.log.warning("hunt %s: %s; retrying the step in %.0fs", hunt.name, exc, wait)
            raise dg.RetryRequested(max_retries=3, seconds_to_wait=wait) from exc
        frame = result.frame.copy()
        frame.insert(0, PARTITION_COLUMN, pd.Series([day] * len(frame), dtype=pd.ArrowDtype(pa.date32())))
        rows = warehouse.get().replace_partition(hunt_table(hunt.name), frame, PARTITION_COLUMN, day)
        context.log.info("hunt %s on %s for %s: %d rows", hunt.name, backend.name, context.partition_key, rows)
        return dg.MaterializeResult(metadata={
            "dagster/row_count": rows,
            "dagster/column_schema": table_schema(result.frame),
            "backend": backend.name,
            "window": f"{start.isoformat()} .. {end.isoformat()}",
            "table": hunt_table(hunt.name),
            "window_splits": len(splits),
            "preview": dg.MetadataValue.md(preview_markdown(result.frame)),
        })

    return _hunt_asset


def build_hunt_assets(hunts: list[Hunt] | None = None) -> list[dg.AssetsDefinition]:
    return [build_hunt_asset(h) for h in (hunts if hunts is not None else load_hunts())]
