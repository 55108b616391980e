"""Domain investigations: one dynamic partition per investigated host, its passive-DNS history and heatmap.

Why assets: the MDTI heatmap notebook pulled a domain's passive DNS once, by hand, and the picture was lost.
Here an investigation is a partition key (the normalized host), ``intel/passive_dns`` keeps and merges its
history across pulls and providers, ``analytics/pdns_heatmap`` redraws it, and a daily schedule refreshes
every open investigation. The logic lives in ``hunt_assets.intel.pdns`` and ``hunt_assets.analytics.heatmap``;
this module is only the Dagster wiring.
"""

import base64
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import pandas as pd

from hunt_assets.analytics.heatmap import binned_matrix, render_pdns_png, shrink_png
from hunt_assets.clients.http import Limit, redact, shared_limiter
from hunt_assets.entities import Entity, InvalidEntity, parse_entity
from hunt_assets.intel.pdns.cof import CofConfig, CofProvider
from hunt_assets.intel.pdns.providers import LookupResult, PassiveDnsProvider, collect
from hunt_assets.intel.pdns.sample import SampleProvider
from hunt_assets.intel.pdns.store import load_history, merge_pull
from hunt_assets.partitions import investigated_domains
from hunt_assets.reports.tables import md_table
from hunt_assets.resources import HuntingResource, HuntSettings, WarehouseResource

PARTITIONS_NAME = "investigated_domains"
INLINE_MAX_BYTES = 90_000  # base64 of the inline image is stored in the event log for every run
PREVIEW_ROWS = 15
PROVIDER_NAMES = ("sample", "mdti", "cof")


# --------------------------------------------------------------------------------------------------
# investigations as dynamic partitions
# --------------------------------------------------------------------------------------------------


def entity_for_key(key: str) -> Entity:
    """The entity behind a partition key; keys are stored normalized, so anything else is refused."""
    entity = parse_entity(key)
    if entity.host != key:
        raise InvalidEntity(key, f"not a normalized investigation key (expected {entity.host!r})")
    return entity


def add_investigation(instance: dg.DagsterInstance, value: str) -> str:
    """Open an investigation: normalize ``value`` (domain, URL or IP) and add its partition; return the key.

    Used by ``hunt-assets investigate DOMAIN`` and by sensors. 'HTTP://WWW.Example.COM/path' opens
    'www.example.com'; an IP opens a reverse look-up. Raises InvalidEntity (with ``.reason``) for input we
    will not investigate. Adding an existing key is a no-op.
    """
    key = parse_entity(value).host
    if not instance.has_dynamic_partition(PARTITIONS_NAME, key):
        instance.add_dynamic_partitions(PARTITIONS_NAME, [key])
    return key


def close_investigation(instance: dg.DagsterInstance, key: str) -> bool:
    """Stop refreshing an investigation (its stored history stays in the warehouse). True if it was open."""
    if not instance.has_dynamic_partition(PARTITIONS_NAME, key):
        return False
    instance.delete_dynamic_partition(PARTITIONS_NAME, key)
    return True


def open_investigations(instance: dg.DagsterInstance) -> list[str]:
    return sorted(instance.get_dynamic_partitions(PARTITIONS_NAME))


# --------------------------------------------------------------------------------------------------
# configuration
# --------------------------------------------------------------------------------------------------


