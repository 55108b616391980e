"""DNS tunnel / DGA / entropy scoring: pure, Dagster-free, vectorised over unique names.

Public entry points:

* ``score_names(names)`` — one row per distinct name: ``name, registered_domain, verdict, score,
  reasons`` plus feature columns; batch context (many encoded subdomains under one registered
  domain) is applied.
* ``score_events(events, window="1h")`` — (per-name flags, per-registered-domain flags) from a
  frame with ``name`` and optional ``client``, ``timestamp``, ``qtype``; adds query-type, volume,
  timing and per-client DGA-burst context.
* ``events_from_hunt(df)`` — maps the normalized DNS hunt columns onto that frame.
* ``summarize_hosts(events, domain_flags, alerts)`` and ``volume_over_time(events, domain_flags)``
  — the host table and chart data behind the ``host_summary`` asset; the host table also lists
  hosts that looked up an encrypted-DNS resolver (``encrypted_dns_by_client``, ``resolvers``), whose
  later look-ups this log may not see.
* ``score_dns_main(argv)`` — the ``hunt-assets score-dns FILE`` command.

Verdicts are ``tunnel``, ``dga``, ``suspicious``, ``benign`` and ``invalid`` (not a DNS name at
all: empty, whitespace/control characters, empty labels; the reason says which).
"""

from typing import Any

__all__ = [
    "VERDICTS",
    "encrypted_dns_by_client",
    "events_from_hunt",
    "score_dns_main",
    "score_events",
    "score_names",
    "summarize_hosts",
    "volume_over_time",
]

_WHERE = {
    "VERDICTS": "score",
    "score_names": "score",
    "events_from_hunt": "events",
    "encrypted_dns_by_client": "events",
    "score_events": "events",
    "summarize_hosts": "events",
    "volume_over_time": "events",
    "score_dns_main": "cli",
}


def __getattr__(name: str) -> Any:
    """Import submodules on first use, so ``python -m hunt_assets.analytics.dns.cli`` stays clean."""
    if name in _WHERE:
        import importlib

        return getattr(importlib.import_module(f"hunt_assets.analytics.dns.{_WHERE[name]}"), name)
    raise AttributeError(name)
