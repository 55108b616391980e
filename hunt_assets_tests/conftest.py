"""Shared fixtures: a small sample lake built once per session, tmp warehouses, the Defender schema."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Never touch the developer's data/ or ~/.dagster from tests
os.environ.setdefault("DAGSTER_DISABLE_TELEMETRY", "1")
# a developer's own DNS allowlist would change verdicts the tests pin (the allowlist tests set their own)
os.environ.pop("HUNT_DNS_ALLOWLIST", None)


@pytest.fixture(scope="session")
def sample_lake(tmp_path_factory) -> Path:
    """The default-size sample tenant (3 days, 50 devices), built once per test session."""
    from hunt_assets.sample_tenant import build_lake

    path = tmp_path_factory.mktemp("lake") / "sample_tenant.duckdb"
    build_lake(path)
    return path


@pytest.fixture(scope="session")
def defender_schema() -> dict[str, list[str]]:
    """Table -> columns, as the sample tenant writes them (Microsoft's documented schemas)."""
    from hunt_assets.sample_tenant.schemas import DEFENDER_TABLES

    return {name: [c[0] for c in cols] for name, cols in DEFENDER_TABLES.items()}


@pytest.fixture
def warehouse_path(tmp_path) -> Path:
    return tmp_path / "hunt_warehouse.duckdb"


@pytest.fixture(params=[False, True], ids=["numpy", "native"])
def scoring_path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> bool:
    """Run a DNS-scoring test on the NumPy reference decision and on the C kernel (True)."""
    from hunt_assets.analytics.dns import accel

    if request.param and not accel.available():
        pytest.skip("C extension not built")
    monkeypatch.setattr(accel, "ENABLED", request.param)
    return request.param


@pytest.fixture(params=[True, False], ids=["kernel", "python"])
def capture_kernel(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> bool:
    """Run a capture test with the C walk and frame reader (True) and with the Python reader alone: the
    kernel may only skip work, so both must give the same rows and counts."""
    from hunt_assets.analytics.dns import accel

    if request.param and not accel.available():
        pytest.skip(f"C extension hunt_assets.analytics.dns._native is not built ({accel.IMPORT_ERROR})")
    monkeypatch.setattr(accel, "ENABLED", request.param)
    return request.param
