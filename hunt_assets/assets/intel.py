"""Dagster assets for threat-intel enrichment and domain context (thin wiring over ``hunt_assets.intel``).

Partitioning:
* ``intel/domain_context`` and ``intel/ti_verdicts`` follow the investigation (``investigated_domains``):
  one partition per investigated host, re-run when a hunter wants fresh context.
* ``intel/hunt_indicators`` and ``intel/hunt_ti_verdicts`` follow the hunts (``daily_partitions``): the
  indicators extracted from one day of hunt results, enriched once -- the TTL cache makes the many
  indicators that recur day after day free.
* ``intel/indicator_severity`` is unpartitioned: one combined verdict per indicator across everything.
All verdict rows live in ``intel.ti_verdicts`` with a ``scope`` ('investigation:<host>' or
'hunts:<date>') that is the replaced unit, so both families share one table and one combiner.
"""

import os
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import dagster as dg
import pandas as pd
from pydantic import Field

from hunt_assets.clients.http import Limit
from hunt_assets.entities import InvalidEntity, split_registered
from hunt_assets.hunts.loader import load_hunts
from hunt_assets.intel.context.asn import FakeRdapIp, lookup_asn
from hunt_assets.intel.context.dns_live import FakeResolver, make_resolver, resolve_all
from hunt_assets.intel.context.domain import ContextLookups, build_context
from hunt_assets.intel.context.rdap import FakeRegistry, RdapClient, rdap_domain_document
from hunt_assets.intel.context.tls import CertInfo, fetch_certificate, parse_der, sample_certificate
from hunt_assets.intel.extract import extract_from_frame
from hunt_assets.intel.ti.base import Provider, ProviderConfig
from hunt_assets.intel.ti.cache import TICache
from hunt_assets.intel.ti.engine import EnrichmentReport, TIEngine, combine
from hunt_assets.intel.ti.model import Indicator, parse_indicator
from hunt_assets.intel.ti.registry import PROVIDER_CLASSES, make_providers, sample_providers
from hunt_assets.intel.ti.snapshot import entities_from_ground_truth, read_ground_truth
from hunt_assets.partitions import daily_partitions, investigated_domains
from hunt_assets.reports.tables import md_table
from hunt_assets.resources import HuntingResource, HuntSettings, WarehouseResource
from hunt_assets.warehouse.store import Warehouse

VERDICTS_TABLE = "intel.ti_verdicts"
CONTEXT_TABLE = "intel.domain_context"
HUNT_INDICATORS_TABLE = "intel.hunt_indicators"
SEVERITY_TABLE = "intel.indicator_severity"
SAMPLE_BACKENDS = ("sample", "fake-graph")  # no real TI keys there: answer from the local snapshot

# hunt result columns that carry indicators (hunt tables differ; missing columns are skipped)
TEXT_COLUMNS = (
    "CommandLine",
    "ProcessCommandLine",
    "InitiatingProcessCommandLine",
    "RemoteUrl",
    "RemoteIP",
    "Url",
    "UrlDomain",
    "QueryName",
    "Name",
    "DnsQuery",
    "DomainName",
    "AdditionalFields",
    "SHA1",
    "SHA256",
    "MD5",
    "FileOriginUrl",
    "FileOriginReferrerUrl",
    "EvidenceUrl",
    "Domain",
    "IPAddress",
    "MaliciousIP",
)
ENV_KEYS = {
    "vt_api_key": "VT_API_KEY",
    "otx_api_key": "OTX_API_KEY",
    "xforce_api_key": "XFORCE_API_KEY",
    "xforce_api_password": "XFORCE_API_PASSWORD",
    "shodan_api_key": "SHODAN_API_KEY",
    "abusech_auth_key": "ABUSECH_AUTH_KEY",
    "greynoise_api_key": "GREYNOISE_API_KEY",
    "opr_api_key": "OPR_API_KEY",
}


