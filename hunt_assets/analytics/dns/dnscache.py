"""A Windows host's DNS client cache, as a responder takes it: ``ipconfig /displaydns`` and
``Get-DnsClientCache`` (as JSON or ``Export-Csv``).

Why: the cache holds the names the host resolved in the last hours (their records' TTL), C2 and
DGA look-ups included, on a machine without Sysmon or DNS logging: a standard step of incident
response. ``ipconfig``'s output was read as a names list (labels and dashes as ``invalid`` names),
the cmdlet's export refused (no query-name column).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import pyarrow as pa

from hunt_assets.analytics.dns.winevent import as_text, status_outcome

# the DNS client cache: Get-DnsClientCache's MSFT_DNSClientCache objects (Entry is the name asked,
# RecordName each record's owner, Status the look-up's DNS status) and ipconfig /displaydns
CACHE_FIELDS = ("entry", "recordname", "status")
_CACHE_HEADING = re.compile(r"^[ \t]*(\S+)[ \t]*\r?\n[ \t]*-{20,}[ \t]*\r?$", re.M)
_CACHE_RECORD = re.compile(r"^[ \t]+\S.*?(?: \.)+ ?:", re.M)  # "    Record Name . . . . . : x", any language
_CACHE_NO_NAME = "Name does not exist"


def is_cache(columns: Iterable[str]) -> bool:
    """Records of ``Get-DnsClientCache`` (lower-cased field names)."""
    return set(CACHE_FIELDS) <= set(columns)


def read_cache(tbl: pa.Table) -> pa.Table:
    """One look-up per cached name (``Entry``; a name has a row per record): its outcome from the
    status (9003 / 9002 / 9005 dead, 0 / 9501 answered), the client from ``PSComputerName`` where
    the cache was read remotely. A cache keeps no time."""
    entries = tbl.column("entry").to_pylist()
    status = tbl.column("status").to_pylist()
    host = tbl.column("pscomputername").to_pylist() if "pscomputername" in tbl.column_names else [None] * len(entries)
    seen: dict[str, int] = {}
    rows: dict[str, list[str | None]] = {"name": [], "client": [], "answers": []}
    for name, code, where in zip(entries, status, host, strict=True):
        name = as_text(name)
        if not name:
            continue
        outcome = status_outcome(code)
        at = seen.get(name)
        if at is not None:
            if rows["answers"][at] is None:
                rows["answers"][at] = outcome
            continue
        seen[name] = len(rows["name"])
        rows["name"].append(name)
        rows["client"].append(as_text(where) or None)
        rows["answers"].append(outcome)
    text = pa.large_string()
    return pa.table({k: pa.array(v, text) for k, v in rows.items()})


def is_displaydns(head: bytes) -> bool:
    """``ipconfig /displaydns`` output: an entry's name over a line of dashes, then its records as
    dotted ``label . . . : value`` lines (the labels are in Windows' language; the layout is not);
    a cache of failed look-ups only has no such lines, but several entries or the English title."""
    text = head.decode("utf-8", "replace")
    headings = len(_CACHE_HEADING.findall(text))
    return headings > 0 and (_CACHE_RECORD.search(text) is not None or headings > 1 or "Windows IP" in text)


def read_displaydns(data: bytes | bytearray) -> pa.Table:
    """Each cache entry's name, answered when records follow it; "Name does not exist." (English
    Windows) a dead look-up; otherwise unknown. No client (the host it ran on) and no time."""
    text = bytes(data).decode("utf-8", "backslashreplace")
    heads = list(_CACHE_HEADING.finditer(text))
    names: list[str] = []
    answers: list[str | None] = []
    seen: set[str] = set()
    for i, m in enumerate(heads):
        body = text[m.end() : heads[i + 1].start() if i + 1 < len(heads) else len(text)]
        name = m.group(1)
        if name in seen:
            continue
        seen.add(name)
        names.append(name)
        answers.append("(answered)" if _CACHE_RECORD.search(body) else "" if _CACHE_NO_NAME in body else None)
    large = pa.large_string()
    return pa.table({"name": pa.array(names, large), "answers": pa.array(answers, large)})
