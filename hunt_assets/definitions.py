"""The code location: one ``Definitions`` with every asset, job, schedule, sensor and resource.

Resources are chosen from the environment in ``hunt_assets.settings`` -- the sample tenant by default,
a live tenant when ``HUNT_BACKEND`` and the Azure variables say so.
"""

import dagster as dg

from hunt_assets.assets.detection_checks import DETECTION_CHECKS
from hunt_assets.assets.detections import DETECTION_ASSETS
from hunt_assets.assets.hunts import build_hunt_assets
from hunt_assets.assets.intel import INTEL_ASSETS
from hunt_assets.assets.investigations import investigation_assets
from hunt_assets.assets.reports import domain_report
from hunt_assets.automation.schedules import build_jobs, build_schedules
from hunt_assets.automation.sensors import flagged_domain_sensor, new_alert_sensor
from hunt_assets.settings import build_resources

all_assets = [*build_hunt_assets(), *DETECTION_ASSETS, *investigation_assets, *INTEL_ASSETS, domain_report]
daily_hunts_job, investigate_domain_job = build_jobs(all_assets)

defs = dg.Definitions(
    assets=all_assets,
    asset_checks=DETECTION_CHECKS,
    jobs=[daily_hunts_job, investigate_domain_job],
    schedules=build_schedules(daily_hunts_job, investigate_domain_job),
    sensors=[
        new_alert_sensor,
        flagged_domain_sensor,
        # derived assets (heatmaps) follow their upstream eagerly; run that evaluation by default
        dg.AutomationConditionSensorDefinition("hunt_automation", target=dg.AssetSelection.all(),
                                               default_status=dg.DefaultSensorStatus.RUNNING),
    ],
    resources=build_resources(),
)
