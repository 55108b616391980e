"""Passive DNS Common Output Format (COF) over HTTP: CIRCL-style NDJSON and DNSDB-style SAF framing.

Why tolerant parsing: the COF draft, CIRCL's live service and DNSDB disagree on details -- times and
counts as JSON numbers or as strings, ``rdata`` as a string or a list, and DNSDB wraps every object in
``{"obj": ...}`` between ``{"cond": "begin"}`` and a terminal ``cond``. A DNSDB stream that ends without
a terminal ``cond`` was cut off; we keep what arrived and say "truncated" instead of pretending the
history is complete. One malformed line is skipped and named, it does not sink the whole answer.
"""

from __future__ import annotations

import json
import time
import urllib.parse
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

import httpx

from hunt_assets.clients.http import (
    MalformedResponseError,
    RateLimiter,
    RetryPolicy,
    Sleep,
    register_secret,
    safe_url,
    send_with_retries,
)
from hunt_assets.entities import Entity, is_ip
from hunt_assets.intel.pdns.model import PassiveDnsRecord, RecordError
from hunt_assets.intel.pdns.providers import LookupResult, WarningCollector

Flavor = Literal["circl", "dnsdb"]
DEFAULT_URLS: dict[str, str] = {
    "circl": "https://www.circl.lu/pdns/query",
    "dnsdb": "https://api.dnsdb.info/dnsdb/v2",
}
TERMINAL_CONDS = frozenset({"succeeded", "limited", "failed"})


@dataclass
class CofParse:
    """The records of one COF answer and how it ended."""

    records: list[PassiveDnsRecord] = field(default_factory=list)
    framed: bool = False  # SAF (DNSDB) framing was used
    terminal: str | None = None  # succeeded | limited | failed (framed streams only)
    truncated: bool = False  # ended without a terminal cond, or with a cut-off last line
    message: str | None = None  # the ``msg`` of a limited/failed cond
    warnings: WarningCollector = field(default_factory=WarningCollector)


def _as_int(value: Any, what: str) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise RecordError(f"{what} is a boolean ({value!r})")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        text = value.strip()
        try:
            return int(text)
        except ValueError:
            try:
                number = float(text)
            except ValueError:
                raise RecordError(f"{what} is not a number ({value!r})") from None
            if number != number or number in (float("inf"), float("-inf")):
                raise RecordError(f"{what} is not a finite number ({value!r})") from None
            return int(number)
    raise RecordError(f"{what} is not a number ({value!r})")


def _as_time(value: Any, what: str) -> datetime | None:
    seconds = _as_int(value, what)
    if seconds is None:
        return None
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        raise RecordError(f"{what} is not a Unix time ({value!r})") from None


def parse_cof_object(obj: Any, source: str) -> list[PassiveDnsRecord]:
    """One COF object to records: numbers may be strings, rdata a string or list, times Unix seconds.

    ``zone_time_first/last`` stand in when a record was only seen in zone files (DNSDB does this).
    CIRCL sometimes writes an A/AAAA answer backwards (the IP as rrname, the name as rdata); direction
    is restored from the rrtype, giving one record per name, so both spellings merge into one row.
    """
    if not isinstance(obj, dict):
        raise RecordError(f"{source}: COF line is not an object ({type(obj).__name__})")
    rrname, rrtype, rdata = obj.get("rrname"), obj.get("rrtype"), obj.get("rdata")
    if isinstance(rrtype, int):
        rrtype = str(rrtype)  # RFC 3597: unknown types as their number
    first = obj.get("time_first", obj.get("zone_time_first"))
    last = obj.get("time_last", obj.get("zone_time_last"))
    common = {
        "rrtype": rrtype,
        "first_seen": _as_time(first, f"{source}: time_first of {rrname!r}"),
        "last_seen": _as_time(last, f"{source}: time_last of {rrname!r}"),
        "count": _as_int(obj.get("count"), f"{source}: count of {rrname!r}"),
        "bailiwick": obj.get("bailiwick") if isinstance(obj.get("bailiwick"), str) else None,
        "source": source,
    }
    values = [rdata] if isinstance(rdata, str) else rdata
    if (
        isinstance(rrtype, str)
        and rrtype.upper() in {"A", "AAAA"}
        and isinstance(rrname, str)
        and is_ip(rrname.strip())
        and isinstance(values, list)
        and values
        and all(isinstance(v, str) and not is_ip(v.strip()) for v in values)
    ):
        return [PassiveDnsRecord.build(rrname=name, rdata=[rrname.strip()], **common) for name in values]
    return [PassiveDnsRecord.build(rrname=rrname, rdata=rdata if rdata is not None else [], **common)]


