"""The dev set's relabelled Umbrella names are what our Necurs implementation generates."""

from __future__ import annotations

import datetime as dt
import gzip
from pathlib import Path

import pytest

DEVSET = Path(__file__).resolve().parents[1] / "bench" / "devset"


def test_every_umbrella_necurs_name_is_listed_and_reproduced_by_its_magic_period_and_sequence(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.syspath_prepend(str(DEVSET.parents[1]))
    from bench.devset.dga import NECURS_PER_PERIOD, necurs_name

    lines = (DEVSET / "data" / "umbrella_necurs.txt").read_text(encoding="ascii").splitlines()
    rows = [line.split() for line in lines if line and not line.startswith("#")]
    with gzip.open(DEVSET / "data" / "popular_umbrella.txt.gz", "rt", encoding="ascii") as fh:
        listed = {line.strip() for line in fh}
    assert len(rows) == 162
    for name, magic, start, seq in rows:
        assert name in listed
        assert 0 <= int(seq) < NECURS_PER_PERIOD
        assert necurs_name(int(seq), int(magic), dt.date.fromisoformat(start)) == name


def test_cobalt_strike_uploads_follow_the_beacon_layouts_and_dns_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    """The dev set's Beacon queries have the shapes of beacon.dll's format strings, never a name DNS refuses."""
    import random
    import re

    monkeypatch.syspath_prepend(str(DEVSET.parents[1]))
    from bench.devset.tunnels import CS_LAYOUTS, cobalt_strike_dns

    layouts = {tuple(sizes) for sizes in CS_LAYOUTS}
    domain = "ns1.a-rather-long-delegated-zone-name.example-corp.com"
    queries = [q for _, q, _ in cobalt_strike_dns(random.Random(11), domain, 600)]
    uploads = [q for q in queries if q.startswith(("www.", "post."))]
    heartbeats = {q for q in queries if q.split(".", 1)[0].isdigit()}
    fetches = [q for q in queries if q.startswith(("api.", "cdn.", "www6."))]
    assert uploads
    assert fetches
    assert len(heartbeats) == 1
    for q in queries:
        assert q.endswith("." + domain)
        assert len(q) <= 253
        assert max(len(label) for label in q.split(".")) <= 63
    for q in uploads:
        _kind, count, rest = re.fullmatch(r"(www|post)\.(\d)(.+)", q[: -len(domain) - 1]).groups()
        *data, tag = rest.split(".")
        assert int(count) == len(data)
        assert re.fullmatch(r"[0-9a-f]{6,16}", tag)
        assert all(re.fullmatch(r"[0-9a-f]+", label) for label in data)
        sizes = tuple(len(label) for label in data)
        assert sizes in layouts or (len(sizes) == 1 and sizes[0] < 8), sizes
    for q in fetches:
        assert re.fullmatch(r"(api|cdn|www6)\.[0-9a-f]{6,16}", q[: -len(domain) - 1])


def _dnspb(raw: bytes) -> dict[int, int | bytes]:
    """Decode a protobuf ``DNSMessage`` (varint fields 1-5, bytes field 6): the test's own reader."""
    out: dict[int, int | bytes] = {}
    at = 0

    def varint() -> int:
        nonlocal at
        value, shift = 0, 0
        while True:
            b = raw[at]
            at += 1
            value |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                return value

    while at < len(raw):
        key = varint()
        field, wire = key >> 3, key & 7
        if wire == 0:
            out[field] = varint()
        else:
            assert (field, wire) == (6, 2)
            size = varint()
            out[6] = raw[at : at + size]
            at += size
    return out


def test_sliver_queries_decode_to_its_dns_messages_within_dns_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every dev-set Sliver query is Sliver's base32 of a DNSMessage, sent in the client's order, and
    the chunks of each split message tile their data exactly, as the server reassembles them."""
    import base64
    import random

    monkeypatch.syspath_prepend(str(DEVSET.parents[1]))
    from bench.devset.tunnels import SLIVER_B32, sliver_dns

    domain = "ns1.a-rather-long-delegated-zone-name.example-corp.com"
    to_std = str.maketrans(SLIVER_B32, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
    queries = list(sliver_dns(random.Random(21), domain, 700))
    msgs = []
    for _, q, qtype in queries:
        assert q.endswith("." + domain)
        assert len(q) <= 253
        labels = q[: -len(domain) - 1].split(".")
        assert all(len(label) == 63 for label in labels[:-1])
        assert 0 < len(labels[-1]) <= 63
        sub = "".join(labels).translate(to_std)
        msgs.append((_dnspb(base64.b32decode(sub + "=" * (-len(sub) % 8))), qtype))
    kinds = [m.get(1, 0) for m, _ in msgs]
    assert kinds[:5] == [1, 0, 0, 0, 0]  # TOTP, then four fingerprint NOPs
    session = msgs[1][0][2] & 0xFFFFFF
    assert all(len(m[6]) == 8 and m[2] == session for m, _ in msgs[1:5])
    assert {qt for m, qt in msgs if m.get(1, 0) in (3, 7)} == {"TXT"}  # polls and reads
    assert {qt for m, qt in msgs if m.get(1, 0) in (8, 9)} == {"A"}  # uploads and clears
    assert {2, 3, 7, 8, 9} <= set(kinds)
    for kind in (2, 8):  # INIT and DATA_FROM_IMPLANT: SplitBuffer's chunks cover 0..size exactly
        by_id: dict[int, list[dict]] = {}
        for m, _ in msgs:
            if m.get(1) == kind:
                by_id.setdefault(m[2], []).append(m)
        assert by_id
        for parts in by_id.values():
            if parts[0].get(5, 0) > sum(len(p[6]) for p in parts):
                continue  # the last message, cut off by the session's end
            at = 0
            for p in parts:
                assert p.get(3, 0) == at
                assert p[5] == parts[0][5]
                at += len(p[6])
            assert at == parts[0][5]
        assert max(len(q) for (m, _), (_, q, _) in zip(msgs, queries, strict=True) if m.get(1) == kind) >= 240
