"""DNS-name parsing over a whole batch at once.

DNS names are not URLs: a query name may legally hold ``/``, ``+``, ``=`` and ``_`` (dns2tcp and
DNSExfiltrator put raw base64 there), so URL parsers such as tldextract silently cut names at ``/``.
This module therefore parses names itself and uses the public suffix list only to find the suffix.

Everything works on one flat ``uint8`` buffer holding every name back to back (Arrow's binary
layout), with per-row offsets, so a batch of a million names is handled by a few dozen NumPy passes
instead of a million Python calls. The public suffix is found with a polynomial suffix hash computed
for every label start in one pass and matched against the hashed public suffix list.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from hunt_assets.analytics.dns import accel

MAX_NAME = 253
MAX_LABEL = 63

_HASH_BASE = 1_000_003
_MASK64 = (1 << 64) - 1
# powers of the hash base modulo 2**64, one per possible byte offset from the end of a name
_MAX_POW = 4096

# byte -> lower case byte (ASCII only; other bytes kept as they are)
LOWER = np.arange(256, dtype=np.uint8)
LOWER[ord("A") : ord("Z") + 1] += 32



def byte_map(table: bytes, data: np.ndarray) -> np.ndarray:
    """``table[data]`` for a 256-entry byte table, read-only; ``bytes.translate`` is a few
    times faster than NumPy's fancy indexing with uint8 indices."""
    return np.frombuffer(np.ascontiguousarray(data, dtype=np.uint8).tobytes().translate(table), dtype=np.uint8)


_LOWER_BYTES = LOWER.tobytes()

_ESCAPE_RE = re.compile(r"\\(x[0-9a-fA-F]{2}|[0-9]{3}|.)")


@functools.lru_cache(maxsize=1)
def _powers() -> np.ndarray:
    # uint64 multiplication wraps modulo 2**64, exactly like the masked Python integers
    out = np.full(_MAX_POW, _HASH_BASE, dtype=np.uint64)
    out[0] = 1
    return np.cumprod(out, dtype=np.uint64)


def hash_name(s: str) -> int:
    """Hash of a lower-case name, comparable with ``ParsedNames.suffix_hash``."""
    return _hash_bytes(s.lower().encode("ascii"))


def _hash_bytes(s: bytes) -> int:
    """Same hash as the vectorised suffix hash: sum of byte * base**(distance from the end)."""
    v = 0
    for b in s:
        v = (v * _HASH_BASE + b) & _MASK64
    return v


_ARROW_TYPES = {
    np.dtype(np.int8): pa.int8(),
    np.dtype(np.int16): pa.int16(),
    np.dtype(np.int32): pa.int32(),
    np.dtype(np.int64): pa.int64(),
    np.dtype(np.uint8): pa.uint8(),
    np.dtype(np.uint16): pa.uint16(),
    np.dtype(np.uint32): pa.uint32(),
    np.dtype(np.uint64): pa.uint64(),
    np.dtype(np.float32): pa.float32(),
    np.dtype(np.float64): pa.float64(),
}


def np_to_arrow(values: np.ndarray) -> pa.Array:
    """A numeric or boolean 1-d NumPy array as an Arrow array without copying (booleans: packed)
    or type inference.

    (``pa.array(ndarray)`` also probes for pandas objects; note that ``pa.scalar`` and compute
    calls with scalars import pandas anyway, so ``score-dns`` still pays that import.)
    """
    values = np.ascontiguousarray(values)
    if values.dtype == np.bool_ and values.ndim == 1:  # Arrow packs booleans into bits
        bits = np.packbits(values, bitorder="little")
        return pa.Array.from_buffers(pa.bool_(), values.size, [None, pa.py_buffer(bits)])
    typ = _ARROW_TYPES.get(values.dtype)
    if typ is None or values.ndim != 1:
        return pa.array(values)
    return pa.Array.from_buffers(typ, values.size, [None, pa.py_buffer(values)])


@dataclass(frozen=True)
class SuffixRules:
    """Hashed public suffix list: plain rules, wildcard parents (``*.ck`` -> ``ck``), exceptions."""

    rules: np.ndarray
    wild: np.ndarray
    exceptions: np.ndarray
    version: str
    # plain rules of the PSL's private section (hosting providers' zones such as ``ngrok.io``)
    private: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.uint64))
    # plain ASCII rules of the ICANN section as written (``gov.in``, ``k12.ca.us``): suppress's
    # vetted zones are picked from them
    icann_ascii: tuple[str, ...] = ()
    # private rules (plain, and the parents of wildcards) of hosting platforms that name their
    # customers' projects themselves: every private-section provider except those where anyone can
    # pick a name (dynamic DNS, free subdomains, second-level registries); see ``_open_registration``
    platform: tuple[str, ...] = ()


