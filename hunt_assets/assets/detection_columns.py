"""What each column of the DNS detections' tables means, shown in the Dagster UI beside the data.

Why: a hunter querying ``analytics.host_summary`` from a notebook should not have to read
``events.summarize_hosts`` to learn what ``priority`` adds up or why ``clients`` can be empty. A test
fails when a table gains a column that is not described here.
"""

import dagster as dg

from hunt_assets.analytics.dns.events import BYPASS_PRIORITY, OTHER_PROCESS_PRIORITY, VERDICT_WEIGHT
from hunt_assets.analytics.dns.score import SCORE_BANDS, VERDICTS

# the verdicts, bands and weights are spelled out from the constants the code uses, so the text cannot drift
_PARTITION = {"partition_date": "The UTC day of the DNS hunt these rows were computed from (the asset's partition)."}
_VERDICT = (f"{', '.join(VERDICTS[:-1])} or {VERDICTS[-1]} (invalid: an empty name, control characters, an empty "
            "label); the reasons say what earned it")
_SCORE = ("0-1 within the verdict's band: " + ", ".join(f"{v} {lo:g}-{hi:g}" for v, (lo, hi) in SCORE_BANDS.items())
          + ", invalid 0")
_WEIGHTS = ", ".join(f"{v} {w:g}" for v, w in VERDICT_WEIGHT.items())

NAME_FLAG_COLUMNS = _PARTITION | {
    "name": "The query name as logged (case kept; non-UTF-8 bytes as \\xNN). Only names whose verdict is not "
            "benign are stored here; every domain is in analytics.dns_domain_flags.",
    "registered_domain": "The name's registered domain by the public suffix list bundled with tldextract "
                         "(private-section suffixes included: a customer of a shared host is a domain of its own).",
    "verdict": f"The name's verdict after batch and event context: {_VERDICT}.",
    "score": f"Strength of the evidence for the verdict, {_SCORE}.",
    "reasons": "Why, in words, '; '-separated: each rule that fired with its figures (bits of unlikeliness, "
               "lengths, counts), suppressions included.",
    "tunnel_score": "Tunnel evidence of the name alone (0-1): how encoded its subdomain looks.",
    "dga_score": "DGA evidence of the name alone (0-1): how unlike popular names its registered label is.",
    "suppressed_family": "The benign look-alike family that set shape evidence aside (reverse DNS, AV reputation "
                         "look-ups, CDN and cloud edges, DKIM/DMARC/SRV, ...); empty when none.",
    "queries": "Look-ups of this name in the day's DNS hunt.",
    "clients": "Distinct clients (device, or client IP when the log names no device) that looked it up.",
}

DOMAIN_FLAG_COLUMNS = _PARTITION | {
    "registered_domain": "The registered domain (public suffix list); one row per domain looked up that day.",
    "verdict": f"The worst verdict among the domain's names: {_VERDICT}.",
    "score": f"The score of the name that set the verdict, {_SCORE}.",
    "reasons": "That name's reasons, per-domain context (unique subdomains, query types, bytes, regularity) "
               "included.",
    "example_name": "The name that set the domain's verdict and score.",
    "flagged_names": "The domain's names (itself and its subdomains) whose verdict is not benign.",
    "queries": "Look-ups of the domain and its subdomains in the day's DNS hunt.",
    "clients": "Distinct clients that looked the domain or a subdomain up.",
    "unique_subdomains": "Distinct names under the domain that have a subdomain (a tunnel's payloads are each new).",
    "share_null": "Share of the domain's look-ups of type NULL (iodine's default; no everyday use).",
    "share_txt": "Share of look-ups of type TXT.",
    "share_cname": "Share of look-ups of type CNAME.",
    "share_mx": "Share of look-ups of type MX.",
    "share_tunnel_qtypes": "Share of look-ups of the types tunnels favour (NULL, TXT, CNAME, MX and the others "
                           "scoring counts as such).",
    "first_seen": "First look-up of the domain that day (UTC).",
    "last_seen": "Last look-up of the domain that day (UTC).",
    "max_bytes_client_window": "Most question bytes one client sent for the domain's names in one window (1 h): "
                               "the volume a tunnel moves. Computed for candidate domains only; 0 otherwise.",
    "interarrival_cv": "Lowest coefficient of variation of one client's gaps between look-ups (at least 8 gaps): "
                       "near 0 is a machine's steady beacon. Candidate domains only; empty otherwise.",
    "encoded_subdomains": "Unique subdomains that look encoded (tunnel evidence 0.2 or more, or a tunnel verdict).",
    "long_payload_names": "Unique subdomains that are a tunnel by themselves (a long encoded payload).",
    "resolved": "Whether any look-up of the domain or a subdomain got an answer back: a DGA's one resolving "
                "domain is its live C2.",
}

HOST_COLUMNS = _PARTITION | {
    "client": "The device name, or the client IP where the log names no device and no device_ips row maps it.",
    "lookups_flagged": "The host's look-ups of domains whose verdict is tunnel, dga or suspicious.",
    "distinct_flagged_domains": "Distinct such domains.",
    "tunnel_domains": "Distinct tunnel domains among them.",
    "dga_domains": "Distinct DGA domains among them.",
    "first_seen": "Earliest evidence on the host that day: a flagged look-up, an encrypted-DNS look-up or "
                  "connection (UTC).",
    "last_seen": "Latest such evidence (UTC).",
    "alerts": "Defender alerts on the device that day (alerts_with_evidence hunt).",
    "top_domains": "Up to three flagged domains, the heaviest first (verdict weight x score).",
    "encrypted_dns_lookups": "Look-ups of known DoH/DoT resolvers' endpoint names: later look-ups may bypass this "
                             "log.",
    "encrypted_dns": "Which resolvers those look-ups named, with counts.",
    "encrypted_dns_connections": "Connections to encrypted-DNS resolvers (by address, or DoT/DoQ on 853) from the "
                                 "encrypted_dns_connections hunt.",
    "encrypted_dns_connected_to": "The resolvers those connections reached, with counts.",
    "encrypted_dns_processes": "The processes that made them.",
    "encrypted_dns_other_processes": "Those of them that are neither a browser nor DNS software: a program "
                                     "resolving over HTTPS by itself is how a DoH tunnel looks.",
    "priority": f"The rank: 3 x the flagged domains' verdict weight ({_WEIGHTS}) x score, log-capped per verdict, "
                f"+ log(1 + flagged look-ups) + 2 log(1 + alerts), + {BYPASS_PRIORITY:g} for encrypted DNS, "
                f"+ {OTHER_PROCESS_PRIORITY:g} for a non-browser process on it or a steady connection rate. "
                "Highest first.",
}


def table_schema(columns: list[tuple[str, str]], described: dict[str, str]) -> dg.TableSchema:
    """A warehouse table's columns (``Warehouse.columns``: names and SQL types, as a notebook querying it
    sees them), each with its description."""
    return dg.TableSchema(columns=[dg.TableColumn(name=c, type=t, description=described.get(c)) for c, t in columns])
