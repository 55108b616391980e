"""In-process fakes of the MDTI passive-DNS endpoints and of COF servers (CIRCL, DNSDB), for tests and bench.

Why fakes that can fail: the clients' value is in how they handle paging, throttling, expired tokens,
licence errors and cut-off streams. These fakes answer with the documented shapes (Graph
``passiveDnsRecord`` pages with ``@odata.nextLink``, Graph error bodies, CIRCL NDJSON with string numbers,
DNSDB SAF framing with ``limit``/``offset``) and inject faults on request, so tests assert behaviour.
"""

from __future__ import annotations

import base64
import json
import random
import re
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import unquote

import httpx

_MDTI = re.compile(
    r"^/v1\.0/security/threatIntelligence/hosts/(?P<host>[^/]+)/(?P<rel>passiveDns|"
    r"passiveDnsReverse|reputation)$"
)


def graph_error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> httpx.Response:
    body = {
        "error": {
            "code": code,
            "message": message,
            "innerError": {"date": "2026-11-22T10:00:00", "request-id": "fake-request"},
        }
    }
    return httpx.Response(status, json=body, headers=headers or {})


def mdti_record(
    parent: str, artifact: str, record_type: str, first: datetime, last: datetime, *, artifact_kind: str = "ipAddress"
) -> dict[str, Any]:
    """One ``passiveDnsRecord`` exactly as the Graph docs show it."""
    rid = base64.b64encode(f"{parent}$${artifact}$${record_type}".encode()).decode()
    return {
        "@odata.type": "#microsoft.graph.security.passiveDnsRecord",
        "id": rid,
        "firstSeenDateTime": first.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "lastSeenDateTime": last.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "collectedDateTime": (last + timedelta(minutes=40)).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "recordType": record_type,
        "parentHost": {"id": parent},
        "artifact": {"@odata.type": f"#microsoft.graph.security.{artifact_kind}", "id": artifact},
    }


def synthetic_mdti_history(
    host: str, n: int, *, seed: int = 7, start: datetime = datetime(2021, 1, 1, tzinfo=UTC)
) -> list[dict[str, Any]]:
    """``n`` distinct forward records for ``host`` over ~3 years (a fast-flux domain's worth of A records)."""
    rng = random.Random(seed)
    types = ["A"] * 6 + ["AAAA", "NS", "CNAME", "MX"]
    out = []
    for i in range(n):
        rtype = types[i % len(types)]
        if rtype == "A":
            artifact, kind = f"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}", "ipAddress"
        elif rtype == "AAAA":
            artifact, kind = f"2001:db8::{i:x}", "ipAddress"
        else:
            artifact, kind = f"{rtype.lower()}{i}.provider-{i % 50}.example.net", "hostname"
        first = start + timedelta(days=rng.randint(0, 1000), hours=rng.randint(0, 23))
        last = first + timedelta(days=rng.choice([0, 1, 3, 7, 30, 90, 365]), hours=rng.randint(0, 23))
        out.append(mdti_record(host, artifact, rtype, first, last, artifact_kind=kind))
    return out


@dataclass
class FakeMdti:
    """Graph's MDTI endpoints: pages of ``page_size`` with an opaque ``$skiptoken`` nextLink.

    ``faults`` is a queue of responses (or callables) served before the real answer, one per request:
    e.g. a 429 with Retry-After, a 401 for an expired token, a 403 licence error, an HTML page.
    """

    forward: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    reverse: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    reputation: dict[str, dict[str, Any]] = field(default_factory=dict)
    page_size: int = 1000
    token: str = "fake-mdti-token"  # noqa: S105 -- the fake's own expected bearer token
    origin: str = "https://graph.microsoft.com"
    faults: deque[httpx.Response] = field(default_factory=deque)
    requests: list[httpx.Request] = field(default_factory=list)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.faults:
            return self.faults.popleft()
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return graph_error(401, "InvalidAuthenticationToken", "Access token has expired or is not yet valid.")
        m = _MDTI.match(request.url.path)
        if request.method != "GET" or not m:
            return graph_error(400, "BadRequest", f"Resource not found for the segment '{request.url.path}'.")
        host, rel = unquote(m["host"]).lower(), m["rel"]
        if rel == "reputation":
            rep = self.reputation.get(host)
            if rep is None:
                return graph_error(404, "NotFound", f"Host {host} not found")
            return httpx.Response(200, json={"@odata.context": "...", **rep})
        items = (self.forward if rel == "passiveDns" else self.reverse).get(host)
        if items is None:
            return graph_error(404, "NotFound", f"Host {host} not found")
        skip = 0
        token = request.url.params.get("$skiptoken")
        if token:
            try:
                skip = int(base64.urlsafe_b64decode(token.encode()).decode())
            except ValueError:
                return graph_error(400, "BadRequest", "Invalid skip token")
        top = int(request.url.params.get("$top", self.page_size))
        page = items[skip : skip + top]
        context = f"{self.origin}/v1.0/$metadata#Collection(passiveDnsRecord)"
        body: dict[str, Any] = {"@odata.context": context, "value": page}
        if skip + top < len(items):
            nxt = base64.urlsafe_b64encode(str(skip + top).encode()).decode()
            body["@odata.nextLink"] = f"{self.origin}{request.url.path}?$skiptoken={nxt}"
        return httpx.Response(200, json=body)


