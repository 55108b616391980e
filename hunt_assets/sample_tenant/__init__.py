"""Sample tenant: a seeded generator of Defender advanced-hunting tables in a local DuckDB lake.

It is the embedded default backend, so every hunt can run offline against data shaped like a real tenant,
with planted incidents (DNS tunnel, DGA, dictionary DGA, LDAP recon, phishing click, encoded PowerShell cradle,
encrypted DNS, DoH C2, a honeytoken) recorded in HuntGroundTruth for tests. See plan.py for the planted indicators.
"""

from __future__ import annotations

from .lake import SAMPLE_DAYS, SAMPLE_START, LakeSummary, add_alert, build_lake, sample_passive_dns
from .schemas import GROUND_TRUTH_TABLE, PASSIVE_DNS_TABLE, TENANT_INFO_TABLE

__all__ = [
    "GROUND_TRUTH_TABLE",
    "PASSIVE_DNS_TABLE",
    "SAMPLE_DAYS",
    "SAMPLE_START",
    "TENANT_INFO_TABLE",
    "LakeSummary",
    "add_alert",
    "build_lake",
    "sample_passive_dns",
]