class TIProvidersResource(dg.ConfigurableResource):
    """TI provider credentials (EnvVar-backed), base URL overrides (``HUNT_TI_<PROVIDER>_URL``) and limits."""

    vt_api_key: str | None = None
    otx_api_key: str | None = None
    xforce_api_key: str | None = None
    xforce_api_password: str | None = None
    shodan_api_key: str | None = None
    abusech_auth_key: str | None = None
    greynoise_api_key: str | None = None
    opr_api_key: str | None = None
    base_urls: dict[str, str] = Field(default_factory=dict)  # provider name -> base URL (mirror, proxy, loopback fake)
    providers: str = ""  # comma-separated subset of provider names; empty = all
    ttl_hours: float = 0.0  # 0 = each provider's default TTL
    dns_nameservers: str = ""  # comma-separated; empty = system resolver
    dns_timeout: float = 3.0
    tls_timeout: float = 3.0
    max_indicators_per_day: int = 5000

    def provider_configs(self) -> dict[str, ProviderConfig]:
        keys = {
            "virustotal": (self.vt_api_key, None),
            "otx": (self.otx_api_key, None),
            "xforce": (self.xforce_api_key, self.xforce_api_password),
            "shodan": (self.shodan_api_key, None),
            "urlhaus": (self.abusech_auth_key, None),
            "threatfox": (self.abusech_auth_key, None),
            "sslbl": (self.abusech_auth_key, None),
            "greynoise": (self.greynoise_api_key, None),
            "openpagerank": (self.opr_api_key, None),
        }
        ttl = timedelta(hours=self.ttl_hours) if self.ttl_hours > 0 else None
        return {
            name: ProviderConfig(
                api_key=keys.get(name, (None, None))[0],
                api_secret=keys.get(name, (None, None))[1],
                base_url=self.base_urls.get(name) or None,
                ttl=ttl,
            )
            for name in PROVIDER_CLASSES
        }

    def selected(self) -> list[str] | None:
        names = [n.strip() for n in self.providers.split(",") if n.strip()]
        return names or None


def ti_providers_from_env() -> TIProvidersResource:
    """The resource for the current environment (for ``settings.build_resources``: key ``ti_providers``)."""
    values: dict[str, Any] = {field: dg.EnvVar(env) for field, env in ENV_KEYS.items() if os.environ.get(env)}
    urls = {
        name: os.environ[f"HUNT_TI_{name.upper()}_URL"]
        for name in PROVIDER_CLASSES
        if os.environ.get(f"HUNT_TI_{name.upper()}_URL")
    }
    return TIProvidersResource(base_urls=urls, providers=os.environ.get("HUNT_TI_PROVIDERS", ""), **values)


def is_sample(settings: HuntSettings) -> bool:
    return settings.backend.strip().lower() in SAMPLE_BACKENDS


def build_engine(
    ti: TIProvidersResource,
    settings: HuntSettings,
    hunting: HuntingResource | None,
    warehouse: Warehouse,
    log: Any = None,
) -> TIEngine:
    """Sample mode: real providers over the snapshot transport. Live: configured providers, MDTI via Graph."""
    if is_sample(settings):
        providers, transport = sample_providers(settings.lake_path, only=ti.selected())
        # the snapshot answers instantly; keep per-provider limits but not the public-tier minute quotas
        limiters = {p.name: _sample_limiter(p) for p in providers}
        return TIEngine(providers, TICache(warehouse), transport=transport, limiters=limiters)
    graph = None
    if hunting is not None and hunting.backend in ("graph", "defender"):
        try:
            from hunt_assets.clients.factory import connect

            # MDTI rides the hunting connection: same tenant, app or delegated sign-in, endpoints
            graph = connect(hunting.backend, **hunting.connection_settings()).graph
        except ValueError as exc:  # ConnectorConfigError: MDTI is then reported as skipped
            if log is not None:
                log.warning(f"MDTI reputation unavailable: {exc}")
    providers = make_providers(ti.provider_configs(), graph=graph, only=ti.selected())
    return TIEngine(providers, TICache(warehouse))


def _sample_limiter(provider: Provider) -> Any:
    from hunt_assets.clients.http import RateLimiter

    return RateLimiter(f"sample:{provider.name}", (Limit(1000, 1.0),))


