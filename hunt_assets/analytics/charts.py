"""Small charts for asset metadata (Agg backend, PNG bytes): kept to tens of KB for the event log."""

from __future__ import annotations

import functools
import io
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import pandas as pd

P = ParamSpec("P")
R = TypeVar("R")


def literal_text(render: Callable[P, R]) -> Callable[P, R]:
    """Run ``render`` with matplotlib's mathtext off: every string is drawn as it is.

    Why: chart text comes from data an attacker can choose (domain names, passive-DNS TXT answers).
    Mathtext reads ``$...$`` as TeX, so a TXT record such as ``$\\frac{a}{`` made the whole
    image fail to render, and a well-formed one would draw as a formula instead of the record.
    """

    @functools.wraps(render)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with plt.rc_context({"text.parse_math": False}):
            return render(*args, **kwargs)

    return wrapper


def volume_series(volume: pd.DataFrame, *, max_series: int = 6,
                  verdict_of: dict[str, str] | None = None) -> dict[str, pd.Series]:
    """The lines of ``volume_chart``: label -> queries per bucket, every bucket of the span, 0 where
    nothing was asked (a line between two bursts hours apart must drop to 0, not join them).

    All look-ups in one bucket (a domain seen within one hour) are drawn as a spike between two zero
    buckets: a single point would draw no line at all, and leave the axis without a range.

    A DGA host resolves a hundred domains a couple of times each: one line per domain would be a
    flat bundle of identical lines. With ``verdict_of`` (domain -> verdict) and more domains than
    ``max_series``, each verdict's total over all its domains comes first, and the busiest domains
    fill the remaining lines.
    """
    if volume.empty:
        return {}
    buckets = pd.DatetimeIndex(sorted(pd.to_datetime(volume["bucket"]).unique()))
    step = pd.Series(buckets).diff().min() if len(buckets) > 1 else pd.Timedelta(hours=1)
    grid = pd.date_range(buckets.min(), buckets.max(), freq=step)
    if len(grid) == 1:  # one bucket is one point, which a line does not draw: show it as a spike from 0
        grid = pd.date_range(buckets.min() - step, buckets.min() + step, freq=step)

    def filled(frame: pd.DataFrame) -> pd.Series:
        return frame.groupby(pd.to_datetime(frame["bucket"]))["queries"].sum().reindex(grid, fill_value=0)

    out: dict[str, pd.Series] = {}
    per_domain = volume.groupby("registered_domain")["queries"].sum()
    n_lines = max_series
    if verdict_of and per_domain.size > max_series:
        verdict = volume["registered_domain"].map(verdict_of).fillna("flagged")
        for v in sorted(verdict.unique()):
            mine = volume[verdict == v]
            out[f"all {mine['registered_domain'].nunique()} {v} domains"] = filled(mine)
        n_lines = max(max_series - len(out), 1)
    for dom in per_domain.nlargest(n_lines).index:
        out[dom if len(dom) <= 32 else dom[:31] + "…"] = filled(volume[volume["registered_domain"] == dom])
    return out


# peaks further apart than this share one axis only on a log scale: the day's one tunnel (a few look-ups)
# is a flat line at 0 beside a DGA host's bursts of hundreds
LOG_SCALE_RATIO = 20.0


def needs_log_scale(series: dict[str, pd.Series]) -> bool:
    """True when the lines' peaks differ by ``LOG_SCALE_RATIO`` or more (lines that never rise ignored)."""
    peaks = [float(s.max()) for s in series.values() if len(s) and float(s.max()) > 0]
    return len(peaks) > 1 and max(peaks) >= LOG_SCALE_RATIO * min(peaks)


@literal_text
def volume_chart(volume: pd.DataFrame, *, title: str, max_series: int = 6,
                 verdict_of: dict[str, str] | None = None) -> bytes:
    """Queries per time bucket to flagged domains (``volume_series``), legend outside the axes; the
    y axis starts at 0: these are counts, on a symmetric log scale (linear below 1, so 0 stays 0) when
    the lines' peaks are far apart (``needs_log_scale``)."""
    fig, ax = plt.subplots(figsize=(7.5, 2.8), dpi=80)
    try:
        series = volume_series(volume, max_series=max_series, verdict_of=verdict_of)
        if not series:
            ax.text(0.5, 0.5, "no flagged domains", ha="center", va="center", transform=ax.transAxes)
            ax.set_axis_off()
        else:
            for label, s in series.items():
                total = label.startswith("all ")
                ax.plot(s.index, s.to_numpy(), linewidth=2.4 if total else 1.0, label=label)
            if needs_log_scale(series):
                ax.set_yscale("symlog", linthresh=1.0)
                ax.set_ylabel("queries (log)")
            else:
                ax.set_ylabel("queries")
                ax.yaxis.get_major_locator().set_params(integer=True)
            ax.set_ylim(bottom=0)
            ax.xaxis.set_major_formatter(mdates.DateFormatter("%m-%d %H:%M"))
            ax.xaxis.set_major_locator(mdates.AutoDateLocator(maxticks=6))
            ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
            ax.grid(alpha=0.3)
        ax.set_title(title, fontsize=10)
        fig.autofmt_xdate()
        fig.tight_layout()
        buf = io.BytesIO()
        fig.savefig(buf, format="png")
        return buf.getvalue()
    finally:
        plt.close(fig)
