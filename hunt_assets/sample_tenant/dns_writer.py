"""Project DNS look-ups into the three places a hunter sees them.

One look-up becomes a DeviceEvents "DnsQueryResponse" row on the client, a DnsEvents row on the DC that
served it (Computer = DNS server, ClientIP = the device), and, when the client then talks to the answer,
a DeviceNetworkEvents connection to the resolved IP. A small share of look-ups also shows up as the DNS
client's UDP/53 flow to its DNS server, as Defender records some of those.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np
import pyarrow as pa

from .arrowio import const_column, dict_column, insert_columns, ts_column
from .dns_records import NOERROR, NamePool
from .fleet import Fleet
from .processes import is_browser, proc_index
from .tenant import SUBSCRIPTION_ID, TENANT_ID, Tenant

MS = 1_000
UDP53_SHARE = 0.03


@dataclass
class DnsBatch:
    """Look-ups as parallel arrays; `name` indexes `pool`, `connect` asks for a follow-up connection."""

    pool: NamePool
    ts: np.ndarray
    device: np.ndarray
    name: np.ndarray
    proc: np.ndarray
    connect: np.ndarray

    def __len__(self) -> int:
        return len(self.ts)

    def take(self, sel: np.ndarray | slice) -> DnsBatch:
        return DnsBatch(self.pool, self.ts[sel], self.device[sel], self.name[sel], self.proc[sel], self.connect[sel])


class _PoolArrays:
    """Arrow dictionaries of one pool, built once and shared by every chunk that uses the pool."""

    def __init__(self, pool: NamePool) -> None:
        self.qname = pa.array(pool.qname, pa.string())
        self.url = pa.array([*pool.qname, ""], pa.string())
        self.qtype = pa.array(pool.qtype, pa.string())
        self.af = pa.array(pool.af_json, pa.string())
        self.ips = pa.array(pool.ip_csv, pa.string())
        self.first_ip = pa.array(pool.first_ip, pa.string())
        self.remote_type = pa.array(pool.remote_type, pa.string())
        self.rcode = np.asarray(pool.rcode, dtype=np.int32)
        self.port = pool.ports()
        self.billed = np.array([180.0 + len(q) + len(i) for q, i in zip(pool.qname, pool.ip_csv, strict=True)])
        self.has_ti = any(t is not None for t in pool.ti)
        if self.has_ti:
            ti = pool.ti
            self.ti_ip = pa.array([ip if t else "" for ip, t in zip(pool.first_ip, ti, strict=True)], pa.string())
            self.ti_type = pa.array([t.threat_type if t else "" for t in ti], pa.string())
            self.ti_conf = pa.array([t.confidence if t else "" for t in ti], pa.string())
            self.ti_desc = pa.array([t.description if t else "" for t in ti], pa.string())
            self.ti_country = pa.array([t.country if t else "" for t in ti], pa.string())
            self.ti_sev = [t.severity if t else None for t in ti]
            self.ti_lat = [t.latitude if t else None for t in ti]
            self.ti_lon = [t.longitude if t else None for t in ti]


def _dict(indices: np.ndarray, values: pa.Array) -> pa.DictionaryArray:
    return pa.DictionaryArray.from_arrays(pa.array(np.asarray(indices, dtype=np.int32)), values)


def _nullable(indices: np.ndarray, values: list, dtype: pa.DataType) -> pa.Array:
    return pa.array(values, dtype).take(pa.array(np.asarray(indices, dtype=np.int32)))


class DnsWriter:
    def __init__(self, con: duckdb.DuckDBPyConnection, tenant: Tenant) -> None:
        self.con = con
        self.tenant = tenant
        fleet: Fleet = tenant.fleet
        devs = fleet.devices
        self.device_id = [d.device_id for d in devs]
        self.device_name = [d.name for d in devs]
        self.device_ip = [d.ip for d in devs]
        servers = [fleet.dns_server(d) for d in devs]
        self.dns_name = [s.name for s in servers]
        self.dns_ip = [s.ip for s in servers]
        self.dns_resource = [
            f"/subscriptions/{SUBSCRIPTION_ID}/resourcegroups/rg-identity/providers/microsoft.compute/"
            f"virtualmachines/{s.short}"
            for s in servers
        ]
        self._cache: dict[int, _PoolArrays] = {}
        self.counts = {"DeviceEvents": 0, "DnsEvents": 0, "DeviceNetworkEvents": 0}

    def _arrays(self, pool: NamePool) -> _PoolArrays:
        key = id(pool)
        if key not in self._cache:
            self._cache[key] = _PoolArrays(pool)
        return self._cache[key]

    def write(self, batch: DnsBatch, rng: np.random.Generator) -> None:
        """Write one batch to DeviceEvents, DnsEvents and DeviceNetworkEvents."""
        n = len(batch)
        if n == 0:
            return
        pa_ = self._arrays(batch.pool)
        t = self.tenant
        dev, name = batch.device, batch.name
        base = {
            "Timestamp": ts_column(batch.ts),
            "DeviceId": dict_column(dev, self.device_id),
            "DeviceName": dict_column(dev, self.device_name),
        }
        cols = {
            **base,
            "ActionType": const_column("DnsQueryResponse", n),
            "AdditionalFields": _dict(name, pa_.af),
            "ReportId": t.report_ids(n),
            **t.procs.columns("initiating", dev, batch.proc, batch.ts),
        }
        self.counts["DeviceEvents"] += insert_columns(self.con, "DeviceEvents", cols, strict=False)
        del cols

        rcode = pa_.rcode[name]
        dns = {
            "TenantId": const_column(TENANT_ID, n),
            "TimeGenerated": ts_column(batch.ts - rng.integers(2 * MS, 40 * MS, n)),
            "Computer": dict_column(dev, self.dns_name),
            "SourceSystem": const_column("OpsManager", n),
            "EventId": np.where(rcode == NOERROR, 257, 258).astype(np.int32),
            "SubType": const_column("LookupQuery", n),
            "ClientIP": dict_column(dev, self.device_ip),
            "Name": _dict(name, pa_.qname),
            "QueryType": _dict(name, pa_.qtype),
            "ResultCode": rcode,
            "IPAddresses": _dict(name, pa_.ips),
            "Type": const_column("DnsEvents", n),
            "_ResourceId": dict_column(dev, self.dns_resource),
            "_SubscriptionId": const_column(SUBSCRIPTION_ID, n),
            "_BilledSize": pa_.billed[name],
            "_IsBillable": const_column("True", n),
        }
        if pa_.has_ti:
            dns.update(
                {
                    "MaliciousIP": _dict(name, pa_.ti_ip),
                    "IndicatorThreatType": _dict(name, pa_.ti_type),
                    "Confidence": _dict(name, pa_.ti_conf),
                    "Description": _dict(name, pa_.ti_desc),
                    "RemoteIPCountry": _dict(name, pa_.ti_country),
                    "Severity": _nullable(name, pa_.ti_sev, pa.int32()),
                    "RemoteIPLatitude": _nullable(name, pa_.ti_lat, pa.float64()),
                    "RemoteIPLongitude": _nullable(name, pa_.ti_lon, pa.float64()),
                }
            )
        self.counts["DnsEvents"] += insert_columns(self.con, "DnsEvents", dns)
        del dns

        self._connections(batch, pa_, rng)
        self._udp53(batch, rng)

    def _connections(self, batch: DnsBatch, pa_: _PoolArrays, rng: np.random.Generator) -> None:
        port = pa_.port[batch.name]
        sel = np.flatnonzero(batch.connect & (port > 0))
        if sel.size == 0:
            return
        b = batch.take(sel)
        n = len(b)
        t = self.tenant
        ts = b.ts + rng.integers(5 * MS, 400 * MS, n)
        browser = is_browser(b.proc) & np.isin(port[sel], (80, 443))
        url_idx = np.where(browser, b.name, len(batch.pool))
        failed = rng.random(n) < 0.01
        cols = {
            "Timestamp": ts_column(ts),
            "DeviceId": dict_column(b.device, self.device_id),
            "DeviceName": dict_column(b.device, self.device_name),
            "ActionType": dict_column(failed.astype(np.int32), ["ConnectionSuccess", "ConnectionFailed"]),
            "RemoteIP": _dict(b.name, pa_.first_ip),
            "RemotePort": port[sel],
            "RemoteUrl": _dict(url_idx, pa_.url),
            "LocalIP": dict_column(b.device, self.device_ip),
            "LocalPort": rng.integers(49152, 65535, n).astype(np.int32),
            "Protocol": const_column("Tcp", n),
            "LocalIPType": const_column("Private", n),
            "RemoteIPType": _dict(b.name, pa_.remote_type),
            "ReportId": t.report_ids(n),
            **t.procs.columns("initiating", b.device, b.proc, ts),
        }
        self.counts["DeviceNetworkEvents"] += insert_columns(self.con, "DeviceNetworkEvents", cols, strict=False)

    def _udp53(self, batch: DnsBatch, rng: np.random.Generator) -> None:
        sel = np.flatnonzero(rng.random(len(batch)) < UDP53_SHARE)
        if sel.size == 0:
            return
        n = sel.size
        t = self.tenant
        dev = batch.device[sel]
        ts = batch.ts[sel] - rng.integers(1 * MS, 3 * MS, n)
        proc = np.full(n, proc_index("svchost_dns"))
        cols = {
            "Timestamp": ts_column(ts),
            "DeviceId": dict_column(dev, self.device_id),
            "DeviceName": dict_column(dev, self.device_name),
            "ActionType": const_column("ConnectionSuccess", n),
            "RemoteIP": dict_column(dev, self.dns_ip),
            "RemotePort": np.full(n, 53, dtype=np.int32),
            "LocalIP": dict_column(dev, self.device_ip),
            "LocalPort": rng.integers(49152, 65535, n).astype(np.int32),
            "Protocol": const_column("Udp", n),
            "LocalIPType": const_column("Private", n),
            "RemoteIPType": const_column("Private", n),
            "ReportId": t.report_ids(n),
            **t.procs.columns("initiating", dev, proc, ts),
        }
        self.counts["DeviceNetworkEvents"] += insert_columns(self.con, "DeviceNetworkEvents", cols, strict=False)
