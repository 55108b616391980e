"""Gather one investigation's findings from the warehouse into a ``ReportData``.

Why separate from rendering: this is the only part that knows table names; each section degrades to
"none found" when its asset has not run (or found nothing), so a report is always complete in shape.
"""

from __future__ import annotations

import urllib.parse
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from hunt_assets.analytics.hosts import ip_map_from_inventory
from hunt_assets.entities import is_ip, split_registered
from hunt_assets.reports.render import ReportData
from hunt_assets.warehouse.store import Warehouse

SEVERITY_RANK = {"information": 0, "informational": 0, "low": 1, "medium": 2, "high": 3}
RANK_SEVERITY = {0: "information", 1: "low", 2: "medium", 3: "high"}


def _matches_host(url: str, key: str) -> bool:
    text = url if "://" in url else "http://" + url
    try:
        host = (urllib.parse.urlsplit(text).hostname or "").lower().rstrip(".")
    except ValueError:
        return False
    return host == key or host.endswith("." + key)


def _ti(wh: Warehouse, key: str) -> pd.DataFrame:
    if not wh.table_exists("intel.ti_verdicts"):
        return pd.DataFrame()
    df = wh.query("SELECT provider, indicator_type, indicator, severity, status, detail, fetched_at "
                  "FROM intel.ti_verdicts WHERE scope = ?", [f"investigation:{key}"])
    if df.empty:
        return df
    df["rank"] = df["severity"].map(SEVERITY_RANK).fillna(0)
    df = df.sort_values(["rank", "provider"], ascending=[False, True]).drop(columns="rank")
    return df.reset_index(drop=True)


def _context(wh: Warehouse, key: str) -> pd.DataFrame:
    if not wh.table_exists("intel.domain_context"):
        return pd.DataFrame()
    return wh.query("SELECT facet, attribute, value, source, passive FROM intel.domain_context "
                    "WHERE investigation = ?", [key])


def _pdns(wh: Warehouse, key: str) -> pd.DataFrame:
    if not wh.table_exists("intel.passive_dns"):
        return pd.DataFrame()
    df = wh.query("SELECT rrname, rrtype, array_to_string(rdata, ', ') AS rdata, first_seen, last_seen, count, "
                  "source FROM intel.passive_dns WHERE investigation = ? ORDER BY last_seen DESC, rrtype", [key])
    return df


def _alerts(wh: Warehouse, key: str) -> pd.DataFrame:
    if not wh.table_exists("hunts.alerts_with_evidence"):
        return pd.DataFrame()
    df = wh.query("SELECT Timestamp, AlertId, Title, Severity, ServiceSource, EntityType, RemoteUrl, RemoteIP "
                  "FROM hunts.alerts_with_evidence WHERE contains(lower(RemoteUrl), ?) OR RemoteIP = ? "
                  "ORDER BY Timestamp", [key, key])
    if df.empty:
        return df
    keep = df.apply(lambda r: r["RemoteIP"] == key or _matches_host(str(r["RemoteUrl"]), key), axis=1)
    return df[keep].drop_duplicates(subset=["AlertId", "EntityType", "RemoteUrl", "RemoteIP"]).reset_index(drop=True)


def _hosts(wh: Warehouse, key: str, ip: bool) -> pd.DataFrame:
    """Devices that looked the domain up or connected to it, the ones that connected first."""
    frames = []
    if wh.table_exists("hunts.dns_events"):
        if ip:
            where, params = "list_contains(string_split(Answers, ','), ?)", [key]
        else:
            where, params = "(QueryName = ? OR ends_with(QueryName, ?))", [key, "." + key]
        frames.append(wh.query(
            "SELECT CASE WHEN DeviceName = '' THEN 'ip:' || ClientIP ELSE DeviceName END AS host, "
            "count(*) AS lookups, count(DISTINCT QueryName) AS distinct_names, 0 AS connections, "
            f"min(Timestamp) AS first_seen, max(Timestamp) AS last_seen FROM hunts.dns_events WHERE {where} "
            "GROUP BY 1", params))
    if wh.table_exists("hunts.process_network_urls"):
        df = wh.query("SELECT DeviceName AS host, RemoteUrl, RemoteIP, Timestamp FROM hunts.process_network_urls "
                      "WHERE Source = 'network' AND (contains(lower(RemoteUrl), ?) OR RemoteIP = ?)", [key, key])
        if not df.empty:
            df = df[df.apply(lambda r: r["RemoteIP"] == key or _matches_host(str(r["RemoteUrl"]), key), axis=1)]
            frames.append(df.groupby("host").agg(
                connections=("Timestamp", "size"), first_seen=("Timestamp", "min"),
                last_seen=("Timestamp", "max")).reset_index().assign(lookups=0, distinct_names=0))
    frames = [f for f in frames if not f.empty]
    if not frames:
        return pd.DataFrame()
    both = pd.concat(frames, ignore_index=True)
    if wh.table_exists("hunts.device_ips"):
        ips = {h[3:] for h in both["host"] if str(h).startswith("ip:")}
        if ips:
            inv = wh.query("SELECT DeviceName, LocalIP, Connections FROM hunts.device_ips "
                           "WHERE list_contains(?, LocalIP)", [sorted(ips)])
            mapping = ip_map_from_inventory(inv)
            both["host"] = both["host"].map(lambda h: mapping.get(h[3:], h) if str(h).startswith("ip:") else h)
    hosts = both.groupby("host").agg(
        lookups=("lookups", "sum"), distinct_names=("distinct_names", "max"), connections=("connections", "sum"),
        first_seen=("first_seen", "min"), last_seen=("last_seen", "max")).reset_index()
    hosts = hosts.sort_values(["connections", "lookups"], ascending=False).reset_index(drop=True)
    hosts.insert(0, "priority", range(1, len(hosts) + 1))
    return hosts


