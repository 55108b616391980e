"""Test doubles for the Microsoft clients: a fake clock, a scripted HTTP transport and a tiny lake.

The scripted transport answers with documented response shapes in the order a test lists them, and
records every request, so a test can assert exactly what the client sent and how it reacted.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import httpx

ANSWER = httpx.Response | Exception | Callable[[httpx.Request], httpx.Response]


class FakeClock:
    """Monotonic time that only moves when something sleeps."""

    def __init__(self, start: float = 1_000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += max(0.0, seconds)


class Script(httpx.BaseTransport):
    """Answers requests from a list, in order; the last answer repeats when the list runs out."""

    def __init__(self, *answers: ANSWER) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        if callable(answer) and not isinstance(answer, httpx.Response):
            return answer(request)
        return httpx.Response(answer.status_code, headers=answer.headers, content=answer.content)


def graph_error(status: int, code: str, message: str, **headers: str) -> httpx.Response:
    body = {"error": {"code": code, "message": message,
                      "innerError": {"date": "2026-11-22T10:00:00", "request-id": "0000"}}}
    return httpx.Response(status, json=body, headers={k.replace("_", "-"): v for k, v in headers.items()})


def hunting_ok(rows: list[dict[str, Any]], schema: list[tuple[str, str]], *, legacy: bool = False,
               pascal_schema: bool = False) -> httpx.Response:
    if legacy:
        return httpx.Response(200, json={"Stats": {"ExecutionTime": 0.1},
                                         "Schema": [{"Name": n, "Type": t} for n, t in schema], "Results": rows})
    cols = [{"Name": n, "Type": t} if pascal_schema else {"name": n, "type": t} for n, t in schema]
    return httpx.Response(200, json={"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#"
                                                       "microsoft.graph.security.huntingQueryResults",
                                     "schema": cols, "results": rows})


def body_of(request: httpx.Request) -> Any:
    return json.loads(request.content)


def build_mini_lake(path: Path, *, network_rows: int = 2_000, same_instant_rows: int = 0) -> Path:
    """A small Defender-shaped lake: DeviceNetworkEvents over one day, AlertInfo and AlertEvidence."""
    con = duckdb.connect(str(path))
    try:
        con.execute(f"""
            CREATE TABLE DeviceNetworkEvents AS
            SELECT TIMESTAMP '2026-11-16 00:00:00' + to_microseconds((i * 43) % 86400 * 1000000 + i) AS Timestamp,
                   'dev' || (i % 7) || '.contoso.local' AS DeviceName,
                   CASE WHEN i % 5 = 0 THEN '' ELSE 'https://h' || (i % 97) || '.example.com/p?q=' || i END
                       AS RemoteUrl,
                   '198.51.100.' || (i % 250) AS RemoteIP,
                   (443 + i % 3)::BIGINT AS RemotePort,
                   (i % 2 = 0) AS Succeeded,
                   CASE WHEN i % 3 = 0 THEN NULL ELSE ('{{"n":' || i || ',"tags":["a","b"]}}')::JSON END
                       AS AdditionalFields
            FROM range({network_rows}) t(i)""")
        if same_instant_rows:
            con.execute(f"""
                INSERT INTO DeviceNetworkEvents
                SELECT TIMESTAMP '2026-11-16 12:00:00', 'burst.contoso.local', 'https://burst.example', '203.0.113.9',
                       80, true, NULL FROM range({same_instant_rows})""")
        con.execute("""
            CREATE TABLE AlertInfo AS
            SELECT TIMESTAMP '2026-11-16 00:00:00' + to_microseconds(i * 3600 * 1000000) AS Timestamp,
                   'da' || lpad(i::VARCHAR, 4, '0') AS AlertId, 'Suspicious activity ' || i AS Title,
                   'Execution' AS Category, ['High', 'Medium', 'Low', 'Informational'][1 + i % 4] AS Severity,
                   'Microsoft Defender for Endpoint' AS ServiceSource, 'EDR' AS DetectionSource,
                   '["T1059.001"]' AS AttackTechniques
            FROM range(12) t(i)""")
        con.execute("""
            CREATE TABLE AlertEvidence AS
            SELECT TIMESTAMP '2026-11-16 00:00:00' + to_microseconds((i % 12) * 3600 * 1000000) AS Timestamp,
                   'da' || lpad((i % 12)::VARCHAR, 4, '0') AS AlertId, 'Suspicious activity' AS Title,
                   ['Ip', 'Url', 'Machine', 'File', 'User', 'Mailbox'][1 + i % 6] AS EntityType,
                   'Related' AS EvidenceRole, '198.51.100.' || i AS RemoteIP,
                   'https://bad' || i || '.example.net/x' AS RemoteUrl, 'ws' || i || '.contoso.local' AS DeviceName,
                   'dev-' || i AS DeviceId, 'tool.exe' AS FileName, 'C:\\t' AS FolderPath, '' AS SHA1,
                   'sha' || i AS SHA256, 100::BIGINT AS FileSize, 'user' || i AS AccountName,
                   'user' || i || '@contoso.com' AS AccountUpn, '' AS LocalIP
            FROM range(30) t(i)""")
    finally:
        con.close()
    return path
