"""Render the per-domain findings report as markdown (Dagster UI) and standalone HTML (a browser, offline).

Why pure: the report is what a hunter reads first, so it is tested section by section on plain data,
without Dagster or a warehouse. Every value that came from outside (alert titles, URLs, command lines)
is escaped for the target format; the HTML has no external references (images are inlined), so it opens
on an air-gapped analyst machine and leaks nothing when opened.
"""

from __future__ import annotations

import base64
import html
from dataclasses import dataclass, field
from datetime import datetime

import pandas as pd

from hunt_assets.reports.tables import cell_text as _text
from hunt_assets.reports.tables import md_cell as _md_cell
from hunt_assets.reports.tables import md_table

SECTIONS = (
    "Summary",
    "Threat intelligence verdicts",
    "Registration",
    "Resolutions, ASN, country and Tor",
    "Certificate and SSLBL",
    "Passive DNS",
    "Related alerts",
    "Hosts in the environment",
    "DNS tunnel / DGA verdicts",
)


@dataclass
class ReportData:
    """Everything known about one investigated domain (or IP), gathered from the warehouse."""

    key: str
    kind: str = "domain"  # domain | ip
    generated_at: datetime | None = None
    urls: list[str] = field(default_factory=list)
    overall_severity: str = "information"
    ti: pd.DataFrame = field(default_factory=pd.DataFrame)  # provider, verdict/severity, detail, status
    registration: dict[str, str] = field(default_factory=dict)
    resolutions: pd.DataFrame = field(default_factory=pd.DataFrame)  # record type, value, asn, owner, country, tor
    certificate: dict[str, str] = field(default_factory=dict)
    passive_sources: list[str] = field(default_factory=list)  # which context came from passive sources
    pdns_summary: pd.DataFrame = field(default_factory=pd.DataFrame)
    heatmap_png: bytes | None = None
    alerts: pd.DataFrame = field(default_factory=pd.DataFrame)
    hosts: pd.DataFrame = field(default_factory=pd.DataFrame)
    dns_verdicts: pd.DataFrame = field(default_factory=pd.DataFrame)
    notes: list[str] = field(default_factory=list)


