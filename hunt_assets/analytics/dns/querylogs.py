"""DNS servers' own query logs, for ``score-dns``: BIND's query log (and Infoblox NIOS's response
log), dnsmasq's (Pi-hole's), Unbound's and CoreDNS's, as the server writes them or through syslog
/ a container runtime.

Why: where there is no sensor and no Defender, the resolver's own log is the DNS record a hunter
has (BIND and Infoblox in the data centre, dnsmasq / Pi-hole and Unbound in branch offices and
small shops, CoreDNS in every Kubernetes cluster). Read as a list of names each line came out
``invalid``. Each server writes one line per query, in a shape of its own::

    06-Jul-2022 11:12:04.202 client @0x7ff5b8000cd0 192.168.250.115#51530 (example.com): query: example.com IN A + (…)
    Dec  7 02:47:53 dnsmasq[1234]: query[A] example.com from 192.168.1.5
    [1733540873] unbound[1234:0] info: 192.168.1.5 example.com. A IN
    [INFO] 10.244.0.7:50759 - 29008 "A IN example.com. udp 41 false 4096" NXDOMAIN qr,rd,ra 41 0.0379s

(BIND's older lines have no ``@0x`` object and may name a ``view``; ``print-category`` /
``print-severity`` and a syslog prefix come before ``client``.) dnsmasq also logs the outcome of
each query (``reply example.com is NXDOMAIN``, ``cached …``, ``config …``, Pi-hole's ``gravity
blocked …``), and Unbound with ``log-replies`` a line with the response code: these become the
queries' ``answers``, so a DGA's dead look-ups show as a burst. BIND's query log has no outcomes.
CoreDNS's ``log`` plugin writes the query and its response code on one line, in its Common or
Combined Log Format (``plugin/log``; older releases put ``[when]`` after the ``-``, newer ones
``[INFO]`` before the client, whose IPv6 address is in brackets); a custom ``log`` format is not
read. CoreDNS stamps nothing itself: ``kubectl logs --timestamps``, the container runtime's log
file (``/var/log/containers``) and journald put an ISO or syslog stamp first; Docker's
``json-file`` log is unwrapped into the same shape (``logs.unwrap_docker_json_log``), and so is
``journalctl -o json`` (``logs.unwrap_journal_json``). Unbound logs to syslog without a PID, so
journalctl shows the sender's (``unbound[812]: [812:0] info: …``).

Times: BIND's own stamp and ISO 8601 (rsyslog) carry the year; the classic syslog stamp
(``Dec  7 02:47:53``) does not, and gets the latest year that does not put it in the future.
Unbound's own stamp is epoch seconds. All are the server's local time, read as UTC (the logs do
not say their zone): windows and bursts are right, first / last seen are off by the offset.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, tzinfo

import numpy as np
import pyarrow as pa

from hunt_assets.analytics.dns.logs import (
    DEAD_RCODE_NAMES,
    OUTCOME_TEXT,
    answers_from_rcode,
    match_lines,
    per_distinct,
    split_lines,
    utf8_bytes,
)
from hunt_assets.analytics.dns.zones import local_iso

_STAMP = re.compile(
    r"^(?:\[(?P<epoch>\d{9,11})\]"  # Unbound's own
    r"|(?P<bind>\d{2}-[A-Za-z]{3}-\d{4} \d{2}:\d{2}:\d{2}(?:\.\d+)?)"  # BIND's print-time
    r"|(?P<iso>\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?)"  # rsyslog
    r"|(?P<syslog>[A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2}))\s"  # syslog, no year
)
_BIND = re.compile(
    r"\bclient (?:@0x[0-9a-fA-F]+ )?(?P<ip>[^\s#]+)#\d+(?: \((?:\\.|[^)\\])*\))?: (?:view [^:]*: )?query: "
    r"(?P<name>\S+) (?:IN|CH|HS|ANY|CLASS\d+) (?P<qtype>\S+) "
)
# query lines, and the outcome lines that follow them; --log-queries=extra puts a serial number
# and the client's address/port first
_DNSMASQ = re.compile(
    r"\b(?:dnsmasq|pihole-FTL)(?:\[\d+\])?: (?:\d+ [^\s/]+/\d+ )?"
    r"(?:query\[(?P<qtype>[A-Za-z0-9]+)\] (?P<name>\S+) from (?P<ip>\S+)"
    r"|(?P<verb>reply|cached|cached-stale|config|[a-z]+ blocked|[a-z ]*blacklisted|[a-z ]*denied) (?P<what>\S+) is "
    r"(?P<result>\S+))"
)
_UNBOUND = re.compile(
    r"\bunbound(?:\[\d+:\d+\]|(?:\[\d+\])?: \[\d+:\d+\]) (?:info|query|reply): (?P<ip>[0-9a-fA-F:.]+) (?P<name>\S+) "
    r"(?P<qtype>[A-Z0-9]+) (?:IN|CH|HS|ANY|CLASS\d+)(?: (?P<rcode>[A-Z]+) \d+\.\d+ [01] \d+)?\s*$"
)
# CoreDNS's Common Log Format: {remote}:{port} - [{when}] {>id} "{type} {class} {name} {proto} {size}
# {>do} {>bufsize}" {rcode} ...; names in presentation format (miekg/dns escapes ' ', '"', '\\' ...)
_COREDNS = re.compile(
    r"(?:^|\s)(?:\[INFO\] (?:plugin/log: )?)?(?P<ip>\[[0-9a-fA-F:.]+(?:%[^\]\s]+)?\]|[0-9.]+):\d+ - "
    r"(?:\[(?P<when>\d{2}/[A-Za-z]{3}/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4})\] )?\d+ "
    r'"(?P<qtype>[A-Za-z0-9]+) (?:IN|CH|HS|ANY|NONE|CLASS\d+) (?P<name>(?:\\.|[^\s\\"])+) (?:udp|tcp) \d+ '
    r'(?:true|false) \d+" (?P<rcode>[A-Z]+\d*) '
)
# Infoblox NIOS's response log (category ``infoblox-responses``): BIND's client, the transport, the
# question and its response code on one line, the answer records after it; names escaped as BIND's
_INFOBLOX = re.compile(
    r"\bclient (?:@0x[0-9a-fA-F]+ )?(?P<ip>[^\s#]+)#\d+ (?:UDP|TCP): query: (?P<name>\S+) "
    r"(?:IN|CH|HS|ANY|CLASS\d+) (?P<qtype>\S+) response: (?P<rcode>[A-Z]+\d*)\b"
)
# tried in this order: a NIOS syslog feed with both categories on is read from its responses,
# which hold every query of its queries log and its outcome too
_SERVERS = {"infoblox": _INFOBLOX, "bind": _BIND, "dnsmasq": _DNSMASQ, "unbound": _UNBOUND, "coredns": _COREDNS}
# outcomes that are no evidence of a live name (an answer, or a blocklist's) count as answered;
# the dead response codes (``logs.DEAD_RCODE_NAMES``) do not


_ESCAPE = re.compile(rb"\\(\d{3}|.)", re.DOTALL)


def _unescape(name: str) -> str:
    """A name in BIND's presentation format as the name it stands for: ``\\DDD`` is the byte DDD,
    ``\\X`` the character X (BIND escapes ``"();\\@$``, spaces and non-printing bytes). Bytes that
    are not UTF-8 become ``\\xNN``, as ``score-dns`` shows them from any input, so a binary
    tunnel label scores the same from BIND's log as from a capture."""
    if "\\" not in name:
        return name
    raw = _ESCAPE.sub(lambda m: bytes([int(m[1])]) if m[1].isdigit() and int(m[1]) < 256 else m[1],
                      name.encode("utf-8", "surrogateescape"))
    return raw.decode("utf-8", "backslashreplace")


def which_server(head: bytes) -> str | None:
    """The server whose query lines fill the first lines of the file (``infoblox``, ``bind``,
    ``dnsmasq``, ``unbound``, ``coredns``), or ``None``. A list of names never has their shape."""
    lines = head.decode("utf-8", "replace").splitlines()[:50]
    for server, pattern in _SERVERS.items():
        hits = [line for line in lines if pattern.search(line)]
        if hits and (server != "dnsmasq" or any(m and m["name"] for m in map(pattern.search, hits))):
            return server
    return None


def _stamp_text(s: str, now: datetime, zone: tzinfo | None = None) -> str | None:
    """One line's stamp as text ``times.to_ns`` reads: epoch seconds and ISO with an offset as
    they are, BIND's and syslog's month names read here, syslog's missing year the latest not in
    the future; local times (all but those two) in ``zone`` when given."""
    if s.isdigit():  # Unbound's epoch seconds
        return s
    try:
        if s[2:3] == "/":  # CoreDNS's [when]: 07/Dec/2026:02:47:53 +0000, with its offset
            return datetime.strptime(s, "%d/%b/%Y:%H:%M:%S %z").isoformat()
        if s[4:5] == "-":  # ISO (2024-06-01...): with an offset, or a local time
            when = datetime.fromisoformat(s)
            if when.tzinfo is not None:
                return s
        elif s[0].isdigit():  # BIND: 06-Jul-2022 11:12:04.202
            when = datetime.strptime(s, "%d-%b-%Y %H:%M:%S.%f" if "." in s else "%d-%b-%Y %H:%M:%S")
        else:
            when = datetime.strptime(f"{now.year} {s}", "%Y %b %d %H:%M:%S")
            if when > now.replace(tzinfo=None) + timedelta(days=1):
                when = when.replace(year=now.year - 1)
    except ValueError:
        return None
    return local_iso(when, zone)


def _stamps(lines: pa.Array, own: pa.Array | None = None) -> pa.Array:
    """Each line's stamp as written (``None`` where it has none); ``own``: the stamps a format
    writes inside its lines (CoreDNS's ``[when]``), which win over a prefix."""
    import pyarrow.compute as pc

    parts = pc.extract_regex(lines, _STAMP.pattern)
    stamp = pa.nulls(len(lines), pa.large_string())
    values = [pc.cast(parts.field(f), pa.large_string()) for f in ("epoch", "bind", "iso", "syslog")]
    for value in [*values, *([] if own is None else [own])]:
        stamp = pc.if_else(pc.fill_null(pc.not_equal(value, ""), False), value, stamp)
    return stamp


def _next_outcome(key: np.ndarray, is_query: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For every line: the line of the first outcome after it with the same key (-1: none), and
    whether an outcome line answers a query logged before it (since the key's previous outcome)."""
    n = len(key)
    order = np.lexsort((np.arange(n), key))  # by key, then by line
    k, q = key[order], is_query[order]
    outcomes = np.flatnonzero(~q)  # positions in ``order``
    j = np.searchsorted(outcomes, np.arange(n), side="right")
    hit = np.flatnonzero(j < len(outcomes))
    same = k[outcomes[j[hit]]] == k[hit]
    nxt_sorted = np.full(n, -1, dtype=np.int64)
    nxt_sorted[hit[same]] = order[outcomes[j[hit[same]]]]
    nxt = np.empty(n, dtype=np.int64)
    nxt[order] = nxt_sorted
    answers_query = np.zeros(n, dtype=bool)
    before = outcomes[outcomes > 0] - 1
    answers_query[order[before + 1]] = q[before] & (k[before] == k[before + 1])
    return nxt, answers_query


def read_query_log(
    data: bytes | bytearray,
    warn: Callable[[str], None] | None = None,
    now: datetime | None = None,
    zone: tzinfo | None = None,
) -> pa.Table:
    """The queries of a BIND, dnsmasq or Unbound query log (``which_server``): ``name``,
    ``client``, ``timestamp``, ``qtype``, and ``answers`` where the log holds outcomes (dnsmasq,
    Unbound's replies): empty for NXDOMAIN / SERVFAIL / REFUSED, ``(answered)`` otherwise,
    ``(not logged)`` when the query's outcome is not in the log (taken as answered). Other lines
    (the server's own messages, forwarding) are not queries and are left out; an Unbound reply
    with no query line before it is the query's only record and is one. Local stamps are in
    ``zone`` when given (``--log-timezone``), else read as UTC; ``now`` fixes the year of syslog
    stamps (tests). Vectorized: Arrow's RE2 over the lines (in pieces), NumPy to pair outcomes
    with their queries, Python only per distinct stamp and per escaped BIND name."""
    import pyarrow.compute as pc

    now = now or datetime.now(UTC)
    text_type = pa.large_string()
    raw = utf8_bytes(data)  # not copied: the lines are views of it
    server = which_server(bytes(raw[:8192]))
    if server is None:
        return pa.table({"name": pa.array([], text_type)})
    lines = split_lines(raw)
    field = match_lines(lines, _SERVERS[server])

    def given(col: pa.Array) -> np.ndarray:
        return np.asarray(pc.not_equal(col, ""), dtype=bool)

    name, client, qtype = field["name"], field["ip"], field["qtype"]
    if server == "dnsmasq":
        is_query = given(name)
        name = pc.if_else(pa.array(is_query), name, field["what"])
        result = field["result"]
        has_outcomes = not is_query.all()
    elif server == "unbound":
        result = field["rcode"]
        is_query = ~given(result)
        has_outcomes = not is_query.all()
    elif server in ("coredns", "infoblox"):  # a query and its response code on one line
        result = field["rcode"]
        is_query = np.ones(len(name), dtype=bool)
        has_outcomes = False
        if server == "coredns":
            client = pc.utf8_trim(client, "[]")
    else:
        result = pa.nulls(len(name), text_type)
        is_query = np.ones(len(name), dtype=bool)
        has_outcomes = False
    if server in ("unbound", "coredns"):
        # written with the root dot: 'example.com.' (and '.' for the root itself)
        dotted = pc.and_(pc.ends_with(name, "."), pc.greater(pc.utf8_length(name), 1))
        name = pc.if_else(dotted, pc.utf8_slice_codeunits(name, 0, -1), name)
    if server in ("bind", "coredns", "infoblox"):  # presentation format: escapes stand for bytes
        escaped = np.flatnonzero(np.asarray(pc.match_substring(name, "\\"), dtype=bool))
        if len(escaped):
            values = name.to_pylist()
            for i in escaped:
                values[i] = _unescape(values[i])
            name = pa.array(values, text_type)
    answers = None
    keep = is_query
    if has_outcomes:
        key = pc.utf8_lower(name)
        if server == "unbound":
            key = pc.binary_join_element_wise(client, key, qtype, pa.scalar(" ", text_type))
        codes = np.asarray(pc.dictionary_encode(key).indices, dtype=np.int64)
        nxt, answers_query = _next_outcome(codes, is_query)
        dead = np.asarray(pc.is_in(result, value_set=pa.array(DEAD_RCODE_NAMES, text_type)), dtype=bool)
        outcome = np.where(dead, 0, 1)  # of outcome lines: 0 unanswered, 1 answered
        state = np.where(nxt >= 0, outcome[np.maximum(nxt, 0)], 2)  # of queries; 2: not logged
        state = np.where(is_query, state, outcome)
        keep = is_query | ((server == "unbound") & ~is_query & ~answers_query)
        answers = pa.array(OUTCOME_TEXT, text_type).take(pa.array(state[keep]))
    elif server in ("coredns", "infoblox"):  # every line has its code
        answers = answers_from_rcode(result)
    rows = pa.array(np.flatnonzero(keep))
    cols = {
        "name": name.take(rows),
        "client": client.take(rows),
        "timestamp": per_distinct(_stamps(lines.take(field["_line"].take(rows)),
                                          field["when"].take(rows) if "when" in field else None),
                                  lambda stamp: _stamp_text(stamp, now, zone)),
        "qtype": qtype.take(rows),
    }
    if answers is not None:
        cols["answers"] = answers
    return pa.table(cols)
