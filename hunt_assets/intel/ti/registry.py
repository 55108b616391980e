"""Every provider class by name, and the two ways of wiring them: live (configured) and sample mode."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import httpx

from hunt_assets.clients.graph import GraphClient
from hunt_assets.intel.ti.abusech import SSLBL, ThreatFox, URLhaus
from hunt_assets.intel.ti.base import Provider, ProviderConfig
from hunt_assets.intel.ti.greynoise import GreyNoise
from hunt_assets.intel.ti.mdti import MDTIReputation
from hunt_assets.intel.ti.openpagerank import OpenPageRank
from hunt_assets.intel.ti.otx import OTX
from hunt_assets.intel.ti.shodan import Shodan
from hunt_assets.intel.ti.snapshot import SAMPLE_KEY, SnapshotAPI, sample_snapshot
from hunt_assets.intel.ti.tor import TorExitList
from hunt_assets.intel.ti.virustotal import VirusTotal
from hunt_assets.intel.ti.xforce import XForce

PROVIDER_CLASSES: dict[str, type[Provider]] = {
    cls.name: cls
    for cls in (
        VirusTotal,
        OTX,
        XForce,
        Shodan,
        URLhaus,
        ThreatFox,
        SSLBL,
        TorExitList,
        MDTIReputation,
        GreyNoise,
        OpenPageRank,
    )
}


def make_providers(
    configs: Mapping[str, ProviderConfig],
    *,
    graph: GraphClient | None = None,
    only: Sequence[str] | None = None,
) -> list[Provider]:
    """One provider object per known name (or per name in ``only``), configured from ``configs``."""
    names = list(only) if only else list(PROVIDER_CLASSES)
    unknown = [n for n in names if n not in PROVIDER_CLASSES]
    if unknown:
        raise ValueError(f"unknown TI providers {unknown}; known: {sorted(PROVIDER_CLASSES)}")
    out: list[Provider] = []
    for name in names:
        cls = PROVIDER_CLASSES[name]
        config = configs.get(name, ProviderConfig())
        out.append(MDTIReputation(config, graph=graph) if cls is MDTIReputation else cls(config))
    return out


def sample_providers(
    lake_path: str | Path | None = None, *, only: Sequence[str] | None = None
) -> tuple[list[Provider], httpx.MockTransport]:
    """Providers wired to the local snapshot: real request building and parsing, no network.

    Returns the providers and the async-capable transport the engine must use.
    """
    from hunt_assets.clients.auth import StaticTokenProvider

    names = list(only) if only else list(PROVIDER_CLASSES)
    configs = {n: ProviderConfig(api_key=SAMPLE_KEY, api_secret=SAMPLE_KEY if n == "xforce" else None) for n in names}
    bases = {n: PROVIDER_CLASSES[n].default_base_url for n in names}
    api = SnapshotAPI(sample_snapshot(lake_path), bases)
    graph = (
        GraphClient(
            StaticTokenProvider("sample-mode-token"),
            base_url=bases.get("mdti", "https://graph.microsoft.com"),
            transport=api.transport(),
        )
        if "mdti" in names
        else None
    )
    return make_providers(configs, graph=graph, only=names), api.transport()
