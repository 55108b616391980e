"""``domain_report``: the per-investigation findings report, as markdown in the UI and standalone HTML."""

import base64
from pathlib import Path

import dagster as dg

from hunt_assets.analytics.heatmap import shrink_png
from hunt_assets.assets.investigations import heatmap_path, partition_file
from hunt_assets.hunts.loader import load_hunts
from hunt_assets.partitions import investigated_domains
from hunt_assets.reports.gather import gather
from hunt_assets.reports.render import render_html, render_markdown
from hunt_assets.resources import HuntSettings, WarehouseResource

REPORT_IMAGE_MAX_BYTES = 60_000


def report_path(data_dir: str, key: str) -> Path:
    return partition_file(data_dir, "reports", key, ".html")


@dg.asset(
    key=["reports", "domain_report"],
    partitions_def=investigated_domains,
    group_name="reports",
    kinds={"duckdb", "html"},
    owners=["team:threat-hunting"],
    deps=[
        dg.AssetKey(["intel", "passive_dns"]), dg.AssetKey(["analytics", "pdns_heatmap"]),
        dg.AssetKey(["intel", "ti_verdicts"]), dg.AssetKey(["intel", "domain_context"]),
        # a report reads every day of the hunts (alerts, hosts that looked the domain up)
        *[dg.AssetDep(dg.AssetKey(["hunts", h.name]), partition_mapping=dg.AllPartitionMapping())
          for h in load_hunts()],
    ],
    description="Summary of findings for one investigated domain or IP: TI verdicts, registration, "
                "resolutions/ASN/country/Tor, certificate and SSLBL, passive-DNS heatmap and timeline, related "
                "alerts, hosts that looked it up or connected (in priority order) and DNS tunnel/DGA verdicts. "
                "Markdown here, standalone HTML under data/reports/.",
)
def domain_report(context: dg.AssetExecutionContext, warehouse: WarehouseResource,
                  settings: HuntSettings) -> dg.MaterializeResult:
    key = context.partition_key
    png_file = heatmap_path(settings.data_dir, key)
    data = gather(warehouse.get(), key, heatmap_file=png_file)
    image_md = None
    if data.heatmap_png:
        inline = shrink_png(data.heatmap_png, max_bytes=REPORT_IMAGE_MAX_BYTES)
        image_md = f"![passive DNS of {key}](data:image/png;base64,{base64.b64encode(inline).decode()})"
    markdown = render_markdown(data, image_markdown=image_md)
    out = report_path(settings.data_dir, key)
    out.write_text(render_html(data), encoding="utf-8")
    return dg.MaterializeResult(metadata={
        "report": dg.MetadataValue.md(markdown),
        "html": dg.MetadataValue.path(str(out)),
        "severity": data.overall_severity,
        "ti_verdicts": len(data.ti),
        "related_alerts": 0 if data.alerts.empty else int(data.alerts["AlertId"].nunique()),
        "hosts": len(data.hosts),
        "pdns_records": len(data.pdns_summary),
    })
