"""Attribute DNS look-ups to devices.

Why: DNS server logs (Sentinel DnsEvents) know a client only by its IP, while Defender events name the
device. Without this, one host shows up twice in summaries -- once by name, once by IP -- and halves
its priority. The map comes from the same batch (device events that carry both), so it reflects the
addresses devices actually had that day.
"""

from __future__ import annotations

import pandas as pd


def ip_to_device(df: pd.DataFrame, *, device: str = "DeviceName", ip: str = "ClientIP") -> dict[str, str]:
    """The device each client IP belonged to in this batch (the most frequent one if several)."""
    if df.empty or device not in df.columns or ip not in df.columns:
        return {}
    known = df[(df[device].astype(str) != "") & (df[ip].astype(str) != "")]
    if known.empty:
        return {}
    counts = known.groupby([ip, device]).size().reset_index(name="n")
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
    """
    mapping = {**ip_to_device(df, device=device, ip=ip), **(mapping or {})}
    if not mapping:
        return df
    out = df.copy()
    empty = out[device].astype(str) == ""
    out.loc[empty, device] = out.loc[empty, ip].map(mapping).fillna("")
    return out
