"""DNS servers' own query logs, for ``score-dns``: BIND's query log, dnsmasq's (Pi-hole's) and
Unbound's, as the server writes them or through syslog.

Why: where there is no sensor and no Defender, the resolver's own log is the DNS record a hunter
has (BIND and Infoblox in the data centre, dnsmasq / Pi-hole and Unbound in branch offices and
small shops). Read as a list of names each line came out ``invalid``. Each server writes one line
per query, in a shape of its own::

    06-Jul-2022 11:12:04.202 client @0x7ff5b8000cd0 192.168.250.115#51530 (example.com): query: example.com IN A + (…)
    Dec  7 02:47:53 dnsmasq[1234]: query[A] example.com from 192.168.1.5
    [1733540873] unbound[1234:0] info: 192.168.1.5 example.com. A IN

(BIND's older lines have no ``@0x`` object and may name a ``view``; ``print-category`` /
``print-severity`` and a syslog prefix come before ``client``.) dnsmasq also logs the outcome of
each query (``reply example.com is NXDOMAIN``, ``cached …``, ``config …``, Pi-hole's ``gravity
blocked …``), and Unbound with ``log-replies`` a line with the response code: these become the
queries' ``answers``, so a DGA's dead look-ups show as a burst. BIND's query log has no outcomes.

Times: BIND's own stamp and ISO 8601 (rsyslog) carry the year; the classic syslog stamp
(``Dec  7 02:47:53``) does not, and gets the latest year that does not put it in the future.
Unbound's own stamp is epoch seconds. All are the server's local time, read as UTC (the logs do
not say their zone): windows and bursts are right, first / last seen are off by the offset.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pyarrow as pa

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
    r"\bunbound(?:\[\d+:\d+\]|: \[\d+:\d+\]) (?:info|query|reply): (?P<ip>[0-9a-fA-F:.]+) (?P<name>\S+) "
    r"(?P<qtype>[A-Z0-9]+) (?:IN|CH|HS|ANY|CLASS\d+)(?: (?P<rcode>[A-Z]+) \d+\.\d+ [01] \d+)?\s*$"
)
_SERVERS = {"bind": _BIND, "dnsmasq": _DNSMASQ, "unbound": _UNBOUND}
# outcomes that are no evidence of a live name (an answer, or a blocklist's) count as answered;
# these do not
_DEAD = ("NXDOMAIN", "SERVFAIL", "REFUSED")


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
    """The server whose query lines fill the first lines of the file (``bind``, ``dnsmasq``,
    ``unbound``), or ``None``. A list of names never has their shape."""
    lines = head.decode("utf-8", "replace").splitlines()[:50]
    for server, pattern in _SERVERS.items():
        hits = [line for line in lines if pattern.search(line)]
        if hits and (server != "dnsmasq" or any(m and m["name"] for m in map(pattern.search, hits))):
            return server
    return None


def _times(stamps: list[str | None], now: datetime) -> list[str | float | None]:
    """Each line's stamp as ISO text (or epoch seconds) for ``times.to_ns``: BIND's and syslog's
    month names read here, syslog's missing year the latest that is not in the future."""
    out: list[str | float | None] = []
    cache: dict[str, str | None] = {}
    for s in stamps:
        if s is None or s[4:5] == "-":  # ISO (2024-06-01...), or none
            out.append(s)
        elif s.isdigit():
            out.append(float(s))
        elif s in cache:
            out.append(cache[s])
        else:
            try:
                if s[0].isdigit():  # BIND: 06-Jul-2022 11:12:04.202
                    when = datetime.strptime(s, "%d-%b-%Y %H:%M:%S.%f" if "." in s else "%d-%b-%Y %H:%M:%S")
                else:
                    when = datetime.strptime(f"{now.year} {s}", "%Y %b %d %H:%M:%S")
                    if when > now.replace(tzinfo=None) + timedelta(days=1):
                        when = when.replace(year=now.year - 1)
                cache[s] = when.isoformat()
            except ValueError:
                cache[s] = None
            out.append(cache[s])
    return out


def read_query_log(
    data: bytes | bytearray, warn: Callable[[str], None] | None = None, now: datetime | None = None
) -> pa.Table:
    """The queries of a BIND, dnsmasq or Unbound query log (``which_server``): ``name``,
    ``client``, ``timestamp``, ``qtype``, and ``answers`` where the log holds outcomes (dnsmasq,
    Unbound's replies): empty for NXDOMAIN / SERVFAIL / REFUSED, ``(answered)`` otherwise,
    ``(not logged)`` when the query's outcome is not in the log (taken as answered). Other lines
    (the server's own messages, forwarding) are not queries and are left out; ``now`` fixes the
    year of syslog stamps (tests)."""
    now = now or datetime.now(UTC)
    text = bytes(data).decode("utf-8", "backslashreplace")
    server = which_server(text[:8192].encode())
    if server is None:
        return pa.table({"name": pa.array([], pa.large_string())})
    pattern = _SERVERS[server]
    stamps: list[str | None] = []
    rows: list[tuple[str, str, str]] = []  # name, client, qtype
    outcome: list[str] = []
    pending: dict[str, list[int]] = {}  # name (and client, for Unbound) -> queries awaiting an outcome
    outcomes = 0
    only_replies: list[tuple[str | None, str, str, str, str]] = []
    for line in text.splitlines():
        m = pattern.search(line)
        if m is None:
            continue
        stamp = _STAMP.match(line)
        when = None if stamp is None else next(v for v in stamp.groups() if v is not None)
        if server == "dnsmasq" and m["verb"]:
            outcomes += 1
            key = m["what"].lower()
            for i in pending.pop(key, ()):
                outcome[i] = "" if m["result"] in _DEAD else "(answered)"
            continue
        name = m["name"]
        if server == "unbound" and len(name) > 1 and name.endswith("."):  # Unbound writes the root dot
            name = name[:-1]
        elif server == "bind":
            name = _unescape(name)
        if server == "unbound" and m["rcode"]:
            outcomes += 1
            key = f"{m['ip']} {name.lower()} {m['qtype']}"
            waiting = pending.pop(key, None)
            answer = "" if m["rcode"] in _DEAD else "(answered)"
            if waiting:
                for i in waiting:
                    outcome[i] = answer
            else:  # log-replies without log-queries: the reply is the only record of the query
                only_replies.append((when, m["ip"], name, m["qtype"], answer))
            continue
        key = f"{m['ip']} {name.lower()} {m['qtype']}" if server == "unbound" else name.lower()
        pending.setdefault(key, []).append(len(rows))
        rows.append((name, m["ip"], m["qtype"]))
        stamps.append(when)
        outcome.append("(not logged)")
    if only_replies:
        rows += [(r[2], r[1], r[3]) for r in only_replies]
        stamps += [r[0] for r in only_replies]
        outcome += [r[4] for r in only_replies]
    text_type = pa.large_string()
    cols = {
        "name": pa.array([r[0] for r in rows], text_type),
        "client": pa.array([r[1] for r in rows], text_type),
        "timestamp": pa.array([None if t is None else str(t) for t in _times(stamps, now)], text_type),
        "qtype": pa.array([r[2] for r in rows], text_type),
    }
    if outcomes:
        cols["answers"] = pa.array(outcome, text_type)
    return pa.table(cols)
