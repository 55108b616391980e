"""Sample mode: a local snapshot of every provider's answers, served through ``httpx.MockTransport``.

Why a transport and not canned verdicts: in sample mode the real provider classes build the real requests
and parse the documented response shapes, so the demo exercises the same code as production and the
planted domains of the sample tenant get real-looking verdicts. The snapshot is rendered from a short
list of known entities (the sample tenant's ``HuntGroundTruth`` plus a few well-known benign hosts) into
each provider's exact response shape, written to ``hunt_assets/data/ti_snapshot/<provider>.json``.
Anything not in the snapshot gets that provider's documented "never seen" answer.

Regenerate after the sample tenant changes::

    python -m hunt_assets.intel.ti.snapshot --lake data/sample_tenant.duckdb
"""

from __future__ import annotations

import argparse
import hashlib
import json
import urllib.parse
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import httpx

from hunt_assets.entities import InvalidEntity
from hunt_assets.intel.context.tls import sample_certificate
from hunt_assets.intel.ti.model import Indicator, parse_indicator
from hunt_assets.intel.ti.virustotal import url_id

SNAPSHOT_PACKAGE = "hunt_assets.data"
SNAPSHOT_DIR = "ti_snapshot"
PROVIDERS = (
    "virustotal",
    "otx",
    "xforce",
    "shodan",
    "urlhaus",
    "threatfox",
    "sslbl",
    "tor",
    "greynoise",
    "openpagerank",
    "mdti",
)
SAMPLE_KEY = "sample-mode-key"  # a placeholder so keyed providers run; the snapshot checks it is sent

# well-known hosts the sample tenant talks to, so the demo also shows 'clean' answers
BENIGN: tuple[dict[str, Any], ...] = (
    {"type": "domain", "value": "microsoft.com", "verdict": "benign", "rank": 9.87},
    {"type": "domain", "value": "windowsupdate.com", "verdict": "benign", "rank": 7.1},
    {"type": "domain", "value": "office.com", "verdict": "benign", "rank": 8.9},
    {"type": "domain", "value": "github.com", "verdict": "benign", "rank": 9.6},
    {"type": "ip", "value": "8.8.8.8", "verdict": "benign", "name": "Google Public DNS"},
    {"type": "ip", "value": "1.1.1.1", "verdict": "benign", "name": "Cloudflare Public DNS"},
)


# ------------------------------------------------------------------------------------------------
# Known entities: from the sample tenant's ground truth
# ------------------------------------------------------------------------------------------------


def _stable(value: str, mod: int) -> int:
    return int(hashlib.sha256(value.encode()).hexdigest()[:8], 16) % mod


# ground-truth kinds that name no attacker infrastructure: the actors, and a honeytoken's look-up (the name
# is the defenders' tripwire under their service's zone, not something a TI feed would list)
NOT_INDICATORS = frozenset({"device", "user", "account", "process", "honeytoken_lookup"})


