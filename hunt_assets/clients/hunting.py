"""Advanced-hunting backends for a live tenant: Graph ``runHuntingQuery`` and the legacy Defender API.

Why two behind one interface: Microsoft began retiring ``api.security.microsoft.com/api/advancedhunting/run``
in January 2026, so Graph is primary, but tenants mid-migration still have only the legacy app permission.
Both answer with a schema and JSON rows -- in different casing, and Graph's own docs show both -- and both
go through ``typed_frame``, the one normalizer, so a hunt lands with the same columns and values whatever
ran it. Window splitting on the 100,000-row cap is not done here: ``hunts.execute.run_hunt`` does it for
every backend, using ``row_cap``.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from typing import Any

from hunt_assets.clients.graph import GraphClient
from hunt_assets.clients.http import MalformedResponseError
from hunt_assets.kql.types import KustoResult, parse_schema, typed_frame

log = logging.getLogger("hunt_assets.hunting")

AH_ROW_CAP = 100_000
GRAPH_HUNTING_PATH = "/security/runHuntingQuery"
DEFENDER_HUNTING_PATH = "/api/advancedhunting/run"
GRAPH_PERMISSION = "ThreatHunting.Read.All (Microsoft Graph application permission, admin consent)"
DEFENDER_PERMISSION = "AdvancedHunting.Read.All (Microsoft Threat Protection application permission, admin consent)"


def iso_z(value: datetime) -> str:
    """UTC ISO-8601 with a Z, as Graph's Timespan expects; naive datetimes are taken as UTC."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    text = value.astimezone(UTC).isoformat(timespec="microseconds")
    return text.replace("+00:00", "Z")


def timespan(start: datetime, end: datetime) -> str:
    return f"{iso_z(start)}/{iso_z(end)}"


def _pick(body: dict[str, Any], key: str) -> Any:
    """``schema``/``Schema`` (Graph docs show both; the legacy API uses PascalCase)."""
    for candidate in (key, key.capitalize(), key.upper()):
        if candidate in body:
            return body[candidate]
    return None


def parse_hunting_response(service: str, body: dict[str, Any]) -> KustoResult:
    """A hunting answer (either API, either casing) -> a typed result, or MalformedResponseError."""
    rows = _pick(body, "results")
    schema_raw = _pick(body, "schema")
    if rows is None and schema_raw is None:
        raise MalformedResponseError(
            service, f"hunting answer has neither schema nor results (keys: {sorted(body)[:8]})"
        )
    rows = rows if rows is not None else []
    if not isinstance(rows, list) or any(not isinstance(r, dict) for r in rows):
        raise MalformedResponseError(service, "hunting 'results' is not a list of objects")
    try:
        schema = parse_schema(schema_raw if schema_raw is not None else [])
    except ValueError as exc:
        raise MalformedResponseError(service, f"hunting 'schema' unusable: {exc}") from None
    if rows and not schema:
        raise MalformedResponseError(service, f"hunting answer has {len(rows)} rows but no schema")
    return KustoResult(frame=typed_frame(rows, schema), schema=schema)


class GraphHuntingBackend:
    """``POST /security/runHuntingQuery`` (v1.0) with ``Query`` + ``Timespan``."""

    name = "graph"

    def __init__(self, graph_client: GraphClient, row_cap: int | None = AH_ROW_CAP) -> None:
        self.graph = graph_client
        self.row_cap = row_cap
        self.queries = 0

    def query(self, kql: str, *, start: datetime, end: datetime) -> KustoResult:
        started = time.monotonic()
        body = self.graph.post_json(
            GRAPH_HUNTING_PATH, {"Query": kql, "Timespan": timespan(start, end)}, forbidden_hint=GRAPH_PERMISSION
        )
        result = parse_hunting_response(self.graph.service, body)
        self.queries += 1
        _log_query(self.name, result, started, self.graph)
        return result

    def __repr__(self) -> str:
        return f"GraphHuntingBackend({self.graph!r}, row_cap={self.row_cap})"


class DefenderHuntingBackend:
    """The legacy ``POST {HUNT_DEFENDER_URL}/api/advancedhunting/run`` with ``{"Query": ...}``.

    It takes no time span: the window is already in the KQL (``Hunt.windowed``). Its token audience is
    ``https://api.security.microsoft.com/.default``, so it needs its own token provider and client.
    """

    name = "defender"

    def __init__(self, client: GraphClient, row_cap: int | None = AH_ROW_CAP) -> None:
        self.client = client
        self.row_cap = row_cap
        self.queries = 0

    def query(self, kql: str, *, start: datetime, end: datetime) -> KustoResult:
        started = time.monotonic()
        body = self.client.post_json(DEFENDER_HUNTING_PATH, {"Query": kql}, forbidden_hint=DEFENDER_PERMISSION)
        result = parse_hunting_response(self.client.service, body)
        self.queries += 1
        _log_query(self.name, result, started, self.client)
        return result

    def __repr__(self) -> str:
        return f"DefenderHuntingBackend({self.client!r}, row_cap={self.row_cap})"


def _log_query(name: str, result: KustoResult, started: float, client: GraphClient) -> None:
    limiter = client.limiter
    log.info(
        "%s hunting: %d rows in %.2fs; limiter %s",
        name,
        len(result),
        time.monotonic() - started,
        limiter.state() if limiter is not None else "off",
    )
