"""Indicators, verdicts and the one severity scale every provider is mapped onto.

Why a shared model: eleven providers speak eleven vocabularies (VirusTotal engine counts, X-Force 1-10
scores, GreyNoise classifications, MDTI 0-100 scores, list membership...). Hunters need one answer per
indicator, so each provider maps its own answer onto four ordered levels here, and the combined
severity of an indicator is the worst level any provider reported, with the providers that said so.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from hunt_assets.entities import PRIVATE_ADDRESS, InvalidEntity, parse_entity
from hunt_assets.special_names import internal_only

IndicatorType = Literal["domain", "ip", "url", "hash", "cert_sha1"]
INDICATOR_TYPES: tuple[str, ...] = ("domain", "ip", "url", "hash", "cert_sha1")

# status of one (provider, indicator) answer; only 'ok' and 'not_found' are verdicts, the rest say why not
Status = Literal["ok", "not_found", "error", "rate_limited", "auth_error", "malformed", "unsupported"]
VERDICT_STATUSES = frozenset({"ok", "not_found"})

_HEX = re.compile(r"^[0-9a-fA-F]+$")
HASH_LENGTHS = {32: "md5", 40: "sha1", 64: "sha256"}


class Severity(enum.IntEnum):
    """Ordered so that max() is the combined verdict."""

    INFORMATION = 0
    LOW = 1
    MEDIUM = 2
    HIGH = 3

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, value: str | Severity | None) -> Severity:
        if isinstance(value, Severity):
            return value
        if not value:
            return cls.INFORMATION
        text = str(value).strip().lower()
        aliases = {
            "info": "information",
            "informational": "information",
            "none": "information",
            "unknown": "information",
            "benign": "information",
            "critical": "high",
            "malicious": "high",
            "suspicious": "medium",
            "moderate": "medium",
        }
        text = aliases.get(text, text)
        try:
            return cls[text.upper()]
        except KeyError:
            raise ValueError(f"unknown severity {value!r}") from None


def severity_from_ratio(positives: int, total: int) -> Severity:
    """Detection ratios (VirusTotal engines): a single engine is noise, several are a signal."""
    if positives <= 0 or total <= 0:
        return Severity.INFORMATION
    if positives >= 5 or positives / total >= 0.10:
        return Severity.HIGH
    if positives >= 2:
        return Severity.MEDIUM
    return Severity.LOW


def severity_from_score(score: float, *, low: float, medium: float, high: float) -> Severity:
    """Map a provider's numeric risk score with provider-specific thresholds."""
    if score >= high:
        return Severity.HIGH
    if score >= medium:
        return Severity.MEDIUM
    if score >= low:
        return Severity.LOW
    return Severity.INFORMATION


@dataclass(frozen=True, order=True)
class Indicator:
    """A normalized indicator; ``type`` + ``value`` is its identity in the cache."""

    type: str
    value: str

    def __post_init__(self) -> None:
        if self.type not in INDICATOR_TYPES:
            raise ValueError(f"unknown indicator type {self.type!r}")

    @property
    def hash_kind(self) -> str:
        return HASH_LENGTHS.get(len(self.value), "") if self.type in {"hash", "cert_sha1"} else ""

    def __str__(self) -> str:
        return f"{self.type}:{self.value}"


def parse_indicator(value: str, kind: str | None = None) -> Indicator:
    """Normalize one indicator or raise ``InvalidEntity`` with a reason a hunter can act on.

    Private, loopback, link-local and reserved addresses are rejected, and so are names under
    internal-only zones (``nas.home.arpa``): no external provider knows them, and sending them out
    leaks internal topology. Anonymity networks' names (``.onion``) are accepted: providers index them.
    """
    if not isinstance(value, str):
        raise InvalidEntity(repr(value), "not a string")
    text = value.strip()
    if kind in {"hash", "cert_sha1"} or (kind is None and _HEX.match(text) and len(text) in HASH_LENGTHS):
        if not _HEX.match(text) or len(text) not in HASH_LENGTHS:
            raise InvalidEntity(value, "not an MD5, SHA1 or SHA256 hex digest")
        if kind == "cert_sha1" and len(text) != 40:
            raise InvalidEntity(value, "a certificate fingerprint must be a SHA1 (40 hex digits)")
        if len(set(text)) == 1:
            raise InvalidEntity(value, "a degenerate digest (all one digit), not a real hash")
        return Indicator(kind or "hash", text.lower())
    entity_kind = kind if kind in {"domain", "ip", "url"} else None
    entity = parse_entity(text, entity_kind)  # type: ignore[arg-type]
    if entity.kind == "ip" and entity.is_private_ip:
        raise InvalidEntity(value, f"{PRIVATE_ADDRESS}; external providers cannot know it")
    if entity.kind == "url" and entity.is_private_ip:
        raise InvalidEntity(value, f"a URL on {PRIVATE_ADDRESS}; external providers cannot know it")
    if entity.kind in {"domain", "url"}:
        internal = internal_only(entity.host)
        if internal:
            raise InvalidEntity(value, f"{internal}; external providers cannot know it, and asking leaks the name")
    return Indicator(entity.kind, entity.value)


@dataclass
class Finding:
    """What a provider said about one indicator, before the engine stamps time and cache data on it."""

    status: str = "ok"
    severity: Severity = Severity.INFORMATION
    detail: str = ""
    raw: object = None  # the provider's JSON (or a summary for list providers), stored as raw_json


@dataclass
class Verdict:
    """One (provider, indicator) row: a cache row and a verdict row share this shape."""

    provider: str
    indicator_type: str
    indicator: str
    status: str
    severity: Severity
    detail: str
    raw_json: str
    fetched_at: datetime
    expires_at: datetime
    from_cache: bool = False
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.provider, self.indicator_type, self.indicator)