def _report_metadata(report: EnrichmentReport, combined: pd.DataFrame) -> dict[str, Any]:
    flagged = combined[combined["severity_rank"] > 0] if len(combined) else combined
    preview = flagged.sort_values("severity_rank", ascending=False).head(25) if len(flagged) else flagged
    return {
        "indicators": len(combined),
        "flagged": len(flagged),
        "provider_calls": report.calls,
        "cache_hits": sum(s.cache_hits for s in report.stats.values()),
        "providers_skipped": dg.MetadataValue.json(report.skipped),
        "providers": dg.MetadataValue.md(report.summary_markdown()),
        "combined_severity": dg.MetadataValue.md(
            md_table(preview[["indicator_type", "indicator", "combined_severity", "providers_flagging"]],
                     empty="_nothing flagged_")
        ),
    }


def _verdict_frame(report: EnrichmentReport, scope: str) -> pd.DataFrame:
    df = report.frame()
    df.insert(0, "scope", scope)
    return df


# ------------------------------------------------------------------------------------------------
# context look-ups: live and sample
# ------------------------------------------------------------------------------------------------


def _lake_pdns(lake_path: str) -> pd.DataFrame:
    from hunt_assets.duckdb_files import LAKE_WAIT_S, connect_in_turn

    if not Path(lake_path).exists():
        return pd.DataFrame(columns=["rrname", "rrtype", "rdata"])
    with connect_in_turn(lake_path, read_only=True, timeout=LAKE_WAIT_S) as con:  # new-alert may be writing it
        has = con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name='SamplePassiveDns'"
        ).fetchone()[0]
        if not has:
            return pd.DataFrame(columns=["rrname", "rrtype", "rdata"])
        return con.execute("SELECT rrname, rrtype, rdata FROM SamplePassiveDns").df()


def sample_lookups(settings: HuntSettings, *, now: datetime) -> ContextLookups:
    """Fake registry, RIR and resolver fed from the sample tenant (ground truth + its passive DNS)."""
    truth = entities_from_ground_truth(read_ground_truth(settings.lake_path))
    docs = {}
    for e in truth:
        if e["type"] == "domain":
            reg = split_registered(e["value"])[1] or e["value"]
            created = now - timedelta(days=6) if e["verdict"] == "malicious" else datetime(2004, 3, 1, tzinfo=UTC)
            docs[reg] = rdap_domain_document(reg, created=created, registrar="NameCheap-like Registrar (sample)")
    for benign in ("microsoft.com", "office.com", "windowsupdate.com", "github.com"):
        docs.setdefault(
            benign, rdap_domain_document(benign, created=datetime(1991, 5, 2, tzinfo=UTC), registrar="MarkMonitor Inc.")
        )
    rdap = RdapClient(transport=FakeRegistry(docs).transport(), sleep=lambda s: None)
    zone: dict[tuple[str, str], list[str]] = {}
    for row in _lake_pdns(settings.lake_path).itertuples(index=False):
        rdata = list(row.rdata) if row.rdata is not None and not isinstance(row.rdata, str) else [row.rdata]
        zone.setdefault((str(row.rrname), str(row.rrtype)), []).extend(str(r) for r in rdata if r)
    resolver = FakeResolver(zone)
    rdap_ip = FakeRdapIp()

    def tls(host: str) -> CertInfo:
        return parse_der(host, 443, sample_certificate(host))

    return ContextLookups(
        registration=rdap.domain,
        asn=lambda ip: lookup_asn(ip, rdap=rdap_ip),
        dns=lambda h: resolve_all(h, resolver=resolver),
        tls=tls,
        active=settings.active_lookups,
    )


def live_lookups(settings: HuntSettings, ti: TIProvidersResource) -> ContextLookups:
    nameservers = [n.strip() for n in ti.dns_nameservers.split(",") if n.strip()]
    resolver = make_resolver(nameservers or None, ti.dns_timeout)
    rdap = RdapClient()
    return ContextLookups(
        registration=rdap.domain,
        asn=lookup_asn,
        dns=lambda h: resolve_all(h, resolver=resolver, timeout=ti.dns_timeout),
        tls=lambda h: fetch_certificate(h, timeout=ti.tls_timeout),
        active=settings.active_lookups,
    )


