"""Markdown tables for the Dagster UI, safe for attacker-controlled values.

Why one helper: hunt previews, passive-DNS histories and reports all put values from the outside
(command lines, URLs, alert titles) into markdown that the UI renders. Escaping markdown and HTML
control characters in one place means no value can become a link, an image that calls home, or a
broken table -- and every table clips long cells the same way.
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd

__all__ = ["cell_text", "md_cell", "md_table"]


def cell_text(value: object) -> str:
    """Cell text: '' for nulls, lists joined, timestamps to the minute in UTC (seconds are noise here)."""
    if isinstance(value, (list, tuple)) or (hasattr(value, "tolist") and not isinstance(value, (str, bytes))
                                            and getattr(value, "ndim", 0) == 1):
        return ", ".join(map(cell_text, list(value)))
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NaT:
        return ""
    if isinstance(value, (pd.Timestamp, datetime)):
        ts = pd.Timestamp(value)
        if ts.tzinfo is not None:
            ts = ts.tz_convert("UTC")
        return ts.strftime("%Y-%m-%d %H:%M")
    return str(value)


def md_cell(value: object, limit: int = 120) -> str:
    text = cell_text(value)
    text = text.replace("\r", " ").replace("\n", " ")
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    # neutralize markdown/HTML control characters from attacker-controlled text
    for ch in ("\\", "|", "`", "*", "_", "[", "]", "<", ">", "#"):
        text = text.replace(ch, "\\" + ch)
    return text


def md_table(df: pd.DataFrame, limit: int = 25, cell_limit: int = 120, empty: str = "_none found_") -> str:
    if df is None or df.empty:
        return empty
    head = df.head(limit)
    cols = [str(c) for c in head.columns]
    lines = ["| " + " | ".join(md_cell(c) for c in cols) + " |", "|" + "---|" * len(cols)]
    for row in head.itertuples(index=False):
        lines.append("| " + " | ".join(md_cell(v, cell_limit) for v in row) + " |")
    if len(df) > limit:
        lines.append(f"\n_{len(df) - limit} more rows in the warehouse_")
    return "\n".join(lines)