def parse_cof_lines(lines: Iterable[str], source: str, warnings: WarningCollector | None = None) -> CofParse:
    """Parse an NDJSON answer, framed (DNSDB SAF) or not (CIRCL), recording how it ended."""
    result = CofParse(warnings=warnings if warnings is not None else WarningCollector())
    pending_error: str | None = None  # a bad line is only "truncation" if it is the last one
    seen_any = False
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line:
            continue
        if pending_error is not None:
            result.warnings.add(pending_error)
            pending_error = None
        try:
            obj = json.loads(line)
        except json.JSONDecodeError:
            pending_error = f"{source}: line {number} is not JSON: {line[:60]!r}"
            continue
        if not seen_any:
            seen_any = True
            result.framed = isinstance(obj, dict) and ("cond" in obj or "obj" in obj)
        if isinstance(obj, list):  # some servers answer one JSON array instead of NDJSON
            for item in obj:
                _add(result, item, source)
            continue
        if result.framed:
            if not isinstance(obj, dict):
                result.warnings.add(f"{source}: line {number} is not an object")
                continue
            if result.terminal is not None:
                result.warnings.add(f"{source}: data after the terminal cond {result.terminal!r} ignored")
                break
            if "cond" in obj:
                cond = str(obj["cond"])
                if cond in TERMINAL_CONDS:
                    result.terminal = cond
                    msg = obj.get("msg")
                    result.message = str(msg)[:300] if msg else None
                elif cond not in {"begin", "ongoing"}:
                    result.warnings.add(f"{source}: unknown cond {cond!r} on line {number}")
                if "obj" not in obj:
                    continue
            if "obj" in obj:
                _add(result, obj["obj"], source)
            elif "cond" not in obj:
                result.warnings.add(f"{source}: framed line {number} has neither obj nor cond")
        else:
            _add(result, obj, source)
    if pending_error is not None:  # the last line was cut off mid-object
        result.truncated = True
        result.warnings.add(pending_error.replace("is not JSON", "is cut off"))
    if result.framed and result.terminal is None:
        result.truncated = True
    return result


def _add(result: CofParse, obj: Any, source: str) -> None:
    try:
        result.records.extend(parse_cof_object(obj, source))
    except RecordError as exc:
        result.warnings.add(str(exc))


@dataclass(frozen=True)
class CofConfig:
    """Where and how to ask a COF server. Secrets are never part of repr()."""

    flavor: Flavor = "circl"
    base_url: str = ""
    username: str | None = field(default=None, repr=False)  # CIRCL: HTTP Basic
    password: str | None = field(default=None, repr=False)
    api_key: str | None = field(default=None, repr=False)  # DNSDB: X-API-Key
    page_size: int = 10_000  # DNSDB ``limit`` per request
    max_records: int = 200_000  # stop paging here (and say the history is truncated)
    timeout: float = 60.0

    @property
    def url(self) -> str:
        return (self.base_url or DEFAULT_URLS[self.flavor]).rstrip("/")

    @property
    def name(self) -> str:
        return f"cof:{self.flavor}"


