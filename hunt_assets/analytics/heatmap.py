"""Passive-DNS heatmap and timeline as a PNG: the MDTI notebook's view, kept and readable.

Why this shape: the notebook plotted first-seen against last-seen dates per record type -- a record far
right of the diagonal lived long, one on the diagonal was short-lived (fast flux, parked-then-weaponised
domains show up as bursts near the diagonal). We keep that, bin it by week, month or quarter as the span
needs so the grid stays legible, share one colour scale across record types, and add a timeline
(first -> last seen per answer, coloured by record type), which hunters read faster than a matrix.

Pure matplotlib on the Agg backend: no display, no Dagster; the binned matrix is a separate function so
its counts can be tested exactly.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass, field
from typing import Literal

import matplotlib as mpl

mpl.use("Agg")  # before pyplot: render off-screen in workers and tests

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib import dates as mdates
from matplotlib.colors import LogNorm, Normalize
from matplotlib.figure import Figure, SubFigure
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator
from PIL import Image

from hunt_assets.analytics.charts import literal_text

Freq = Literal["W", "M", "Q"]
FREQ_LABEL = {"W": "week", "M": "month", "Q": "quarter"}
MAX_PANELS = 6  # record types beyond the 5 busiest are pooled as "other"
MAX_TICKS = 8
TIMELINE_ROWS = 30
# one stable colour per common record type, so a hunter learns them once
TYPE_COLOURS = {
    "A": "#1f77b4",
    "AAAA": "#17becf",
    "CNAME": "#ff7f0e",
    "NS": "#2ca02c",
    "MX": "#9467bd",
    "SOA": "#8c564b",
    "TXT": "#e377c2",
    "PTR": "#bcbd22",
    "SRV": "#7f7f7f",
    "other": "#d62728",
}


@dataclass
class BinnedMatrix:
    """Counts of records per (first-seen bin, last-seen bin), one matrix per record type, on shared bins."""

    freq: Freq
    bins: pd.PeriodIndex
    matrices: dict[str, pd.DataFrame] = field(default_factory=dict)  # rows: first-seen, cols: last-seen
    undated: int = 0  # records without any seen time (not plottable)

    @property
    def total(self) -> int:
        return int(sum(int(m.to_numpy().sum()) for m in self.matrices.values()))


def choose_freq(start: pd.Timestamp, end: pd.Timestamp) -> Freq:
    """Weekly bins up to ~6 months, monthly up to ~6 years, quarterly beyond: at most ~30-75 bins a side."""
    days = (end - start).days
    if days <= 183:
        return "W"
    if days <= 6 * 366:
        return "M"
    return "Q"


def _seen(df: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    first = pd.to_datetime(df["first_seen"])
    last = pd.to_datetime(df["last_seen"])
    if getattr(first.dt, "tz", None) is not None:
        first = first.dt.tz_convert("UTC").dt.tz_localize(None)
    if getattr(last.dt, "tz", None) is not None:
        last = last.dt.tz_convert("UTC").dt.tz_localize(None)
    # a record with one time only is a point in time
    return first.fillna(last), last.fillna(first)


def _pooled_types(rrtypes: pd.Series) -> pd.Series:
    busiest = rrtypes.value_counts()
    if len(busiest) <= MAX_PANELS:
        return rrtypes
    keep = set(busiest.index[: MAX_PANELS - 1])
    return rrtypes.where(rrtypes.isin(keep), "other")


def binned_matrix(df: pd.DataFrame, freq: Freq | None = None) -> BinnedMatrix:
    """Count records per (first-seen bin, last-seen bin) for each record type.

    Bins are calendar periods (ISO weeks starting Monday, months or quarters) shared by both axes and by
    every record type, covering the whole span without gaps. Only cells with last >= first can be
    non-zero. Each record counts once, whatever its ``count`` (that is the resolver's hit count, which
    would let one busy record hide every other).
    """
    if df.empty:
        return BinnedMatrix(freq=freq or "M", bins=pd.PeriodIndex([], freq="M"))
    first, last = _seen(df)
    dated = first.notna() & last.notna()
    undated = int((~dated).sum())
    if not dated.any():
        return BinnedMatrix(freq=freq or "M", bins=pd.PeriodIndex([], freq="M"), undated=undated)
    first, last = first[dated], last[dated]
    types = _pooled_types(df.loc[dated, "rrtype"].astype(str))
    freq = freq or choose_freq(first.min(), last.max())
    pfreq = "W-SUN" if freq == "W" else freq  # W-SUN: weeks ending Sunday, i.e. starting Monday
    pf, pl = first.dt.to_period(pfreq), last.dt.to_period(pfreq)
    bins = pd.period_range(min(pf.min(), pl.min()), max(pf.max(), pl.max()), freq=pfreq)
    origin = bins[0].ordinal
    n = len(bins)
    fi = pf.array.asi8 - origin
    li = pl.array.asi8 - origin
    out = BinnedMatrix(freq=freq, bins=bins, undated=undated)
    order = types.value_counts().index
    type_values = types.to_numpy()
    for rrtype in order:
        mask = type_values == rrtype
        counts = np.zeros((n, n), dtype=np.int64)
        np.add.at(counts, (fi[mask], li[mask]), 1)
        out.matrices[str(rrtype)] = pd.DataFrame(counts, index=bins, columns=bins)
    return out


def _fmt(period: pd.Period, freq: Freq) -> str:
    if freq == "W":
        return period.start_time.strftime("%Y-%m-%d")
    if freq == "M":
        return period.strftime("%Y-%m")
    return f"{period.year}-Q{period.quarter}"


def _ticks(bins: pd.PeriodIndex, freq: Freq) -> tuple[list[int], list[str]]:
    step = max(1, math.ceil(len(bins) / MAX_TICKS))
    positions = list(range(0, len(bins), step))
    return positions, [_fmt(bins[i], freq) for i in positions]


def _no_records(fig: Figure, domain: str, note: str) -> None:
    ax = fig.add_subplot(1, 1, 1)
    ax.set_axis_off()
    ax.text(0.5, 0.55, f"No passive DNS records for {domain}", ha="center", va="center", fontsize=14, weight="bold")
    ax.text(0.5, 0.40, note, ha="center", va="center", fontsize=10, color="#555555")


def _heatmap_panels(sub: SubFigure, matrix: BinnedMatrix) -> None:
    types = list(matrix.matrices)
    ncols = min(3, len(types))
    nrows = math.ceil(len(types) / ncols)
    vmax = max(int(m.to_numpy().max()) for m in matrix.matrices.values())
    log = vmax > 50
    norm: Normalize = LogNorm(vmin=1, vmax=vmax) if log else Normalize(vmin=0.5, vmax=vmax + 0.5)
    cmap = plt.get_cmap("viridis").with_extremes(bad="#f4f4f4")
    positions, labels = _ticks(matrix.bins, matrix.freq)
    axes = sub.subplots(nrows, ncols, squeeze=False)
    image = None
    edge = len(matrix.bins) - 0.5
    for i, ax in enumerate(axes.flat):
        if i >= len(types):
            ax.set_axis_off()
            continue
        rrtype = types[i]
        values = matrix.matrices[rrtype].to_numpy().astype(float)
        total = int(values.sum())
        values[values == 0] = np.nan
        image = ax.imshow(values.T, origin="lower", aspect="auto", cmap=cmap, norm=norm, interpolation="nearest")
        ax.set_title(f"{rrtype}  ({total:,} record{'s' if total != 1 else ''})", fontsize=9)
        ax.set_xticks(positions, labels, rotation=45, ha="right", rotation_mode="anchor", fontsize=7)
        ax.set_yticks(positions, labels, fontsize=7)
        ax.set_xlabel("first seen", fontsize=8)
        ax.set_ylabel("last seen", fontsize=8)
        ax.plot([-0.5, edge], [-0.5, edge], color="#999999", lw=0.6, ls=":")
    if image is not None:
        bar = sub.colorbar(image, ax=axes, shrink=0.9, pad=0.01, aspect=30)
        bar.set_label("records per cell" + (" (log scale)" if log else ""), fontsize=8)
        if not log:
            ticks = [t for t in MaxNLocator(integer=True, nbins=6).tick_values(1, vmax) if 1 <= t <= vmax]
            bar.set_ticks(ticks)
        bar.ax.tick_params(labelsize=7)


def _rdata_text(value: object) -> str:
    if isinstance(value, (list, tuple, np.ndarray)):
        return ", ".join(str(v) for v in value)
    return str(value)


def _timeline(sub: SubFigure, df: pd.DataFrame, rows: int) -> None:
    """first -> last seen per (name, type, answer); the most recently seen answers on top."""
    ax = sub.subplots()
    first, last = _seen(df)
    frame = pd.DataFrame(
        {
            "label": (df["rrname"].astype(str) + " " + df["rrtype"].astype(str) + " " + df["rdata"].map(_rdata_text)),
            "rrtype": df["rrtype"].astype(str),
            "first": first,
            "last": last,
        }
    ).dropna(subset=["first", "last"])
    frame = (
        frame.groupby("label", sort=False)
        .agg(rrtype=("rrtype", "first"), first=("first", "min"), last=("last", "max"))
        .reset_index()
    )
    shown = frame.sort_values(["last", "first"], ascending=[False, True]).head(rows).iloc[::-1]
    y = np.arange(len(shown))
    start = mdates.date2num(shown["first"].to_numpy())
    end = mdates.date2num(shown["last"].to_numpy())
    width = np.maximum(end - start, 0.8)  # a one-day record stays visible
    colours = [TYPE_COLOURS.get(t, TYPE_COLOURS["other"]) for t in shown["rrtype"]]
    ax.barh(y, width, left=start, color=colours, height=0.7)
    labels = [lbl if len(lbl) <= 60 else lbl[:57] + "..." for lbl in shown["label"]]
    ax.set_yticks(y, labels, fontsize=6.5)
    ax.set_ylim(-0.6, len(shown) - 0.4)
    ax.xaxis_date()
    locator = mdates.AutoDateLocator(minticks=3, maxticks=MAX_TICKS)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.tick_params(axis="x", labelsize=7)
    ax.grid(axis="x", color="#dddddd", lw=0.5)
    title = "Timeline: first -> last seen per answer"
    if len(frame) > len(shown):
        title += f" (the {len(shown)} most recently seen of {len(frame):,})"
    ax.set_title(title, fontsize=9)
    present = list(dict.fromkeys(shown["rrtype"][::-1]))
    handles = [Patch(color=TYPE_COLOURS.get(t, TYPE_COLOURS["other"]), label=t) for t in present]
    if handles:
        sub.legend(
            handles=handles, fontsize=7, loc="outside right upper", frameon=False, title="type", title_fontsize=7
        )


def _png(fig: Figure, dpi: int, colours: int) -> bytes:
    """Save, then quantize to a palette: flat plot colours survive, the file shrinks ~3x for metadata."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})
    if colours <= 0:
        return buffer.getvalue()
    buffer.seek(0)
    with Image.open(buffer) as image:
        quantized = image.convert("RGB").quantize(colors=colours, method=Image.Quantize.MEDIANCUT)
        out = io.BytesIO()
        quantized.save(out, format="PNG", optimize=True)
    return out.getvalue()


