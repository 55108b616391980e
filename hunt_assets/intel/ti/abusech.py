"""abuse.ch: URLhaus, ThreatFox and the SSLBL certificate blacklist.

Contracts (urlhaus-api.abuse.ch, threatfox.abuse.ch/api, sslbl.abuse.ch/blacklist): every API takes the
``Auth-Key`` header (mandatory on URLhaus/ThreatFox since 2024-25; SSLBL downloads send it when set).
* URLhaus ``POST /v1/url/`` (form ``url``), ``/v1/host/`` (form ``host``), ``/v1/payload/`` (form
  ``md5_hash``|``sha256_hash``) -> ``{"query_status": "ok"|"no_results"|"invalid_url"|..., ...}``.
* ThreatFox ``POST /api/v1/`` JSON ``{"query": "search_ioc", "search_term": ...}`` or
  ``{"query": "search_hash", "hash": ...}`` -> ``{"query_status": "ok", "data": [{"ioc", "threat_type",
  "malware_printable", "confidence_level", ...}]}`` or ``{"query_status": "no_result", "data": "..."}``.
* SSLBL ``GET /blacklist/sslblacklist.csv``: '#' comment lines, then ``Listingdate,SHA1,Listingreason``.
Both APIs answer HTTP 200 with ``query_status`` for application errors, so those are mapped here.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from typing import Any, ClassVar

import httpx

from hunt_assets.clients.http import Limit
from hunt_assets.intel.ti.base import BulkListProvider, ParseError, Provider, as_dict
from hunt_assets.intel.ti.model import Finding, Indicator, Severity

_NO_RESULT = {"no_results", "no_result", "hash_not_found", "illegal_search_term_no_result"}
_SHA1 = re.compile(r"^[0-9a-fA-F]{40}$")


def _auth(key: str | None) -> dict[str, str]:
    return {"Auth-Key": key} if key else {}


def _query_status(body: dict[str, Any], service: str) -> str:
    status = body.get("query_status")
    if not isinstance(status, str):
        raise ParseError(f"{service}: answer lacks query_status")
    return status


class URLhaus(Provider):
    name: ClassVar[str] = "urlhaus"
    supports: ClassVar[frozenset[str]] = frozenset({"domain", "ip", "url", "hash"})
    default_base_url: ClassVar[str] = "https://urlhaus-api.abuse.ch/v1"
    default_limits: ClassVar[tuple[Limit, ...]] = (Limit(10, 1.0),)
    default_concurrency: ClassVar[int] = 8

    def accepts(self, indicator: Indicator) -> bool:
        return indicator.type in self.supports and (
            indicator.type != "hash" or indicator.hash_kind in {"md5", "sha256"}
        )

    def request(self, indicators: Sequence[Indicator]) -> httpx.Request:
        (ind,) = indicators
        if ind.type == "url":
            path, form = "url/", {"url": ind.value}
        elif ind.type == "hash":
            path, form = "payload/", {f"{ind.hash_kind}_hash": ind.value}
        else:
            path, form = "host/", {"host": ind.value}
        return httpx.Request(
            "POST",
            self.url(path),
            data=form,
            headers={"Accept": "application/json", **_auth(self.config.api_key)},
        )

    def parse(self, indicators: Sequence[Indicator], response: httpx.Response) -> dict[Indicator, Finding]:
        (ind,) = indicators
        body = as_dict(self.json(response), "urlhaus")
        status = _query_status(body, "urlhaus")
        if status in _NO_RESULT:
            return {ind: Finding("not_found", Severity.INFORMATION, "not listed by URLhaus", {"query_status": status})}
        if status != "ok":
            return {
                ind: Finding(
                    "error",
                    Severity.INFORMATION,
                    f"URLhaus query_status {status!r}",
                    {"query_status": status},
                )
            }
        if ind.type == "url":
            online = body.get("url_status") == "online"
            tags = body.get("tags") or []
            detail = f"{body.get('threat') or 'listed'}, url {body.get('url_status')}, tags {tags}"
            raw = {
                k: body.get(k)
                for k in (
                    "query_status",
                    "id",
                    "url",
                    "url_status",
                    "threat",
                    "tags",
                    "date_added",
                    "urlhaus_reference",
                    "blacklists",
                )
            }
        elif ind.type == "hash":
            online = True
            detail = (
                f"payload {body.get('signature') or 'unsigned'} ({body.get('file_type') or '?'}), "
                f"served by {body.get('url_count') or 0} URLs"
            )
            raw = {
                k: body.get(k)
                for k in (
                    "query_status",
                    "md5_hash",
                    "sha256_hash",
                    "file_type",
                    "signature",
                    "firstseen",
                    "lastseen",
                    "url_count",
                )
            }
        else:
            urls = [u for u in body.get("urls") or [] if isinstance(u, dict)]
            online = any(u.get("url_status") == "online" for u in urls)
            threats = sorted({str(u.get("threat")) for u in urls if u.get("threat")})
            detail = (
                f"{body.get('url_count') or len(urls)} malware URLs on this host "
                f"({sum(u.get('url_status') == 'online' for u in urls)} online), threats {threats}"
            )
            raw = {
                k: body.get(k)
                for k in ("query_status", "host", "firstseen", "url_count", "urlhaus_reference", "blacklists")
            } | {"urls": urls[:20]}
        return {ind: Finding("ok", Severity.HIGH if online else Severity.MEDIUM, detail, raw)}


class ThreatFox(Provider):
    name: ClassVar[str] = "threatfox"
    supports: ClassVar[frozenset[str]] = frozenset({"domain", "ip", "url", "hash"})
    default_base_url: ClassVar[str] = "https://threatfox-api.abuse.ch/api/v1"
    default_limits: ClassVar[tuple[Limit, ...]] = (Limit(10, 1.0),)
    default_concurrency: ClassVar[int] = 8

    def request(self, indicators: Sequence[Indicator]) -> httpx.Request:
        (ind,) = indicators
        body = (
            {"query": "search_hash", "hash": ind.value}
            if ind.type == "hash"
            else {"query": "search_ioc", "search_term": ind.value}
        )
        return httpx.Request(
            "POST",
            self.url(""),
            json=body,
            headers={"Accept": "application/json", **_auth(self.config.api_key)},
        )

    def url(self, path: str) -> str:
        return f"{self.base_url}/"  # one endpoint; the JSON body says what to do

    def parse(self, indicators: Sequence[Indicator], response: httpx.Response) -> dict[Indicator, Finding]:
        (ind,) = indicators
        body = as_dict(self.json(response), "threatfox")
        status = _query_status(body, "threatfox")
        if status in _NO_RESULT:
            return {
                ind: Finding("not_found", Severity.INFORMATION, "not listed by ThreatFox", {"query_status": status})
            }
        if status != "ok":
            return {
                ind: Finding(
                    "error",
                    Severity.INFORMATION,
                    f"ThreatFox query_status {status!r}: {str(body.get('data'))[:200]}",
                    {"query_status": status},
                )
            }
        data = body.get("data")
        if not isinstance(data, list):
            raise ParseError("threatfox: data is not a list")
        iocs = [d for d in data if isinstance(d, dict)]
        if not iocs:
            return {
                ind: Finding("not_found", Severity.INFORMATION, "not listed by ThreatFox", {"query_status": status})
            }
        try:
            confidence = max(int(d.get("confidence_level") or 0) for d in iocs)
        except (TypeError, ValueError):
            raise ParseError("threatfox: confidence_level is not a number") from None
        severity = Severity.HIGH if confidence >= 75 else Severity.MEDIUM if confidence >= 50 else Severity.LOW
        families = sorted({str(d.get("malware_printable") or d.get("malware")) for d in iocs})
        threat_types = sorted({str(d.get("threat_type")) for d in iocs if d.get("threat_type")})
        detail = f"{len(iocs)} IOCs, {', '.join(threat_types)}: {', '.join(families)} (confidence {confidence})"
        raw = {
            "query_status": status,
            "data": [
                {
                    k: d.get(k)
                    for k in (
                        "id",
                        "ioc",
                        "ioc_type",
                        "threat_type",
                        "malware",
                        "malware_printable",
                        "confidence_level",
                        "first_seen",
                        "last_seen",
                        "tags",
                    )
                }
                for d in iocs[:20]
            ],
        }
        return {ind: Finding("ok", severity, detail, raw)}


class SSLBL(BulkListProvider):
    """Certificates (SHA1) abuse.ch saw on botnet C&C servers; the whole list is one download."""

    name: ClassVar[str] = "sslbl"
    supports: ClassVar[frozenset[str]] = frozenset({"cert_sha1"})
    default_base_url: ClassVar[str] = "https://sslbl.abuse.ch/blacklist/sslblacklist.csv"
    default_limits: ClassVar[tuple[Limit, ...]] = (Limit(1, 60),)
    default_concurrency: ClassVar[int] = 1

    def list_request(self) -> httpx.Request:
        return httpx.Request("GET", self.base_url, headers={"Accept": "text/csv", **_auth(self.config.api_key)})

    def parse_list(self, response: httpx.Response) -> dict[str, str]:
        text = response.text
        if "<html" in text[:500].lower():
            raise ParseError("sslbl: got an HTML page instead of the CSV list")
        table: dict[str, str] = {}
        bad = 0
        for row in csv.reader(io.StringIO(text)):
            if not row or row[0].lstrip().startswith("#"):
                continue
            if len(row) < 3 or not _SHA1.match(row[1].strip()):
                bad += 1
                continue
            table[row[1].strip().lower()] = f"{row[2].strip()} (listed {row[0].strip()})"
        if not table and "listingdate,sha1" not in text.lower():
            raise ParseError(f"sslbl: not the SSLBL CSV ({len(text)} bytes, {bad} unparseable lines)")
        return table

    def finding_for(self, indicator: Indicator, table: dict[str, str]) -> Finding:
        reason = table.get(indicator.value)
        if reason is None:
            return Finding("not_found", Severity.INFORMATION, "certificate not on SSLBL")
        return Finding(
            "ok",
            Severity.HIGH,
            f"certificate on SSLBL: {reason}",
            {"sha1": indicator.value, "listing": reason},
        )
