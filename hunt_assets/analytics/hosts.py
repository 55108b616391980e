"""Attribute DNS look-ups to devices.

Why: DNS server logs (Sentinel DnsEvents) know a client only by its IP, while Defender events name the
device. Without this, one host shows up twice in summaries -- once by name, once by IP -- and halves
its priority. The map comes from the same batch (device events that carry both), so it reflects the
addresses devices actually had that day.
"""

from __future__ import annotations

import pandas as pd

from hunt_assets.analytics.categorical import distinct_rows, is_categorical, to_rows


def ip_to_device(df: pd.DataFrame, *, device: str = "DeviceName", ip: str = "ClientIP",
                 weight: str | None = None) -> dict[str, str]:
    """The device each client IP belonged to in this batch (the most frequent one if several).

    ``weight``: a column of row counts, when ``df`` holds distinct rows rather than every row.
    """
    if df.empty or device not in df.columns or ip not in df.columns:
        return {}
    known = df[(df[device].astype(str) != "") & (df[ip].astype(str) != "")]
    if known.empty:
        return {}
    g = known.groupby([ip, device])
    counts = (g.size() if weight is None else g[weight].sum()).reset_index(name="n")
    best = counts.sort_values("n", ascending=False).drop_duplicates(ip)
    return dict(zip(best[ip], best[device], strict=True))


def ip_map_from_inventory(inventory: pd.DataFrame) -> dict[str, str]:
    """IP -> device from the ``device_ips`` hunt (DeviceName, LocalIP, Connections): the busiest device wins."""
    if inventory.empty:
        return {}
    counts = inventory.groupby(["LocalIP", "DeviceName"])["Connections"].sum().reset_index()
    best = counts.sort_values("Connections", ascending=False).drop_duplicates("LocalIP")
    return dict(zip(best["LocalIP"], best["DeviceName"], strict=True))


def attribute_clients(df: pd.DataFrame, *, device: str = "DeviceName", ip: str = "ClientIP",
                      mapping: dict[str, str] | None = None) -> pd.DataFrame:
    """Fill an empty device name from an IP -> device map; rows with unknown IPs keep their IP.

    The map is the inventory's (``mapping``) where given, completed by the batch's own rows that carry both.
    When both columns are categoricals, the work is done once per distinct (device, IP) pair and the
    device column comes back as a categorical.
    """
    if device in df.columns and ip in df.columns and is_categorical(df[device]) and is_categorical(df[ip]):
        pairs, row_pair = distinct_rows(df, [device, ip])
        attributed = attributed_devices(pairs, mapping, device=device, ip=ip, weight="n")
        if attributed is None:
            return df
        out = df.copy(deep=False)  # only the device column is replaced; the others are shared, not copied
        out[device] = to_rows(attributed, row_pair, out.index)
        return out
    full = {**ip_to_device(df, device=device, ip=ip), **(mapping or {})}
    if not full:
        return df
    return _fill(df, device, ip, full)


def attributed_devices(pairs: pd.DataFrame, mapping: dict[str, str] | None, *, device: str = "DeviceName",
                       ip: str = "ClientIP", weight: str | None = None) -> pd.Series | None:
    """The device column of ``pairs`` (distinct device / IP rows) with empty names filled from the IP map.

    ``None`` when there is nothing to fill from. Callers working on distinct pairs (categorical reads)
    use this so the attribution runs once per pair, not once per look-up.
    """
    full = {**ip_to_device(pairs, device=device, ip=ip, weight=weight), **(mapping or {})}
    if not full:
        return None
    return _fill(pairs, device, ip, full)[device]


def _fill(df: pd.DataFrame, device: str, ip: str, mapping: dict[str, str]) -> pd.DataFrame:
    out = df.copy()
    empty = out[device].astype(str) == ""
    out.loc[empty, device] = out.loc[empty, ip].map(mapping).fillna("")
    return out