def cof_line(
    rrname: str,
    rrtype: str,
    rdata: str | list[str],
    first: int,
    last: int,
    count: int | None = None,
    *,
    as_strings: bool = False,
    bailiwick: str | None = None,
) -> dict[str, Any]:
    obj: dict[str, Any] = {"rrname": rrname, "rrtype": rrtype, "rdata": rdata, "time_first": first, "time_last": last}
    if count is not None:
        obj["count"] = count
    if bailiwick:
        obj["bailiwick"] = bailiwick
    if as_strings:  # CIRCL's live documentation shows numbers as strings
        obj = {k: (str(v) if isinstance(v, int) else v) for k, v in obj.items()}
    return obj


@dataclass
class FakeCof:
    """A COF server. CIRCL: ``GET /pdns/query/<q>`` with Basic auth, plain NDJSON. DNSDB: ``/dnsdb/v2/lookup/
    rrset/name/<n>`` and ``/lookup/rdata/ip/<ip>`` with X-API-Key, SAF framing, ``limit``/``offset``.

    ``drop_terminal`` cuts the stream before its terminal cond (a dropped connection).
    """

    flavor: str = "circl"
    data: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    username: str = "hunter"
    password: str = "circl-pass-1234"  # noqa: S105 -- the fake's own
    api_key: str = "dnsdb-key-abcdef"
    server_limit: int = 100_000
    drop_terminal: bool = False
    faults: deque[httpx.Response] = field(default_factory=deque)
    requests: list[httpx.Request] = field(default_factory=list)

    def _authorized(self, request: httpx.Request) -> bool:
        if self.flavor == "dnsdb":
            return request.headers.get("X-API-Key") == self.api_key
        expected = "Basic " + base64.b64encode(f"{self.username}:{self.password}".encode()).decode()
        return request.headers.get("Authorization") == expected

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.faults:
            return self.faults.popleft()
        if not self._authorized(request):
            return httpx.Response(401 if self.flavor == "circl" else 403, text="Unauthorized")
        path = request.url.path
        if self.flavor == "circl":
            m = re.match(r"^/pdns/query/(?P<q>[^/]+)$", path)
            if not m:
                return httpx.Response(404, text="not found")
            rows = self.data.get(unquote(m["q"]).lower(), [])
            text = "".join(json.dumps(r) + "\n" for r in rows)
            return httpx.Response(200, text=text, headers={"content-type": "application/x-ndjson"})
        m = re.match(r"^/dnsdb/v2/lookup/(?:rrset/name|rdata/ip)/(?P<q>[^/]+)$", path)
        if not m:
            return httpx.Response(404, text="not found")
        rows = self.data.get(unquote(m["q"]).lower(), [])
        limit = min(int(request.url.params.get("limit", self.server_limit)), self.server_limit)
        offset = int(request.url.params.get("offset", 0))
        page = rows[offset : offset + limit]
        lines = [{"cond": "begin"}] + [{"obj": r} for r in page]
        if not self.drop_terminal:
            limited = offset + limit < len(rows)
            end = {"cond": "limited", "msg": "Result limit reached"} if limited else {"cond": "succeeded"}
            lines.append(end)
        text = "".join(json.dumps(x) + "\n" for x in lines)
        return httpx.Response(200, text=text, headers={"content-type": "application/x-ndjson"})