def entities_from_ground_truth(rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Planted entities (domain / ip / url / hash / cert rows of HuntGroundTruth) as malicious entities.

    The ground truth's ``kind`` names what the incident planted (e.g. 'c2_domain', 'dga_domain',
    'malicious_ip', 'tor_exit'); we keep it as the threat label and let the value decide the type.
    """
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for row in rows:
        value = str(row.get("entity") or "").strip()
        kind = str(row.get("kind") or "").lower()
        if not value or kind in NOT_INDICATORS:
            continue
        forced = "cert_sha1" if "cert" in kind else None
        try:
            ind = parse_indicator(value, forced)
        except (InvalidEntity, ValueError):
            continue
        benignish = any(w in kind for w in ("benign", "false_positive", "decoy"))
        out[(ind.type, ind.value)] = {
            "type": ind.type,
            "value": ind.value,
            "verdict": "benign" if benignish else "malicious",
            "threat": kind or "malicious",
            "family": str(row.get("detail") or "")[:60] or "SampleTenant",
            "incident": str(row.get("incident") or ""),
            "tor": "tor" in kind,
        }
    return sorted(out.values(), key=lambda e: (e["type"], e["value"]))


def read_ground_truth(lake_path: str | Path) -> list[dict[str, Any]]:
    """HuntGroundTruth rows from the sample lake (read-only), or [] when the lake is not built yet."""
    import duckdb  # the lake is the sample tenant's own file, not the warehouse

    path = Path(lake_path)
    if not path.exists():
        return []
    con = duckdb.connect(str(path), read_only=True)
    try:
        exists = con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'HuntGroundTruth'"
        ).fetchone()[0]
        if not exists:
            return []
        df = con.execute("SELECT * FROM HuntGroundTruth").df()
    finally:
        con.close()
    return df.to_dict("records")


# ------------------------------------------------------------------------------------------------
# Rendering entities into each provider's documented response shape
# ------------------------------------------------------------------------------------------------


def _vt(e: dict[str, Any]) -> dict[str, Any]:
    bad = e["verdict"] == "malicious"
    stats = {
        "harmless": 62 if not bad else 48,
        "malicious": 11 + _stable(e["value"], 9) if bad else 0,
        "suspicious": 2 if bad else 0,
        "undetected": 21,
        "timeout": 0,
    }
    vt_type = {"domain": "domain", "ip": "ip_address", "url": "url", "hash": "file"}[e["type"]]
    attrs: dict[str, Any] = {
        "last_analysis_stats": stats,
        "reputation": -25 if bad else 12,
        "last_analysis_date": 1763251200,
        "tags": [e.get("threat", "")] if bad else [],
    }
    if bad and e["type"] == "hash":
        attrs["popular_threat_classification"] = {"suggested_threat_label": f"trojan.{e['family'].lower()}"}
    ident = url_id(e["value"]) if e["type"] == "url" else e["value"]
    return {
        "data": {
            "id": ident,
            "type": vt_type,
            "links": {"self": f"https://www.virustotal.com/api/v3/{vt_type}s/{ident}"},
            "attributes": attrs,
        }
    }


def _otx(e: dict[str, Any]) -> dict[str, Any]:
    bad = e["verdict"] == "malicious"
    pulses = [
        {
            "id": hashlib.md5(f"{e['value']}{i}".encode()).hexdigest()[:24],  # noqa: S324 - an id, not crypto
            "name": f"{e['family']} infrastructure ({e.get('threat')})",
            "tags": [e.get("threat", "")],
            "malware_families": [{"id": e["family"], "display_name": e["family"]}],
            "created": "2026-11-10T08:00:00.000000",
        }
        for i in range(3 if bad else 0)
    ]
    validation = [] if bad else [{"source": "whitelist", "message": "Whitelisted domain", "name": "Whitelisted"}]
    return {
        "indicator": e["value"],
        "type": e["type"],
        "pulse_info": {"count": len(pulses), "pulses": pulses, "references": []},
        "validation": validation,
    }


def _xforce(e: dict[str, Any]) -> dict[str, Any]:
    bad = e["verdict"] == "malicious"
    score = 8.6 if bad else 1
    cats = {"Botnet Command and Control Server": 71} if bad else {}
    if e["type"] == "ip":
        return {
            "ip": e["value"],
            "score": score,
            "cats": cats,
            "geo": {"country": "Netherlands", "countrycode": "NL"},
            "reason": "Regional Internet Registry",
            "reasonDescription": "One of the five RIRs announced a (new) location mapping of the IP.",
            "tags": [],
            "history": [],
            "subnets": [],
        }
    if e["type"] == "hash":
        return {
            "malware": {
                "type": "sha256" if len(e["value"]) == 64 else "md5",
                "md5": e["value"],
                "risk": "high" if bad else "low",
                "family": [e["family"]] if bad else [],
                "created": "2026-11-10T08:00:00Z",
                "origins": {},
            },
            "tags": [],
        }
    return {
        "result": {"url": e["value"], "cats": cats, "score": score, "categoryDescriptions": {}},
        "associated": [],
        "tags": [],
    }


def _shodan(e: dict[str, Any]) -> dict[str, Any]:
    bad = e["verdict"] == "malicious"
    return {
        "ip_str": e["value"],
        "org": "Bulletproof Hosting Ltd" if bad else e.get("name", "Hosting"),
        "isp": "Sample ISP",
        "asn": "AS64500",
        "country_code": "NL",
        "ports": [443, 8443] if bad else [53, 443],
        "hostnames": [],
        "tags": ["c2"] if bad else [],
        "vulns": [],
        "last_update": "2026-11-15T00:00:00",
        "data": [],
    }


def _urlhaus(e: dict[str, Any]) -> dict[str, Any]:
    ref = f"https://urlhaus.abuse.ch/host/{e['value']}/"
    if e["type"] == "url":
        return {
            "query_status": "ok",
            "id": str(_stable(e["value"], 10**6)),
            "urlhaus_reference": ref,
            "url": e["value"],
            "url_status": "online",
            "host": urllib.parse.urlsplit(e["value"]).hostname,
            "date_added": "2026-11-12 10:00:00 UTC",
            "threat": "malware_download",
            "blacklists": {"spamhaus_dbl": "not listed", "surbl": "not listed"},
            "reporter": "sample",
            "larted": "true",
            "tags": [e["family"]],
            "payloads": [],
        }
    if e["type"] == "hash":
        return {
            "query_status": "ok",
            "md5_hash": e["value"] if len(e["value"]) == 32 else None,
            "sha256_hash": e["value"] if len(e["value"]) == 64 else None,
            "file_type": "exe",
            "signature": e["family"],
            "firstseen": "2026-11-12 10:00:00",
            "lastseen": None,
            "url_count": "1",
            "urls": [],
        }
    return {
        "query_status": "ok",
        "urlhaus_reference": ref,
        "host": e["value"],
        "firstseen": "2026-11-12 10:00:00 UTC",
        "url_count": "1",
        "blacklists": {"spamhaus_dbl": "not listed", "surbl": "not listed"},
        "urls": [
            {
                "url": f"http://{e['value']}/payload.bin",
                "url_status": "online",
                "threat": "malware_download",
                "tags": [e["family"]],
            }
        ],
    }


def _threatfox(e: dict[str, Any]) -> dict[str, Any]:
    ioc_type = {"domain": "domain", "ip": "ip:port", "url": "url", "hash": "sha256_hash"}[e["type"]]
    ioc = f"{e['value']}:443" if e["type"] == "ip" else e["value"]
    return {
        "query_status": "ok",
        "data": [
            {
                "id": str(_stable(e["value"], 10**6)),
                "ioc": ioc,
                "threat_type": "botnet_cc",
                "threat_type_desc": "Indicator that identifies a botnet command&control server (C&C)",
                "ioc_type": ioc_type,
                "malware": f"win.{e['family'].lower()}",
                "malware_printable": e["family"],
                "malware_alias": None,
                "confidence_level": 90,
                "first_seen": "2026-11-12 10:00:00 UTC",
                "last_seen": None,
                "reporter": "sample",
                "reference": None,
                "tags": [e.get("threat", "")],
            }
        ],
    }


def _greynoise(e: dict[str, Any]) -> dict[str, Any]:
    bad = e["verdict"] == "malicious"
    return {
        "ip": e["value"],
        "noise": bad,
        "riot": not bad,
        "classification": "malicious" if bad else "benign",
        "name": "unknown" if bad else e.get("name", "benign service"),
        "link": f"https://viz.greynoise.io/ip/{e['value']}",
        "last_seen": "2026-11-15",
        "message": "Success",
    }


def _opr(e: dict[str, Any]) -> dict[str, Any]:
    rank = float(e.get("rank", 0.0))
    return {
        "status_code": 200 if rank else 404,
        "error": "" if rank else "Domain not found",
        "page_rank_integer": int(rank),
        "page_rank_decimal": rank,
        "rank": str(1000 - int(rank * 100)) if rank else None,
        "domain": e["value"],
    }


def _mdti(e: dict[str, Any]) -> dict[str, Any]:
    bad = e["verdict"] == "malicious"
    rules = (
        [
            {
                "name": "Microsoft Defender Threat Intelligence Intel Article",
                "description": f"{e['family']} infrastructure",
                "severity": "high",
                "relatedDetailsUrl": "https://ti.defender.microsoft.com/",
            }
        ]
        if bad
        else []
    )
    return {
        "@odata.type": "#microsoft.graph.security.hostReputation",
        "id": e["value"],
        "classification": "malicious" if bad else "neutral",
        "score": 100 if bad else 0,
        "rules": rules,
    }


def render_snapshot(entities: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Per-provider answers keyed by indicator type and value, in each provider's response shape."""
    snap: dict[str, Any] = {p: {} for p in PROVIDERS}
    snap["sslbl"], snap["tor"] = [], []
    for e in entities:
        t, v, bad = e["type"], e["value"], e["verdict"] == "malicious"
        key = f"{t}:{v}"
        if t == "cert_sha1":
            if bad:
                snap["sslbl"].append([v, f"{e['family']} C&C"])
            continue
        if t == "ip" and e.get("tor"):
            snap["tor"].append(v)
        snap["virustotal"][key] = _vt(e)
        snap["otx"][key] = _otx(e)
        snap["xforce"][key] = _xforce(e)
        if bad:
            snap["urlhaus"][key] = _urlhaus(e)
            snap["threatfox"][key] = _threatfox(e)
        if t == "ip":
            snap["shodan"][key] = _shodan(e)
            snap["greynoise"][key] = _greynoise(e)
        if t in {"domain", "ip"}:
            snap["mdti"][key] = _mdti(e)
        if t == "domain":
            snap["openpagerank"][key] = _opr(e)
            if bad:  # the certificate sample mode's fake TLS presents for this host is a listed C&C cert
                sha1 = hashlib.sha1(sample_certificate(v)).hexdigest()  # noqa: S324 - SSLBL keys on SHA1
                snap["sslbl"].append([sha1, f"{e['family']} C&C"])
    return snap


