"""The short text summary ``make demo`` prints: what the hunts found, which hosts matter, which reports exist."""

from __future__ import annotations

from pathlib import Path

from hunt_assets.warehouse.store import Warehouse


def _count(wh: Warehouse, table: str) -> int:
    return int(wh.query(f"SELECT count(*) AS n FROM {table}")["n"].iloc[0]) if wh.table_exists(table) else 0


def _tunnel_label(domain: str) -> str:
    """A public callback or honeytoken service's domain is a tunnel because of who resolved it, not because
    anyone tunnels through it: say which service, so the line does not read as a C2 domain."""
    from hunt_assets.analytics.dns.oast import HONEYTOKEN_SERVICES, service_of

    service = service_of(domain)
    if service is None:
        return domain
    what = "a honeytoken fired" if service in HONEYTOKEN_SERVICES else "an out-of-band callback"
    return f"{domain} ({service}: {what})"


def summary_lines(warehouse_path: Path, data_dir: Path) -> list[str]:
    wh = Warehouse(warehouse_path)
    out = [f"warehouse {warehouse_path}"]
    tables = wh.query("SELECT table_schema || '.' || table_name AS t FROM information_schema.tables "
                      "WHERE table_schema IN ('hunts','intel','analytics') ORDER BY 1")["t"].tolist()
    out.append("  hunts: " + ", ".join(f"{t.split('.', 1)[1]} {_count(wh, t):,}" for t in tables
                                       if t.startswith("hunts.")))
    if wh.table_exists("analytics.dns_domain_flags"):
        flags = wh.query("SELECT verdict, count(DISTINCT registered_domain) AS n FROM analytics.dns_domain_flags "
                         "WHERE verdict <> 'benign' GROUP BY 1 ORDER BY 1")
        out.append("  DNS analytics: " + (", ".join(f"{r.n} {r.verdict} domain(s)" for r in flags.itertuples())
                                          or "nothing flagged"))
        tunnels = wh.query("SELECT DISTINCT registered_domain FROM analytics.dns_domain_flags WHERE verdict='tunnel'")
        if len(tunnels):
            out.append("    tunnel: " + ", ".join(_tunnel_label(d) for d in sorted(tunnels["registered_domain"])))
    if wh.table_exists("analytics.host_summary"):
        hosts = wh.query("SELECT client, max(priority) AS priority, max(tunnel_domains) AS tunnel, "
                         "max(dga_domains) AS dga FROM analytics.host_summary GROUP BY 1 ORDER BY 2 DESC LIMIT 5")
        out.append("  hosts to look at first (host_summary):")
        out += [f"    {r.priority:6.1f}  {r.client}  (tunnel domains {r.tunnel}, DGA domains {r.dga})"
                for r in hosts.itertuples()]
        columns = {c for c, _ in wh.columns("analytics.host_summary")}
        if "encrypted_dns_connections" in columns:
            # a process that is neither a browser nor DNS software on DoH is the finding; name it
            other = ("max(encrypted_dns_other_processes)" if "encrypted_dns_other_processes" in columns
                     else "''")
            to = "max(encrypted_dns_connected_to)" if "encrypted_dns_connected_to" in columns else "''"
            bypass = wh.query(f"SELECT client, sum(encrypted_dns_lookups) AS lookups, "
                              f"sum(encrypted_dns_connections) AS conns, {other} AS other, {to} AS dest "
                              "FROM analytics.host_summary "
                              "WHERE encrypted_dns_lookups > 0 OR encrypted_dns_connections > 0 "
                              "GROUP BY 1 ORDER BY 4 DESC, 3 DESC, 2 DESC, 1 LIMIT 5")
            out.append("  resolving past the DNS log (encrypted DNS): " + (", ".join(
                f"{r.client} ({int(r.lookups)} look-up(s), {int(r.conns)} connection(s)"
                # the process text already says where it went
                + (f"; not a browser: {r.other}" if r.other else f"; connected to: {r.dest}" if r.dest else "")
                + ")"
                for r in bypass.itertuples()) or "none"))
    if wh.table_exists("hunts.ldap_recon_burst"):
        burst = wh.query("SELECT DISTINCT DeviceName FROM hunts.ldap_recon_burst")["DeviceName"].tolist()
        out.append("  LDAP reconnaissance bursts from: " + (", ".join(burst) or "none"))
    reports = sorted((data_dir / "reports").glob("*.html"))
    if reports:
        sev = {}
        if wh.table_exists("intel.ti_verdicts"):
            rows = wh.query("SELECT scope, max(CASE severity WHEN 'high' THEN 3 WHEN 'medium' THEN 2 "
                            "WHEN 'low' THEN 1 ELSE 0 END) AS s FROM intel.ti_verdicts "
                            "WHERE scope LIKE 'investigation:%' GROUP BY 1")
            sev = {r.scope.split(":", 1)[1]: ["information", "low", "medium", "high"][r.s] for r in rows.itertuples()}
        out.append(f"  investigations ({len(reports)}), findings reports under {data_dir / 'reports'}:")
        out += [f"    {p.stem:<36} TI: {sev.get(p.stem, '-')}" for p in reports]
    return out


def print_summary(warehouse_path: Path, data_dir: Path) -> None:
    for line in summary_lines(warehouse_path, data_dir):
        print(f"[demo] {line}")
