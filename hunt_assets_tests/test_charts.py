"""The query-volume chart of ``dns_flags``: what its lines hold."""

from __future__ import annotations

import pandas as pd

from hunt_assets.analytics.charts import needs_log_scale, volume_chart, volume_series


def _volume(rows: list[tuple[str, str, int]]) -> pd.DataFrame:
    return pd.DataFrame(
        {"bucket": pd.to_datetime([r[0] for r in rows], utc=True), "registered_domain": [r[1] for r in rows],
         "queries": [r[2] for r in rows]}
    )


def test_many_dga_domains_become_one_total_and_gaps_drop_to_zero() -> None:
    rows = [("2026-11-18 01:00", f"dga{i}.com", 2) for i in range(30)]
    rows += [("2026-11-18 05:00", f"dga{i}.com", 2) for i in range(30)]
    rows += [("2026-11-18 02:00", "tun.example.com", 500), ("2026-11-18 03:00", "tun.example.com", 90)]
    verdict_of = {f"dga{i}.com": "dga" for i in range(30)} | {"tun.example.com": "tunnel"}
    lines = volume_series(_volume(rows), max_series=4, verdict_of=verdict_of)
    assert list(lines)[:2] == ["all 30 dga domains", "all 1 tunnel domains"]
    assert len(lines) == 4  # two totals, then the two busiest domains
    dga = lines["all 30 dga domains"]
    assert dga.index.freq is not None
    assert dga.tolist() == [60, 0, 0, 0, 60]  # 01:00..05:00 hourly: the hours between bursts are 0
    assert lines["tun.example.com"].tolist() == [0, 500, 90, 0, 0]


def test_few_domains_are_drawn_one_by_one_and_empty_volume_draws_a_note() -> None:
    rows = [("2026-11-18 01:00", "a.com", 3), ("2026-11-18 02:00", "b.com", 1)]
    lines = volume_series(_volume(rows), verdict_of={"a.com": "dga", "b.com": "dga"})
    assert {k: v.tolist() for k, v in lines.items()} == {"a.com": [3, 0], "b.com": [0, 1]}
    assert volume_series(_volume([])) == {}
    png = volume_chart(_volume([]), title="nothing flagged")
    assert png.startswith(b"\x89PNG")
    assert len(png) < 60_000


def test_a_domain_seen_in_one_bucket_is_a_spike_that_draws() -> None:
    """One hour of look-ups is one point: a line through it alone is invisible, and matplotlib
    cannot place date ticks on a zero-width range."""
    import warnings

    lines = volume_series(_volume([("2026-11-18 09:00", "tun.example.com", 40)]))
    spike = lines["tun.example.com"]
    assert spike.tolist() == [0, 40, 0]
    assert list(spike.index.hour) == [8, 9, 10]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the zero-range locator warning would fail here
        png = volume_chart(_volume([("2026-11-18 09:00", "tun.example.com", 40)]), title="one hour")
    assert png.startswith(b"\x89PNG")


def test_a_few_tunnel_look_ups_beside_dga_bursts_get_a_log_axis() -> None:
    """The sample tenant's last day: a canary token's four look-ups and a DGA host's bursts of 250. On a
    linear axis the tunnel is a flat line at 0."""
    import warnings

    rows = [("2026-11-18 01:00", f"dga{i}.com", 2) for i in range(125)]
    rows += [("2026-11-18 10:00", "canarytokens.com", 4)]
    verdict_of = {f"dga{i}.com": "dga" for i in range(125)} | {"canarytokens.com": "tunnel"}
    lines = volume_series(_volume(rows), verdict_of=verdict_of)
    assert needs_log_scale(lines)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        png = volume_chart(_volume(rows), title="log", verdict_of=verdict_of)
    assert png.startswith(b"\x89PNG")
    # peaks within a factor of 20, or one line only, or lines of zeros: linear
    assert not needs_log_scale(volume_series(_volume([("2026-11-18 01:00", "a.com", 30),
                                                      ("2026-11-18 02:00", "b.com", 2)])))
    assert not needs_log_scale({"a": pd.Series([0, 500, 0])})
    assert not needs_log_scale({"a": pd.Series([0, 500]), "b": pd.Series([0, 0])})
    assert needs_log_scale({"a": pd.Series([0, 500]), "b": pd.Series([0, 25])})


def test_domain_names_with_tex_markup_draw_as_text() -> None:
    import matplotlib

    png = volume_chart(_volume([("2026-11-18 09:00", "a$\\frac{$.example.com", 3),
                                ("2026-11-18 10:00", "a$\\frac{$.example.com", 5)]), title="$\\frac{ title")
    assert png.startswith(b"\x89PNG")
    assert matplotlib.rcParams["text.parse_math"] is True
