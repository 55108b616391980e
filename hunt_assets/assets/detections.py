"""DNS tunnel / DGA flags and host summaries: thin Dagster wrappers over ``hunt_assets.analytics``."""

import base64
import json
import time
from datetime import date

import dagster as dg
import pandas as pd
import pyarrow as pa

from hunt_assets.analytics.charts import volume_chart
from hunt_assets.analytics.dns.events import (
    events_from_hunt,
    findings_first,
    findings_preview,
    mark_resolved,
    principal_clients,
    score_events,
    summarize_hosts,
    volume_over_time,
)
from hunt_assets.analytics.hosts import ip_map_from_inventory
from hunt_assets.assets.detection_columns import DOMAIN_FLAG_COLUMNS, HOST_COLUMNS, NAME_FLAG_COLUMNS, table_schema
from hunt_assets.assets.hunts import PARTITION_COLUMN, preview_markdown
from hunt_assets.partitions import daily_partitions
from hunt_assets.resources import DnsScoringResource, WarehouseResource
from hunt_assets.warehouse.store import Warehouse

DNS_HUNT = "hunts.dns_events"
DEVICE_IPS_HUNT = "hunts.device_ips"
ALERTS_HUNT = "hunts.alerts_with_evidence"
ENCRYPTED_DNS_HUNT = "hunts.encrypted_dns_connections"
NAME_FLAGS = "analytics.dns_flags"
DOMAIN_FLAGS = "analytics.dns_domain_flags"
HOST_SUMMARY = "analytics.host_summary"
FLAGGED = ("tunnel", "dga")
TOP_FINDINGS = 15  # rows of the top_findings preview
# what events_from_hunt and attribute_clients use (DeviceId and Source are not read)
DNS_COLUMNS = ["Timestamp", "DeviceName", "ClientIP", "QueryName", "QueryType", "Answers"]
NAME_COLUMNS = ["name", "registered_domain", "verdict", "score", "reasons", "tunnel_score", "dga_score",
                "suppressed_family", "queries", "clients"]


