"""Domain registration through RDAP (RFC 9082/9083) over httpx, routed by the bundled IANA bootstrap.

Passive: the registry answers, not the suspect. Why RDAP and not whois: structured JSON with
dates and registrar as fields, one documented contract for every registry, and the IANA bootstrap file
(RFC 9224, bundled as ``hunt_assets/data/rdap_dns_bootstrap.json``) says which server answers for each
TLD. Registration age is one of the strongest cheap signals: C2 domains are usually days old.
"""

from __future__ import annotations

import hashlib
import json
import time
import urllib.parse
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import httpx

from hunt_assets.clients.http import (
    ApiError,
    Limit,
    NotFoundError,
    RateLimiter,
    RetryPolicy,
    json_body,
    send_with_retries,
    shared_limiter,
)
from hunt_assets.entities import split_registered

SERVICE = "rdap"
RDAP_LIMITS = (Limit(10, 10.0),)  # registries publish no common quota; Verisign throttles bursts


def load_bootstrap(path: str | Path | None = None) -> dict[str, str]:
    """TLD -> RDAP base URL from an RFC 9224 bootstrap file (the bundled copy by default)."""
    if path is None:
        text = resources.files("hunt_assets.data").joinpath("rdap_dns_bootstrap.json").read_text(encoding="utf-8")
    else:
        text = Path(path).read_text(encoding="utf-8")
    doc = json.loads(text)
    table: dict[str, str] = {}
    for tlds, urls in doc.get("services", []):
        https = [u for u in urls if u.startswith("https://")] or urls
        for tld in tlds:
            table[tld.lower()] = https[0]
    return table


@dataclass
class Registration:
    domain: str
    registrar: str = ""
    created: datetime | None = None
    expires: datetime | None = None
    updated: datetime | None = None
    status: list[str] = field(default_factory=list)
    nameservers: list[str] = field(default_factory=list)
    rdap_url: str = ""
    error: str = ""

    def age_days(self, now: datetime | None = None) -> int | None:
        if self.created is None:
            return None
        return ((now or datetime.now(UTC)) - self.created).days


def _when(text: Any) -> datetime | None:
    if not isinstance(text, str):
        return None
    try:
        dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def _vcard_fn(entity: Mapping[str, Any]) -> str:
    vcard = entity.get("vcardArray")
    if isinstance(vcard, list) and len(vcard) == 2 and isinstance(vcard[1], list):
        for prop in vcard[1]:
            if isinstance(prop, list) and len(prop) >= 4 and prop[0] == "fn":
                return str(prop[3])
    return str(entity.get("handle") or "")


def parse_domain(domain: str, doc: Any) -> Registration:
    """RFC 9083 domain object -> Registration; unknown shapes give an ``error``, not an exception."""
    if not isinstance(doc, dict) or doc.get("objectClassName") not in {"domain", None}:
        return Registration(domain, error="not an RDAP domain object")
    reg = Registration(domain)
    for ev in doc.get("events") or []:
        if not isinstance(ev, dict):
            continue
        action, when = ev.get("eventAction"), _when(ev.get("eventDate"))
        if action == "registration":
            reg.created = when
        elif action == "expiration":
            reg.expires = when
        elif action in {"last changed", "last update of RDAP database"} and reg.updated is None:
            reg.updated = when if action == "last changed" else None
    for ent in doc.get("entities") or []:
        if isinstance(ent, dict) and "registrar" in (ent.get("roles") or []):
            reg.registrar = _vcard_fn(ent)
    reg.status = [str(s) for s in doc.get("status") or []]
    reg.nameservers = sorted(
        str(ns.get("ldhName", "")).lower()
        for ns in doc.get("nameservers") or []
        if isinstance(ns, dict) and ns.get("ldhName")
    )
    return reg