def passive_dns_ips(warehouse: Warehouse, host: str, settings: HuntSettings) -> list[str]:
    """IPs the host resolved to according to passive DNS (the pDNS assets, or the sample lake)."""
    ips: set[str] = set()
    if warehouse.table_exists("intel.passive_dns"):
        cols = {c for c, _ in warehouse.columns("intel.passive_dns")}
        if {"rrname", "rrtype", "rdata"} <= cols:
            df = warehouse.query(
                "SELECT rdata FROM intel.passive_dns WHERE lower(rrname) = ? AND rrtype IN ('A', 'AAAA')", [host]
            )
            for value in df["rdata"]:
                ips.update([str(v) for v in value] if not isinstance(value, str) else [value])
    if not ips and is_sample(settings):
        pdns = _lake_pdns(settings.lake_path)
        for row in pdns[(pdns["rrname"].str.lower() == host) & pdns["rrtype"].isin(["A", "AAAA"])].itertuples():
            ips.update([row.rdata] if isinstance(row.rdata, str) else [str(r) for r in row.rdata])
    return sorted(ips)


# ------------------------------------------------------------------------------------------------
# assets
# ------------------------------------------------------------------------------------------------


@dg.asset(
    key=["intel", "domain_context"],
    partitions_def=investigated_domains,
    group_name="intel",
    # resolutions come from the passive-DNS history: pull it first, or a new investigation has none
    deps=[dg.AssetKey(["intel", "passive_dns"])],
    kinds={"duckdb", "python"},
    pool="warehouse",
    description="Registration (RDAP), ASN (RIR RDAP), DNS and TLS context of an investigated host; "
    "each row says whether it came from a passive source.",
)
def domain_context(
    context: dg.AssetExecutionContext,
    warehouse: WarehouseResource,
    settings: HuntSettings,
    ti_providers: TIProvidersResource,
) -> dg.MaterializeResult:
    host = context.partition_key
    wh = warehouse.get()
    now = datetime.now(UTC)
    lookups = sample_lookups(settings, now=now) if is_sample(settings) else live_lookups(settings, ti_providers)
    ctx = build_context(host, lookups, passive_ips=passive_dns_ips(wh, host, settings), now=now)
    df = ctx.frame()
    df.insert(0, "investigation", host)
    df["collected_at"] = pd.Timestamp(now)
    wh.replace_partition(CONTEXT_TABLE, df, "investigation", host)
    passive = int(df["passive"].sum())
    return dg.MaterializeResult(
        metadata={
            "rows": len(df),
            "passive_rows": passive,
            "active_rows": len(df) - passive,
            "active_lookups": settings.active_lookups,
            "ips": ", ".join(ctx.ips) or "-",
            "context": dg.MetadataValue.md(
                md_table(df[["facet", "attribute", "value", "source", "passive"]], limit=60)
            ),
            "table": CONTEXT_TABLE,
        }
    )


def investigation_indicators(host: str, wh: Warehouse) -> tuple[list[Indicator], dict[str, str]]:
    """The host, its registered domain, the IPs and the certificate that domain_context found, and the
    candidates not sent with why (``nas.home.arpa`` or a private IP must not reach any provider)."""
    found: list[Indicator] = []
    not_sent: dict[str, str] = {}
    candidates: list[tuple[str, str | None]] = [(host, None)]
    reg = split_registered(host)[1]
    if reg and reg != host:
        candidates.append((reg, "domain"))
    if wh.table_exists(CONTEXT_TABLE):
        df = wh.query(f"SELECT facet, attribute, value, source FROM {CONTEXT_TABLE} WHERE investigation = ?", [host])
        for row in df.itertuples(index=False):
            if row.facet == "asn" and not row.attribute.endswith("error"):
                candidates.append((row.attribute, "ip"))
            elif row.facet == "tls" and row.attribute == "sha1" and row.value:
                candidates.append((row.value, "cert_sha1"))
    for value, kind in candidates:
        try:
            found.append(parse_indicator(value, kind))
        except InvalidEntity as exc:
            not_sent[value] = exc.reason
        except ValueError as exc:
            not_sent[value] = str(exc)
    return sorted(set(found)), not_sent