def shrink_png(png: bytes, *, max_bytes: int = 90_000, colours: int = 96, max_width: int = 1000) -> bytes:
    """A palette (and if need be smaller) copy of a PNG for inline metadata, under ``max_bytes`` if possible.

    Plots are flat colours, so a 96-colour palette loses nothing visible; halving the size steps in
    only for very busy figures. ``max_width`` keeps the image inside the UI's metadata dialog, which
    does not scale images down (a wider one is cut off on the right).
    """
    with Image.open(io.BytesIO(png)) as original:
        image = original.convert("RGB")
    scale = min(1.0, max_width / image.width) if image.width else 1.0
    while True:
        size = (max(1, int(image.width * scale)), max(1, int(image.height * scale)))
        frame = image if scale == 1.0 else image.resize(size, Image.Resampling.LANCZOS)
        out = io.BytesIO()
        frame.quantize(colors=colours, method=Image.Quantize.MEDIANCUT).save(out, format="PNG", optimize=True)
        data = out.getvalue()
        if len(data) <= max_bytes or scale < 0.4:
            return data
        scale *= 0.75


@literal_text
def render_pdns_png(
    df: pd.DataFrame,
    domain: str,
    *,
    dpi: int = 72,
    timeline_rows: int = TIMELINE_ROWS,
    freq: Freq | None = None,
    colours: int = 96,
) -> bytes:
    """The heatmap facets plus the timeline as PNG bytes; an empty history gives a "no records" image.

    At the default 72 dpi and a 96-colour palette a figure is a few tens of KB -- small enough to
    inline in Dagster metadata, which is stored with every materialization. ``colours=0`` keeps full
    RGBA (for the file on disk, at a higher dpi).
    """
    matrix = binned_matrix(df, freq)
    if not matrix.matrices:
        fig = plt.figure(figsize=(9, 2.5), dpi=dpi)
        note = (
            f"{matrix.undated} records without dates"
            if matrix.undated
            else "No provider returned history for this host (yet)."
        )
        _no_records(fig, domain, note)
    else:
        first, last = _seen(df)
        ncols = min(3, len(matrix.matrices))
        nrows_hm = math.ceil(len(matrix.matrices) / ncols)
        rows = min(timeline_rows, len(df))
        hm_height, tl_height = 3.0 * nrows_hm + 0.3, 1.0 + 0.17 * rows
        fig = plt.figure(figsize=(12, hm_height + tl_height + 0.5), dpi=dpi, layout="constrained")
        top, bottom = fig.subfigures(2, 1, height_ratios=[hm_height, tl_height])
        _heatmap_panels(top, matrix)
        _timeline(bottom, df, rows)
        span = f"{first.min():%Y-%m-%d} to {last.max():%Y-%m-%d}"
        fig.suptitle(
            f"Passive DNS of {domain}: {matrix.total:,} records, {span} (binned by {FREQ_LABEL[matrix.freq]})",
            fontsize=12,
            weight="bold",
        )
    try:
        return _png(fig, dpi, colours)
    finally:
        plt.close(fig)
