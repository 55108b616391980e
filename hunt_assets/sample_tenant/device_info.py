"""DeviceInfo snapshots: Defender reports each device's inventory several times a day; we keep two."""

from __future__ import annotations

import json

import duckdb

from .arrowio import insert_rows
from .fleet import EGRESS_IP, NETBIOS_DOMAIN, machine_group
from .ids import stable_int
from .processes import US_PER_S
from .tenant import Tenant, from_us

CLIENT_VERSION = "10.8760.26100.1882"
SNAPSHOT_HOURS = (0, 12)


def write_device_info(con: duckdb.DuckDBPyConnection, tenant: Tenant) -> int:
    rows = []
    for day in range(tenant.days):
        for hour in SNAPSHOT_HOURS:
            for d in tenant.fleet.devices:
                minute = stable_int("devinfo", d.short, day, hour, modulo=3600)
                ts = tenant.at(day, hour) + minute * US_PER_S
                users = [{"UserName": d.user.sam, "DomainName": NETBIOS_DOMAIN, "Sid": d.user.sid}]
                rows.append(
                    {
                        "Timestamp": from_us(ts),
                        "DeviceId": d.device_id,
                        "DeviceName": d.name,
                        "ClientVersion": CLIENT_VERSION,
                        "PublicIP": EGRESS_IP,
                        "OSArchitecture": "64-bit",
                        "OSPlatform": d.os_platform,
                        "OSBuild": d.os_build,
                        "IsAzureADJoined": not d.is_server,
                        "JoinType": "Domain Joined" if d.is_server else "Hybrid Azure AD Join",
                        "AadDeviceId": "" if d.is_server else d.aad_device_id,
                        "LoggedOnUsers": json.dumps(users, separators=(",", ":")),
                        "OSVersion": "10.0",
                        "MachineGroup": machine_group(d),
                        "ReportId": 100 + stable_int("rid", d.short, day, hour, modulo=10**6),
                        "OnboardingStatus": "Onboarded",
                        "DeviceCategory": "Endpoint",
                        "DeviceType": "Server" if d.is_server else "Workstation",
                        "Model": d.model,
                        "Vendor": d.vendor,
                        "OSVersionInfo": d.os_version_info,
                        "IsInternetFacing": d.role == "mail",
                        "SensorHealthState": "Active",
                        "IsExcluded": False,
                        "ExposureLevel": "Medium" if d.is_server or d.idx % 5 == 0 else "Low",
                        "AssetValue": "High" if d.role == "dc" else "Normal",
                        "DeviceManualTags": '["Tier0"]' if d.role == "dc" else "[]",
                        "DeviceDynamicTags": "[]",
                        "ConnectivityType": "Streamlined",
                        "AdditionalFields": json.dumps({"AssetValue": "High" if d.role == "dc" else "Normal"}),
                    }
                )
    return insert_rows(con, "DeviceInfo", rows)
