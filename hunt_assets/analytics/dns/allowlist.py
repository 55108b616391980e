"""A user's allowlist of registered domains: names the DGA verdicts must leave alone.

Why: the shipped popular-domain list is an Alexa-era snapshot (``hunt_assets/data/README.md``).
Current brand abbreviations, ad-tech and affiliate-tracking domains (``lgtvsdp.com``,
``jdoqocy.com``) and an organisation's own partners are machine-looking yet legitimate, and no
character model can tell them from a DGA's output. The remedy a hunter expects is a list they
control: their own known-good domains, and a current popular list they download themselves
(Tranco, Umbrella, Majestic or CrUX files can be given as they are published).

An allowlisted registered domain counts as popular: it never gets a ``dga`` or ``suspicious``
DGA verdict and no batch or event context lifts it to one. Tunnel verdicts are *not* affected:
lab tunnels and abused services (``dnslog.cn``, ``interact.sh``) sit under names found in every
popular list, and a payload in the subdomain is evidence whoever owns the zone.

Lines may be plain names or CSV/whitespace-separated records; the first field that is a host
name is taken (``rank,domain`` as Tranco and Umbrella publish, Majestic's
``GlobalRank,TldRank,Domain,...``, CrUX's ``origin,rank`` with ``https://`` origins, hosts-file
``0.0.0.0 name``). ``#`` starts a comment. Every entry is reduced to its registered domain
(``www.example.co.uk`` allows ``example.co.uk``); a bare public suffix (``co.uk``) is rejected,
since it would allow every domain under it. Rejected lines are counted and shown with their
line numbers; the rest of the file is used.
"""

from __future__ import annotations

import gzip
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa

from hunt_assets.entities import MAX_NAME, InvalidEntity, normalize_domain

ENV_VAR = "HUNT_DNS_ALLOWLIST"
MAX_EXAMPLES = 5
_FIELD_SPLIT = re.compile(r"[,;\s]+")
_SCHEME = re.compile(r"^[a-z][a-z0-9+.\-]*://")
# the common case, matched in one go: 'name' or 'rank,name' whose labels all pass
# ``entities.normalize_domain`` as they are (its label rule), the last one holding a letter
_LABEL = r"[a-z0-9_](?:[a-z0-9_\-]{0,61}[a-z0-9_])?"
_SIMPLE = re.compile(rf"(?:\d+,)?((?:{_LABEL}\.)+(?=[a-z0-9_\-]*[a-z]){_LABEL})\.?")


class AllowlistError(ValueError):
    """An allowlist that cannot be used at all (missing or unreadable file)."""


@dataclass(frozen=True)
class Rejected:
    source: str
    line: int
    text: str
    reason: str

    def __str__(self) -> str:
        return f"{self.source}:{self.line}: {self.reason}: {self.text!r}"


@dataclass(frozen=True)
class Allowlist:
    """Sorted, distinct 64-bit hashes of the allowed registered domains (the parser's suffix hash)."""

    hashes: np.ndarray
    sources: tuple[str, ...] = ()
    entries: int = 0  # lines that gave a registered domain
    rejected: int = 0  # lines that are not a host name
    examples: tuple[Rejected, ...] = field(default=())
    # entries that are themselves public suffixes (``co.uk``, or a platform zone of the list's
    # private section such as ``googleapis.com``): they allow nothing, since every name under
    # them is a registered domain of its own
    suffixes: tuple[str, ...] = ()

    @property
    def domains(self) -> int:
        return int(self.hashes.size)

    def summary(self) -> str:
        text = f"{self.domains:,} registered domains from {', '.join(self.sources) or 'no file'}"
        if self.suffixes:
            shown = ", ".join(self.suffixes[:MAX_EXAMPLES]) + (", ..." if len(self.suffixes) > MAX_EXAMPLES else "")
            text += f"; {len(self.suffixes):,} entries are public suffixes and allow nothing ({shown})"
        if self.rejected:
            text += f"; {self.rejected:,} lines rejected, e.g. " + "; ".join(str(r) for r in self.examples)
        return text


EMPTY = Allowlist(np.zeros(0, dtype=np.uint64))


def _candidate(line: str) -> tuple[str | None, str]:
    """(host name or None, why not) for one comment-free, non-blank line."""
    for token in _FIELD_SPLIT.split(line):
        if not token or "." not in token:
            continue
        t = _SCHEME.sub("", token.strip().strip("\"'").lower())
        t = t.split("/", 1)[0].split("?", 1)[0]
        if t.count(":") > 1:  # an IPv6 address
            continue
        t = t.split(":", 1)[0].rstrip(".")
        t = t.removeprefix("*.").lstrip(".")
        # a TLD always holds a letter: this skips IPv4 addresses and decimal fields such as '1.5'
        if not t or "." not in t or not any(c.isalpha() for c in t.rsplit(".", 1)[1]):
            continue
        return t, ""
    return None, "no domain name in the line"


