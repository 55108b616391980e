"""Honest fakes of the TI providers' HTTP APIs for tests: the snapshot API plus scripted faults.

The snapshot API (hunt_assets.intel.ti.snapshot.SnapshotAPI) answers in each provider's documented
shapes; ``Faulty`` wraps it and, per provider, answers the documented failure modes first (429 with
Retry-After, 5xx, 401, HTML, empty or truncated bodies) before letting requests through.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

import httpx

from hunt_assets.intel.ti.base import ProviderConfig
from hunt_assets.intel.ti.registry import PROVIDER_CLASSES
from hunt_assets.intel.ti.snapshot import BENIGN, SnapshotAPI, render_snapshot

EVIL = [
    {
        "type": "domain",
        "value": "update-check.example-c2.xyz",
        "verdict": "malicious",
        "threat": "c2_domain",
        "family": "CobaltStrike",
    },
    {
        "type": "ip",
        "value": "203.0.113.66",
        "verdict": "malicious",
        "threat": "c2_ip",
        "family": "CobaltStrike",
        "tor": True,
    },
    {
        "type": "url",
        "value": "http://update-check.example-c2.xyz/a.ps1",
        "verdict": "malicious",
        "threat": "payload",
        "family": "CobaltStrike",
    },
    {
        "type": "hash",
        "value": "44d88612fea8a8f36de82e1278abb02f",
        "verdict": "malicious",
        "threat": "payload",
        "family": "EICAR",
    },
]
KEY = "test-key-1234567890"


def snapshot() -> dict:
    return render_snapshot(EVIL + list(BENIGN))


def api(names: list[str] | None = None) -> SnapshotAPI:
    names = names or list(PROVIDER_CLASSES)
    return SnapshotAPI(snapshot(), {n: PROVIDER_CLASSES[n].default_base_url for n in names})


def configs(names: list[str], **overrides: object) -> dict[str, ProviderConfig]:
    return {
        n: ProviderConfig(api_key=KEY, api_secret=KEY if n == "xforce" else None, **overrides)  # type: ignore[arg-type]
        for n in names
    }


Fault = Callable[[httpx.Request], httpx.Response]


def throttled(retry_after: str = "2") -> Fault:
    return lambda r: httpx.Response(
        429,
        headers={"Retry-After": retry_after},
        json={"error": {"code": "QuotaExceededError", "message": "Quota exceeded"}},
    )


def server_error(r: httpx.Request) -> httpx.Response:
    return httpx.Response(
        503, text="<html><body>Service Unavailable</body></html>", headers={"content-type": "text/html"}
    )


def html_200(r: httpx.Request) -> httpx.Response:
    return httpx.Response(200, text="<html><body>Just a moment...</body></html>", headers={"content-type": "text/html"})


def empty_200(r: httpx.Request) -> httpx.Response:
    return httpx.Response(200, content=b"", headers={"content-type": "application/json"})


def truncated_200(r: httpx.Request) -> httpx.Response:
    return httpx.Response(
        200, content=b'{"data": {"attributes": {"last_analysis_st', headers={"content-type": "application/json"}
    )


def unauthorized(r: httpx.Request) -> httpx.Response:
    return httpx.Response(401, json={"error": {"code": "WrongCredentialsError", "message": "Wrong API key"}})


class Faulty:
    """Per-host fault scripts: the first N requests to a host get the scripted answers, then the real API."""

    def __init__(self, inner: SnapshotAPI) -> None:
        self.inner = inner
        self.scripts: dict[str, list[Fault]] = defaultdict(list)
        self.always: dict[str, Fault] = {}
        self.seen: list[httpx.Request] = []

    def script(self, provider: str, *faults: Fault) -> Faulty:
        self.scripts[httpx.URL(PROVIDER_CLASSES[provider].default_base_url).host].extend(faults)
        return self

    def forever(self, provider: str, fault: Fault) -> Faulty:
        self.always[httpx.URL(PROVIDER_CLASSES[provider].default_base_url).host] = fault
        return self

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        host = request.url.host
        if host in self.always:
            return self.always[host](request)
        if self.scripts[host]:
            return self.scripts[host].pop(0)(request)
        return self.inner.handle(request)

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)


class Sleeps:
    """An injectable async sleep that records instead of sleeping."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)
