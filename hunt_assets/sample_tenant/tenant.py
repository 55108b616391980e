"""Shared build context: the fleet, the clock, the RNG streams and the ReportId counter."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import numpy as np

from .fleet import Device, Fleet
from .ids import component_key, stable_guid
from .processes import DAY_US, US_PER_S, ProcessColumns

TENANT_ID = stable_guid("tenant", "contoso")
SUBSCRIPTION_ID = stable_guid("subscription", "contoso-prod")


def to_us(moment: datetime) -> int:
    """Naive-UTC or aware datetime -> microseconds since the epoch."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp()) * US_PER_S + moment.microsecond


def from_us(us: int) -> datetime:
    """Microseconds since the epoch -> naive UTC datetime (what DuckDB TIMESTAMP holds)."""
    return datetime(1970, 1, 1) + timedelta(microseconds=int(us))


@dataclass
class Tenant:
    seed: int
    start: date
    days: int
    dns_scale: float
    fleet: Fleet
    procs: ProcessColumns = field(init=False)
    _next_report: int = 1_000

    def __post_init__(self) -> None:
        self.procs = ProcessColumns(self.fleet, self.start_us)

    @property
    def start_us(self) -> int:
        return to_us(datetime(self.start.year, self.start.month, self.start.day))

    @property
    def end_us(self) -> int:
        return self.start_us + self.days * DAY_US

    def day_us(self, day: int) -> int:
        return self.start_us + day * DAY_US

    def at(self, day: int, hh: int, mm: int = 0, ss: float = 0.0) -> int:
        """Timestamp on one of the lake's days; incidents are scheduled with it."""
        return self.day_us(day) + ((hh * 60 + mm) * 60) * US_PER_S + int(ss * US_PER_S)

    def rng(self, component: str) -> np.random.Generator:
        """Independent stream per component, so adding one generator never shifts another's output."""
        return np.random.default_rng([self.seed, component_key(component)])

    def report_ids(self, n: int) -> np.ndarray:
        out = np.arange(self._next_report, self._next_report + n, dtype=np.int64)
        self._next_report += n
        return out

    def device(self, short: str) -> Device:
        return self.fleet.by_short(short)