def sorted_unique(values: np.ndarray) -> np.ndarray:
    """``np.unique`` of a 1-d array. Plain ``np.unique`` imports ``numpy.ma`` on first use (to ask
    whether the input is masked), a hundredth of a second of every ``score-dns`` start-up."""
    out = np.sort(np.asarray(values).ravel())
    if out.size > 1:
        keep = np.empty(out.size, dtype=bool)
        keep[0] = True
        np.not_equal(out[1:], out[:-1], out=keep[1:])
        out = out[keep]
    return out


def hash_many(strings: Sequence[bytes]) -> np.ndarray:
    """``_hash_bytes`` of many (already lower-case) byte strings in a few NumPy passes."""
    n = len(strings)
    if n == 0:
        return np.zeros(0, dtype=np.uint64)
    lens = np.fromiter(map(len, strings), dtype=np.int64, count=n)
    ends = np.cumsum(lens)
    return hash_spans(np.frombuffer(b"".join(strings), dtype=np.uint8), ends - lens, ends)


def hash_lines(blob: bytes) -> np.ndarray:
    """``_hash_bytes`` of every non-empty line of ``blob`` (bytes taken as they are: no strip, no case fold).

    Loads word and domain lists without building a Python object per line.
    """
    data = np.frombuffer(blob, dtype=np.uint8)
    nl = np.flatnonzero(data == ord("\n"))
    starts = np.concatenate([[0], nl + 1])
    ends = np.concatenate([nl, [data.size]])
    keep = ends > starts
    return hash_spans(data, starts[keep], ends[keep])