class RdapClient:
    """Looks domains up at the registry the bootstrap names; one limiter per process for all registries."""

    def __init__(
        self,
        *,
        bootstrap: Mapping[str, str] | None = None,
        transport: httpx.BaseTransport | None = None,
        limiter: RateLimiter | None = None,
        sleep: Callable[[float], None] = time.sleep,
        timeout: float = 10.0,
        policy: RetryPolicy | None = None,
    ) -> None:
        self.bootstrap = dict(bootstrap) if bootstrap is not None else load_bootstrap()
        self.limiter = limiter or shared_limiter("rdap:domains", RDAP_LIMITS)
        self.sleep = sleep
        self.policy = policy or RetryPolicy(max_attempts=3, backoff_base=1.0, backoff_max=10.0, max_retry_after=60)
        self._http = httpx.Client(transport=transport, timeout=timeout, follow_redirects=True)
        self.requests_sent = 0

    def base_for(self, domain: str) -> str | None:
        tld = domain.rsplit(".", 1)[-1].lower()
        return self.bootstrap.get(tld)

    def domain(self, name: str) -> Registration:
        registered = split_registered(name)[1] or name  # registries hold the registered domain only
        base = self.base_for(registered)
        if base is None:
            return Registration(
                registered, error=f"no RDAP server for .{registered.rsplit('.', 1)[-1]} in the bootstrap file"
            )
        url = f"{base.rstrip('/')}/domain/{urllib.parse.quote(registered)}"

        def build() -> httpx.Request:
            self.requests_sent += 1
            return self._http.build_request("GET", url, headers={"Accept": "application/rdap+json"})

        try:
            response = send_with_retries(
                self._http, build, service=SERVICE, policy=self.policy, limiter=self.limiter, sleep=self.sleep
            )
            reg = parse_domain(registered, json_body(SERVICE, response))
        except NotFoundError:
            return Registration(registered, rdap_url=url, error="not registered (RDAP 404)")
        except ApiError as exc:
            return Registration(registered, rdap_url=url, error=str(exc)[:300])
        reg.rdap_url = url
        return reg

    def close(self) -> None:
        self._http.close()


# ------------------------------------------------------------------------------------------------
# A registry speaking RFC 9083, for tests and sample mode
# ------------------------------------------------------------------------------------------------


def rdap_domain_document(
    domain: str,
    *,
    created: datetime,
    registrar: str = "Sample Registrar, Inc.",
    nameservers: Iterable[str] = ("ns1.sample-dns.net", "ns2.sample-dns.net"),
) -> dict[str, Any]:
    """A domain object in the shape Verisign's RDAP service returns."""
    iso = "%Y-%m-%dT%H:%M:%SZ"
    return {
        "objectClassName": "domain",
        "handle": f"{int(hashlib.sha256(domain.encode()).hexdigest()[:8], 16)}_DOMAIN_COM-VRSN",
        "ldhName": domain.upper(),
        "links": [
            {
                "value": f"https://rdap.example/domain/{domain}",
                "rel": "self",
                "href": f"https://rdap.example/domain/{domain}",
                "type": "application/rdap+json",
            }
        ],
        "status": ["client transfer prohibited"],
        "entities": [
            {
                "objectClassName": "entity",
                "handle": "9999",
                "roles": ["registrar"],
                "vcardArray": ["vcard", [["version", {}, "text", "4.0"], ["fn", {}, "text", registrar]]],
            }
        ],
        "events": [
            {"eventAction": "registration", "eventDate": created.strftime(iso)},
            {"eventAction": "expiration", "eventDate": created.replace(year=created.year + 1).strftime(iso)},
            {"eventAction": "last changed", "eventDate": created.strftime(iso)},
        ],
        "nameservers": [{"objectClassName": "nameserver", "ldhName": ns.upper()} for ns in nameservers],
        "secureDNS": {"delegationSigned": False},
        "rdapConformance": ["rdap_level_0", "icann_rdap_technical_implementation_guide_0"],
    }


class FakeRegistry:
    """RDAP servers for every bootstrap base URL: known domains answer, others get RFC 9083 404s."""

    def __init__(self, documents: Mapping[str, Mapping[str, Any]]) -> None:
        self.documents = {k.lower(): v for k, v in documents.items()}
        self.requests: list[httpx.Request] = []

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = urllib.parse.unquote(request.url.path)
        if "/domain/" not in path:
            return httpx.Response(400, json={"errorCode": 400, "title": "unsupported query"})
        name = path.rsplit("/domain/", 1)[1].lower()
        doc = self.documents.get(name)
        if doc is None:
            return httpx.Response(
                404,
                json={"errorCode": 404, "title": "Not Found", "description": [f"{name} not found"]},
                headers={"content-type": "application/rdap+json"},
            )
        return httpx.Response(200, json=doc, headers={"content-type": "application/rdap+json"})

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)
