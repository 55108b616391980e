"""Asset checks on the DNS detections, per daily partition: thin wiring over ``analytics.dns.quality``.

Why checks and not tests: tests prove the code on fixtures; these look at what each day's run
actually wrote. ``every_lookup_counted`` blocks: a host summary built on flags that lost look-ups
would rank hosts on part of the day, so ``host_summary`` waits for it and does not run when it fails.

The checks are partitioned like their assets, so the UI shows each day's result next to that day's
materialization. Partitioned asset checks are a preview feature of Dagster 1.13 (pinned exactly in
``pyproject.toml``); its warning is silenced here, where they are defined, and nowhere else.
``hunt_assets_tests/test_detection_checks.py`` runs them for real: re-run it on any Dagster upgrade.
"""

import warnings
from collections.abc import Sequence
from datetime import date
from typing import Any

import dagster as dg
import pandas as pd

from hunt_assets.analytics.dns import quality
from hunt_assets.analytics.dns.events import FLAGGED as HOST_FLAGGED
from hunt_assets.assets.detections import (
    DNS_HUNT,
    DOMAIN_FLAGS,
    HOST_SUMMARY,
    NAME_FLAGS,
    dns_flags,
    host_summary,
)
from hunt_assets.assets.hunts import PARTITION_COLUMN
from hunt_assets.partitions import daily_partitions
from hunt_assets.resources import WarehouseResource
from hunt_assets.warehouse.store import Warehouse, quote_ident

_WHERE_DAY = f"WHERE {quote_ident(PARTITION_COLUMN)} = ?"


def _scalar(wh: Warehouse, table: str, expression: str, day: date, params: Sequence[object] = ()) -> int:
    """One aggregate over a day of ``table`` (0 when the table does not exist yet: no rows that day);
    ``params`` are bound to the expression's ``?``s."""
    if not wh.table_exists(table):
        return 0
    value = wh.query(f"SELECT {expression} AS v FROM {table} {_WHERE_DAY}", [*params, day])["v"].iloc[0]
    return 0 if value is None or value != value else int(value)


def _columns(wh: Warehouse, table: str) -> set[str]:
    return {c for c, _ in wh.columns(table)} if wh.table_exists(table) else set()


def _result(outcome: quality.Outcome) -> dg.AssetCheckResult:
    meta: dict[str, Any] = {k: dg.MetadataValue.json(v) if isinstance(v, dict | list) else v
                            for k, v in outcome.metadata.items()}
    return dg.AssetCheckResult(passed=outcome.passed, severity=dg.AssetCheckSeverity.ERROR,
                               description=outcome.description, metadata=meta)


with warnings.catch_warnings():
    warnings.simplefilter("ignore", dg.PreviewWarning)

    @dg.asset_check(
        asset=dns_flags,
        blocking=True,
        partitions_def=daily_partitions,
        description="Every look-up of the day's DNS hunt that has a query name is counted under a registered domain "
                    "in analytics.dns_domain_flags: nothing dropped between the hunt and the flags. Blocks "
                    "host_summary when it fails.",
    )
    def every_lookup_counted(context: dg.AssetCheckExecutionContext,
                             warehouse: WarehouseResource) -> dg.AssetCheckResult:
        day = date.fromisoformat(context.partition_key)
        wh = warehouse.get()
        lookups = _scalar(wh, DNS_HUNT, "count(QueryName)", day) if "QueryName" in _columns(wh, DNS_HUNT) else 0
        counted = _scalar(wh, DOMAIN_FLAGS, "sum(queries)", day)
        return _result(quality.lookups_counted(lookups, counted))


    @dg.asset_check(
        asset=dns_flags,
        partitions_def=daily_partitions,
        description="Every flagged name (analytics.dns_flags) and every domain (analytics.dns_domain_flags) of the "
                    "day has a known verdict, a score inside its verdict's band, and reasons when it is flagged.",
    )
    def flags_explained(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource) -> dg.AssetCheckResult:
        day = date.fromisoformat(context.partition_key)
        wh = warehouse.get()
        cols = ["verdict", "score", "reasons"]
        names = wh.read_partition_arrow(NAME_FLAGS, PARTITION_COLUMN, day, columns=["name", *cols], dictionary=False)
        domains = wh.read_partition_arrow(DOMAIN_FLAGS, PARTITION_COLUMN, day, columns=["registered_domain", *cols],
                                          dictionary=False)
        return _result(quality.flags_explained(names.to_pandas(), domains.to_pandas()))


    @dg.asset_check(
        asset=host_summary,
        partitions_def=daily_partitions,
        description="The hosts' look-ups of flagged domains add up to the flagged domains' own look-ups (less at most "
                    "the day's look-ups that name no client): every look-up of a tunnel, DGA or suspicious domain "
                    "reached a host.",
    )
    def flagged_lookups_attributed(context: dg.AssetCheckExecutionContext,
                                   warehouse: WarehouseResource) -> dg.AssetCheckResult:
        day = date.fromisoformat(context.partition_key)
        wh = warehouse.get()
        hosts = _scalar(wh, HOST_SUMMARY, "sum(lookups_flagged)", day)
        flagged = _scalar(wh, DOMAIN_FLAGS, "sum(queries) FILTER (WHERE list_contains(?, verdict))", day,
                          [list(HOST_FLAGGED)])
        present = _columns(wh, DNS_HUNT)
        if {"QueryName", "DeviceName", "ClientIP"} <= present:
            clientless = _scalar(wh, DNS_HUNT, "count(*) FILTER (WHERE QueryName IS NOT NULL AND "
                                               "coalesce(DeviceName, '') = '' AND ClientIP IS NULL)", day)
        else:  # a hunt without client columns: no look-up can be put on a host
            clientless = _scalar(wh, DNS_HUNT, "count(QueryName)", day) if "QueryName" in present else 0
        return _result(quality.lookups_attributed(hosts, flagged, clientless))


    @dg.asset_check(
        asset=host_summary,
        partitions_def=daily_partitions,
        description="One row per host in the day's host summary: a host listed twice would split its priority.",
    )
    def one_row_per_host(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource) -> dg.AssetCheckResult:
        day = date.fromisoformat(context.partition_key)
        clients = warehouse.get().read_partition_arrow(HOST_SUMMARY, PARTITION_COLUMN, day, columns=["client"],
                                                       dictionary=False)
        series = clients.column("client").to_pandas() if clients.num_columns else pd.Series([], dtype=object)
        return _result(quality.one_row_per_host(series))


DETECTION_CHECKS = [every_lookup_counted, flags_explained, flagged_lookups_attributed, one_row_per_host]
