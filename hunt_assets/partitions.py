"""Partitions shared by every asset family."""

from __future__ import annotations

import os

import dagster as dg

# Partition start is configuration, not a secret. Defender keeps 30 days of advanced-hunting data; the
# sample tenant's days (2026-11-16..) fall well inside the default range.
PARTITIONS_START = os.environ.get("HUNT_PARTITIONS_START", "2026-10-01")

daily_partitions = dg.DailyPartitionsDefinition(start_date=PARTITIONS_START, timezone="UTC", end_offset=0)

investigated_domains = dg.DynamicPartitionsDefinition(name="investigated_domains")