def hash_spans(data: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """``_hash_bytes`` of ``data[starts[i]:ends[i]]`` for every i; spans may overlap and come in
    any order (a word grid hashes every prefix and suffix of a label)."""
    n = starts.size
    if n == 0:
        return np.zeros(0, dtype=np.uint64)
    if data.size == 0:
        return np.zeros(n, dtype=np.uint64)
    if accel.ext is not None and accel.ENABLED:  # one pass; the shipped domain list takes ~0.1 s in NumPy
        out = np.empty(n, dtype=np.uint64)
        accel.ext.hash_spans(
            np.ascontiguousarray(data, dtype=np.uint8),
            np.ascontiguousarray(starts, dtype=np.int64),
            np.ascontiguousarray(ends, dtype=np.int64),
            _powers(),
            out,
        )
        return out
    if n > 1 and bool((starts[1:] < ends[:-1]).any()):
        return _hash_overlapping_spans(data, starts, ends)
    # spans apart and in order: one walk over the bytes. Distance of every byte from the end of
    # its span (bytes outside spans get weight 0); empty spans hash to 0 and are left out, so no
    # two spans start (or end) at the same byte and the +1/-1 marks can be plain assignments
    # (np.add.at is several times slower)
    lens = ends - starts
    ne = lens > 0
    inside = np.zeros(data.size + 1, dtype=np.int8)
    inside[starts[ne]] = 1
    inside[ends[ne]] -= 1  # an end may fall on the next span's start: 1 - 1 = 0, still inside
    in_span = np.cumsum(inside[:-1], dtype=np.int8) > 0
    end_of = np.repeat(ends, lens)
    dist = np.zeros(data.size, dtype=np.int64)
    dist[in_span] = end_of - 1 - np.flatnonzero(in_span)
    np.minimum(dist, _MAX_POW - 1, out=dist)
    w = _powers()[dist] * np.where(in_span, data, 0).astype(np.uint64)
    cs = np.zeros(data.size + 1, dtype=np.uint64)
    np.cumsum(w, out=cs[1:])
    return cs[ends] - cs[starts]


def _hash_overlapping_spans(data: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """``hash_spans`` from prefix sums, for spans that overlap or come out of order.

    A byte ``t`` of span ``[a, b)`` weighs ``BASE**(b - 1 - t)``, clamped at ``BASE**(_MAX_POW - 1)``
    as everywhere. The clamped head ``[a, c)`` is a plain sum times that power; the rest is
    ``(Q[b] - Q[c]) * BASE**(b - 1)`` with ``Q`` the prefix sums of ``x[t] * BASE**-t``: uint64
    wraps modulo 2**64, where the odd base has an inverse.
    """
    x = np.ascontiguousarray(data, dtype=np.uint8).astype(np.uint64)
    size = x.size + 1
    cap = _MAX_POW - 1
    with np.errstate(over="ignore"):
        inverse = np.full(size, pow(_HASH_BASE, -1, 1 << 64), dtype=np.uint64)
        inverse[0] = 1
        inverse = np.cumprod(inverse, dtype=np.uint64)
        powers = np.full(size, _HASH_BASE, dtype=np.uint64)
        powers[0] = 1
        powers = np.cumprod(powers, dtype=np.uint64)
        plain = np.zeros(size, dtype=np.uint64)
        np.cumsum(x, dtype=np.uint64, out=plain[1:])
        q = np.zeros(size, dtype=np.uint64)
        np.cumsum(x * inverse[:-1], dtype=np.uint64, out=q[1:])
        starts = np.asarray(starts, dtype=np.int64)
        ends = np.asarray(ends, dtype=np.int64)
        c = np.maximum(starts, ends - cap)
        head = (plain[c] - plain[starts]) * _powers()[cap]
        return head + (q[ends] - q[c]) * powers[np.maximum(ends - 1, 0)]


def _tldextract_snapshot() -> str:
    """The public suffix list snapshot shipped in tldextract's package folder.

    Located with ``find_spec`` rather than ``importlib.resources.files``: importing tldextract pulls
    in requests and urllib3, which would cost ``score-dns`` a tenth of a second for one text file.
    """
    import importlib.resources
    import importlib.util
    import os

    spec = importlib.util.find_spec("tldextract")
    for loc in (spec.submodule_search_locations or []) if spec is not None else []:
        path = os.path.join(loc, ".tld_set_snapshot")
        if os.path.isfile(path):
            with open(path, encoding="utf-8") as f:
                return f.read()
    return (importlib.resources.files("tldextract") / ".tld_set_snapshot").read_text(encoding="utf-8")


# Shared free-subdomain zones that the public suffix list does not carry (FreeDNS's shared
# domains, the historic free registries co.cc / cz.cc): anyone can create a name under them, so
# each customer's name is a registered domain of its own, as under the PSL's private section.
# Without them every customer of, say, mooo.com would count as a subdomain of one domain, and a
# DGA registering names there would look like one domain with hundreds of random subdomains.
EXTRA_SUFFIXES = (
    "mooo.com",
    "us.to",
    "uk.to",
    "chickenkiller.com",
    "crabdance.com",
    "strangled.net",
    "twilightparadox.com",
    "ignorelist.com",
    "jumpingcrab.com",
    "yi.org",
    "dynserv.com",
    "co.cc",
    "cz.cc",
)


# A private-section provider (its ``// Name : url`` comment block and the rules under it) where
# anyone can choose a name: dynamic DNS (DynDNS, No-IP, DuckDNS, deSEC, Securepoint ...), free
# subdomains (DigitalPlat's us.kg, is-a.dev, nyc.mn), NAS / router remote-access names that users
# pick (Synology, QNAP), second-level registries (CentralNic's us.com, pp.ua, co.dk, net.ru,
# the .KRD and .pl ones). A DGA can place names there, so they keep DGA detection. AVM's MyFRITZ!
# is not among them: AVM assigns every FRITZ!Box 16 random characters (``k3q9x2m7p4w8z1tb.myfritz.net``),
# nobody picks them, and as an open zone every home router's address read as a DGA name. Matched on the
# provider's comment lines (not the submitter's e-mail address, often dns@ or noc@) or on any of its
# rules, erring towards "open": a false match only keeps detection on. A rule of two labels whose
# first is at most four characters (``co.dk``, ``pp.ua``, ``4u.com``, ``dy.fi``) reads as a registry.
OPEN_PROVIDER = re.compile(
    r"dyn|dns|no-?ip|duck|afraid|nsupdate|selfhost|myip|synology|qnap|asustor|\bnas|nas\b|vpn|"
    r"remote|homeip|homelinux|free|centralnic|digitalplat|registr|domain|\bnic\b|\btld\b|is-a",
    re.IGNORECASE,
)
OPEN_RULE = re.compile(
    r"dyn|ddns|dns|no-?ip|nsupdate|selfhost|myip|vpn|homeip|homelinux|^[a-z0-9-]{1,4}\.[a-z]+$",
    re.MULTILINE,
)


def _open_registration(comments: list[str], rules: list[str]) -> bool:
    """Whether anyone can pick a name under this private-section provider's rules."""
    own = "\n".join(c for c in comments if not c.startswith("// Submitted by"))
    return bool(OPEN_PROVIDER.search(own) or OPEN_RULE.search("\n".join(rules)))


@functools.lru_cache(maxsize=2)
def suffix_rules(include_private: bool = True) -> SuffixRules:
    """Load the public suffix list bundled with tldextract (never fetched at run time).

    Private-section suffixes (``blogspot.com``, ``cloudfront.net``, ``azurewebsites.net`` ...) are
    included by default, and so are ``EXTRA_SUFFIXES``: customer names under shared hosting suffixes
    are then distinct registered domains, which keeps per-domain cardinality from lumping thousands
    of unrelated tenants together.
    """
    text = _tldextract_snapshot()
    rules: list[bytes] = []
    wild: list[bytes] = []
    exc: list[bytes] = []
    private: list[bytes] = []
    icann: list[str] = []
    in_private = False
    version = ""
    # private-section provider blocks: (comment lines, rules)
    blocks: list[tuple[list[str], list[str]]] = []
    block_open = False  # the current block has taken rules: the next comment starts another
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            block_open = True
            continue
        if line.startswith("//"):
            if line.startswith("// VERSION:"):
                version = line.split(":", 1)[1].strip()
            if "===BEGIN PRIVATE DOMAINS===" in line:
                if not include_private:
                    break
                in_private = True
                blocks.append(([], []))
                continue
            if in_private:
                if block_open:
                    blocks.append(([], []))
                    block_open = False
                blocks[-1][0].append(line)
            continue
        rule = line.split()[0].lower()
        if in_private and not rule.startswith("!"):
            blocks[-1][1].append(rule.removeprefix("*."))
        ascii_rule = rule.isascii()
        if not ascii_rule:
            # the list's IDN rules are lower-case NFC already, so punycode per label is their A-label
            # (equal to Python's IDNA codec on every rule of the snapshot, tested) at a tenth of its cost
            rule = ".".join(lab if lab.isascii() else "xn--" + lab.encode("punycode").decode("ascii")
                            for lab in rule.split("."))
        if rule.startswith("!"):
            exc.append(rule[1:].encode())
        elif rule.startswith("*."):
            wild.append(rule[2:].encode())
        else:
            rules.append(rule.encode())
            if in_private:
                private.append(rule.encode())
            elif ascii_rule:
                icann.append(rule)
    if include_private:  # plain rules (not ``private``: no hosting-provider hex-id suppression)
        rules += [z.encode() for z in EXTRA_SUFFIXES]
    platform = tuple(
        r for comments, block_rules in blocks if not _open_registration(comments, block_rules)
        for r in block_rules if r.isascii()
    )
    return SuffixRules(
        rules=sorted_unique(hash_many(rules)),
        wild=sorted_unique(hash_many(wild)),
        exceptions=sorted_unique(hash_many(exc)),
        version=version,
        private=sorted_unique(hash_many(private)),
        icann_ascii=tuple(icann),
        platform=platform,
    )


_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


class _HashSet:
    """Open-addressing (linear probing) set of uint64 hashes for vectorised membership tests.

    At most one slot in eight is used, so nearly every look-up ends at its first slot: a
    membership test over a batch is one multiply, one gather and one compare, plus a short loop
    over the few values whose first slot holds another key.
    """

    __slots__ = ("bits", "empty", "empty_member", "keys", "mask", "pos", "size")

    def __init__(self, table: np.ndarray) -> None:
        values = np.asarray(table, dtype=np.uint64)
        if not (values[1:] > values[:-1]).all():  # the cached tables are sorted and distinct already
            values = sorted_unique(values)
        bits = max(8, int(values.size * 8 - 1).bit_length())
        self.bits = np.uint64(64 - bits)
        self.mask = (1 << bits) - 1
        # the marker of an empty slot: any value that is not a member
        self.empty = np.uint64(0)
        self.empty_member = bool(values.size and values[0] == 0)
        self.size = values.size
        keys = np.full(1 << bits, self.empty, dtype=np.uint64)
        pos = np.full(1 << bits, -1, dtype=np.int32)  # index of the slot's key in the sorted table
        if accel.ext is not None and accel.ENABLED and values.size < 2**31 - 1:
            # one sequential pass (a different but equally valid layout: look-ups answer the same)
            accel.ext.hash_build(np.ascontiguousarray(values), keys, pos, int(self.bits))
            self.keys = keys
            self.pos = pos
            return
        at = np.flatnonzero(values != self.empty)
        pending = values[at]
        slot = self._slot(pending)
        while pending.size:
            # write every key whose slot is free; of several writing the same slot one sticks,
            # the others move on to the next slot with the keys that found theirs taken
            free = keys[slot] == self.empty
            keys[slot[free]] = pending[free]
            placed = free & (keys[slot] == pending)
            pos[slot[placed]] = at[placed]
            keep = ~placed
            pending, slot, at = pending[keep], (slot[keep] + 1) & self.mask, at[keep]
        self.keys = keys
        self.pos = pos

    def _slot(self, values: np.ndarray) -> np.ndarray:
        return ((values * _GOLDEN) >> self.bits).astype(np.intp)

    def _probe(self, values: np.ndarray) -> np.ndarray:
        """The slot holding each value, -1 when absent (linear probing from the value's slot).

        The empty-slot marker itself "matches" an empty slot: the callers answer it themselves.
        """
        if accel.ext is not None and accel.ENABLED:  # one pass instead of a gather, compares and a loop
            out = np.empty(values.size, dtype=np.int64)
            accel.ext.hash_probe(self.keys, int(self.bits), np.ascontiguousarray(values, dtype=np.uint64), out)
            return out.reshape(values.shape)
        slot = self._slot(values)
        k = self.keys[slot]
        hit = k == values
        out = np.where(hit, slot, -1)
        todo = np.flatnonzero(~hit & (k != self.empty))
        while todo.size:
            slot_t = (slot[todo] + 1) & self.mask
            k = self.keys[slot_t]
            found = k == values[todo]
            out[todo[found]] = slot_t[found]
            more = (k != self.empty) & ~found
            todo = todo[more]
            slot[todo] = slot_t[more]
        return out

    def contains(self, values: np.ndarray) -> np.ndarray:
        out = self._probe(values) >= 0
        out[values == self.empty] = self.empty_member
        return out

    def slot_values(self, per_key: np.ndarray) -> np.ndarray:
        """Spread values given per table key over the slots (0 in empty slots), for ``lookup``."""
        out = np.zeros(self.keys.size, dtype=per_key.dtype)
        used = self.pos >= 0
        out[used] = per_key[self.pos[used]]
        return out

    def lookup(self, values: np.ndarray, slot_values: np.ndarray) -> np.ndarray:
        """``slot_values`` at each value's slot, 0 for values not in the table (the marker value
        0 itself is answered as absent: callers look up hashes of non-empty names)."""
        slot = self._probe(values)
        return np.where(slot >= 0, slot_values[slot], 0).astype(slot_values.dtype)

    def find(self, values: np.ndarray) -> np.ndarray:
        """Index of each value in the sorted table, -1 when absent."""
        slot = self._probe(values)
        out = np.where(slot >= 0, self.pos[slot], -1)
        out[values == self.empty] = 0 if self.empty_member else -1
        return out


_HASH_SETS: dict[int, tuple[np.ndarray, _HashSet]] = {}


def _hash_set(table: np.ndarray) -> _HashSet:
    """The hash set of a table, built once per table object (tables come from cached loaders)."""
    hit = _HASH_SETS.get(id(table))
    if hit is not None and hit[0] is table:
        return hit[1]
    hs = _HashSet(table)
    if len(_HASH_SETS) >= 32:  # tables are few; bound the cache anyway
        _HASH_SETS.pop(next(iter(_HASH_SETS)))
    _HASH_SETS[id(table)] = (table, hs)  # the reference keeps the id from being reused
    return hs


@functools.lru_cache(maxsize=2)
def _rule_flags(include_private: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """All suffix-list hashes (sorted) with flags: 1 plain rule, 2 wildcard parent, 4 exception."""
    rules = suffix_rules(include_private)
    tables = (rules.rules, rules.wild, rules.exceptions)
    allh = np.concatenate(tables)
    bit = np.concatenate([np.full(t.size, 1 << i, dtype=np.uint8) for i, t in enumerate(tables)])
    hashes, inv = np.unique(allh, return_inverse=True)
    flags = np.zeros(hashes.size, dtype=np.uint8)
    np.bitwise_or.at(flags, inv, bit)
    return hashes, flags


@functools.lru_cache(maxsize=2)
def _rule_slots(include_private: bool = True) -> tuple[_HashSet, np.ndarray]:
    hashes, flags = _rule_flags(include_private)
    hs = _HashSet(hashes)
    return hs, hs.slot_values(flags)


def rule_flags(g: np.ndarray, include_private: bool = True) -> np.ndarray:
    """Suffix-list flags (see ``_rule_flags``) of each hash, in one hash-table pass."""
    hs, slot_flags = _rule_slots(include_private)
    out = hs.lookup(np.asarray(g, dtype=np.uint64), slot_flags) if hs.size and g.size else np.zeros(g.shape, np.uint8)
    if hs.empty_member:  # a rule whose hash is the empty-slot marker (practically never)
        out[g == hs.empty] = _rule_flags(include_private)[1][0]
    return out


def prepare_isin(table: np.ndarray) -> None:
    """Build the look-up structure of a table ahead of the first ``isin_sorted`` with it."""
    if table.size:
        _hash_set(table)


def isin_sorted(values: np.ndarray, table: np.ndarray) -> np.ndarray:
    """Membership of uint64 hashes in a table of uint64 hashes (sorted or not)."""
    if table.size == 0 or values.size == 0:
        return np.zeros(values.shape, dtype=bool)
    return _hash_set(table).contains(np.asarray(values, dtype=np.uint64))



def _unescape(name: str) -> bytes:
    """Decode presentation-format escapes (``\\xNN`` as logged by some sensors, RFC 1035 ``\\DDD``).

    An escape stands for one byte; the text around it keeps its UTF-8 bytes, so ``café\\x41.fr``
    and ``café.fr`` spell ``café`` the same way.
    """
    out = bytearray()
    pos = 0
    for m in _ESCAPE_RE.finditer(name):
        out += name[pos : m.start()].encode("utf-8", "surrogateescape")
        tok = m.group(1)
        if tok[0] == "x" and len(tok) == 3:
            out.append(int(tok[1:], 16))
        elif len(tok) == 3 and tok.isdigit():
            out.append(min(int(tok), 255))
        else:
            out += tok.encode("utf-8", "surrogateescape")
        pos = m.end()
    out += name[pos:].encode("utf-8", "surrogateescape")
    return bytes(out)


def to_binary_array(names: Sequence[str] | pa.Array | pa.ChunkedArray) -> pa.BinaryArray:
    """Normalise names to DNS wire-ish bytes: trimmed, trailing dots dropped, escapes decoded.

    Case is kept (base64 tunnels are case-sensitive on the wire and upper-case ratio is a
    feature); lower-casing happens on the byte buffer where needed. Nulls become empty names.
    """
    if isinstance(names, pa.ChunkedArray):
        arr = names.combine_chunks()
    elif isinstance(names, pa.Array):
        arr = names
    else:
        arr = pa.array(list(names) if not isinstance(names, list) else names, type=pa.large_string())
    if pa.types.is_dictionary(arr.type):
        arr = arr.dictionary_decode()
    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        arr = pc.cast(arr, pa.large_string())
    arr = pc.cast(arr, pa.large_string())
    if arr.null_count:
        arr = pc.fill_null(arr, "")
    # trimming costs two passes over every string: only do it when some row needs it
    offs = np.frombuffer(arr.buffers()[1], dtype=np.int64, count=len(arr) + 1, offset=arr.offset * 8)
    raw = np.frombuffer(arr.buffers()[2], dtype=np.uint8) if len(arr) and arr.buffers()[2] is not None else None
    if raw is not None:
        lens = np.diff(offs)
        nz = lens > 0
        first = raw[offs[:-1][nz]]
        last = raw[offs[1:][nz] - 1]
        if (first <= 32).any() or (last <= 32).any():
            arr = pc.utf8_trim_whitespace(arr)
            last = None
        if last is None or (last == ord(".")).any():
            arr = pc.utf8_rtrim(arr, characters=".")
        has_bs = bool((raw[offs[0] : offs[-1]] == ord("\\")).any())
    else:
        has_bs = False
    if not has_bs:
        return arr.cast(pa.large_binary())
    has_esc = pc.match_substring(arr, "\\")
    if pc.any(has_esc).as_py():
        py = arr.to_pylist()
        mask = has_esc.to_numpy(zero_copy_only=False)
        out: list[bytes] = [
            _unescape(s).rstrip(b".") if m else s.encode("utf-8") for s, m in zip(py, mask, strict=True)
        ]
        return pa.array(out, type=pa.large_binary())
    return arr.cast(pa.large_binary())


@dataclass
class ParsedNames:
    """Flat byte view of a batch of names plus the label / suffix structure of every row.

    Offsets of labels are byte positions into ``data``; per-row arrays are indexed by row.
    ``reg_start == -1`` means the name is a bare public suffix (or a single label) with no
    registered domain. ``row_of`` (row number of every byte, 4 bytes per byte of input) is built
    on first use: only the NumPy feature code needs it, the C kernels walk rows directly.
    """

    data: np.ndarray  # uint8, original case
    lower: np.ndarray  # uint8, lower case
    offsets: np.ndarray  # int64, n + 1
    label_start: np.ndarray  # int64 byte position of every label
    label_end: np.ndarray  # int64 (exclusive)
    label_row: np.ndarray  # int32
    label_idx: np.ndarray  # int32 label number within its row
    row_first_label: np.ndarray  # int64 index into label arrays
    n_labels: np.ndarray  # int32 per row
    suffix_start: np.ndarray  # int64 byte position where the public suffix starts
    reg_start: np.ndarray  # int64 byte position of the registered label, -1 if none
    reg_label: np.ndarray  # int64 index into label arrays, -1 if none
    suffix_hash: np.ndarray  # uint64 hash of the lower-cased name from each label start to the end
    tld_known: np.ndarray  # bool per row: the last label is a rule of the public suffix list
    _row_of: np.ndarray | None = field(default=None, repr=False, compare=False)

    @property
    def row_of(self) -> np.ndarray:
        """int32 row number of every byte of ``data``."""
        if self._row_of is None:
            self._row_of = _row_ids(self.offsets, self.data.size)
        return self._row_of

    @property
    def n(self) -> int:
        return int(self.offsets.size - 1)

    @property
    def lengths(self) -> np.ndarray:
        return np.diff(self.offsets)

    def slice_strings(self, start: np.ndarray, stop: np.ndarray) -> list[str]:
        """Materialise byte ranges as str (used once per unique registered domain, not per row)."""
        raw = self.data.tobytes()
        return [raw[a:b].decode("latin-1").lower() if a >= 0 else "" for a, b in zip(start, stop, strict=True)]


def _row_ids(offsets: np.ndarray, nb: int) -> np.ndarray:
    """Row number of every byte: a cumulative count of row starts (rows are never empty here)."""
    marks = np.zeros(nb, dtype=np.int32)
    marks[offsets[1:-1]] = 1
    return np.cumsum(marks, dtype=np.int32)


def _all_non_empty(binary: pa.Array | pa.ChunkedArray) -> bool:
    """No null and no zero-length value (then ``parse`` needs no placeholder bytes)."""
    if not isinstance(binary, pa.LargeBinaryArray) or binary.null_count or len(binary) == 0:
        return False
    offs = np.frombuffer(binary.buffers()[1], dtype=np.int64, count=len(binary) + 1, offset=binary.offset * 8)
    return bool((offs[1:] > offs[:-1]).all())


def parse(binary: pa.BinaryArray | pa.LargeBinaryArray, include_private: bool = True) -> ParsedNames:
    """Split every name into labels and locate its public suffix and registered label.

    Empty rows are replaced by one ``\\x00`` byte so segment arithmetic needs no special cases;
    callers mark them invalid. A suffix not in the list falls back to the PSL default rule ``*``
    (the last label), so ``corp.local`` and ``host.lan`` still get a registered domain.
    """
    if not pa.types.is_large_binary(binary.type):
        binary = binary.cast(pa.large_binary())
    if not _all_non_empty(binary):
        binary = pc.if_else(pc.equal(pc.binary_length(binary), 0), pa.scalar(b"\x00", pa.large_binary()), binary)
    if isinstance(binary, pa.ChunkedArray):
        binary = binary.combine_chunks()
    bufs = binary.buffers()
    n = len(binary)
    offs = np.frombuffer(bufs[1], dtype=np.int64, count=n + 1, offset=binary.offset * 8)
    base = offs[0]
    offsets = (offs - base).astype(np.int64)
    data = (
        np.frombuffer(bufs[2], dtype=np.uint8, count=int(offsets[-1]), offset=int(base))
        if n
        else (np.zeros(0, np.uint8))
    )
    if accel.ENABLED:
        return _parse_native(data, offsets, include_private)
    lower = byte_map(_LOWER_BYTES, data)
    nb = data.size
    # row id per byte from a cumulative count of row starts (cheaper than np.repeat)
    row_of = _row_ids(offsets, nb)

    is_dot = data == ord(".")
    # label starts: row starts and byte after each dot
    starts_mask = np.empty(nb + 1, dtype=bool)
    starts_mask[0] = False
    starts_mask[1:] = is_dot
    starts_mask[offsets[:-1]] = True
    label_start = np.flatnonzero(starts_mask[:-1])
    label_row = row_of[label_start]
    # end of each label: next dot, or row end
    nxt = np.empty_like(label_start)
    nxt[:-1] = label_start[1:] - 1  # position of the dot before the next label (if same row)
    if nxt.size:
        nxt[-1] = nb
    row_end = offsets[1:][label_row]
    same_row_next = np.zeros(label_start.size, dtype=bool)
    if label_start.size > 1:
        same_row_next[:-1] = label_row[1:] == label_row[:-1]
    label_end = np.where(same_row_next, nxt, row_end)
    n_labels = np.bincount(label_row, minlength=n).astype(np.int32)
    row_first_label = np.zeros(n, dtype=np.int64)
    if n > 1:
        np.cumsum(n_labels[:-1], out=row_first_label[1:])
    label_idx = (np.arange(label_start.size, dtype=np.int64) - row_first_label[label_row]).astype(np.int32)

    # suffix hash of every label start: G(p) = sum_{i>=p} lower[i] * B**(end-1-i)
    pw = _powers()
    # distance of every byte from its row's last byte: -1 per byte, jumping to length-1 at row
    # starts (a cumulative sum instead of a per-byte gather of row ends)
    dist = np.full(nb, -1, dtype=np.int32)
    dist[offsets[:-1]] = np.diff(offsets) - 1
    np.cumsum(dist, out=dist)
    np.minimum(dist, _MAX_POW - 1, out=dist)
    w = np.take(pw, dist)
    w *= lower
    cs = np.empty(nb + 1, dtype=np.uint64)
    cs[0] = 0
    np.cumsum(w, out=cs[1:])
    del w, dist
    g = cs[row_end] - cs[label_start]
    del cs

    flags = rule_flags(g, include_private)
    in_rule = (flags & 1) > 0
    # wildcard: the parent (next label in the same row) is a wildcard parent
    parent_wild = np.zeros(label_start.size, dtype=bool)
    if label_start.size > 1:
        pw_hit = (flags[1:] & 2) > 0
        parent_wild[:-1] = pw_hit & same_row_next[:-1]
    is_exc = (flags & 4) > 0
    last_label = ~same_row_next
    is_suffix = ((in_rule | parent_wild) & ~is_exc) | last_label
    # an exception rule (``!city.kawasaki.jp``) makes its own label the registered one: its parent
    # is the public suffix even though only the wildcard ``*.kawasaki.jp`` names it
    exc_parent = np.flatnonzero(is_exc & same_row_next) + 1
    is_suffix[exc_parent] = True
    suf_idx = np.flatnonzero(is_suffix)
    suf_rows = label_row[suf_idx]
    first = np.ones(suf_idx.size, dtype=bool)
    first[1:] = suf_rows[1:] != suf_rows[:-1]
    row_suffix_label = np.empty(n, dtype=np.int64)
    row_suffix_label[suf_rows[first]] = suf_idx[first]
    suffix_start = label_start[row_suffix_label] if n else np.zeros(0, np.int64)
    has_reg = row_suffix_label > row_first_label
    reg_label = np.where(has_reg, row_suffix_label - 1, -1)
    reg_start = np.where(has_reg, label_start[np.maximum(reg_label, 0)], -1)
    return ParsedNames(
        data=data,
        lower=lower,
        offsets=offsets,
        label_start=label_start,
        label_end=label_end,
        label_row=label_row,
        label_idx=label_idx,
        row_first_label=row_first_label,
        n_labels=n_labels,
        suffix_start=suffix_start,
        reg_start=reg_start,
        reg_label=reg_label,
        suffix_hash=g,
        tld_known=in_rule[row_first_label + n_labels - 1] if n else np.zeros(0, dtype=bool),
        _row_of=row_of,
    )


def _parse_native(data: np.ndarray, offsets: np.ndarray, include_private: bool) -> ParsedNames:
    """``parse`` by the C kernel: one pass per name for labels, lower case, suffix hashes and the
    public-suffix look-up in the same hash table (keys, per-slot flags, shift) ``rule_flags`` uses.
    The outputs are the NumPy code's, array for array and dtype for dtype."""
    ext = accel.ext
    assert ext is not None
    n = offsets.size - 1
    n_lab = ext.count_labels(data, offsets)
    hs, slot_flags = _rule_slots(include_private)
    # rule_flags answers the empty-slot marker (hash 0) separately: pass that answer along
    zero_flag = int(_rule_flags(include_private)[1][0]) if hs.empty_member else 0
    lower = np.empty(data.size, dtype=np.uint8)
    label_start = np.empty(n_lab, dtype=np.int64)
    label_end = np.empty(n_lab, dtype=np.int64)
    label_row = np.empty(n_lab, dtype=np.int32)
    label_idx = np.empty(n_lab, dtype=np.int32)
    suffix_hash = np.empty(n_lab, dtype=np.uint64)
    row_first_label = np.empty(n, dtype=np.int64)
    n_labels = np.empty(n, dtype=np.int32)
    suffix_start = np.empty(n, dtype=np.int64)
    reg_start = np.empty(n, dtype=np.int64)
    reg_label = np.empty(n, dtype=np.int64)
    tld_known = np.empty(n, dtype=bool)
    ext.parse(
        data,
        offsets,
        _LOWER_BYTES,
        _powers(),
        hs.keys,
        np.ascontiguousarray(slot_flags, dtype=np.uint8),
        int(hs.bits),
        zero_flag,
        lower,
        label_start,
        label_end,
        label_row,
        label_idx,
        suffix_hash,
        row_first_label,
        n_labels,
        suffix_start,
        reg_start,
        reg_label,
        tld_known,
    )
    return ParsedNames(
        data=data,
        lower=lower,
        offsets=offsets,
        label_start=label_start,
        label_end=label_end,
        label_row=label_row,
        label_idx=label_idx,
        row_first_label=row_first_label,
        n_labels=n_labels,
        suffix_start=suffix_start,
        reg_start=reg_start,
        reg_label=reg_label,
        suffix_hash=suffix_hash,
        tld_known=tld_known,
    )


def segment_bytes(p: ParsedNames, start: np.ndarray, stop: np.ndarray) -> pa.LargeBinaryArray:
    """Gather byte ranges of the lower-cased buffer into a new Arrow binary array (no per-row Python)."""
    start = np.asarray(start, dtype=np.int64)
    stop = np.asarray(stop, dtype=np.int64)
    lens = np.maximum(stop - start, 0)
    new_off = np.zeros(len(start) + 1, dtype=np.int64)
    np.cumsum(lens, out=new_off[1:])
    idx = np.repeat(start - new_off[:-1], lens) + np.arange(int(new_off[-1]), dtype=np.int64)
    buf = p.lower[idx]
    return pa.LargeBinaryArray.from_buffers(
        pa.large_binary(), len(start), [None, pa.py_buffer(new_off), pa.py_buffer(buf)]
    )


def registered_domains(p: ParsedNames) -> pa.LargeBinaryArray:
    """Registered domain (lower case) per row; the whole name when it is a bare suffix."""
    start = np.where(p.reg_start >= 0, p.reg_start, p.offsets[:-1])
    return segment_bytes(p, start, p.offsets[1:])


def binary_to_str(arr: pa.Array) -> pa.Array:
    """Binary -> string; bytes that are not UTF-8 (raw high bytes from tunnels) become U+FFFD."""
    try:
        return pc.cast(arr, pa.large_string())
    except pa.ArrowInvalid:
        return pa.array(
            [None if b is None else b.decode("utf-8", errors="replace") for b in arr.to_pylist()],
            type=pa.large_string(),
        )
