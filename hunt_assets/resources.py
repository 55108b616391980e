"""Dagster resources: thin, configurable handles on the warehouse and the hunt backends.

Why resources: values (paths, backend choice, credentials) are resolved at run time from ``EnvVar``s, so
secrets never enter the definitions snapshot, the UI or run config, and tests swap in tmp paths.
"""


from pathlib import Path

import dagster as dg
from pydantic import Field, PrivateAttr

from hunt_assets.analytics.dns.allowlist import Allowlist, AllowlistError, load
from hunt_assets.backends import SampleLakeBackend
from hunt_assets.hunts.execute import HuntBackend
from hunt_assets.warehouse.store import Warehouse

BACKENDS = ("sample", "graph", "defender", "fake-graph")


class WarehouseResource(dg.ConfigurableResource):
    """The DuckDB warehouse file (``HUNT_WAREHOUSE``)."""

    path: str

    def get(self) -> Warehouse:
        return Warehouse(self.path)


class HuntSettings(dg.ConfigurableResource):
    """Non-secret settings every asset family may need."""

    backend: str = "sample"
    data_dir: str = "data"
    lake_path: str = "data/sample_tenant.duckdb"
    active_lookups: bool = False
    graph_url: str = "https://graph.microsoft.com"
    authority_host: str = "https://login.microsoftonline.com"

    def data_path(self, *parts: str) -> Path:
        path = Path(self.data_dir).joinpath(*parts)
        path.parent.mkdir(parents=True, exist_ok=True)
        return path


class HuntingResource(dg.ConfigurableResource):
    """Where hunts run: the sample lake (default) or a live tenant, chosen by ``HUNT_BACKEND``."""

    backend: str = "sample"
    lake_path: str = "data/sample_tenant.duckdb"
    tenant_id: str | None = None
    client_id: str | None = None
    client_secret: str | None = Field(default=None, repr=False)  # an EnvVar; never shown in reprs
    client_certificate_path: str | None = None
    graph_url: str = "https://graph.microsoft.com"
    defender_url: str = "https://api.security.microsoft.com"
    authority_host: str = "https://login.microsoftonline.com"
    fake_faults: str = ""
    calls_per_minute: int = 45
    calls_per_hour: int = 1500
    # where the per-tenant call window lives, shared by every step process (the multiprocess executor)
    limiter_dir: str = ""
    # delegated (device-code) sign-in: the msal token cache written by `hunt-assets login` (HUNT_AUTH=device-code)
    token_cache_path: str = ""

    _backend: "HuntBackend | None" = PrivateAttr(default=None)

    def get_backend(self) -> HuntBackend:
        """One backend object per resource instance, so its token cache and limiter are reused."""
        if self._backend is not None:
            return self._backend
        kind = self.backend.strip().lower()
        if kind not in BACKENDS:
            raise dg.Failure(f"HUNT_BACKEND={self.backend!r} is not one of {', '.join(BACKENDS)}")
        if kind == "sample":
            self._backend = SampleLakeBackend(self.lake_path)
        else:
            from hunt_assets.clients.factory import make_hunt_backend  # live code only when asked for

            self._backend = make_hunt_backend(
                kind, **self.connection_settings(), calls_per_minute=self.calls_per_minute,
                calls_per_hour=self.calls_per_hour, limiter_dir=self.limiter_dir or None)
        return self._backend

    def connection_settings(self) -> dict:
        """The settings every Microsoft client is built from (tenant, credentials, endpoints, faults)."""
        return {
            "lake_path": self.lake_path, "tenant_id": self.tenant_id, "client_id": self.client_id,
            "client_secret": self.client_secret, "client_certificate_path": self.client_certificate_path,
            "graph_url": self.graph_url, "defender_url": self.defender_url, "authority_host": self.authority_host,
            "fake_faults": self.fake_faults, "token_cache_path": self.token_cache_path or None,
        }

    def get_alerts_source(self):  # -> GraphAlertsClient | SampleAlertsSource
        """Where the alert sensor polls: AlertInfo/AlertEvidence of the sample lake, or Graph alerts_v2."""
        from hunt_assets.clients.factory import make_alerts_source

        return make_alerts_source(self.backend, **self.connection_settings())


class DnsScoringResource(dg.ConfigurableResource):
    """How DNS names are scored: the user's allowlist files (``HUNT_DNS_ALLOWLIST``, ``:``-separated).

    Why a resource: the allowlist is an organisation's own (its partners, a popular list it
    downloads), so it is configuration, switched on by the environment rather than by code.
    """

    allowlist: str = ""

    def load_allowlist(self) -> Allowlist:
        try:
            return load(self.allowlist or None)
        except AllowlistError as exc:
            raise dg.Failure(description=f"HUNT_DNS_ALLOWLIST: {exc}") from None
