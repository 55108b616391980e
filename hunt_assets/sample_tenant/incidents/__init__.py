"""Planted incidents; each module documents its story and returns events, alerts and ground truth."""

from __future__ import annotations

from ..tenant import Tenant
from . import cradle, dga, dictionary_dga, doh, doh_c2, honeytoken, ldap_recon, phishing, tunnel
from .common import Planted


def plant_all(tenant: Tenant) -> Planted:
    out = Planted()
    for module in (tunnel, dga, ldap_recon, phishing, cradle, doh, doh_c2, honeytoken, dictionary_dga):
        out.merge(module.plant(tenant))
    return out


__all__ = ["Planted", "plant_all"]