class CofProvider:
    """A COF server as a passive-DNS provider: names go forward, IPs go to rdata (reverse) look-ups."""

    external = True

    def __init__(
        self,
        config: CofConfig,
        *,
        transport: httpx.BaseTransport | None = None,
        sleep: Sleep = time.sleep,
        limiter: RateLimiter | None = None,
        policy: RetryPolicy = RetryPolicy(),
    ) -> None:
        if config.flavor not in DEFAULT_URLS:
            raise ValueError(f"unknown COF flavor {config.flavor!r}; expected one of {sorted(DEFAULT_URLS)}")
        if config.page_size < 1 or config.max_records < 1:
            raise ValueError("page_size and max_records must be positive")
        self.config = config
        self.name = config.name
        for secret in (config.password, config.api_key):
            register_secret(secret)
        auth = None
        if config.flavor == "circl" and config.username:
            auth = httpx.BasicAuth(config.username, config.password or "")
        headers = {"Accept": "application/x-ndjson, application/json"}
        if config.flavor == "dnsdb" and config.api_key:
            headers["X-API-Key"] = config.api_key
        self._client = httpx.Client(transport=transport, auth=auth, headers=headers, timeout=config.timeout)
        self._sleep = sleep
        self._limiter = limiter
        self._policy = policy

    def __repr__(self) -> str:
        return f"CofProvider({self.config.flavor}, {safe_url(self.config.url)})"

    def close(self) -> None:
        self._client.close()

    def _path(self, entity: Entity) -> str:
        value = urllib.parse.quote(entity.host, safe=":.")
        if self.config.flavor == "circl":
            return f"{self.config.url}/{value}"  # CIRCL answers both directions for one query
        if entity.kind == "ip" or (entity.kind == "url" and not entity.registered_domain):
            return f"{self.config.url}/lookup/rdata/ip/{value}"
        return f"{self.config.url}/lookup/rrset/name/{value}"

    def _get(self, url: str, params: dict[str, str]) -> httpx.Response:
        hint = (
            "a COF account: CIRCL needs HUNT_PDNS_COF_USERNAME/PASSWORD of a vetted partner, "
            "DNSDB an HUNT_PDNS_COF_API_KEY with quota left"
        )
        return send_with_retries(
            self._client,
            lambda: self._client.build_request("GET", url, params=params),
            service=self.name,
            policy=self._policy,
            limiter=self._limiter,
            forbidden_hint=hint,
            sleep=self._sleep,
        )

    def lookup(self, entity: Entity) -> LookupResult:
        """Pull the entity's history, paging DNSDB with ``offset`` while it answers ``limited``."""
        url = self._path(entity)
        result = LookupResult(source=self.name)
        collector = WarningCollector()
        notes: list[str] = []
        offset = 0
        while True:
            params: dict[str, str] = {}
            if self.config.flavor == "dnsdb":
                params = {"limit": str(self.config.page_size)}
                if offset:
                    params["offset"] = str(offset)
            response = self._get(url, params)
            ctype = response.headers.get("content-type", "")
            if "html" in ctype:
                raise MalformedResponseError(
                    self.name, f"expected NDJSON from {safe_url(url)}, got {ctype}", status=response.status_code
                )
            parsed = parse_cof_lines(response.text.splitlines(), self.name, collector)
            result.records.extend(parsed.records)
            if parsed.truncated:
                result.truncated = True
                notes.append(
                    f"{self.name}: answer for {entity.host} was cut off (no terminal "
                    "cond or incomplete last line); the history is partial"
                )
                break
            if parsed.terminal == "failed":
                result.truncated = True
                result.error = f"{self.name}: server reported failure: {parsed.message or 'no message'}"
                break
            more = (
                self.config.flavor == "dnsdb"
                and parsed.terminal == "limited"
                and len(parsed.records) >= self.config.page_size
            )
            if not more:
                if parsed.terminal == "limited":
                    result.truncated = True
                    notes.append(f"{self.name}: result limited by the server ({parsed.message or 'no message'})")
                break
            offset += len(parsed.records)
            if offset >= self.config.max_records:
                result.truncated = True
                notes.append(f"{self.name}: stopped after {offset} records (max_records)")
                break
        result.warnings = notes + collector.summary()
        result.skipped = collector.skipped
        return result
