"""Environment -> resources, in one place.

Why: live mode is switched on by configuration only. Every value that can come from the environment is
handed to Dagster as an ``EnvVar`` (resolved at run time, masked in the UI, never written into the
definitions snapshot); when a variable is unset the embedded default applies: the sample tenant in a
local DuckDB file, no credentials.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import dagster as dg

from hunt_assets.resources import DnsScoringResource, HuntingResource, HuntSettings, WarehouseResource

REPO_ROOT = Path(__file__).resolve().parents[1]


def data_dir() -> Path:
    return Path(os.environ.get("HUNT_DATA_DIR") or REPO_ROOT / "data")


def warehouse_path() -> Path:
    return Path(os.environ.get("HUNT_WAREHOUSE") or data_dir() / "hunt_warehouse.duckdb")


def lake_path() -> Path:
    return Path(os.environ.get("HUNT_SAMPLE_LAKE") or data_dir() / "sample_tenant.duckdb")


def token_cache_path() -> str:
    """The delegated sign-in cache, used only with ``HUNT_AUTH=device-code`` (app-only is the default)."""
    if (os.environ.get("HUNT_AUTH") or "app").strip().lower() != "device-code":
        return ""
    return os.environ.get("HUNT_TOKEN_CACHE") or str(data_dir() / "msal_token_cache.json")


def backend_name() -> str:
    return (os.environ.get("HUNT_BACKEND") or "sample").strip().lower()


def _env(name: str, default: Any) -> Any:
    """``EnvVar(name)`` when the variable is set, else the default (EnvVar of an unset variable fails)."""
    return dg.EnvVar(name) if os.environ.get(name) else default


def _env_int(name: str, default: int) -> Any:
    return dg.EnvVar.int(name) if os.environ.get(name) else default


def build_resources() -> dict[str, Any]:
    """The resources for the current environment."""
    from hunt_assets.assets.intel import ti_providers_from_env
    from hunt_assets.assets.investigations import PassiveDnsResource

    return {
        "pdns": PassiveDnsResource(
            providers=_env("HUNT_PDNS_PROVIDERS", "auto"),
            cof_url=_env("HUNT_PDNS_COF_URL", ""),
            cof_flavor=_env("HUNT_PDNS_COF_FLAVOR", "circl"),
            cof_username=_env("HUNT_PDNS_COF_USERNAME", None),
            cof_password=_env("HUNT_PDNS_COF_PASSWORD", None),
            cof_api_key=_env("HUNT_PDNS_COF_API_KEY", None),
            max_records=_env_int("HUNT_PDNS_MAX_RECORDS", 200_000),
        ),
        "ti_providers": ti_providers_from_env(),
        "warehouse": WarehouseResource(path=_env("HUNT_WAREHOUSE", str(warehouse_path()))),
        "dns_scoring": DnsScoringResource(allowlist=_env("HUNT_DNS_ALLOWLIST", "")),
        "settings": HuntSettings(
            backend=_env("HUNT_BACKEND", "sample"),
            data_dir=_env("HUNT_DATA_DIR", str(data_dir())),
            lake_path=_env("HUNT_SAMPLE_LAKE", str(lake_path())),
            active_lookups=os.environ.get("HUNT_ACTIVE_LOOKUPS", "0").strip().lower() in ("1", "true", "yes"),
            graph_url=_env("HUNT_GRAPH_URL", "https://graph.microsoft.com"),
            authority_host=_env("HUNT_AUTHORITY_HOST", "https://login.microsoftonline.com"),
        ),
        "hunting": HuntingResource(
            backend=_env("HUNT_BACKEND", "sample"),
            lake_path=_env("HUNT_SAMPLE_LAKE", str(lake_path())),
            tenant_id=_env("AZURE_TENANT_ID", None),
            client_id=_env("AZURE_CLIENT_ID", None),
            client_secret=_env("AZURE_CLIENT_SECRET", None),
            client_certificate_path=_env("AZURE_CLIENT_CERTIFICATE_PATH", None),
            graph_url=_env("HUNT_GRAPH_URL", "https://graph.microsoft.com"),
            defender_url=_env("HUNT_DEFENDER_URL", "https://api.security.microsoft.com"),
            authority_host=_env("HUNT_AUTHORITY_HOST", "https://login.microsoftonline.com"),
            fake_faults=_env("HUNT_FAKE_FAULTS", ""),
            calls_per_minute=_env_int("HUNT_CALLS_PER_MINUTE", 45),
            calls_per_hour=_env_int("HUNT_CALLS_PER_HOUR", 1500),
            limiter_dir=_env("HUNT_LIMITER_DIR", str(data_dir() / "ratelimit")),
            token_cache_path=token_cache_path(),
        ),
    }
