"""The sample tenant's passive DNS, read from its lake (table ``SamplePassiveDns``).

Why a provider of its own: the sample tenant plants malicious domains in its hunt tables and generates a
consistent pDNS history for them. Serving that history through the same interface as MDTI and COF lets
the whole investigation path -- partitions, merge, heatmap, refresh -- run offline, with data that agrees
with what the hunts found.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from hunt_assets.duckdb_files import StillLocked, connect_in_turn
from hunt_assets.entities import Entity
from hunt_assets.intel.pdns.model import PassiveDnsRecord, RecordError
from hunt_assets.intel.pdns.providers import LookupResult, ProviderUnavailable, WarningCollector

SOURCE = "sample"
TABLE = "SamplePassiveDns"
_FORWARD = (
    f"SELECT rrname, rrtype, rdata, time_first, time_last, count, bailiwick FROM {TABLE} "
    "WHERE lower(rtrim(rrname, '.')) = ? ORDER BY time_first, rrtype"
)
_REVERSE = (
    f"SELECT rrname, rrtype, rdata, time_first, time_last, count, bailiwick FROM {TABLE} "
    "WHERE list_contains(rdata, ?) ORDER BY time_first, rrtype"
)


class SampleLakeError(ProviderUnavailable):
    """The sample lake is missing or lacks its passive-DNS table; the message says how to build it."""


class SampleProvider:
    """Passive DNS from the sample lake: names forward (rrname), IPs reverse (rdata contains the IP)."""

    name = SOURCE
    external = False  # our own lake: internal names and private addresses are asked too

    def __init__(self, lake_path: str | os.PathLike[str], *, lock_timeout: float = 30.0) -> None:
        self.lake_path = Path(lake_path)
        self.lock_timeout = lock_timeout

    def __repr__(self) -> str:
        return f"SampleProvider({str(self.lake_path)!r})"

    @contextlib.contextmanager
    def _connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        if not self.lake_path.exists():
            raise SampleLakeError(
                f"sample lake {self.lake_path} does not exist; build it first "
                "(hunt_assets.sample_tenant.build_lake or `make demo`)"
            )
        try:
            with connect_in_turn(self.lake_path, read_only=True, timeout=self.lock_timeout) as con:
                yield con
        except (StillLocked, duckdb.IOException) as exc:
            raise SampleLakeError(f"cannot open sample lake {self.lake_path}: {exc}") from None

    def lookup(self, entity: Entity) -> LookupResult:
        reverse = entity.kind == "ip" or (entity.kind == "url" and not entity.registered_domain)
        with self._connect() as con:
            try:
                rows = con.execute(_REVERSE if reverse else _FORWARD, [entity.host]).fetchall()
            except duckdb.CatalogException:
                raise SampleLakeError(f"sample lake {self.lake_path} has no {TABLE} table; rebuild it") from None
        collected = datetime.now(UTC)
        result = LookupResult(source=SOURCE)
        warnings = WarningCollector()
        for rrname, rrtype, rdata, first, last, count, bailiwick in rows:
            try:
                result.records.append(
                    PassiveDnsRecord.build(
                        rrname=rrname,
                        rrtype=rrtype,
                        rdata=list(rdata or []),
                        first_seen=first.replace(tzinfo=UTC) if first else None,
                        last_seen=last.replace(tzinfo=UTC) if last else None,
                        count=int(count) if count is not None else None,
                        bailiwick=bailiwick,
                        source=SOURCE,
                        collected_at=collected,
                    )
                )
            except RecordError as exc:
                warnings.add(str(exc))
        result.warnings = warnings.summary()
        result.skipped = warnings.skipped
        return result
