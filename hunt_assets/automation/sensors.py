"""Sensors that open investigations: on new alerts, and on domains the DNS analytics flag."""

import json
from datetime import UTC, datetime

import dagster as dg

from hunt_assets.automation.alert_cursor import AlertCursor, plan
from hunt_assets.entities import InvalidEntity, parse_entity
from hunt_assets.partitions import investigated_domains
from hunt_assets.resources import HuntingResource

INVESTIGATION_JOB = "investigate_domain"
DNS_FLAGS_KEY = dg.AssetKey(["analytics", "dns_flags"])
MAX_REQUESTS_PER_TICK = 200


@dg.sensor(
    name="new_alert_sensor",
    job_name=INVESTIGATION_JOB,
    minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Polls alerts (Graph alerts_v2 live; AlertInfo/AlertEvidence in the sample tenant) and opens "
                "one investigation per domain, URL host or public IP in their evidence -- exactly once.",
)
def new_alert_sensor(context: dg.SensorEvaluationContext, hunting: HuntingResource) -> dg.SensorResult:
    cursor = AlertCursor.from_json(context.cursor)
    source = hunting.get_alerts_source()
    since = cursor.query_from(datetime.now(UTC))
    alerts = source.alerts_since(since)  # drains every page, or raises: the cursor then stays put
    result = plan(alerts, cursor)
    for rej in result.rejections:
        context.log.warning("alert %s: entity rejected (%s): %r", rej.alert_id, rej.reason, rej.value[:120])
    requests = result.requests[:MAX_REQUESTS_PER_TICK]
    if len(result.requests) > len(requests):
        context.log.warning("%d investigation requests this tick; launching the first %d",
                            len(result.requests), len(requests))
    keys = sorted({r.partition_key for r in requests})
    run_requests = [
        dg.RunRequest(run_key=r.run_key, partition_key=r.partition_key,
                      tags={"hunt/opened_by": "new_alert_sensor", "hunt/alert_id": r.alert_id[:200]})
        for r in requests
    ]
    context.log.info("alerts since %s: %d returned, %d new, %d investigations, %d rejected", since.isoformat(),
                     len(alerts), result.new_alerts, len(run_requests), len(result.rejections))
    return dg.SensorResult(
        run_requests=run_requests,
        dynamic_partitions_requests=[investigated_domains.build_add_request(keys)] if keys else [],
        cursor=result.cursor.to_json(),
        skip_reason=None if run_requests else f"no new alert entities ({len(alerts)} alerts polled)",
    )


MAX_FLAGGED_INVESTIGATIONS = 25


def worth_investigating(flagged: list[dict]) -> list[dict]:
    """Tunnel domains, and DGA domains that resolved (the live C2), best first, at most 25 per day.

    A DGA host looks up hundreds of names a day and nearly all are NXDOMAIN: investigating each would
    spend TI quota on names nobody registered. Those stay visible in dns_flags and host_summary.
    Public out-of-band and honeytoken services (``oast.ZONES``: interactsh, Burp Collaborator, DNSLog,
    Canarytokens) are skipped too: their tunnel verdict is about the host that called them, and TI on
    ``canarytokens.com`` or ``oast.fun`` only says what the service is; the look-up stays in dns_flags
    (with the service named in its reason) and ranks the host in host_summary.
    """
    from hunt_assets.analytics.dns.oast import service_of

    keep = [f for f in flagged if service_of(f.get("domain", "")) is None and (
        f.get("verdict") == "tunnel" or (f.get("verdict") == "dga" and f.get("resolved")))]
    keep.sort(key=lambda f: -float(f.get("score", 0)))
    return keep[:MAX_FLAGGED_INVESTIGATIONS]


def flagged_domains_from_metadata(metadata: dict) -> list[dict]:
    """The ``flagged_domains`` JSON the dns_flags asset records on each materialization."""
    entry = metadata.get("flagged_domains")
    value = getattr(entry, "value", entry)
    if isinstance(value, str):
        value = json.loads(value)
    return list(value or [])


MATERIALIZATIONS_PER_TICK = 50


@dg.sensor(
    name="flagged_domain_sensor",
    job_name=INVESTIGATION_JOB,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="When dns_flags materializes tunnel/dga verdicts, opens an investigation per registered domain "
                "(tunnels, and DGA names that resolved) -- every materialization handled exactly once.",
)
def flagged_domain_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult | dg.SkipReason:
    # A plain sensor over the event log, not an asset_sensor: an asset_sensor sees only the latest of
    # several materializations between ticks, and a backfill materializes many days at once.
    after = int(context.cursor) if context.cursor else None
    records = context.instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=DNS_FLAGS_KEY, after_storage_id=after),
        limit=MATERIALIZATIONS_PER_TICK, ascending=True).records
    if not records:
        return dg.SkipReason("no new dns_flags materializations")
    keys: set[str] = set()
    run_requests = []
    for record in records:
        materialization = record.asset_materialization
        if materialization is None:
            continue
        partition = materialization.partition or "unpartitioned"
        for item in worth_investigating(flagged_domains_from_metadata(dict(materialization.metadata))):
            try:
                entity = parse_entity(str(item.get("domain", "")), "domain")
            except InvalidEntity as exc:
                context.log.warning("flagged domain rejected (%s): %r", exc.reason, str(item.get("domain"))[:120])
                continue
            if entity.host in keys:
                continue  # flagged on several days since the last tick: one investigation run covers them
            keys.add(entity.host)
            run_requests.append(dg.RunRequest(
                run_key=f"dns_flags:{entity.host}:{partition}", partition_key=entity.host,
                tags={"hunt/opened_by": "flagged_domain_sensor", "hunt/verdict": str(item["verdict"])}))
    context.log.info("dns_flags: %d materialization(s), %d investigation request(s)", len(records), len(run_requests))
    return dg.SensorResult(
        run_requests=run_requests,
        dynamic_partitions_requests=[investigated_domains.build_add_request(sorted(keys))] if keys else [],
        cursor=str(records[-1].storage_id),
    )
