"""Indicator extraction from hunt results: IPs, domains, URLs and hashes in free text.

Why our own extractor: command lines and network events are written by attackers. They defang
(``hxxp://evil[.]com``), hide payloads in base64 (PowerShell ``-EncodedCommand`` is UTF-16LE base64) and
mix file names that look like domains (``invoice.zip``, ``run.sh``). Every candidate goes through the
same strict normalization as investigated entities (``hunt_assets.entities``); what does not pass is
kept as a *rejected* row with its reason, so nothing silently disappears.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pandas as pd

from hunt_assets.entities import InvalidEntity, refang, split_registered
from hunt_assets.intel.ti.model import parse_indicator

MAX_TEXT = 32_768  # characters of one cell we scan; longer cells are truncated (and say so)
MAX_DEPTH = 2  # base64 inside base64 inside a command line, and no further

_URL = re.compile(r"(?i)\b(?:h[tx]{2}ps?|ftp|fxp)(?:://|\[:\]//)[^\s\"'<>`|^]{3,2048}")
_IPV4 = re.compile(
    r"(?<![\d.])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.|\[\.\]|\(\.\))){3}"
    r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?![\d.]|\[\.\])"
)
_DOMAIN = re.compile(
    r"(?i)(?<![\w@.-])(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.|\[\.\]|\(\.\)|\[dot\]))+"
    r"[a-z][a-z0-9-]{1,62}(?![\w-])"
)
_HASH = re.compile(r"(?i)(?<![0-9a-f])(?:[0-9a-f]{64}|[0-9a-f]{40}|[0-9a-f]{32})(?![0-9a-f])")
_ENC = re.compile(
    r"(?i)(?:^|\s)[-/](?:e|ec|en|enc|enco|encod|encode|encoded|encodedc|encodedco|encodedcom|"
    r"encodedcomm|encodedcomma|encodedcomman|encodedcommand)\s+['\"]?([A-Za-z0-9+/=]{8,})"
)
_B64 = re.compile(r"(?<![A-Za-z0-9+/])[A-Za-z0-9+/]{40,}={0,2}(?![A-Za-z0-9+/=])")

# public suffixes that are also common file extensions: 'setup.exe' is never a host, 'invoice.zip'
# almost never in a command line; a URL or a subdomain ('cdn.files.zip') still counts
FILE_LIKE_SUFFIXES = {
    "zip",
    "mov",
    "exe",
    "dll",
    "sh",
    "py",
    "ps",
    "pl",
    "rs",
    "md",
    "so",
    "sys",
    "tmp",
    "bat",
    "cmd",
    "vbs",
    "js",
    "jar",
    "msi",
    "lnk",
    "hta",
    "scr",
    "bin",
    "dat",
    "log",
    "txt",
    "ini",
    "cfg",
    "xml",
    "json",
    "doc",
    "docx",
    "xls",
    "xlsx",
    "pdf",
    "png",
    "jpg",
    "gif",
    "csv",
    "ps1",
    "psm1",
    "zipx",
    "rar",
    "7z",
    "iso",
    "img",
    "cab",
    "php",
    "asp",
    "aspx",
    "htm",
    "html",
}


@dataclass(frozen=True)
class Extracted:
    """One candidate: accepted (``indicator_type``/``indicator`` set) or rejected (``reason`` set)."""

    raw: str
    indicator_type: str
    indicator: str
    reason: str = ""
    via: str = "text"  # 'text', 'base64', 'encodedcommand'


def _decode_b64(blob: str, *, utf16: bool | None = None) -> str | None:
    """Printable text from a base64 blob (UTF-16LE for PowerShell), or None when it is binary."""
    blob = blob.strip("'\"")
    padded = blob + "=" * (-len(blob) % 4)
    try:
        data = base64.b64decode(padded, validate=True)
    except (binascii.Error, ValueError):
        return None
    candidates = []
    if utf16 is not False and len(data) % 2 == 0:
        candidates.append("utf-16-le")
    if utf16 is not True:
        candidates.append("utf-8")
    for enc in candidates:
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        printable = sum(ch.isprintable() or ch in "\r\n\t" for ch in text)
        if text and printable / len(text) > 0.95:
            return text
    return None


def _candidates(text: str) -> Iterable[tuple[str, str]]:
    """(kind, raw) pairs in order of specificity; URLs first so their hosts are not counted twice."""
    spans: list[tuple[int, int]] = []
    for m in _URL.finditer(text):
        raw = m.group(0).rstrip(".,;)]}'\"")
        spans.append((m.start(), m.start() + len(raw)))
        yield "url", raw

    def outside(m: re.Match[str]) -> bool:
        return not any(a <= m.start() < b for a, b in spans)

    for m in _HASH.finditer(text):
        if outside(m):
            spans.append(m.span())
            yield "hash", m.group(0)
    for m in _IPV4.finditer(text):
        if outside(m):
            spans.append(m.span())
            yield "ip", m.group(0)
    for m in _DOMAIN.finditer(text):
        if outside(m):
            yield "domain", m.group(0)


def _classify(kind: str, raw: str, via: str) -> Extracted | None:
    """Accept or reject one candidate; None for dotted words that never were host names."""
    value = refang(raw)
    if kind == "domain":
        name = value.lower().rstrip(".")
        sub, registered, suffix = split_registered(name)
        last = name.rsplit(".", 1)[-1]
        if not suffix:
            if value != raw:  # defanged on purpose, so someone meant a host: say why we drop it
                return Extracted(raw, kind, "", "not a domain: its last label is not a public suffix", via)
            return None  # 'powershell.exe', 'Net.WebClient': names, not hosts
        if last in FILE_LIKE_SUFFIXES and not sub and via == "text":
            return Extracted(raw, kind, "", f"looks like a file name ('.{last}'), not a host", via)
        if registered == "" or name == suffix:
            return Extracted(raw, kind, "", "a public suffix, not a registrable domain", via)
    try:
        ind = parse_indicator(value, kind)
    except InvalidEntity as exc:
        return Extracted(raw, kind, "", exc.reason, via)
    except ValueError as exc:
        return Extracted(raw, kind, "", str(exc), via)
    return Extracted(raw, ind.type, ind.value, "", via)


def extract_indicators(text: str, *, _depth: int = 0, _via: str = "text") -> list[Extracted]:
    """Every indicator in ``text`` (accepted and rejected), including inside decoded base64 payloads."""
    if not isinstance(text, str) or not text:
        return []
    out: list[Extracted] = []
    if len(text) > MAX_TEXT:
        out.append(Extracted(text[:80], "text", "", f"cell of {len(text)} characters truncated to {MAX_TEXT}", _via))
        text = text[:MAX_TEXT]
    for kind, raw in _candidates(text):
        found = _classify(kind, raw, _via)
        if found is not None:
            out.append(found)
    if _depth < MAX_DEPTH:
        decoded_spans = set()
        for m in _ENC.finditer(text):
            decoded = _decode_b64(m.group(1), utf16=True)
            decoded_spans.add(m.group(1))
            if decoded is None:
                out.append(
                    Extracted(
                        m.group(1)[:80],
                        "text",
                        "",
                        "-EncodedCommand argument is not valid UTF-16LE base64",
                        "encodedcommand",
                    )
                )
                continue
            out.extend(extract_indicators(decoded, _depth=_depth + 1, _via="encodedcommand"))
        for m in _B64.finditer(text):
            blob = m.group(0)
            if blob in decoded_spans or _HASH.fullmatch(blob):
                continue
            decoded = _decode_b64(blob)
            if decoded is not None:
                out.extend(extract_indicators(decoded, _depth=_depth + 1, _via="base64"))
    return out


EXTRACT_COLUMNS = [
    "indicator_type",
    "indicator",
    "accepted",
    "reason",
    "raw",
    "via",
    "source_table",
    "source_column",
    "occurrences",
]


def extract_from_frame(df: pd.DataFrame, columns: Sequence[str], *, source_table: str = "") -> pd.DataFrame:
    """Indicators found in ``columns`` of ``df``, one row per distinct (indicator or rejection, column).

    Columns missing from the frame are ignored (hunt tables differ in shape); non-string cells are
    stringified so numbers and lists (e.g. DNS answers) are scanned too.
    """
    counts: dict[tuple, int] = {}
    for col in columns:
        if col not in df.columns:
            continue
        for cell in df[col].dropna():
            text = cell if isinstance(cell, str) else str(cell)
            if not text or text in {"nan", "None", "[]", "{}"}:
                continue
            for ex in extract_indicators(text):
                key = (
                    ex.indicator_type,
                    ex.indicator,
                    not ex.reason,
                    ex.reason,
                    ex.raw if ex.reason else ex.indicator,
                    ex.via,
                    source_table,
                    col,
                )
                counts[key] = counts.get(key, 0) + 1
    rows = [dict(zip(EXTRACT_COLUMNS, (*k, n), strict=True)) for k, n in counts.items()]
    # typed even when empty: a day on which one hunt found nothing must not turn the day's concatenated
    # ``accepted`` into objects, where ``~`` is integer negation (-1 / -2), not "rejected"
    out = pd.DataFrame(rows, columns=EXTRACT_COLUMNS).astype({"accepted": bool, "occurrences": "int64"})
    return (
        out.sort_values(
            ["accepted", "indicator_type", "indicator", "raw"],
            ascending=[False, True, True, True],
            ignore_index=True,
        )
        if len(out)
        else out
    )