class PassiveDnsResource(dg.ConfigurableResource):
    """Which passive-DNS providers to ask, and the COF server's address and credentials.

    ``providers`` = "auto" asks the sample lake in sample mode and MDTI in live modes, plus the COF
    server whenever ``cof_url`` is set; a comma list (sample,mdti,cof) overrides. MDTI reuses the
    ``hunting`` resource's tenant, app credentials, Graph and authority URLs.
    """

    providers: str = "auto"  # HUNT_PDNS_PROVIDERS
    cof_url: str = ""  # HUNT_PDNS_COF_URL (e.g. https://www.circl.lu/pdns/query)
    cof_flavor: str = "circl"  # HUNT_PDNS_COF_FLAVOR: circl | dnsdb
    cof_username: str | None = None  # HUNT_PDNS_COF_USERNAME (CIRCL Basic auth)
    cof_password: str | None = None  # HUNT_PDNS_COF_PASSWORD
    cof_api_key: str | None = None  # HUNT_PDNS_COF_API_KEY (DNSDB X-API-Key)
    max_records: int = 200_000  # HUNT_PDNS_MAX_RECORDS per provider per pull
    mdti_calls_per_minute: int = 60

    def provider_names(self, backend: str) -> list[str]:
        if self.providers.strip().lower() != "auto":
            names = [n.strip().lower() for n in self.providers.split(",") if n.strip()]
            unknown = [n for n in names if n not in PROVIDER_NAMES]
            if unknown:
                raise dg.Failure(
                    f"HUNT_PDNS_PROVIDERS has unknown providers {unknown}; choose from {', '.join(PROVIDER_NAMES)}"
                )
            return names
        backend = backend.strip().lower()
        names = ["sample"] if backend == "sample" else ["mdti"]
        if backend == "fake-graph":
            names.append("sample")  # the fake Graph knows no MDTI data; the lake has the planted history
        if self.cof_url:
            names.append("cof")
        return names

    def build_providers(self, settings: HuntSettings, hunting: HuntingResource) -> list[PassiveDnsProvider]:
        providers: list[PassiveDnsProvider] = []
        for name in self.provider_names(settings.backend):
            if name == "sample":
                providers.append(SampleProvider(settings.lake_path))
            elif name == "cof":
                if not self.cof_url:
                    raise dg.Failure("the cof passive-DNS provider needs HUNT_PDNS_COF_URL")
                flavor = self.cof_flavor.strip().lower()
                if flavor not in ("circl", "dnsdb"):
                    raise dg.Failure(f"HUNT_PDNS_COF_FLAVOR={self.cof_flavor!r} is not circl or dnsdb")
                providers.append(
                    CofProvider(
                        CofConfig(
                            flavor=flavor,
                            base_url=self.cof_url,
                            username=self.cof_username,  # type: ignore[arg-type]
                            password=self.cof_password,
                            api_key=self.cof_api_key,
                            max_records=self.max_records,
                        )
                    )
                )
            elif name == "mdti":
                providers.append(self._mdti(settings, hunting))
        return providers

    def _mdti(self, settings: HuntSettings, hunting: HuntingResource) -> PassiveDnsProvider:
        from hunt_assets.clients.factory import connect  # live code only when asked for
        from hunt_assets.intel.pdns.mdti import MdtiProvider

        kind = hunting.backend.strip().lower()
        conn = connect(
            "graph" if kind in ("graph", "defender", "sample") else kind,
            **{
                **hunting.connection_settings(),
                "graph_url": settings.graph_url or hunting.graph_url,
                "authority_host": settings.authority_host or hunting.authority_host,
            },
        )
        limiter = shared_limiter(f"{conn.tenant_id}:mdti", [Limit(self.mdti_calls_per_minute, 60)])
        return MdtiProvider(conn.graph.with_limiter(limiter), max_records=self.max_records)


# --------------------------------------------------------------------------------------------------
# assets
# --------------------------------------------------------------------------------------------------


def providers_markdown(results: Sequence[LookupResult]) -> str:
    rows = pd.DataFrame({
        "provider": [r.source for r in results],
        "records": [f"{len(r.records):,}" for r in results],
        "truncated": ["yes" if r.truncated else "no" for r in results],
        "skipped": [r.skipped for r in results],
        "error / warnings": [redact(r.error or r.not_asked or "; ".join(r.warnings[:3]) or "-") for r in results],
    })
    return md_table(rows, cell_limit=200)


def history_preview(df: pd.DataFrame, rows: int = PREVIEW_ROWS) -> str:
    if df.empty:
        return "_no records_"
    cols = ["rrname", "rrtype", "rdata", "first_seen", "last_seen", "count", "source"]
    head = df.sort_values("last_seen", ascending=False)[cols]
    return md_table(head, limit=rows, cell_limit=70)


def _close(providers: Sequence[PassiveDnsProvider]) -> None:
    for provider in providers:
        close = getattr(provider, "close", None)
        if callable(close):
            close()