@dg.asset(
    key=["intel", "ti_verdicts"],
    partitions_def=investigated_domains,
    group_name="intel",
    deps=[dg.AssetKey(["intel", "domain_context"])],
    kinds={"duckdb", "python"},
    pool="warehouse",
    description="Threat-intel verdicts for an investigated host, its IPs and certificate, from every "
    "configured provider (persistent TTL cache; provider errors are status rows).",
)
def ti_verdicts(
    context: dg.AssetExecutionContext,
    warehouse: WarehouseResource,
    settings: HuntSettings,
    ti_providers: TIProvidersResource,
    hunting: HuntingResource,
) -> dg.MaterializeResult:
    host = context.partition_key
    wh = warehouse.get()
    indicators, not_sent = investigation_indicators(host, wh)
    for value, why in not_sent.items():
        context.log.info(f"not sent to threat-intel providers: {value} ({why})")
    engine = build_engine(ti_providers, settings, hunting, wh, context.log)
    report = engine.enrich(indicators)
    scope = f"investigation:{host}"
    wh.replace_partition(VERDICTS_TABLE, _verdict_frame(report, scope), "scope", scope)
    meta = _report_metadata(report, combine(report.frame()))
    meta["not_sent"] = dg.MetadataValue.json(not_sent)
    meta["table"] = VERDICTS_TABLE
    return dg.MaterializeResult(metadata=meta)


# every DNS name a fleet resolves is not an indicator: DNS names are scored by the DNS analytics, and the
# domains they flag become investigations with their own TI look-ups
NOT_INDICATOR_SOURCES = frozenset({"hunts.dns_events"})


def hunt_tables(wh: Warehouse) -> list[str]:
    if not wh.path.exists():
        return []
    df = wh.query("SELECT table_name FROM information_schema.tables WHERE table_schema = 'hunts' ORDER BY 1")
    return [t for t in (f"hunts.{name}" for name in df["table_name"]) if t not in NOT_INDICATOR_SOURCES]


def extract_day(wh: Warehouse, day: date) -> pd.DataFrame:
    """Indicators (and rejections) in every hunts.* table's partition for ``day``."""
    frames = []
    for table in hunt_tables(wh):
        cols = [c for c, _ in wh.columns(table)]
        wanted = [c for c in cols if c in TEXT_COLUMNS]
        if not wanted or "partition_date" not in cols:
            continue
        select = ", ".join(f'"{c}"' for c in wanted)
        df = wh.query(f"SELECT {select} FROM {table} WHERE partition_date = ?", [day])
        frames.append(extract_from_frame(df, wanted, source_table=table))
    out = pd.concat(frames, ignore_index=True) if frames else extract_from_frame(pd.DataFrame(), [])
    out.insert(0, "partition_date", pd.Timestamp(day).date())
    return out


