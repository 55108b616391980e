"""``hunt-assets check-connection``: which features this app registration can use, one cheap call each.

Why: a missing admin consent or permission otherwise surfaces mid-run as a 403 deep in a hunt. This makes
one minimal request per feature and reports the permission it proves or lacks -- never the secret (all
text goes through the redacting error classes, and the settings are never echoed).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import httpx

from hunt_assets.clients.alerts import ALERTS_PATH
from hunt_assets.clients.auth import DEFAULT_AUTHORITY_HOST, DEFAULT_GRAPH_URL
from hunt_assets.clients.factory import DEFAULT_DEFENDER_URL, Connection, ConnectorConfigError, connect
from hunt_assets.clients.graph import GraphClient
from hunt_assets.clients.http import (
    ApiError,
    AuthenticationError,
    NotFoundError,
    PermissionDeniedError,
    RetryPolicy,
    redact,
)
from hunt_assets.clients.hunting import DEFENDER_HUNTING_PATH, GRAPH_HUNTING_PATH, parse_hunting_response

CHECK_POLICY = RetryPolicy(max_attempts=2, backoff_base=0.5, backoff_max=2.0, max_retry_after=10.0)
PROBE_QUERY = "AlertInfo | take 1"
FEATURES = ("sign-in", "advanced hunting", "alerts", "threat intelligence", "legacy advanced hunting")


@dataclass(frozen=True)
class CheckResult:
    feature: str
    permission: str
    ok: bool
    detail: str


def _probe(feature: str, permission: str, call: Callable[[], str]) -> CheckResult:
    try:
        return CheckResult(feature, permission, True, call())
    except PermissionDeniedError:
        return CheckResult(
            feature, permission, False, f"403: grant the application permission {permission} and admin consent"
        )
    except AuthenticationError as exc:
        return CheckResult(feature, permission, False, f"401: {exc}")
    except ApiError as exc:
        return CheckResult(feature, permission, False, str(exc))
    except Exception as exc:  # a check reports; it never crashes the CLI with a traceback full of settings
        return CheckResult(feature, permission, False, redact(f"{type(exc).__name__}: {exc}")[:300])


def _graph_checks(conn: Connection, graph: GraphClient) -> list[CheckResult]:
    def hunting() -> str:
        body = graph.post_json(
            GRAPH_HUNTING_PATH, {"Query": PROBE_QUERY, "Timespan": "P1D"}, forbidden_hint="ThreatHunting.Read.All"
        )
        result = parse_hunting_response("graph", body)
        return f"runHuntingQuery answered ({len(result)} row(s), {len(result.schema)} column(s))"

    def alerts() -> str:
        body = graph.get_json(ALERTS_PATH, {"$top": 1}, forbidden_hint="SecurityAlert.Read.All")
        return f"alerts_v2 answered ({len(body.get('value') or [])} alert(s) on the first page)"

    def mdti() -> str:
        try:
            graph.get_json(
                "/security/threatIntelligence/hosts/www.microsoft.com", forbidden_hint="ThreatIntelligence.Read.All"
            )
        except NotFoundError:
            return "threatIntelligence answered (host unknown, permission works)"
        return "threatIntelligence answered"

    return [
        _probe("advanced hunting", "ThreatHunting.Read.All", hunting),
        _probe("alerts", "SecurityAlert.Read.All", alerts),
        _probe("threat intelligence", "ThreatIntelligence.Read.All", mdti),
    ]


def check_connection(
    kind: str = "graph",
    *,
    lake_path: str | Path | None = None,
    tenant_id: str | None = None,
    client_id: str | None = None,
    client_secret: str | None = None,
    client_certificate_path: str | None = None,
    graph_url: str | None = DEFAULT_GRAPH_URL,
    defender_url: str | None = DEFAULT_DEFENDER_URL,
    authority_host: str | None = DEFAULT_AUTHORITY_HOST,
    fake_faults: str | None = None,
    sleep: Callable[[float], None] = time.sleep,
    transport: httpx.BaseTransport | None = None,
    include_legacy: bool = True,
    token_cache_path: str | Path | None = None,
    **_ignored: object,
) -> list[CheckResult]:
    """One result per feature; ``kind=sample`` needs no connection and says so."""
    kind = (kind or "graph").strip().lower()
    if kind == "sample":
        return [
            CheckResult(
                "sample tenant",
                "-",
                lake_path is None or Path(lake_path).exists(),
                "HUNT_BACKEND=sample runs on the local lake; set HUNT_BACKEND=graph to check a tenant",
            )
        ]
    try:
        conn = connect(
            "graph" if kind == "defender" else kind,
            lake_path=lake_path,
            tenant_id=tenant_id,
            client_id=client_id,
            client_secret=client_secret,
            client_certificate_path=client_certificate_path,
            graph_url=graph_url,
            defender_url=defender_url,
            authority_host=authority_host,
            fake_faults=fake_faults,
            sleep=sleep,
            transport=transport,
            token_cache_path=token_cache_path,
            policy=CHECK_POLICY,
        )
    except (ConnectorConfigError, ApiError) as exc:
        return [CheckResult("configuration", "-", False, redact(str(exc)))]
    scope = getattr(conn.graph_tokens, "scope", "Microsoft Graph")
    sign_in = _probe("sign-in", f"app-only token for {scope}", lambda: (conn.graph_tokens.token(), "token acquired")[1])
    results = [sign_in]
    if sign_in.ok:
        results += _graph_checks(conn, conn.graph)
    else:
        results += [
            CheckResult(f, p, False, "skipped: no token")
            for f, p in (
                ("advanced hunting", "ThreatHunting.Read.All"),
                ("alerts", "SecurityAlert.Read.All"),
                ("threat intelligence", "ThreatIntelligence.Read.All"),
            )
        ]
    if include_legacy:

        def legacy() -> str:
            client = conn.defender_client()
            client.policy = CHECK_POLICY
            body = client.post_json(
                DEFENDER_HUNTING_PATH, {"Query": PROBE_QUERY}, forbidden_hint="AdvancedHunting.Read.All"
            )
            result = parse_hunting_response("defender", body)
            return f"legacy advancedhunting/run answered ({len(result)} row(s)); it is being retired"

        results.append(_probe("legacy advanced hunting", "AdvancedHunting.Read.All", legacy))
    return results


def format_results(results: Iterable[CheckResult]) -> str:
    """A plain table for the terminal."""
    rows = [("feature", "permission", "status", "detail")]
    rows += [(r.feature, r.permission, "OK" if r.ok else "FAIL", r.detail) for r in results]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    return "\n".join(f"{a:<{widths[0]}}  {b:<{widths[1]}}  {c:<{widths[2]}}  {d}" for a, b, c, d in rows)
