"""Small charts for asset metadata (Agg backend, PNG bytes): kept to tens of KB for the event log."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import pandas as pd


def volume_chart(volume: pd.DataFrame, *, title: str, max_series: int = 6) -> bytes:
    """Queries per time bucket for the top flagged domains: one line each, legend outside the axes."""
    fig, ax = plt.subplots(figsize=(7.5, 2.8), dpi=80)
    try:
        if volume.empty:
            ax.text(0.5, 0.5, "no flagged domains", ha="center", va="center", transform=ax.transAxes)
            ax.set_axis_off()
        else:
            top = volume.groupby("registered_domain")["queries"].sum().nlargest(max_series).index
            for dom in top:
                series = volume[volume["registered_domain"] == dom].sort_values("bucket")
                ax.plot(pd.to_datetime(series["bucket"]), series["queries"], marker=".", linewidth=1.2,
                        label=dom if len(dom) <= 32 else dom[:31] + "…")
            ax.set_ylabel("queries")
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
