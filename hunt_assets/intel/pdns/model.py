"""One passive-DNS record model for every provider, and the merge that keeps histories over time.

Why: MDTI, COF servers (CIRCL, DNSDB) and the sample tenant describe the same observation -- "this name
answered with this data between these dates" -- in different shapes. Reducing all of them to one record
lets the warehouse merge re-pulls on (rrname, rrtype, rdata, source) and lets the heatmap ignore where a
record came from. Providers forget old answers (they keep a window); the merge never does.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pandas as pd

# Column order of intel.passive_dns. ``rdata_key`` is the canonical text of the rdata set so the merge key
# is a plain string (list equality in SQL is easy to get subtly wrong, e.g. order or NULL elements).
COLUMNS: tuple[str, ...] = (
    "investigation",
    "rrname",
    "rrtype",
    "rdata",
    "rdata_key",
    "first_seen",
    "last_seen",
    "count",
    "bailiwick",
    "source",
    "collected_at",
)
MERGE_KEY: tuple[str, ...] = ("investigation", "rrname", "rrtype", "rdata_key", "source")
TABLE = "intel.passive_dns"

# DuckDB DDL matching COLUMNS: timestamps are naive UTC, as in the rest of the warehouse.
DDL = f"""
CREATE TABLE IF NOT EXISTS {TABLE} (
    investigation VARCHAR NOT NULL,
    rrname VARCHAR NOT NULL,
    rrtype VARCHAR NOT NULL,
    rdata VARCHAR[] NOT NULL,
    rdata_key VARCHAR NOT NULL,
    first_seen TIMESTAMP,
    last_seen TIMESTAMP,
    count BIGINT,
    bailiwick VARCHAR,
    source VARCHAR NOT NULL,
    collected_at TIMESTAMP
)
"""

_RDATA_SEP = "\x1f"  # unit separator: cannot occur in DNS presentation text we keep


class RecordError(ValueError):
    """A provider answered with a record we cannot represent; the message names the field and value."""


def _utc_naive(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value


def normalize_name(name: str) -> str:
    """DNS owner names compare case-insensitively and without the root dot."""
    name = name.strip()
    if name.endswith(".") and len(name) > 1:
        name = name[:-1]
    return name.lower()


def normalize_rdata_value(rrtype: str, value: str) -> str:
    """Names in rdata (CNAME/NS/PTR/MX targets) lose case and the root dot; other rdata is kept verbatim."""
    value = value.strip()
    if rrtype in {"CNAME", "NS", "PTR", "DNAME"}:
        return normalize_name(value)
    if rrtype == "MX":
        parts = value.split()
        if len(parts) == 2:
            return f"{parts[0]} {normalize_name(parts[1])}"
    return value


@dataclass(frozen=True)
class PassiveDnsRecord:
    """One observed answer (or rrset) with its first/last seen times; rdata is a sorted, de-duplicated set."""

    rrname: str
    rrtype: str
    rdata: tuple[str, ...]
    first_seen: datetime | None
    last_seen: datetime | None
    source: str
    count: int | None = None
    bailiwick: str | None = None
    collected_at: datetime | None = field(default=None, compare=False)

    @classmethod
    def build(
        cls,
        *,
        rrname: str,
        rrtype: str,
        rdata: str | Sequence[str],
        first_seen: datetime | None,
        last_seen: datetime | None,
        source: str,
        count: int | None = None,
        bailiwick: str | None = None,
        collected_at: datetime | None = None,
    ) -> PassiveDnsRecord:
        """Validate and normalize; every provider goes through here so records compare equal across pulls."""
        if not isinstance(rrname, str) or not rrname.strip():
            raise RecordError(f"{source}: record without rrname")
        if not isinstance(rrtype, str) or not rrtype.strip():
            raise RecordError(f"{source}: record for {rrname!r} without rrtype")
        rrtype = rrtype.strip().upper()
        values = [rdata] if isinstance(rdata, str) else list(rdata)
        if not values or any(not isinstance(v, str) for v in values):
            raise RecordError(f"{source}: record {rrname!r} {rrtype} has no usable rdata ({rdata!r})")
        cleaned = tuple(sorted({normalize_rdata_value(rrtype, v) for v in values if v.strip()}))
        if not cleaned:
            raise RecordError(f"{source}: record {rrname!r} {rrtype} has empty rdata")
        first, last = _utc_naive(first_seen), _utc_naive(last_seen)
        if first is not None and last is not None and first > last:
            raise RecordError(f"{source}: record {rrname!r} {rrtype} first seen {first} after last seen {last}")
        if count is not None and count < 0:
            raise RecordError(f"{source}: record {rrname!r} {rrtype} has negative count {count}")
        return cls(
            rrname=normalize_name(rrname),
            rrtype=rrtype,
            rdata=cleaned,
            first_seen=first,
            last_seen=last,
            source=source,
            count=count,
            bailiwick=normalize_name(bailiwick) if bailiwick else None,
            collected_at=_utc_naive(collected_at),
        )

    @property
    def rdata_key(self) -> str:
        return _RDATA_SEP.join(self.rdata)


def empty_frame() -> pd.DataFrame:
    """An empty intel.passive_dns frame with the stored dtypes (so empty pulls still write cleanly)."""
    return pd.DataFrame(
        {
            "investigation": pd.Series(dtype="object"),
            "rrname": pd.Series(dtype="object"),
            "rrtype": pd.Series(dtype="object"),
            "rdata": pd.Series(dtype="object"),
            "rdata_key": pd.Series(dtype="object"),
            "first_seen": pd.Series(dtype="datetime64[us]"),
            "last_seen": pd.Series(dtype="datetime64[us]"),
            "count": pd.Series(dtype="Int64"),
            "bailiwick": pd.Series(dtype="object"),
            "source": pd.Series(dtype="object"),
            "collected_at": pd.Series(dtype="datetime64[us]"),
        }
    )


def records_to_frame(
    records: Iterable[PassiveDnsRecord], investigation: str, collected_at: datetime | None = None
) -> pd.DataFrame:
    """Records of one pull as a frame in the stored layout; ``collected_at`` fills records that lack it."""
    default_collected = _utc_naive(collected_at or datetime.now(UTC))
    rows = [
        (
            investigation,
            r.rrname,
            r.rrtype,
            list(r.rdata),
            r.rdata_key,
            r.first_seen,
            r.last_seen,
            r.count,
            r.bailiwick,
            r.source,
            r.collected_at or default_collected,
        )
        for r in records
    ]
    if not rows:
        return empty_frame()
    df = pd.DataFrame.from_records(rows, columns=list(COLUMNS))
    return _coerce(df)


def _coerce(df: pd.DataFrame) -> pd.DataFrame:
    df = df.copy()
    for col in ("first_seen", "last_seen", "collected_at"):
        series = pd.to_datetime(df[col], utc=True)
        df[col] = series.dt.tz_localize(None).astype("datetime64[us]")
    df["count"] = pd.array(df["count"], dtype="Int64")
    for col in ("investigation", "rrname", "rrtype", "rdata_key", "bailiwick", "source"):
        df[col] = df[col].astype("object")
    df["rdata"] = [list(v) for v in df["rdata"]]
    return df[list(COLUMNS)]


def merge_frames(existing: pd.DataFrame, incoming: pd.DataFrame) -> pd.DataFrame:
    """Merge stored rows with a fresh pull: one row per key, seen-window widened, nothing dropped.

    first_seen takes the minimum and last_seen the maximum; count takes the maximum, because a provider's
    count is cumulative over its window, so adding pulls would double count; the newest non-null
    bailiwick and collected_at win. Rows only in ``existing`` (aged out of the provider's window) stay.
    Merging the same pull twice gives the same frame (idempotent).
    """
    parts = [f for f in (existing, incoming) if f is not None and len(f)]
    if not parts:
        return empty_frame()
    both = pd.concat([_coerce(p[list(COLUMNS)]) for p in parts], ignore_index=True)
    both = both.sort_values("collected_at", kind="stable", na_position="first")
    keys = list(MERGE_KEY)
    grouped = both.groupby(keys, sort=False, dropna=False)
    merged = grouped.agg(
        rdata=("rdata", "last"),
        first_seen=("first_seen", "min"),
        last_seen=("last_seen", "max"),
        count=("count", "max"),
        bailiwick=("bailiwick", "last"),  # 'last' skips nulls: newest known bailiwick
        collected_at=("collected_at", "max"),
    ).reset_index()
    return (
        _coerce(merged[list(COLUMNS)])
        .sort_values(["rrtype", "rrname", "rdata_key", "source"], kind="stable")
        .reset_index(drop=True)
    )


def frame_to_records(df: pd.DataFrame) -> list[PassiveDnsRecord]:
    """Stored rows back to records (for tests and for providers that re-serve history)."""
    out = []
    for row in df.itertuples(index=False):
        out.append(
            PassiveDnsRecord(
                rrname=row.rrname,
                rrtype=row.rrtype,
                rdata=tuple(row.rdata),
                first_seen=None if pd.isna(row.first_seen) else row.first_seen.to_pydatetime(),
                last_seen=None if pd.isna(row.last_seen) else row.last_seen.to_pydatetime(),
                source=row.source,
                count=None if pd.isna(row.count) else int(row.count),
                bailiwick=None if pd.isna(row.bailiwick) else row.bailiwick,
                collected_at=None if pd.isna(row.collected_at) else row.collected_at.to_pydatetime(),
            )
        )
    return out
