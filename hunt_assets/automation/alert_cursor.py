"""Exactly-once bookkeeping for the alert sensor, free of Dagster so it is fast to test.

Why this shape: Graph ``alerts_v2`` has no ``$orderby`` and alerts are ingested with lag, so the cursor
is the newest ``lastUpdateDateTime`` seen *plus* the keys already handled within a small overlap before
it. Re-querying from ``cursor - overlap`` catches late arrivals and alerts sharing a timestamp; the
remembered keys stop them being launched twice; Dagster's ``run_key`` deduplication is the last guard.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from hunt_assets.entities import Entity, InvalidEntity, parse_entity

DEFAULT_OVERLAP = timedelta(minutes=10)
INITIAL_LOOKBACK = timedelta(days=1)
ENTITY_KINDS = {"url": "url", "dns": "domain", "ip": "ip"}


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _parse_iso(value: str) -> datetime:
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


@dataclass
class AlertCursor:
    """Newest lastUpdateDateTime handled, and the alert keys handled since ``since - overlap``."""

    since: datetime | None = None
    seen: dict[str, str] = field(default_factory=dict)  # "id@lastUpdated" -> lastUpdated ISO

    def to_json(self) -> str:
        return json.dumps({"since": _iso(self.since) if self.since else None, "seen": self.seen},
                          sort_keys=True)

    @classmethod
    def from_json(cls, text: str | None) -> AlertCursor:
        if not text:
            return cls()
        data = json.loads(text)
        since = _parse_iso(data["since"]) if data.get("since") else None
        return cls(since=since, seen=dict(data.get("seen") or {}))

    def query_from(self, now: datetime, overlap: timedelta = DEFAULT_OVERLAP) -> datetime:
        return (self.since - overlap) if self.since else now - INITIAL_LOOKBACK


@dataclass(frozen=True)
class InvestigationRequest:
    """One entity of one alert to investigate."""

    alert_id: str
    alert_title: str
    last_updated: datetime
    entity: Entity
    raw_value: str

    @property
    def partition_key(self) -> str:
        return self.entity.host

    @property
    def run_key(self) -> str:
        return f"alert:{self.alert_id}:{self.entity.host}:{_iso(self.last_updated)}"


@dataclass(frozen=True)
class Rejection:
    alert_id: str
    value: str
    reason: str


@dataclass
class AlertPlan:
    requests: list[InvestigationRequest]
    rejections: list[Rejection]
    cursor: AlertCursor
    new_alerts: int


def _alert_key(alert: Any) -> str:
    return f"{alert.id}@{_iso(alert.last_updated)}"


def entities_of(alert: Any) -> Iterable[tuple[str, str]]:
    """(kind, value) of the evidence an investigation can start from: URLs, domains, IPs."""
    for ev in alert.evidence:
        kind = ENTITY_KINDS.get(ev.kind)
        if kind and ev.value:
            yield kind, ev.value


def plan(alerts: Iterable[Any], cursor: AlertCursor, *, overlap: timedelta = DEFAULT_OVERLAP,
         skip_private: bool = True) -> AlertPlan:
    """Which alerts are new, which entities to investigate, which to reject (with reasons), next cursor.

    ``alerts`` must be the *complete* answer for ``cursor.query_from()`` (every page drained): the
    cursor moves to the newest timestamp among them.
    """
    seen = dict(cursor.seen)
    newest = cursor.since
    requests: list[InvestigationRequest] = []
    rejections: list[Rejection] = []
    new_alerts = 0
    for alert in sorted((a for a in alerts if a.last_updated is not None), key=lambda a: (a.last_updated, a.id)):
        key = _alert_key(alert)
        if key in seen:
            continue
        if cursor.since is not None and alert.last_updated < cursor.since - overlap:
            continue  # older than anything we could still be missing: handled in an earlier tick
        seen[key] = _iso(alert.last_updated)
        new_alerts += 1
        newest = alert.last_updated if newest is None or alert.last_updated > newest else newest
        hosts: set[str] = set()
        for kind, value in entities_of(alert):
            try:
                entity = parse_entity(value, kind)  # type: ignore[arg-type]
            except InvalidEntity as exc:
                rejections.append(Rejection(alert.id, value[:200], exc.reason))
                continue
            if skip_private and entity.is_private_ip:
                rejections.append(Rejection(alert.id, value[:200], "private address: nothing to look up outside"))
                continue
            if entity.host in hosts:
                continue
            hosts.add(entity.host)
            requests.append(InvestigationRequest(alert.id, alert.title, alert.last_updated, entity, value))
    if newest is not None:
        horizon = newest - overlap
        seen = {k: v for k, v in seen.items() if _parse_iso(v) >= horizon}
    return AlertPlan(requests=requests, rejections=rejections, cursor=AlertCursor(newest, seen),
                     new_alerts=new_alerts)