@dg.asset(
    key=["intel", "hunt_indicators"],
    partitions_def=daily_partitions,
    deps=[dg.AssetKey(["hunts", h.name]) for h in load_hunts()],
    group_name="intel",
    kinds={"duckdb", "python"},
    pool="warehouse",
    description="IPs, domains, URLs and hashes extracted from one day of hunt results (defanged forms and "
    "base64 / -EncodedCommand payloads decoded); rejected candidates keep their reason.",
)
def hunt_indicators(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    day = date.fromisoformat(context.partition_key)
    wh = warehouse.get()
    df = extract_day(wh, day)
    wh.replace_partition(HUNT_INDICATORS_TABLE, df, "partition_date", day)
    accepted = df[df["accepted"]] if len(df) else df
    return dg.MaterializeResult(
        metadata={
            "rows": len(df),
            "accepted": len(accepted),
            "rejected": len(df) - len(accepted),
            "by_type": dg.MetadataValue.json(
                accepted["indicator_type"].value_counts().to_dict() if len(accepted) else {}
            ),
            "rejections": dg.MetadataValue.md(
                md_table(df[~df["accepted"]][["raw", "reason", "source_table"]], limit=20, empty="_none_")
            ),
            "table": HUNT_INDICATORS_TABLE,
        }
    )


@dg.asset(
    key=["intel", "hunt_ti_verdicts"],
    partitions_def=daily_partitions,
    group_name="intel",
    deps=[dg.AssetKey(["intel", "hunt_indicators"])],
    kinds={"duckdb", "python"},
    pool="warehouse",
    description="Threat-intel verdicts for the indicators extracted from one day of hunts.",
)
def hunt_ti_verdicts(
    context: dg.AssetExecutionContext,
    warehouse: WarehouseResource,
    settings: HuntSettings,
    ti_providers: TIProvidersResource,
    hunting: HuntingResource,
) -> dg.MaterializeResult:
    day = date.fromisoformat(context.partition_key)
    wh = warehouse.get()
    indicators: list[Indicator] = []
    if wh.table_exists(HUNT_INDICATORS_TABLE):
        df = wh.query(
            f"SELECT DISTINCT indicator_type, indicator FROM {HUNT_INDICATORS_TABLE} "
            "WHERE partition_date = ? AND accepted ORDER BY 1, 2",
            [day],
        )
        indicators = [Indicator(t, v) for t, v in df.itertuples(index=False)]
    capped = indicators[: ti_providers.max_indicators_per_day]
    if len(capped) < len(indicators):
        context.log.warning(f"{len(indicators)} indicators; enriching the first {len(capped)} (max_indicators_per_day)")
    engine = build_engine(ti_providers, settings, hunting, wh, context.log)
    report = engine.enrich(capped)
    scope = f"hunts:{day.isoformat()}"
    wh.replace_partition(VERDICTS_TABLE, _verdict_frame(report, scope), "scope", scope)
    meta = _report_metadata(report, combine(report.frame()))
    meta["not_enriched"] = len(indicators) - len(capped)
    meta["table"] = VERDICTS_TABLE
    return dg.MaterializeResult(metadata=meta)


@dg.asset(
    key=["intel", "indicator_severity"],
    group_name="intel",
    kinds={"duckdb", "python"},
    pool="warehouse",
    deps=[dg.AssetKey(["intel", "ti_verdicts"]), dg.AssetKey(["intel", "hunt_ti_verdicts"])],
    description="One combined severity per indicator: the worst any provider reported, who reported it, "
    "and which providers failed (so 'information' is never mistaken for 'clean').",
)
def indicator_severity(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    wh = warehouse.get()
    if not wh.table_exists(VERDICTS_TABLE):
        return dg.MaterializeResult(metadata={"indicators": 0})
    latest = wh.query(
        f"SELECT * FROM {VERDICTS_TABLE} QUALIFY row_number() OVER (PARTITION BY provider, "
        "indicator_type, indicator ORDER BY fetched_at DESC) = 1"
    )
    combined = combine(latest)
    combined["updated_at"] = pd.Timestamp(datetime.now(UTC))
    combined.insert(0, "scope", "all")  # one unit, replaced in one transaction
    wh.replace_partition(SEVERITY_TABLE, combined, "scope", "all")
    counts = combined["combined_severity"].value_counts().to_dict()
    top = combined.sort_values("severity_rank", ascending=False).head(25)
    return dg.MaterializeResult(
        metadata={
            "indicators": len(combined),
            "by_severity": dg.MetadataValue.json(counts),
            "top": dg.MetadataValue.md(
                md_table(top[["indicator_type", "indicator", "combined_severity", "providers_flagging"]],
                         empty="_none_")
            ),
            "table": SEVERITY_TABLE,
        }
    )


INTEL_ASSETS = [domain_context, ti_verdicts, hunt_indicators, hunt_ti_verdicts, indicator_severity]