def ti_view(ti: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """The verdicts worth reading, and how many look-ups came back 'not known' (counted, not listed)."""
    if ti.empty or not {"status", "severity"} <= set(ti.columns):
        return ti, 0
    quiet = (ti["status"] == "not_found") & ti["severity"].isin(["information", "informational"])
    shown = ti.loc[~quiet, [c for c in ("provider", "indicator", "severity", "status", "detail") if c in ti.columns]]
    return shown.reset_index(drop=True), int(quiet.sum())


def _kv_md(d: dict[str, str]) -> str:
    if not d:
        return "_not available_"
    return "\n".join(f"- **{_md_cell(k)}**: {_md_cell(v, 300)}" for k, v in d.items())


def render_markdown(data: ReportData, *, image_markdown: str | None = None) -> str:
    """The report as markdown for the UI; ``image_markdown`` embeds the (small) heatmap."""
    when = data.generated_at.isoformat(timespec="seconds") if data.generated_at else ""
    out = [f"# Findings: {_md_cell(data.key)}", "", f"_{data.kind}; generated {when}_", ""]
    out += ["## Summary", "", f"- Overall severity: **{_md_cell(data.overall_severity)}**"]
    if data.urls:
        out.append("- URLs seen: " + ", ".join(f"`{_md_cell(u, 200)}`" for u in data.urls[:10]))
    for note in data.notes:
        out.append(f"- {_md_cell(note, 400)}")
    ti, quiet = ti_view(data.ti)
    note = f"\n\n_{quiet} look-up(s) not known to the provider_" if quiet else ""
    out += ["", "## Threat intelligence verdicts", "", md_table(ti, cell_limit=90) + note]
    out += ["", "## Registration", "", _kv_md(data.registration)]
    out += ["", "## Resolutions, ASN, country and Tor", "", md_table(data.resolutions)]
    out += ["", "## Certificate and SSLBL", "", _kv_md(data.certificate)]
    if data.passive_sources:
        out += ["", "_Context from passive sources only: " + ", ".join(map(_md_cell, data.passive_sources)) + "_"]
    out += ["", "## Passive DNS", ""]
    if image_markdown:
        out += [image_markdown, ""]
    out += [md_table(data.pdns_summary)]
    out += ["", "## Related alerts", "", md_table(data.alerts)]
    out += ["", "## Hosts in the environment", "", md_table(data.hosts)]
    out += ["", "## DNS tunnel / DGA verdicts", "", md_table(data.dns_verdicts, limit=8, cell_limit=64)]
    return "\n".join(out) + "\n"


_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:1100px;color:#1b1f24}
h1{font-size:1.6rem;border-bottom:2px solid #d0d7de;padding-bottom:.3rem} h2{font-size:1.2rem;margin-top:2rem}
table{border-collapse:collapse;width:100%;font-size:.85rem} th,td{border:1px solid #d0d7de;padding:.3rem .5rem;
text-align:left;vertical-align:top;overflow-wrap:anywhere} th{background:#f6f8fa;white-space:nowrap}
.sev{font-weight:bold}
.sev-high{color:#b42318}.sev-medium{color:#b54708}.sev-low{color:#1d4ed8}.muted{color:#57606a;font-size:.85rem}
img{max-width:100%;border:1px solid #d0d7de} td.nw{white-space:nowrap}
"""


def _html_table(df: pd.DataFrame, limit: int = 200) -> str:
    if df is None or df.empty:
        return "<p class='muted'>none found</p>"
    head = df.head(limit)
    header = "".join(f"<th>{html.escape(str(c))}</th>" for c in head.columns)
    cells = [f"<table><thead><tr>{header}</tr></thead><tbody>"]
    for row in head.itertuples(index=False):
        tds = []
        for v in row:
            text = _text(v)
            # short values (IPs, dates, verdicts) never wrap; long ones (names, reasons) wrap anywhere
            cls = " class='nw'" if len(text) <= 24 else ""
            tds.append(f"<td{cls}>{html.escape(text[:2000])}</td>")
        cells.append("<tr>" + "".join(tds) + "</tr>")
    cells.append("</tbody></table>")
    if len(df) > limit:
        cells.append(f"<p class='muted'>{len(df) - limit} more rows in the warehouse</p>")
    return "".join(cells)


def _html_kv(d: dict[str, str]) -> str:
    if not d:
        return "<p class='muted'>not available</p>"
    return "<table>" + "".join(f"<tr><th>{html.escape(str(k))}</th><td>{html.escape(str(v))}</td></tr>"
                               for k, v in d.items()) + "</table>"


def render_html(data: ReportData) -> str:
    """A standalone HTML page: inline CSS and images, no scripts, no external references."""
    esc = html.escape
    sev = esc(data.overall_severity)
    when = esc(data.generated_at.isoformat(timespec="seconds")) if data.generated_at else ""
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        "<meta http-equiv='Content-Security-Policy' "
        "content=\"default-src 'none'; img-src data:; style-src 'unsafe-inline'\">",
        f"<title>Findings: {esc(data.key)}</title><style>{_CSS}</style></head><body>",
        f"<h1>Findings: {esc(data.key)}</h1><p class='muted'>{esc(data.kind)}; generated {when}</p>",
        "<h2>Summary</h2><ul>",
        f"<li>Overall severity: <span class='sev sev-{sev}'>{sev}</span></li>",
    ]
    if data.urls:
        parts.append("<li>URLs seen: " + ", ".join(f"<code>{esc(u[:300])}</code>" for u in data.urls[:10]) + "</li>")
    parts += [f"<li>{esc(n)}</li>" for n in data.notes]
    parts.append("</ul>")
    ti, quiet = ti_view(data.ti)
    parts += ["<h2>Threat intelligence verdicts</h2>", _html_table(ti)]
    if quiet:
        parts.append(f"<p class='muted'>{quiet} look-up(s) not known to the provider</p>")
    parts += ["<h2>Registration</h2>", _html_kv(data.registration)]
    parts += ["<h2>Resolutions, ASN, country and Tor</h2>", _html_table(data.resolutions)]
    parts += ["<h2>Certificate and SSLBL</h2>", _html_kv(data.certificate)]
    if data.passive_sources:
        parts.append("<p class='muted'>Context from passive sources only: "
                     + esc(", ".join(data.passive_sources)) + "</p>")
    parts.append("<h2>Passive DNS</h2>")
    if data.heatmap_png:
        b64 = base64.b64encode(data.heatmap_png).decode("ascii")
        parts.append(f"<img alt='passive DNS heatmap and timeline for {esc(data.key)}' "
                     f"src='data:image/png;base64,{b64}'>")
    parts.append(_html_table(data.pdns_summary))
    parts += ["<h2>Related alerts</h2>", _html_table(data.alerts)]
    parts += ["<h2>Hosts in the environment</h2>", _html_table(data.hosts)]
    parts += ["<h2>DNS tunnel / DGA verdicts</h2>", _html_table(data.dns_verdicts)]
    parts.append("</body></html>")
    return "\n".join(parts)