class _Clock:
    """Seconds per step (read, score, write, chart): cheap, and shown in the materialization's metadata."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._t = time.perf_counter()

    def lap(self, step: str) -> None:
        t = time.perf_counter()
        self.seconds[step] = round(t - self._t, 3)
        self._t = t


def _with_partition(df: pd.DataFrame, day: date) -> pd.DataFrame:
    out = df.reset_index(drop=True).copy()
    out.insert(0, PARTITION_COLUMN, pd.Series([day] * len(out), dtype=pd.ArrowDtype(pa.date32())))
    return out


def load_dns_events(wh: Warehouse, day: date) -> pd.DataFrame:
    """One day of the normalized DNS hunt as scoring events, DNS-server rows attributed to devices by IP.

    String columns come back as categoricals: a day holds millions of look-ups but few distinct
    names, devices, IPs and answers, so the frame is a few integer columns, not millions of strings.
    """
    table = wh.read_partition_arrow(DNS_HUNT, PARTITION_COLUMN, day, columns=DNS_COLUMNS, dictionary=True)
    if table.num_rows == 0:
        return pd.DataFrame({"name": pd.Series([], dtype=object)})
    df = table.to_pandas(split_blocks=True, self_destruct=True)  # frees the Arrow buffers column by column
    del table
    inventory = wh.read_partition(DEVICE_IPS_HUNT, PARTITION_COLUMN, day)
    return events_from_hunt(df, ip_map=ip_map_from_inventory(inventory))


@dg.asset(
    key=["analytics", "dns_flags"],
    partitions_def=daily_partitions,
    deps=[dg.AssetKey(["hunts", "dns_events"]), dg.AssetKey(["hunts", "device_ips"])],
    group_name="detections",
    kinds={"duckdb", "python"},
    owners=["team:threat-hunting"],
    pool="warehouse",
    automation_condition=dg.AutomationCondition.eager(),
    description="DNS tunnel / DGA / entropy verdicts for one day of the normalized DNS hunt: every distinct name "
                "scored once (n-gram likelihood, entropy of every label, decodability, look-alike suppressions), "
                "lifted by per-domain context (unique subdomains, query types, bytes per client, regularity). "
                "Writes analytics.dns_flags (non-benign names) and analytics.dns_domain_flags (every domain).",
)
def dns_flags(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, dns_scoring: DnsScoringResource
) -> dg.MaterializeResult:
    day = date.fromisoformat(context.partition_key)
    wh = warehouse.get()
    clock = _Clock()
    allow = dns_scoring.load_allowlist()
    if allow.sources:
        context.log.info("dns_flags allowlist: %s", allow.summary())
    events = load_dns_events(wh, day)
    clock.lap("read")
    names, domains = score_events(events, allow=allow)
    domains = mark_resolved(domains, events, names)
    clock.lap("score")
    flagged_names = names[names["verdict"] != "benign"][[c for c in NAME_COLUMNS if c in names.columns]]
    wh.replace_partition(NAME_FLAGS, _with_partition(flagged_names, day), PARTITION_COLUMN, day)
    wh.replace_partition(DOMAIN_FLAGS, _with_partition(domains, day), PARTITION_COLUMN, day)
    clock.lap("write")
    hot = findings_first(domains, FLAGGED)
    volume = volume_over_time(events, domains, "1h", top=None, names=names) if len(events) else pd.DataFrame()
    chart = volume_chart(volume, title=f"queries per hour to flagged domains, {day.isoformat()}",
                         verdict_of=dict(zip(hot["registered_domain"], hot["verdict"], strict=True)))
    counts = names["verdict"].value_counts().to_dict()
    clock.lap("chart")
    context.log.info("dns_flags %s: %d events, %d names, verdicts %s, seconds %s", day, len(events), len(names),
                     counts, clock.seconds)
    return dg.MaterializeResult(metadata={
        "dagster/row_count": len(flagged_names),
        "dagster/column_schema": table_schema(wh.columns(NAME_FLAGS), NAME_FLAG_COLUMNS),  # analytics.dns_flags
        "domain_table_columns": dg.MetadataValue.table_schema(table_schema(wh.columns(DOMAIN_FLAGS),
                                                                          DOMAIN_FLAG_COLUMNS)),
        "events": len(events),
        "distinct_names": len(names),
        "seconds": dg.MetadataValue.json(clock.seconds),
        # what the user's allowlist (HUNT_DNS_ALLOWLIST) covered: it stops DGA verdicts, not tunnel ones
        "allowlist": dg.MetadataValue.json({
            "files": list(allow.sources), "registered_domains": allow.domains, "rejected_lines": allow.rejected,
            "names_under_allowlisted_domains": int(names["allowlisted"].sum())}),
        "verdicts": dg.MetadataValue.json({k: int(v) for k, v in counts.items()}),
        # what the look-alike suppressions hid, so a hunter can audit them (names per family; the
        # anonymity networks' names also set shape evidence aside, but are flagged, not hidden)
        "suppressed_families": dg.MetadataValue.json(
            {k: int(v) for k, v in names.loc[(names["suppressed_family"] != "") & (names["verdict"] == "benign"),
                                             "suppressed_family"]
             .value_counts().items()} if "suppressed_family" in names.columns else {}),
        "flagged_domains": dg.MetadataValue.json(
            [{"domain": r.registered_domain, "verdict": r.verdict, "score": round(float(r.score), 4),
              "resolved": bool(r.resolved)} for r in hot.head(500).itertuples(index=False)]),
        "top_findings": dg.MetadataValue.md(preview_markdown(
            findings_preview(domains, TOP_FINDINGS, by=principal_clients(events, domains, names))[
                ["registered_domain", "verdict", "score", "queries", "clients", "unique_subdomains", "reasons"]]
            .astype({"clients": "Int64"}),  # a count (NaN only for plainly benign domains)
            rows=TOP_FINDINGS, max_cell=160)),
        "query_volume": dg.MetadataValue.md(
            f"![query volume](data:image/png;base64,{base64.b64encode(chart).decode()})"),
    })


@dg.asset(
    key=["analytics", "host_summary"],
    partitions_def=daily_partitions,
    deps=[dg.AssetKey(["analytics", "dns_flags"]), dg.AssetKey(["hunts", "alerts_with_evidence"]),
          dg.AssetKey(["hunts", "encrypted_dns_connections"])],
    group_name="detections",
    kinds={"duckdb", "python"},
    owners=["team:threat-hunting"],
    pool="warehouse",
    # eager, but never on flags whose blocking check failed (a day that lost look-ups): the run that
    # failed it skipped this asset, and automation must not build it from the same flags afterwards
    automation_condition=dg.AutomationCondition.eager() & dg.AutomationCondition.all_deps_blocking_checks_passed(),
    description="Per device: look-ups of flagged domains, distinct flagged domains, alerts, first/last seen and a "
                "priority score -- the hosts to look at first; and the devices that looked up an encrypted-DNS "
                "resolver, whose later look-ups this log may not see (higher when the process is neither a "
                "browser nor DNS software: the shape of a DoH tunnel).",
)
def host_summary(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    day = date.fromisoformat(context.partition_key)
    wh = warehouse.get()
    events = load_dns_events(wh, day)
    domains = wh.read_partition(DOMAIN_FLAGS, PARTITION_COLUMN, day)
    alerts = wh.read_partition(ALERTS_HUNT, PARTITION_COLUMN, day)
    if not alerts.empty:
        alerts = alerts[alerts["DeviceName"].astype(str) != ""].drop_duplicates(["AlertId", "DeviceName"])
    connections = wh.read_partition(ENCRYPTED_DNS_HUNT, PARTITION_COLUMN, day)
    summary = summarize_hosts(events, domains, alerts if not alerts.empty else None, connections)
    wh.replace_partition(HOST_SUMMARY, _with_partition(summary, day), PARTITION_COLUMN, day)
    return dg.MaterializeResult(metadata={
        "dagster/row_count": len(summary),
        "dagster/column_schema": table_schema(wh.columns(HOST_SUMMARY), HOST_COLUMNS),
        "top_hosts": dg.MetadataValue.md(preview_markdown(_preview_order(summary), rows=10, max_cell=PREVIEW_CELL)),
        "flagged_hosts": json.dumps(summary.loc[summary["lookups_flagged"] > 0, "client"].head(20).tolist()),
        # hosts that looked up an encrypted-DNS resolver: their later look-ups may not be in this log
        "encrypted_dns_hosts": dg.MetadataValue.json(
            summary.loc[(summary["encrypted_dns_lookups"] > 0) | (summary["encrypted_dns_connections"] > 0),
                        ["client", "encrypted_dns", "encrypted_dns_connected_to", "encrypted_dns_processes",
                         "encrypted_dns_other_processes"]]
            .head(50).to_dict(orient="records")),
    })


# the UI's dialog shows a wide table's first columns: the rank and what earned it come first there, the
# counts and times after (the warehouse keeps summarize_hosts' order)
_PREVIEW_FIRST = ["client", "priority", "tunnel_domains", "dga_domains", "alerts", "top_domains",
                  "encrypted_dns_other_processes", "encrypted_dns", "encrypted_dns_connected_to",
                  "encrypted_dns_processes"]


# a process's full path (up to MAX_PATH, 260) and where it went is the finding: clip later than other previews
PREVIEW_CELL = 200


def _preview_order(summary: pd.DataFrame) -> pd.DataFrame:
    first = [c for c in _PREVIEW_FIRST if c in summary.columns]
    return summary[first + [c for c in summary.columns if c not in first]]


DETECTION_ASSETS = [dns_flags, host_summary]