def write_snapshot(snapshot: Mapping[str, Any], directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, content in snapshot.items():
        path = directory / f"{name}.json"
        path.write_text(json.dumps(content, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        written.append(path)
    return written


def load_bundled_snapshot() -> dict[str, Any]:
    """The snapshot shipped as package data (empty per provider when it was never generated)."""
    snap: dict[str, Any] = {}
    base = resources.files(SNAPSHOT_PACKAGE).joinpath(SNAPSHOT_DIR)
    for name in PROVIDERS:
        res = base.joinpath(f"{name}.json")
        try:
            snap[name] = json.loads(res.read_text(encoding="utf-8"))
        except (FileNotFoundError, json.JSONDecodeError):
            snap[name] = [] if name in {"sslbl", "tor"} else {}
    return snap


def sample_snapshot(lake_path: str | Path | None = None) -> dict[str, Any]:
    """Bundled snapshot, plus whatever the current sample lake's ground truth adds (so a rebuilt tenant
    with new planted entities still gets real verdicts without regenerating package data)."""
    snap = load_bundled_snapshot()
    if lake_path is not None:
        extra = render_snapshot(entities_from_ground_truth(read_ground_truth(lake_path)))
        for name in PROVIDERS:
            if isinstance(snap[name], list):
                snap[name] = snap[name] + [x for x in extra[name] if x not in snap[name]]
            else:
                snap[name] = {**snap[name], **extra[name]}
    return snap


# ------------------------------------------------------------------------------------------------
# The transport: each provider's HTTP API, answering from the snapshot
# ------------------------------------------------------------------------------------------------


def _json(status: int, body: Any, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, json=body, headers=headers)


class SnapshotAPI:
    """Serves the documented HTTP API of every provider from a snapshot.

    ``bases`` maps provider name -> base URL (what the provider objects are configured with), so routing
    follows configuration overrides. Keyed providers answer 401 without their credential header, as the
    real services do.
    """

    def __init__(self, snapshot: Mapping[str, Any], bases: Mapping[str, str]) -> None:
        self.snapshot = snapshot
        self.bases = {name: base.rstrip("/") for name, base in bases.items()}
        self.requests: list[httpx.Request] = []

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def _route(self, request: httpx.Request) -> tuple[str, str] | None:
        url = str(request.url.copy_with(query=None))
        for name, base in sorted(self.bases.items(), key=lambda kv: -len(kv[1])):
            if url == base or url.startswith(base + "/"):
                return name, url[len(base) :].lstrip("/")
        return None

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        routed = self._route(request)
        if routed is None:
            return _json(404, {"error": f"no such host in the snapshot: {request.url.host}"})
        name, rest = routed
        return getattr(self, f"_{name}")(request, urllib.parse.unquote(rest))

    def _entry(self, provider: str, ind_type: str, value: str) -> Any:
        return self.snapshot.get(provider, {}).get(f"{ind_type}:{value}")

    # -- one method per provider ----------------------------------------------------------------
    def _virustotal(self, request: httpx.Request, rest: str) -> httpx.Response:
        if not request.headers.get("x-apikey"):
            return _json(401, {"error": {"code": "WrongCredentialsError", "message": "Wrong API key"}})
        collection, _, ident = rest.partition("/")
        t = {"domains": "domain", "ip_addresses": "ip", "urls": "url", "files": "hash"}.get(collection)
        if t is None:
            return _json(400, {"error": {"code": "BadRequestError", "message": f"unknown collection {collection}"}})
        if t == "url":
            for key, body in self.snapshot.get("virustotal", {}).items():
                if key.startswith("url:") and body["data"]["id"] == ident:
                    return _json(200, body)
            body = None
        else:
            body = self._entry("virustotal", t, ident.lower())
        if body is None:
            return _json(404, {"error": {"code": "NotFoundError", "message": f'{collection[:-1]} "{ident}" not found'}})
        return _json(200, body)

    def _otx(self, request: httpx.Request, rest: str) -> httpx.Response:
        if not request.headers.get("x-otx-api-key"):
            return _json(403, {"detail": "Authentication credentials were not provided."})
        parts = rest.split("/")
        if len(parts) < 4 or parts[0] != "indicators" or parts[-1] != "general":
            return _json(404, {"detail": "Not found."})
        sec, value = parts[1], "/".join(parts[2:-1])
        t = {
            "IPv4": "ip",
            "IPv6": "ip",
            "domain": "domain",
            "hostname": "domain",
            "url": "url",
            "file": "hash",
        }
        if sec not in t:
            return _json(400, {"detail": f"invalid section {sec}"})
        body = self._entry("otx", t[sec], value)
        if body is None:
            body = {
                "indicator": value,
                "type": sec,
                "pulse_info": {"count": 0, "pulses": [], "references": []},
                "validation": [],
            }
        return _json(200, body)

    def _xforce(self, request: httpx.Request, rest: str) -> httpx.Response:
        if not request.headers.get("authorization", "").startswith("Basic "):
            return _json(401, {"error": "Not authorized."})
        kind, _, value = rest.partition("/")
        t = {"ipr": "ip", "malware": "hash"}.get(kind)
        body = (
            self._entry("xforce", t, value)
            if t
            else self._entry("xforce", "url", value) or self._entry("xforce", "domain", value)
        )
        if body is None:
            return _json(404, {"error": "Not found."})
        return _json(200, body)

    def _shodan(self, request: httpx.Request, rest: str) -> httpx.Response:
        if not request.url.params.get("key"):
            return _json(401, {"error": "Please provide a valid API key."})
        ip = rest.removeprefix("shodan/host/")
        body = self._entry("shodan", "ip", ip)
        if body is None:
            return _json(404, {"error": "No information available for that IP."})
        return _json(200, body)

    def _urlhaus(self, request: httpx.Request, rest: str) -> httpx.Response:
        if request.method != "POST":
            return _json(200, {"query_status": "http_post_expected"})
        if not request.headers.get("auth-key"):
            return _json(401, {"query_status": "unknown_auth_key"})
        form = dict(urllib.parse.parse_qsl(request.content.decode()))
        endpoint = rest.strip("/")
        if endpoint == "url":
            body = self._entry("urlhaus", "url", form.get("url", ""))
        elif endpoint == "host":
            host = form.get("host", "")
            body = self._entry("urlhaus", "domain", host) or self._entry("urlhaus", "ip", host)
        elif endpoint == "payload":
            body = self._entry("urlhaus", "hash", form.get("md5_hash") or form.get("sha256_hash") or "")
        else:
            return _json(404, {"query_status": "unknown_endpoint"})
        return _json(200, body or {"query_status": "no_results"})

    def _threatfox(self, request: httpx.Request, rest: str) -> httpx.Response:
        if not request.headers.get("auth-key"):
            return _json(401, {"query_status": "unknown_auth_key"})
        try:
            query = json.loads(request.content)
        except json.JSONDecodeError:
            return _json(200, {"query_status": "illegal_json"})
        term = query.get("hash") if query.get("query") == "search_hash" else query.get("search_term")
        for t in ("domain", "ip", "url", "hash"):
            body = self._entry("threatfox", t, str(term))
            if body:
                return _json(200, body)
        return _json(200, {"query_status": "no_result", "data": "Your search did not yield any results"})

    def _sslbl(self, request: httpx.Request, rest: str) -> httpx.Response:
        lines = [
            "################################################################",
            "# abuse.ch SSLBL SSL Certificate Blacklist (SHA1 Fingerprints) #",
            f"# Last updated: {datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC                         #",
            "################################################################",
            "#",
            "# Listingdate,SHA1,Listingreason",
        ]
        lines += [f"2026-11-12 10:00:00,{sha1},{reason}" for sha1, reason in self.snapshot.get("sslbl", [])]
        return httpx.Response(200, text="\n".join(lines) + "\n", headers={"content-type": "text/csv"})

    def _tor(self, request: httpx.Request, rest: str) -> httpx.Response:
        ips = list(self.snapshot.get("tor", [])) or ["185.220.101.1"]
        return httpx.Response(200, text="\n".join(ips) + "\n", headers={"content-type": "text/plain"})

    def _greynoise(self, request: httpx.Request, rest: str) -> httpx.Response:
        body = self._entry("greynoise", "ip", rest)
        if body is None:
            return _json(
                404,
                {
                    "ip": rest,
                    "noise": False,
                    "riot": False,
                    "message": "IP not observed scanning the internet or contained in RIOT data set.",
                },
            )
        return _json(200, body)

    def _openpagerank(self, request: httpx.Request, rest: str) -> httpx.Response:
        if not request.headers.get("api-opr"):
            return _json(200, {"status_code": 401, "error": "Invalid API key"})
        domains = request.url.params.get_list("domains[]")
        out = []
        for d in domains[:100]:
            entry = self._entry("openpagerank", "domain", d)
            out.append(
                entry
                or {
                    "status_code": 404,
                    "error": "Domain not found",
                    "page_rank_integer": 0,
                    "page_rank_decimal": 0,
                    "rank": None,
                    "domain": d,
                }
            )
        return _json(200, {"status_code": 200, "response": out, "last_updated": "15th Nov 2026"})

    def _mdti(self, request: httpx.Request, rest: str) -> httpx.Response:
        if not request.headers.get("authorization", "").startswith("Bearer "):
            return _json(401, {"error": {"code": "InvalidAuthenticationToken", "message": "Access token is empty."}})
        prefix, suffix = "v1.0/security/threatIntelligence/hosts/", "/reputation"
        if not (rest.startswith(prefix) and rest.endswith(suffix)):
            return _json(404, {"error": {"code": "ResourceNotFound", "message": "unknown path"}})
        host = rest[len(prefix) : -len(suffix)]
        body = self._entry("mdti", "domain", host) or self._entry("mdti", "ip", host)
        return _json(
            200,
            body
            or {
                "@odata.type": "#microsoft.graph.security.hostReputation",
                "id": host,
                "classification": "unknown",
                "score": 0,
                "rules": [],
            },
        )


def indicators_in(snapshot: Mapping[str, Any]) -> list[Indicator]:
    """Every indicator the snapshot knows (for demos and tests)."""
    found: set[Indicator] = set()
    for name in PROVIDERS:
        content = snapshot.get(name)
        if isinstance(content, dict):
            for key in content:
                t, _, v = key.partition(":")
                found.add(Indicator(t, v))
    found.update(Indicator("cert_sha1", sha1) for sha1, _ in snapshot.get("sslbl", []))
    return sorted(found)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Regenerate the TI snapshot from the sample tenant's ground truth")
    parser.add_argument("--lake", default="data/sample_tenant.duckdb")
    parser.add_argument("--out", default=str(Path(__file__).resolve().parents[2] / "data" / SNAPSHOT_DIR))
    args = parser.parse_args(argv)
    entities = entities_from_ground_truth(read_ground_truth(args.lake)) + list(BENIGN)
    paths = write_snapshot(render_snapshot(entities), Path(args.out))
    print(f"{len(entities)} entities -> {len(paths)} files in {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
