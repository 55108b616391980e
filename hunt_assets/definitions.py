"""The code location: one ``Definitions`` with every asset, check, job, schedule, sensor and resource.

Resources are chosen from the environment in ``hunt_assets.settings`` -- the sample tenant by default,
a live tenant when ``HUNT_BACKEND`` and the Azure variables say so.
"""

from __future__ import annotations

import dagster as dg

from hunt_assets.assets.hunts import build_hunt_assets
from hunt_assets.settings import build_resources

hunt_assets = build_hunt_assets()

daily_hunts_job = dg.define_asset_job(
    "daily_hunts",
    selection=dg.AssetSelection.groups("hunts"),
    description="Every hunt for one day.",
)

defs = dg.Definitions(
    assets=[*hunt_assets],
    jobs=[daily_hunts_job],
    resources=build_resources(),
)
