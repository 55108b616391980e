"""The persistent Dagster instance under ``data/`` that ``make demo`` writes and ``make ui`` shows.

Why: without DAGSTER_HOME, ``dagster dev`` uses a temporary directory deleted on exit, and the demo's
materializations would not appear in the UI.
"""

from __future__ import annotations

import os
from pathlib import Path

DAGSTER_YAML = """\
# Written by hunt-assets; edit freely, it is not overwritten once it exists.
telemetry:
  enabled: false
concurrency:
  pools:
    # 'warehouse': one writer at a time on the DuckDB file; 'm365_api': one caller of the tenant's quota
    default_limit: 1
  runs:
    max_concurrent_runs: 4
"""


def ensure_dagster_home(data_dir: Path) -> Path:
    """Create ``data/dagster_home`` with our dagster.yaml and point DAGSTER_HOME at it (unless set)."""
    home = Path(os.environ.get("DAGSTER_HOME") or data_dir / "dagster_home").resolve()
    home.mkdir(parents=True, exist_ok=True)
    cfg = home / "dagster.yaml"
    if not cfg.exists():
        cfg.write_text(DAGSTER_YAML, encoding="utf-8")
    os.environ["DAGSTER_HOME"] = str(home)
    os.environ.setdefault("DAGSTER_DISABLE_TELEMETRY", "1")
    return home
