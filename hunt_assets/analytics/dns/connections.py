"""Connections to encrypted-DNS resolvers in what a sensor or an endpoint records beside its DNS: a packet
capture's packets (``pcap.Connections``), Zeek's ``conn.log`` and ``ssl.log``, Suricata's ``tls``, ``quic``
and ``flow`` events, network events in the Elastic Common Schema, Sysmon's event 3 (``winevent``).

Why: a host that resolves over HTTPS or TLS sends its look-ups past the DNS log every verdict here is
computed from. Defender's connection hunt finds such hosts for the ``host_summary`` asset; a hunter with a
sensor's logs has the same evidence in them, and ``score-dns --hosts`` lists those hosts as the asset does.

What counts (``Watch``): any connection to port 853 (DNS over TLS; over QUIC on UDP), a connection to port
443 of a listed public resolver's address (DNS over HTTPS; HTTP/3 on UDP), and a TLS or QUIC connection to
port 443 of any address whose server name (SNI) is a resolver's endpoint (``resolvers.endpoint_of``).

The readers hand on rows of ``FIELDS`` in a table's schema metadata (``KEY``, JSON), so they pass through
``combine_inputs`` with the table. A log's row is one connection, with the log's id for it (Zeek's
``uid``, Suricata's ``flow_id``): Zeek writes a TLS connection to ``conn.log`` and to ``ssl.log``,
Suricata one flow as a ``flow`` and a ``tls`` event, and ``merge`` counts such a connection once. A
capture's rows are already counted, per client and resolver. An endpoint's rows name the image
(``process``), which ``events.summarize_hosts`` judges as it judges the connection hunt's.
"""

from __future__ import annotations

import functools
import json
import socket
from collections.abc import Callable, Iterable

import pyarrow as pa

KEY = b"hunt_assets.encrypted_dns_connections"
FIELDS = ("client", "server", "port", "protocol", "connections", "first_seen", "last_seen", "server_name", "uid",
          "process")  # process: the image that connected, where the log names it (Sysmon's event 3)
DOT_PORT, HTTPS_PORT = 853, 443


class Watch:
    """Which connections are encrypted DNS (see the module docstring): by port and address, and by the
    server name a TLS or QUIC hello gives."""

    def __init__(self) -> None:
        from hunt_assets.analytics.dns.resolvers import endpoint_tails, resolver_addresses

        self.watched = frozenset(resolver_addresses())
        self.watched_packed = frozenset(socket.inet_pton(socket.AF_INET6 if ":" in a else socket.AF_INET, a)
                                        for a in self.watched)
        self.tails = endpoint_tails()

    def watches(self, dst: str | None, dport: int) -> bool:
        """A connection to ``dst``:``dport`` is encrypted DNS: DoT / DoQ to anyone, HTTPS to a listed resolver."""
        return dport == DOT_PORT or (dport == HTTPS_PORT and dst in self.watched)

    def names_resolver(self, name: str | None) -> bool:
        """A TLS server name that is an encrypted-DNS resolver's endpoint (``resolvers.endpoint_of``). Most
        hellos name the web, each its own site: their last two labels rule them out first."""
        if not name:
            return False
        n = name.strip().rstrip(".").lower()
        if n[n.rfind(".", 0, max(n.rfind("."), 0)) + 1 :] not in self.tails:
            return False
        from hunt_assets.analytics.dns.resolvers import RESOLVER, endpoint_of

        hit = endpoint_of(n)
        return hit is not None and hit[1] == RESOLVER


@functools.lru_cache(maxsize=1)
def watch() -> Watch:
    """The one ``Watch`` of the process: its tables are built once, on the first capture or log that needs them."""
    return Watch()


def attach(tbl: pa.Table, rows: list[list]) -> pa.Table:
    """``tbl`` carrying ``rows`` (of ``FIELDS``) in its schema metadata, with what it carried before."""
    if not rows:
        return tbl
    meta = dict(tbl.schema.metadata or {})
    meta[KEY] = json.dumps([*carried(tbl), *rows]).encode()
    return tbl.replace_schema_metadata(meta)


def carried(tbl: pa.Table) -> list[list]:
    """The rows ``attach`` put on ``tbl``, else []."""
    raw = (tbl.schema.metadata or {}).get(KEY)
    return json.loads(raw) if raw else []


