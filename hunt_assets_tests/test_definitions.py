"""The code location loads, validates from the CLI, and carries the metadata the UI needs."""

import os
import subprocess
import sys
from pathlib import Path

import dagster as dg

from hunt_assets.definitions import defs

ROOT = Path(__file__).resolve().parents[1]


def test_definitions_load():
    dg.Definitions.validate_loadable(defs)


def test_dagster_cli_validates_the_workspace(tmp_path):
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path), "DAGSTER_DISABLE_TELEMETRY": "1"}
    dagster = Path(sys.executable).parent / "dagster"
    proc = subprocess.run([str(dagster), "definitions", "validate", "-w", "workspace.yaml"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "Validation successful" in proc.stdout + proc.stderr


def test_every_asset_has_description_group_kinds_and_owner():
    for asset in defs.assets:
        for key in asset.keys:
            spec = asset.specs_by_key[key]
            assert spec.description, key
            assert spec.group_name, key
            assert spec.group_name != "default", key
            assert spec.kinds, key
    hunts = [a for a in defs.assets if a.key.path[0] == "hunts"]
    assert all(a.specs_by_key[a.key].owners for a in hunts)


def test_no_secret_reaches_the_definitions_snapshot(monkeypatch):
    monkeypatch.setenv("AZURE_CLIENT_SECRET", "s3cr3t-value-never-shown")
    from hunt_assets.settings import build_resources

    resources = build_resources()
    assert "s3cr3t-value-never-shown" not in repr(resources)
    assert isinstance(resources["hunting"].client_secret, dg.EnvVar) or resources["hunting"].client_secret is None
