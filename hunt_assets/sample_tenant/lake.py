"""build_lake: the sample tenant's entry point, writing a DuckDB file that looks like a Defender tenant."""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pandas as pd

from hunt_assets.duckdb_files import LAKE_WAIT_S, connect_in_turn, turn

from .alerts import Alert, mde_alert_id
from .alerts import ip as ip_evidence
from .alerts import url as url_evidence
from .arrowio import insert_rows
from .background_alerts import background_alerts
from .benign_dns import BenignDns
from .benign_process import write_benign_processes
from .device_info import write_device_info
from .dns_writer import DnsWriter
from .events import write_rows
from .fleet import build_fleet
from .identity import benign_ldap_rows, write_identity
from .incidents import plant_all
from .passive_dns import passive_dns_rows
from .schemas import ALL_TABLES, GROUND_TRUTH_TABLE, PASSIVE_DNS_TABLE, TENANT_INFO_TABLE, create_table_sql
from .tenant import Tenant

GENERATOR_VERSION = "1.1.0"  # 1.1.0: the dictionary-DGA incident
SAMPLE_START = date(2026, 11, 16)
SAMPLE_DAYS = 3
BUILD_MEMORY_LIMIT = "1GB"


@dataclass(frozen=True)
class LakeSummary:
    path: str
    seed: int
    days: int
    row_counts: dict[str, int] = field(default_factory=dict)

    @property
    def dns_rows(self) -> int:
        """DeviceEvents DNS look-ups plus DnsEvents rows: the figure the size knob is about."""
        return self.row_counts.get("DeviceEvents_DnsQueryResponse", 0) + self.row_counts.get("DnsEvents", 0)


def _remove(path: Path) -> None:
    for p in (path, Path(f"{path}.wal")):
        with contextlib.suppress(FileNotFoundError):
            p.unlink()


def build_lake(
    path: str | os.PathLike,
    *,
    seed: int = 20261116,
    start: date = SAMPLE_START,
    days: int = SAMPLE_DAYS,
    devices: int = 50,
    dns_scale: float = 1.0,
    overwrite: bool = False,
    lock_timeout: float = LAKE_WAIT_S,
) -> LakeSummary:
    """Write the lake to `path` atomically: a crash or a concurrent reader never sees a half-built file.

    The new file replaces the old one in the lake's write turn (``duckdb_files.turn``), so it never
    lands under ``hunt-assets new-alert`` mid-write, and the old lake's WAL goes with it: a WAL left
    by a writer killed before its checkpoint does not match the new file, and DuckDB then refuses to
    open it ("WAL does not match database file"), which no rebuild would have cured. Waits up to
    ``lock_timeout`` seconds for the turn (``StillLocked`` after it; the built copy is removed).

    The same arguments always give the same table contents (seeded numpy streams, no wall clock).
    """
    target = Path(path)
    if target.exists() and not overwrite:
        raise FileExistsError(f"sample lake already exists: {target} (pass overwrite=True to replace it)")
    if days < 1:
        raise ValueError(f"days must be >= 1, got {days}")
    if dns_scale <= 0:
        raise ValueError(f"dns_scale must be > 0, got {dns_scale}")
    tmp = Path(f"{target}.tmp")
    _remove(tmp)
    tenant = Tenant(seed=seed, start=start, days=days, dns_scale=dns_scale, fleet=build_fleet(devices))
    try:
        con = duckdb.connect(str(tmp))
        try:
            con.execute("SET enable_progress_bar = false")
            # written blocks need not stay cached: keeps a 10M-row build well under 3 GB RSS
            con.execute(f"SET memory_limit = '{BUILD_MEMORY_LIMIT}'")
            _populate(con, tenant)
            counts = _row_counts(con)
            con.execute("CHECKPOINT")
        finally:
            con.close()
        with turn(target, read_only=False, timeout=lock_timeout):
            with contextlib.suppress(FileNotFoundError):
                Path(f"{target}.wal").unlink()
            os.replace(tmp, target)
    except BaseException:
        _remove(tmp)
        raise
    _remove(Path(f"{tmp}.wal"))
    return LakeSummary(path=str(target), seed=seed, days=days, row_counts=counts)