def merge(rows: Iterable[list]) -> list[list]:
    """One row per client, server, port, protocol, process and hour (of the row's first time, as the
    connection hunt bins its rows, so a program polling on a timer shows as one: ``events._steady_rate``): a
    connection that several of the rows name (the same ``uid``: one log's record of it in ``conn.log``,
    another in ``ssl.log``) counted once, with the server name any of them gives; the times (epoch seconds,
    as ``times_as_seconds`` makes them) the earliest and the latest."""
    by_uid: dict[str, list] = {}
    rest: list[list] = []
    for r in rows:
        r = list(r) + [None] * (len(FIELDS) - len(r))
        uid = r[8]
        if uid is None:
            rest.append(r)
        elif uid in by_uid:
            by_uid[uid] = _joined(by_uid[uid], r, add=False)
        else:
            by_uid[uid] = r
    out: dict[tuple, list] = {}
    for r in [*by_uid.values(), *rest]:
        key = (r[0], r[1], r[2], r[3], r[9], None if r[5] is None else int(r[5] // 3600))
        out[key] = _joined(out[key], r, add=True) if key in out else [*r[:8], None, r[9]]
    return list(out.values())


def times_as_seconds(rows: list[list]) -> list[list]:
    """``rows`` with their times as epoch seconds: a log's rows carry its own spelling (Zeek's epoch
    seconds, Suricata's ISO stamps with an offset), read here by ``times.to_ns`` as every reader's times
    are. Needs pandas, which ``score-dns`` loads after reading: the readers keep the text."""
    import numpy as np
    import pandas as pd

    from hunt_assets.analytics.dns.times import to_ns

    rows = [list(r) + [None] * (len(FIELDS) - len(r)) for r in rows]
    values = pd.Series([None if v is None else str(v) for r in rows for v in (r[5], r[6])], dtype="string")
    ns = to_ns(values) if len(values) else np.array([], dtype=np.int64)
    nat = np.iinfo(np.int64).min
    for k, r in enumerate(rows):
        r[5], r[6] = (None if ns[2 * k + j] == nat else int(ns[2 * k + j]) / 1e9 for j in (0, 1))
    return rows


def _joined(a: list, b: list, add: bool) -> list:
    times = [t for t in (a[5], b[5], a[6], b[6]) if t is not None]
    return [a[0], a[1], a[2], a[3], a[4] + b[4] if add else max(a[4], b[4]),
            min(times) if times else None, max(times) if times else None, a[7] or b[7], None if add else a[8],
            a[9] or b[9]]


# a connection log's fields, lower case, dotted as the readers flatten JSON: Zeek (conn.log, ssl.log; ASCII or
# JSON), Suricata's eve.json (flow, tls and quic events), the Elastic Common Schema (Winlogbeat's Sysmon module,
# Elastic Defend, Packetbeat's flows and tls events)
_CLIENT = ("id.orig_h", "src_ip", "source.ip")
_SERVER = ("id.resp_h", "dest_ip", "destination.ip")
_PORT = ("id.resp_p", "dest_port", "destination.port")
_PROTO = ("proto", "network.transport")
_NAME = ("server_name", "tls.sni", "quic.sni", "tls.client.server_name", "destination.domain")
_TIME = ("ts", "timestamp", "@timestamp")
_UID = ("uid", "flow_id", "flow.id", "network.community_id")
_PROCESS = ("process.executable", "process.name")
_SURICATA_KINDS = ("flow", "tls", "quic")
_INBOUND = ("ingress", "inbound")  # ECS network.direction of a connection the host accepted
FIELD_NAMES = frozenset((*_CLIENT, *_SERVER, *_PORT, *_PROTO, *_NAME, *_TIME, *_UID, "event_type", "conn_state",
                         "client_initial_dcid"))


def is_connection_log(columns: Iterable[str]) -> bool:
    """The records are (or include) connections: Zeek's ``conn.log`` (``conn_state``), ``ssl.log`` or
    ``quic.log`` (``server_name``), Suricata's flow, tls or quic events (their ``flow.*``, ``tls.*``,
    ``quic.*`` fields), each with a client, a server and its port. Another log with those three
    (``http.log``, ``dns.log`` without its query field) is not one."""
    cols = {c.lower() for c in columns}
    if not all(any(f in cols for f in fields) for fields in (_CLIENT, _SERVER, _PORT)):
        return False
    return (bool({"conn_state", "server_name", "network.transport"} & cols)  # Zeek; ECS
            or any(c.startswith(("flow.", "tls.", "quic.")) for c in cols))


def rows_from_records(tbl: pa.Table) -> list[list]:
    """The encrypted-DNS connections among a connection log's records (columns lower case), one row each
    (``FIELDS``). The ports are compared in Arrow, so a day's ``conn.log`` of millions of rows costs one
    pass; only the rows to port 443 or 853 are looked at one by one. A field of the wrong kind (a list
    where the port or the event type belongs: JSON is the writer's to shape) gives no connections."""
    try:
        return _rows_from_records(tbl)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
        return []


def _rows_from_records(tbl: pa.Table) -> list[list]:
    import pyarrow.compute as pc

    cols = set(tbl.column_names)
    if not is_connection_log(cols):
        return []

    def col(names: tuple[str, ...]) -> str | None:
        return next((c for c in names if c in cols), None)

    port_col = col(_PORT)
    assert port_col is not None
    port = pc.cast(tbl.column(port_col), pa.int64(), safe=False) if _numeric(tbl.column(port_col)) else \
        _int_text(tbl.column(port_col))
    keep = pc.fill_null(pc.or_(pc.equal(port, DOT_PORT), pc.equal(port, HTTPS_PORT)), False)
    if "event_type" in cols:  # Suricata: a flow's own events (an alert or an http event names the flow too)
        kind = pc.cast(tbl.column("event_type"), pa.large_string())
        keep = pc.and_(keep, pc.fill_null(pc.is_in(kind, pa.array(_SURICATA_KINDS, pa.large_string())), False))
    if "network.direction" in cols:  # ECS: what the host accepted is not its own look-up path
        direction = pc.utf8_lower(pc.cast(tbl.column("network.direction"), pa.large_string()))
        keep = pc.and_(keep, pc.invert(pc.fill_null(pc.is_in(direction, pa.array(_INBOUND, pa.large_string())),
                                                    False)))
    some = tbl.filter(keep)
    if some.num_rows == 0:
        return []
    w = watch()
    quic = "client_initial_dcid" in cols  # Zeek's quic.log (Zeek 6): UDP, with no proto field
    names = {k: col(v) for k, v in (("client", _CLIENT), ("server", _SERVER), ("proto", _PROTO),
                                    ("name", _NAME), ("ts", _TIME), ("uid", _UID), ("process", _PROCESS))}
    if names["process"] is not None and "host.name" in cols:  # an endpoint's agent: the host, as its DNS events
        names["client"] = "host.name"
    text = {k: _texts(some, c) for k, c in names.items()}  # the time as the log spells it: see times_as_seconds
    rows = []
    for i, p in enumerate(pc.filter(port, keep).to_pylist()):
        server, name = text["server"][i], text["name"][i]
        name = name.strip().lower() if name else None
        if not (w.watches(server, p) or w.names_resolver(name)):
            continue
        proto = (text["proto"][i] or ("udp" if quic else "tcp")).lower()
        proto = {"6": "tcp", "17": "udp"}.get(proto, proto)
        uid = text["uid"][i]
        rows.append([text["client"][i], server, p, proto, 1, text["ts"][i], text["ts"][i], name or None,
                     None if uid is None else str(uid), text["process"][i] or None])
    return rows


def _texts(tbl: pa.Table, column: str | None) -> list:
    import pyarrow.compute as pc

    if column is None:
        return [None] * tbl.num_rows
    try:
        return pc.cast(tbl.column(column), pa.large_string()).to_pylist()
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):  # an object where a value belongs
        return [None] * tbl.num_rows


def _numeric(col: pa.ChunkedArray) -> bool:
    return pa.types.is_integer(col.type) or pa.types.is_floating(col.type)


def _int_text(col: pa.ChunkedArray) -> pa.ChunkedArray:
    """A port column read as text (Zeek ASCII): numbers, anything else null."""
    import pyarrow.compute as pc

    text = pc.cast(col, pa.large_string())
    digits = pc.match_substring_regex(text, r"^\d{1,5}$")
    return pc.cast(pc.if_else(digits, text, pa.scalar(None, pa.large_string())), pa.int64())


def connection_log(tbl: pa.Table, warn: Callable[[str], None] | None = None, rows: list[list] | None = None
                   ) -> pa.Table:
    """A connection log without look-ups (Zeek's ``conn.log`` or ``ssl.log``, a Suricata file of flow and
    tls events only) as an input of no events that carries its encrypted-DNS connections, for ``--hosts``
    beside the sensor's DNS log. ``warn`` is told what it held, so a hunter who gave it alone sees why
    nothing was scored. ``rows``: ``rows_from_records(tbl)`` when already read."""
    rows = rows_from_records(tbl) if rows is None else rows
    if warn is not None:
        warn(f"no DNS look-ups: a connection log, {len(rows):,} connection(s) to encrypted-DNS resolvers "
             "(listed by --hosts)")
    text = pa.large_string()
    return attach(pa.table({"name": pa.array([], text), "client": pa.array([], text)}), rows)