@dg.asset(
    key=["intel", "passive_dns"],
    partitions_def=investigated_domains,
    group_name="investigations",
    kinds={"duckdb", "python"},
    pool="m365_api",
    retry_policy=dg.RetryPolicy(max_retries=2, delay=60, backoff=dg.Backoff.EXPONENTIAL, jitter=dg.Jitter.PLUS_MINUS),
    description="Passive-DNS history of one investigated host (domains forward, IPs reverse), merged "
    "over time in intel.passive_dns on (rrname, rrtype, rdata, source).",
)
def passive_dns(
    context: dg.AssetExecutionContext,
    warehouse: WarehouseResource,
    settings: HuntSettings,
    hunting: HuntingResource,
    pdns: PassiveDnsResource,
) -> dg.MaterializeResult:
    key = context.partition_key
    try:
        entity = entity_for_key(key)
    except InvalidEntity as exc:
        raise dg.Failure(f"investigation {key!r} is not a valid host: {exc.reason}") from None
    providers = pdns.build_providers(settings, hunting)
    try:
        results = collect(providers, entity)
    finally:
        _close(providers)
    for r in results:
        if r.error:
            context.log.warning(f"{r.source}: {r.error}")
        for warning in r.warnings:
            context.log.warning(warning)
    if results and all(r.error and not r.records for r in results):
        raise dg.Failure(
            f"every passive-DNS provider failed for {key}; the stored history is unchanged",
            metadata={"providers": dg.MetadataValue.md(providers_markdown(results))},
            allow_retries=any(r.retryable for r in results),  # a missing licence will not fix itself
        )
    collected = datetime.now(UTC)
    wh = warehouse.get()
    stats = merge_pull(wh, key, results, collected)
    history = load_history(wh, key)
    return dg.MaterializeResult(
        metadata={
            "investigation": key,
            "direction": "reverse" if entity.kind == "ip" or not entity.registered_domain else "forward",
            "pulled": stats.pulled,
            "new_rows": stats.new,
            "widened_rows": stats.widened,
            "unchanged_rows": stats.unchanged,
            "dagster/row_count": stats.total,
            "truncated": any(r.truncated for r in results),
            "providers": dg.MetadataValue.md(providers_markdown(results)),
            "preview": dg.MetadataValue.md(history_preview(history)),
        }
    )


def partition_file(data_dir: str, folder: str, key: str, suffix: str) -> Path:
    """``<data_dir>/<folder>/<key><suffix>`` for an investigation; IPv6 colons and anything unexpected
    become '_', so a key can never reach outside the folder."""
    safe = re.sub(r"[^a-z0-9._-]", "_", key.lower()).lstrip(".") or "_"
    path = Path(data_dir) / folder
    path.mkdir(parents=True, exist_ok=True)
    return path / f"{safe}{suffix}"


def heatmap_path(data_dir: str, key: str) -> str:
    """``<data_dir>/heatmaps/<key>.png``."""
    return str(partition_file(data_dir, "heatmaps", key, ".png"))


@dg.asset(
    key=["analytics", "pdns_heatmap"],
    deps=[passive_dns],
    partitions_def=investigated_domains,
    group_name="investigations",
    kinds={"python"},
    automation_condition=dg.AutomationCondition.eager(),
    description="First-seen x last-seen heatmap per record type plus a timeline of one investigation's "
    "passive DNS; PNG under <data_dir>/heatmaps/ and inline in the UI.",
)
def pdns_heatmap(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, settings: HuntSettings
) -> dg.MaterializeResult:
    key = context.partition_key
    history = load_history(warehouse.get(), key)
    png = render_pdns_png(history, key, dpi=100, colours=0)
    path = heatmap_path(settings.data_dir, key)
    with open(path, "wb") as handle:
        handle.write(png)
    inline = shrink_png(png, max_bytes=INLINE_MAX_BYTES)
    matrix = binned_matrix(history)
    span = "-"
    if not history.empty:
        span = f"{history['first_seen'].min():%Y-%m-%d} to {history['last_seen'].max():%Y-%m-%d}"
    return dg.MaterializeResult(
        metadata={
            "heatmap": dg.MetadataValue.md(
                f"![pDNS heatmap of {key}](data:image/png;base64,{base64.b64encode(inline).decode()})"
            ),
            "heatmap_path": dg.MetadataValue.path(path),
            "records": len(history),
            "record_types": ", ".join(matrix.matrices) or "-",
            "bin": matrix.freq if matrix.matrices else "-",
            "span": span,
            "png_bytes": len(png),
            "inline_png_bytes": len(inline),
        }
    )


def materialize_investigation(
    instance: dg.DagsterInstance, key: str, resources: dict[str, object]
) -> dg.ExecuteInProcessResult:
    """Pull and draw one investigation in-process (the CLI's ``investigate`` after ``add_investigation``)."""
    return dg.materialize([passive_dns, pdns_heatmap], partition_key=key, instance=instance, resources=resources)


investigation_assets = [passive_dns, pdns_heatmap]