def _dns_verdicts(wh: Warehouse, key: str) -> pd.DataFrame:
    registered = split_registered(key)[1] or key
    frames = []
    if wh.table_exists("analytics.dns_domain_flags"):
        frames.append(wh.query(
            "SELECT 'domain' AS level, registered_domain AS name, verdict, score, reasons "
            "FROM analytics.dns_domain_flags WHERE registered_domain = ? ORDER BY score DESC LIMIT 5", [registered]))
    if wh.table_exists("analytics.dns_flags"):
        frames.append(wh.query(
            "SELECT 'name' AS level, name, verdict, score, reasons FROM analytics.dns_flags "
            "WHERE registered_domain = ? AND verdict <> 'benign' ORDER BY score DESC LIMIT 10", [registered]))
    frames = [f for f in frames if not f.empty]
    if not frames:
        return pd.DataFrame()
    both = pd.concat(frames, ignore_index=True).sort_values("score", ascending=False, kind="stable")
    return both.drop_duplicates(["level", "name"]).reset_index(drop=True)


def gather(wh: Warehouse, key: str, *, heatmap_file: str | Path | None = None,
           now: datetime | None = None) -> ReportData:
    """All sections for one investigation key (normalized host or IP)."""
    ip = is_ip(key)
    ctx = _context(wh, key)
    ti = _ti(wh, key)
    data = ReportData(key=key, kind="ip" if ip else "domain", generated_at=now or datetime.now(UTC))
    data.ti = ti
    if not ctx.empty:
        # a name outside the public DNS has no registration: its "scope" row says why none was looked up
        reg = ctx[ctx["facet"].isin(["scope", "registration"])]
        data.registration = dict(zip(reg["attribute"], reg["value"].astype(str), strict=False))
        tls = ctx[ctx["facet"] == "tls"]
        data.certificate = dict(zip(tls["attribute"], tls["value"].astype(str), strict=False))
        data.resolutions = ctx[ctx["facet"].isin(["dns", "asn"])].reset_index(drop=True)
        data.passive_sources = sorted(set(ctx.loc[ctx["passive"].astype(bool), "source"]))
    if not ti.empty:
        tor = ti[ti["provider"] == "tor"]
        if not tor.empty:
            tor_rows = tor.assign(facet="tor", attribute=tor["indicator"], value=tor["detail"], source="tor",
                                  passive=True)[["facet", "attribute", "value", "source", "passive"]]
            data.resolutions = pd.concat([data.resolutions, tor_rows], ignore_index=True)
        sslbl = ti[ti["provider"] == "sslbl"]
        for row in sslbl.itertuples(index=False):
            data.certificate[f"SSLBL ({row.indicator})"] = f"{row.status}: {row.detail}"
    if "sslbl" not in " ".join(data.certificate).lower():
        data.certificate.setdefault("SSLBL", "no certificate fingerprint to check" if not data.certificate
                                    else "certificate not listed / not checked")
    data.pdns_summary = _pdns(wh, key)
    if heatmap_file and Path(heatmap_file).exists():
        data.heatmap_png = Path(heatmap_file).read_bytes()
    data.alerts = _alerts(wh, key)
    if not data.alerts.empty:
        data.urls = sorted({u for u in data.alerts["RemoteUrl"] if u})[:10]
    data.hosts = _hosts(wh, key, ip)
    data.dns_verdicts = _dns_verdicts(wh, key)
    ranks = [SEVERITY_RANK.get(s, 0) for s in ti.loc[ti["status"] == "ok", "severity"]] if not ti.empty else []
    if not data.dns_verdicts.empty and data.dns_verdicts["verdict"].isin(["tunnel", "dga"]).any():
        ranks.append(3)
        data.notes.append("DNS analytics flag this domain: " + ", ".join(sorted(set(
            data.dns_verdicts.loc[data.dns_verdicts["verdict"].isin(["tunnel", "dga"]), "verdict"]))))
    if not data.alerts.empty:
        ranks.append(max(SEVERITY_RANK.get(str(s).lower(), 1) for s in data.alerts["Severity"]))
        data.notes.append(f"{data.alerts['AlertId'].nunique()} related alert(s)")
    if not data.hosts.empty:
        data.notes.append(f"{len(data.hosts)} host(s) in the environment looked it up or connected to it; "
                          f"top: {data.hosts['host'].iloc[0]}")
    data.overall_severity = RANK_SEVERITY[max(ranks, default=0)]
    return data
