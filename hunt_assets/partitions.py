"""Partitions shared by every asset family."""

from __future__ import annotations

import os

import dagster as dg

# Partition start is configuration, not a secret. Live tenants keep 30 days of advanced-hunting data, so
# the default leaves room for a 30-day backfill; the sample tenant starts at its first day, so the UI
# shows its days complete rather than weeks of partitions that could never hold data.
_SAMPLE_BACKEND = (os.environ.get("HUNT_BACKEND") or "sample").strip().lower() == "sample"
PARTITIONS_START = os.environ.get("HUNT_PARTITIONS_START") or ("2026-11-16" if _SAMPLE_BACKEND else "2026-10-01")

daily_partitions = dg.DailyPartitionsDefinition(start_date=PARTITIONS_START, timezone="UTC", end_offset=0)

investigated_domains = dg.DynamicPartitionsDefinition(name="investigated_domains")
