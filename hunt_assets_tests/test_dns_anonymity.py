"""Anonymity networks' names (.onion, .exit, .i2p): flagged for what they are, never read as a DGA
or tunnel, on both scoring paths and whatever the batch or the events around them."""

from __future__ import annotations

import base64
import hashlib
import random

import pandas as pd

from hunt_assets.analytics.dns.anonymity import onion_v3_valid
from hunt_assets.analytics.dns.events import score_events
from hunt_assets.analytics.dns.score import score_names

# DuckDuckGo's published v3 onion service address
DDG_V3 = "duckduckgogg42xjoc72x3sjasowoarfbgcmvfimaftt6twagswzczad"
B32 = "abcdefghijklmnopqrstuvwxyz234567"


def _v3_address(key: bytes, version: bytes = b"\x03") -> str:
    """An onion address as rend-spec-v3 builds it: base32(key | SHA3-256 checksum[:2] | version)."""
    checksum = hashlib.sha3_256(b".onion checksum" + key + version).digest()[:2]
    return base64.b32encode(key + checksum + version).decode().lower()


def _random_b32(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(B32) for _ in range(n))


def test_onion_v3_checksum() -> None:
    rng = random.Random(7)
    assert onion_v3_valid(DDG_V3)
    for _ in range(20):
        assert onion_v3_valid(_v3_address(rng.randbytes(32)))
    flipped = DDG_V3[:10] + ("a" if DDG_V3[10] != "a" else "b") + DDG_V3[11:]
    assert not onion_v3_valid(flipped)
    assert not onion_v3_valid(_v3_address(rng.randbytes(32), version=b"\x02"))  # checksum fine, version not 3
    assert not onion_v3_valid(DDG_V3[:-1] + "1")  # '1' is not in base32
    assert not onion_v3_valid(DDG_V3[:55])
    assert not onion_v3_valid(DDG_V3 + "a")


def test_anonymity_network_names_are_suspicious_with_their_own_reason(scoring_path: bool) -> None:
    rng = random.Random(11)
    bad_v3 = _random_b32(rng, 56)  # v3-shaped, checksum wrong (1 in 65,536 would pass)
    assert not onion_v3_valid(bad_v3)
    names = {
        f"{DDG_V3}.onion": "v3 address with a valid checksum",
        f"www.{DDG_V3}.ONION.": "v3 address with a valid checksum",
        "3g2upl4pq6kufc4m.onion": "v2 address",
        f"{bad_v3}.onion": "not a valid v2 or v3 onion address",
        "example.onion": "not a valid v2 or v3 onion address",
        "www.google.com.4ab2c3d4e5f6.exit": "exit-node notation",
        "stats.i2p": "I2P name",
    }
    r = score_names(list(names)).set_index("name")
    for name, kind in names.items():
        key = name.lower().rstrip(".") if name.lower().rstrip(".") in r.index else name
        row = r.loc[key]
        assert row["verdict"] == "suspicious", (name, row["reasons"])
        assert kind in row["reasons"]
        assert "RFC 7686" in row["reasons"]
        # the label's randomness is not quoted: the name was never a DGA's or a tunnel's
        assert "bits less likely" not in row["reasons"]
        assert "benign family" not in row["reasons"]
        assert row["suppressed_family"] == "anonymity_network"
        assert 0.4 <= row["score"] < 0.7


def test_anonymity_checks_keep_invalid_names_invalid_and_single_labels_alone(scoring_path: bool) -> None:
    r = score_names(["a..onion", "x" * 64 + ".onion", "onion", f"{DDG_V3}.onion.example.com"]).set_index("name")
    assert r.loc["a..onion", "verdict"] == "invalid"
    # a 64-character label breaks the DNS limits: still flagged, by the anonymity rule, not erased
    assert r.loc["x" * 64 + ".onion", "verdict"] == "suspicious"
    assert r.loc["onion", "suppressed_family"] == "single_label"
    # .onion in the middle of a real domain is an ordinary name under example.com
    assert r.loc[f"{DDG_V3}.onion.example.com", "suppressed_family"] == ""


def test_no_batch_context_lifts_onion_names(scoring_path: bool) -> None:
    rng = random.Random(5)
    subs = [f"{_random_b32(rng, 40)}.{DDG_V3}.onion" for _ in range(60)]
    addresses = [f"{_v3_address(rng.randbytes(32))}.onion" for _ in range(200)]
    r = score_names(subs + addresses)
    assert (r["verdict"] == "suspicious").all(), r["verdict"].value_counts()
    # the same encoded subdomains under a delegated zone are a tunnel by the batch's context
    same = [s.replace(f"{DDG_V3}.onion", "sync-cdn-metrics.net") for s in subs]
    assert (score_names(same)["verdict"] == "tunnel").all()


def test_no_event_context_lifts_onion_names() -> None:
    rng = random.Random(9)
    names = [f"{_v3_address(rng.randbytes(32))}.onion" for _ in range(80)]
    names += [f"{_random_b32(rng, 16)}.onion" for _ in range(80)]
    ev = pd.DataFrame(
        {
            "name": names,
            "client": "ws-tor-leak",
            "qtype": "A",
            "answers": "",
            "timestamp": pd.date_range("2024-06-01 01:00", periods=len(names), freq="7s", tz="UTC"),
        }
    )
    flags, domains = score_events(ev)
    assert (flags["verdict"] == "suspicious").all(), flags["verdict"].value_counts()
    # the one reason is the anonymity rule's: no burst or per-domain context was added to it
    assert flags["reasons"].str.startswith("Tor onion service").all()
    assert not flags["reasons"].str.contains("DGA burst|unique subdomains|;", regex=True).any()
    assert (domains["verdict"] == "suspicious").all()


def test_invalid_tld_is_an_internal_only_zone(scoring_path: bool) -> None:
    r = score_names(["x7f3k9q2.invalid"]).set_index("name")
    assert r.loc["x7f3k9q2.invalid", "verdict"] == "benign"
    assert r.loc["x7f3k9q2.invalid", "suppressed_family"] == "internal_zone"