def _populate(con: duckdb.DuckDBPyConnection, tenant: Tenant) -> None:
    for table in ALL_TABLES:
        con.execute(create_table_sql(table))
    write_device_info(con, tenant)
    writer = DnsWriter(con, tenant)
    benign = BenignDns(tenant)
    for day in range(tenant.days):
        rng = tenant.rng(f"dns-writer-day-{day}")
        for batch in benign.day_batches(day):
            writer.write(batch, rng)
    write_benign_processes(con, tenant)
    write_identity(con, benign_ldap_rows(tenant))

    planted = plant_all(tenant)
    rng = tenant.rng("dns-writer-incidents")
    for batch in planted.dns:
        writer.write(batch, rng)
    for table, events in planted.device_rows.items():
        write_rows(con, tenant, table, events)
    for table, rows in planted.rows.items():
        insert_rows(con, table, rows)
    _write_alerts(con, [*planted.alerts, *background_alerts(tenant)])
    insert_rows(con, GROUND_TRUTH_TABLE, [gt.row() for gt in planted.truth])
    insert_rows(con, PASSIVE_DNS_TABLE, passive_dns_rows(tenant))
    info = {
        "seed": tenant.seed,
        "start": tenant.start.isoformat(),
        "days": tenant.days,
        "devices": len(tenant.fleet.devices),
        "dns_scale": repr(tenant.dns_scale),
        "generator_version": GENERATOR_VERSION,
    }
    insert_rows(con, TENANT_INFO_TABLE, [{"key": k, "value": str(v)} for k, v in info.items()])


def _write_alerts(con: duckdb.DuckDBPyConnection, alerts: list[Alert]) -> None:
    alerts = sorted(alerts, key=lambda a: a.ts)
    insert_rows(con, "AlertInfo", [a.info_row() for a in alerts])
    insert_rows(con, "AlertEvidence", [row for a in alerts for row in a.evidence_rows()])


def generator_version(path: str | os.PathLike, lock_timeout: float = LAKE_WAIT_S) -> str | None:
    """The generator version a lake was built with (its ``TENANT_INFO_TABLE``), or ``None`` if it records none: a demo
    rebuilds a lake an older generator made, which lacks the incidents planted since."""
    with connect_in_turn(path, read_only=True, timeout=lock_timeout) as con:
        tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        if TENANT_INFO_TABLE not in tables:
            return None
        row = con.execute(f"SELECT value FROM {TENANT_INFO_TABLE} WHERE key = 'generator_version'").fetchone()
    return None if row is None else str(row[0])


def add_alert(
    path: str | os.PathLike,
    *,
    domain: str | None = None,
    url: str | None = None,
    ip: str | None = None,
    title: str | None = None,
    now: datetime | None = None,
    lock_timeout: float = LAKE_WAIT_S,
) -> str:
    """Append a custom-detection alert to an existing lake so users can watch it flow into sensors.

    One AlertInfo row plus one AlertEvidence row per given entity (a domain or URL as EntityType "Url" in
    RemoteUrl, an IP as EntityType "Ip" in RemoteIP). Timestamp is `now` in UTC (default: the wall clock).
    """
    entities = [e for e in (domain, url, ip) if e]
    if not entities:
        raise ValueError("add_alert needs at least one of domain, url or ip")
    if not Path(path).exists():
        raise FileNotFoundError(f"sample lake not found: {path}")
    moment = now or datetime.now(UTC)
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    # a sensor or a hunt may be reading the lake this moment: wait for them rather than fail
    with connect_in_turn(path, read_only=False, timeout=lock_timeout) as con:
        existing = con.execute("SELECT count(*) FROM AlertInfo").fetchall()[0][0]
        alert_id = mde_alert_id("custom", moment.isoformat(), domain, url, ip, title, existing)
        evidence = [_url_evidence(domain), _url_evidence(url), _ip_evidence(ip)]
        alert = Alert(
            alert_id=alert_id,
            ts=moment,
            title=title or f"Custom detection: {entities[0]}",
            category="CommandAndControl",
            severity="Medium",
            service_source="Microsoft Defender XDR",
            detection_source="CustomDetection",
            techniques=["Application Layer Protocol (T1071)"],
            evidence=[e for e in evidence if e],
        )
        _write_alerts(con, [alert])
    return alert_id


def _url_evidence(value: str | None) -> dict | None:
    return url_evidence(value, "Related") if value else None


def _ip_evidence(value: str | None) -> dict | None:
    return ip_evidence(value, "Related") if value else None


def _row_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    counts = {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchall()[0][0] for t in ALL_TABLES}
    counts["DeviceEvents_DnsQueryResponse"] = con.execute(
        "SELECT count(*) FROM DeviceEvents WHERE ActionType = 'DnsQueryResponse'"
    ).fetchall()[0][0]
    return counts


def sample_passive_dns(path: str | os.PathLike) -> pd.DataFrame:
    """Passive-DNS history of the lake's domains in Common Output Format columns (rdata is a list)."""
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(f'SELECT * FROM "{PASSIVE_DNS_TABLE}" ORDER BY rrname, rrtype, time_first').df()
