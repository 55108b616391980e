"""Data-quality rules for the DNS detections' tables (``dns_flags``, ``dns_domain_flags``, ``host_summary``).

Why: a hunter reads an empty host list or a quiet day as "nothing happened". That reading holds only
if every look-up of the day was counted, every flag says why, and every look-up of a flagged domain
reached a host. These rules check exactly that on what was written, so a join that silently misses
(a name normalised one way in one table and another way in the next) fails loudly in the UI instead.

Plain numbers and frames in, an ``Outcome`` out: no Dagster, no warehouse (``assets.detection_checks``
runs the SQL and turns outcomes into asset-check results).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from hunt_assets.analytics.dns.score import SCORE_BANDS, VERDICTS

EXAMPLES = 5  # offending rows quoted per problem: enough to find them, short enough for the UI
EXAMPLE_CHARS = 120  # a name or domain is the attacker's to choose: quoted clipped, never whole
_TOLERANCE = 1e-9  # scores are rounded floats


@dataclass(frozen=True)
class Outcome:
    """Whether a rule held, in one sentence, with the figures behind it (JSON-safe values)."""

    passed: bool
    description: str
    metadata: dict[str, Any] = field(default_factory=dict)


def lookups_counted(lookups: int, counted: int) -> Outcome:
    """Every look-up of the day (a query name, even an empty one) is counted under some registered
    domain. ``lookups``: rows of the DNS hunt with a query name; ``counted``: the domains' ``queries``
    summed. A look-up without a name has nothing to score and is in neither figure."""
    missing = lookups - counted
    meta = {"lookups": int(lookups), "counted": int(counted), "missing": int(missing)}
    if missing == 0:
        return Outcome(True, f"all {lookups:,} look-ups counted under a registered domain", meta)
    # the other way to differ: the hunt's day was landed again after these flags were computed
    stale = "; if the DNS hunt's partition was re-materialized since, materialize dns_flags for the day again"
    if missing > 0:
        return Outcome(False, f"{missing:,} of {lookups:,} look-ups are counted under no registered domain{stale}",
                       meta)
    return Outcome(False, f"{-missing:,} more look-ups counted than the DNS hunt holds ({counted:,} of {lookups:,})"
                          f"{stale}", meta)


def _clip(values: pd.Series) -> list[str]:
    return [str(v)[:EXAMPLE_CHARS] for v in values.head(EXAMPLES)]


def _out_of_band(verdict: pd.Series, score: pd.Series) -> pd.Series:
    """Rows whose score is outside their verdict's band (``score.SCORE_BANDS``; ``invalid`` scores 0)."""
    bad = pd.Series(False, index=verdict.index)
    s = pd.to_numeric(score, errors="coerce")
    for v, (lo, hi) in SCORE_BANDS.items():
        m = verdict == v
        bad |= m & ~s.between(lo - _TOLERANCE, hi + _TOLERANCE)
    bad |= (verdict == "invalid") & (s.abs() > _TOLERANCE)
    return bad | s.isna()


def table_problems(df: pd.DataFrame, key: str) -> dict[str, dict[str, Any]]:
    """Per problem found in a flags table (``key``: its name or domain column): how many rows have it
    and the first few keys. Problems: a verdict outside ``score.VERDICTS``, a flag (any verdict but
    ``benign``) without reasons, a score outside its verdict's band."""
    if df.empty:
        return {}
    verdict = df["verdict"].astype("string").fillna("")
    reasons = df["reasons"].astype("string").fillna("").str.strip() if "reasons" in df else pd.Series("", df.index)
    checks = {
        "unknown_verdict": ~verdict.isin(VERDICTS),
        "flag_without_reasons": (verdict != "benign") & (reasons == ""),
        "score_outside_band": verdict.isin(VERDICTS) & _out_of_band(verdict, df["score"]),
    }
    return {name: {"rows": int(mask.sum()), "examples": _clip(df.loc[mask, key])}
            for name, mask in checks.items() if mask.any()}


def flags_explained(names: pd.DataFrame, domains: pd.DataFrame) -> Outcome:
    """Every flagged name and every domain carries a known verdict, a score in that verdict's band
    and, when flagged, the reasons a hunter reads to judge it."""
    problems = {f"names.{k}": v for k, v in table_problems(names, "name").items()}
    problems |= {f"domains.{k}": v for k, v in table_problems(domains, "registered_domain").items()}
    meta: dict[str, Any] = {"flagged_names": len(names), "domains": len(domains), "problems": problems}
    if not problems:
        return Outcome(True, f"{len(names):,} flagged names and {len(domains):,} domains: verdicts known, "
                             "scores in band, every flag explained", meta)
    worst = ", ".join(f"{k} ({v['rows']:,})" for k, v in problems.items())
    return Outcome(False, f"flags that a hunter cannot read as written: {worst}", meta)


def lookups_attributed(host_lookups: int, flagged_lookups: int, clientless_lookups: int) -> Outcome:
    """The host summary's look-ups of flagged domains add up to the domains' own count.

    ``flagged_lookups``: ``queries`` summed over the day's flagged domains; ``clientless_lookups``:
    the day's look-ups (of any domain) with neither a device name nor a client address, which no host
    can own. So the hosts must hold between ``flagged_lookups - clientless_lookups`` and
    ``flagged_lookups``; with no clientless look-up, exactly ``flagged_lookups``.
    """
    low = max(flagged_lookups - clientless_lookups, 0)
    meta = {"host_lookups": int(host_lookups), "flagged_domain_lookups": int(flagged_lookups),
            "lookups_without_client": int(clientless_lookups)}
    if low <= host_lookups <= flagged_lookups:
        note = f" ({clientless_lookups:,} look-ups of the day name no client)" if clientless_lookups else ""
        return Outcome(True, f"{host_lookups:,} of {flagged_lookups:,} look-ups of flagged domains are on a host{note}",
                       meta)
    if host_lookups < low:
        return Outcome(False, f"{low - host_lookups:,} look-ups of flagged domains reached no host "
                              f"({host_lookups:,} on hosts, at least {low:,} expected)", meta)
    return Outcome(False, f"hosts hold {host_lookups - flagged_lookups:,} more look-ups of flagged domains "
                          f"than the domains do ({host_lookups:,} against {flagged_lookups:,})", meta)


def one_row_per_host(clients: pd.Series) -> Outcome:
    """Each host is one row: a host listed twice splits its priority, and ranks lower than it should."""
    counts = clients.astype("string").fillna("<null>").value_counts()
    repeated = counts[counts > 1]
    meta = {"hosts": len(clients), "repeated": _clip(pd.Series(repeated.index))}
    if repeated.empty:
        return Outcome(True, f"{len(clients):,} hosts, one row each", meta)
    return Outcome(False, f"{len(repeated):,} hosts have more than one row", meta)