def parse_lines(lines: Iterable[str], source: str = "<allowlist>") -> tuple[list[str], list[Rejected], int]:
    """(host names, rejected lines, count of rejected lines) of an allowlist's text.

    The first non-comment line is taken as a CSV header when it holds no host name.
    """
    names: list[str] = []
    rejected: list[Rejected] = []
    n_rejected = 0
    first = True
    simple = _SIMPLE.fullmatch
    for no, raw in enumerate(lines, 1):
        m = simple(raw.strip().lower())
        if m is not None and len(m.group(1)) <= MAX_NAME:
            names.append(m.group(1))
            first = False
            continue
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        name, why = _candidate(line)
        if name is None and first:
            first = False
            continue  # a header such as 'rank,domain' or 'origin,rank'
        first = False
        if name is not None:
            try:  # the project's one gate for host names: IDNA, lengths, label characters
                name = normalize_domain(name, require_registered=False)
            except InvalidEntity as exc:
                name, why = None, exc.reason
        if name is None:
            n_rejected += 1
            if len(rejected) < MAX_EXAMPLES:
                rejected.append(Rejected(source, no, raw.strip()[:80], why))
            continue
        names.append(name)  # type: ignore[arg-type]
    return names, rejected, n_rejected


def registered_hashes(names: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """(suffix hash of each name's registered domain, whether it has one) by the scorer's own parser."""
    from hunt_assets.analytics.dns.names import parse, to_binary_array

    if not names:
        return np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=bool)
    p = parse(to_binary_array(pa.array(list(names), pa.large_string())))
    has = p.reg_label >= 0
    start = np.where(has, p.reg_label, p.row_first_label)
    return p.suffix_hash[start].astype(np.uint64), has


def from_lines(lines: Iterable[str], source: str = "<allowlist>") -> Allowlist:
    """An allowlist from text lines (see the module docstring for the accepted formats)."""
    from hunt_assets.analytics.dns.names import sorted_unique

    names, rejected, n_rejected = parse_lines(lines, source)
    h, has = registered_hashes(names)
    return Allowlist(
        hashes=sorted_unique(h[has]),
        sources=(source,),
        entries=int(has.sum()),
        rejected=n_rejected,
        examples=tuple(rejected),
        suffixes=tuple(dict.fromkeys(names[i] for i in np.flatnonzero(~has))),
    )


def _combine(parts: Sequence[Allowlist]) -> Allowlist:
    from hunt_assets.analytics.dns.names import sorted_unique

    if len(parts) <= 1:  # one file: already sorted and distinct
        return parts[0] if parts else EMPTY
    return Allowlist(
        hashes=sorted_unique(np.concatenate([p.hashes for p in parts])),
        sources=tuple(s for p in parts for s in p.sources),
        entries=sum(p.entries for p in parts),
        rejected=sum(p.rejected for p in parts),
        examples=tuple(r for p in parts for r in p.examples)[:MAX_EXAMPLES],
        suffixes=tuple(dict.fromkeys(s for p in parts for s in p.suffixes)),
    )


def _read_text(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise AllowlistError(f"allowlist file not found: {path}") from None
    except OSError as exc:
        raise AllowlistError(f"cannot read allowlist {path}: {exc.strerror or exc}") from None
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            raise AllowlistError(f"allowlist {path} is not a valid gzip file: {exc}") from None
    return raw.decode("utf-8", errors="replace")  # a bad byte spoils its own line, which is rejected


def load(paths: str | Path | Sequence[str | Path] | None) -> Allowlist:
    """The union of the allowlist files; ``paths`` may be one ``os.pathsep``-separated string
    (the form of ``HUNT_DNS_ALLOWLIST``). Empty or None: no allowlist."""
    if paths is None:
        return EMPTY
    if isinstance(paths, str | Path):
        items = [s for s in str(paths).split(os.pathsep) if s.strip()]
    else:
        items = [str(p) for p in paths if str(p).strip()]
    return _combine([from_lines(_read_text(Path(s.strip())).splitlines(), s.strip()) for s in items])


def from_env() -> Allowlist:
    """The allowlist named by ``HUNT_DNS_ALLOWLIST`` (none when unset)."""
    return load(os.environ.get(ENV_VAR) or None)
