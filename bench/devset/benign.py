"""Benign names that *look* random: the families the notebook method flags by the thousand.

Shapes follow the public documentation / observed formats of each service (reverse DNS, AV and
reputation look-ups, CDN and cloud edge host names, DKIM/DMARC/SRV/service-discovery names,
Chrome's random intranet-redirect probes). Identifiers inside them are random.
"""

from __future__ import annotations

import hashlib
import random
import string
import uuid
from collections.abc import Callable

from bench.devset.dga import WORDS

B32L = "abcdefghijklmnopqrstuvwxyz234567"
ALNUM = string.ascii_lowercase + string.digits


def _r(rng: random.Random, alphabet: str, n: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def _ip(rng: random.Random) -> list[int]:
    return [rng.randint(1, 254) for _ in range(4)]


def _corp(rng: random.Random) -> str:
    return (
        rng.choice(WORDS)
        + rng.choice(["", "-", ""])
        + rng.choice(WORDS)
        + "."
        + rng.choice(["com", "net", "org", "co.uk", "de"])
    )


def ptr_v4(rng: random.Random) -> str:
    a = _ip(rng)
    return ".".join(str(x) for x in reversed(a)) + ".in-addr.arpa"


def ptr_v6(rng: random.Random) -> str:
    nib = _r(rng, "0123456789abcdef", 32)
    return ".".join(reversed(nib)) + ".ip6.arpa"


def av_lookup(rng: random.Random) -> str:
    h = hashlib.sha256(rng.randbytes(16)).hexdigest()
    md5 = hashlib.md5(rng.randbytes(16), usedforsecurity=False).hexdigest()
    kind = rng.randrange(9)
    if kind == 0:  # McAfee GTI file reputation
        return f"0.0.0.0.1.0.0.4e.{_r(rng, B32L, 26)}.avqs.mcafee.com"
    if kind == 1:  # McAfee GTI (avts)
        return f"{_r(rng, B32L, 20)}.{_r(rng, B32L, 6)}.avts.mcafee.com"
    if kind == 2:  # Sophos Live Protection
        return f"{h[:32]}.{h[32:]}.{rng.randint(1, 9)}.sxl.sophosxl.net"
    if kind == 3:  # Team Cymru malware hash registry
        return f"{md5}.malware.hash.cymru.com"
    if kind == 4:  # Spamhaus ZEN / DNSBL by reversed IP
        a = _ip(rng)
        return (
            ".".join(str(x) for x in reversed(a))
            + "."
            + rng.choice(["zen.spamhaus.org", "b.barracudacentral.org", "bl.spamcop.net", "dnsbl.sorbs.net"])
        )
    if kind == 5:  # domain blocklists
        return _corp(rng) + "." + rng.choice(["dbl.spamhaus.org", "multi.surbl.org", "multi.uribl.com"])
    if kind == 6:  # ESET / Kaspersky style hash look-ups
        return f"{h[:40]}.{rng.choice(['e5.sk', 'ksn.kaspersky-labs.com'])}"
    if kind == 7:  # Spamhaus hash blocklist
        return f"{_r(rng, B32L, 52)}._file.hashbl.dq.spamhaus.net"
    return f"{md5}.{rng.choice(['hashlookup.circl.lu', 'avcloud.trendmicro.com'])}"


def cdn_edge(rng: random.Random) -> str:
    kind = rng.randrange(14)
    region = rng.choice(["us-east-1", "eu-west-1", "ap-southeast-2", "us-west-2"])
    if kind == 0:
        return f"d{_r(rng, ALNUM, 13)}.cloudfront.net"
    if kind == 1:
        return f"e{rng.randint(1, 99999)}.{rng.choice(['a', 'b', 'dscb', 'dsce', 'dscx'])}.akamaiedge.net"
    if kind == 2:
        return f"a{rng.randint(1, 9999)}.{rng.choice(['dscd', 'dscg', 'g2'])}.akamai.net"
    if kind == 3:
        return f"rr{rng.randint(1, 8)}---sn-{_r(rng, ALNUM, 8)}.googlevideo.com"
    if kind == 4:
        return f"scontent-{_r(rng, string.ascii_lowercase, 3)}{rng.randint(1, 9)}-{rng.randint(1, 3)}.xx.fbcdn.net"
    if kind == 5:
        a = _ip(rng)
        return f"ec2-{a[0]}-{a[1]}-{a[2]}-{a[3]}.compute-1.amazonaws.com"
    if kind == 6:
        return f"{_r(rng, ALNUM, 10)}.execute-api.{region}.amazonaws.com"
    if kind == 7:
        return f"{_r(rng, ALNUM, rng.randint(8, 24))}.blob.core.windows.net"
    if kind == 8:
        zone = rng.choice(["cloudapp.net", "azurewebsites.net", "trafficmanager.net"])
        return f"{uuid.UUID(int=rng.getrandbits(128))}.{zone}"
    if kind == 9:
        return f"internal-{_r(rng, ALNUM, 6)}-{rng.randint(10**9, 10**10 - 1)}.{region}.elb.amazonaws.com"
    if kind == 10:
        return f"doc-{_r(rng, ALNUM, 2)}-{_r(rng, ALNUM, 2)}-docs.googleusercontent.com"
    if kind == 11:
        zone = rng.choice(["s3.amazonaws.com", "global.ssl.fastly.net", "azureedge.net", "msedge.net"])
        return f"{_r(rng, ALNUM, 16)}.{zone}"
    if kind == 12:
        return (
            f"{_r(rng, '0123456789abcdef', 32)}.{rng.choice(['r.cloudfront.net', 'cdn.cloudflare.net', 'edgekey.net'])}"
        )
    return f"o{rng.randint(10**5, 10**7)}.ingest.sentry.io"


def service_records(rng: random.Random) -> str:
    dom = _corp(rng)
    kind = rng.randrange(6)
    if kind == 0:
        sel = rng.choice(["selector1", "selector2", "google", "k1", "s1", "default", f"s{rng.randint(1000, 9999)}"])
        if rng.random() < 0.3:
            sel = _r(rng, ALNUM, 32)  # Amazon SES style selectors
        return f"{sel}._domainkey.{dom}"
    if kind == 1:
        return f"_dmarc.{dom}"
    if kind == 2:
        svc = rng.choice(["_ldap._tcp", "_kerberos._udp", "_kerberos._tcp", "_gc._tcp", "_kpasswd._udp"])
        return f"{svc}.{rng.choice(['dc._msdcs.', 'pdc._msdcs.', ''])}{dom}"
    if kind == 3:
        svc = rng.choice(
            ["_sip._tls", "_sipfederationtls._tcp", "_autodiscover._tcp", "_xmpp-server._tcp", "_caldavs._tcp"]
        )
        return f"{svc}.{dom}"
    if kind == 4:
        return f"_acme-challenge.{rng.choice(['www.', 'mail.', ''])}{dom}"
    return f"_{rng.choice(['http', 'ipp', 'airplay', 'googlecast'])}._tcp.local"


def chrome_probe(rng: random.Random) -> str:
    return _r(rng, string.ascii_lowercase, rng.randint(7, 15))


def enterprise_internal(rng: random.Random) -> str:
    """What an enterprise resolver sees most: AD host names, internal zones, cloud resource ids."""
    up = string.ascii_uppercase + string.digits
    kind = rng.randrange(6)
    if kind == 0:  # Windows generated computer names in the AD zone or a public corporate domain
        prefix, k = rng.choice([("DESKTOP-", 7), ("LAPTOP-", 8), ("WIN-", 11), ("EC2AMAZ-", 7)])
        zone = rng.choice(["corp.local", "ad." + _corp(rng), _corp(rng), "internal." + _corp(rng)])
        return f"{prefix}{_r(rng, up, k)}.{zone}"
    if kind == 1:  # Kubernetes service and pod names
        pod = f"{rng.choice(WORDS)}-{rng.choice(WORDS)}-{_r(rng, '0123456789abcdef', 9)}-{_r(rng, ALNUM, 5)}"
        return rng.choice(
            [
                f"{pod}.{rng.choice(WORDS)}.svc.cluster.local",
                f"10-{rng.randint(0, 255)}-{rng.randint(0, 255)}-{rng.randint(1, 254)}.default.pod.cluster.local",
            ]
        )
    if kind == 2:  # mDNS / home-router zones
        return f"{_r(rng, ALNUM, rng.randint(8, 16))}.{rng.choice(['local', 'lan', 'home.arpa', 'localdomain'])}"
    if kind == 3:  # UUID-named cloud resources
        zone = rng.choice(["westeurope.azurecontainer.io", "cloudapp.net", "queue.example-saas.io"])
        return f"{uuid.UUID(int=rng.getrandbits(128))}.{zone}"
    if kind == 4:  # hex ids under hosting providers' suffixes (PSL private section)
        zone = rng.choice(["ngrok.io", "herokuapp.com", "web.app"])
        return f"{_r(rng, '0123456789abcdef', rng.choice([8, 12, 16]))}.{zone}"
    return f"uc{_r(rng, ALNUM, 40)}.dl.dropboxusercontent.com"


_SITES = ["NYC", "LON", "FRA", "SIN", "HQ", "DAL", "PAR", "TOR"]
_ROLES = ["DC", "FS", "SQL", "EXCH", "PRN", "APP", "WEB", "PS", "CA", "SCCM", "ADFS", "VDI"]
_PEOPLE = ["Johns", "Marias", "Alexs", "Priyas", "Wei", "Sams", "Fatimas", "Lukas", "Noahs", "Emmas"]
_DEVICES = [
    "MacBook-Pro", "MacBook-Air", "iPhone", "iPad", "iPad-Pro", "iMac", "Galaxy-S21", "Galaxy-Tab-S8", "Pixel-7a",
    "SurfaceLaptop4", "Surface-Pro-9", "ThinkPad-X1-Carbon", "Lenovo-T14s-Gen3", "Latitude-7420", "EliteBook-840",
]


def named_host(rng: random.Random) -> str:
    """Host names people and admins choose, with the case they were typed in: AD servers
    (``NYC-FS02``), NetBIOS-style PCs (``FINANCE-PC07``) and DHCP-registered devices
    (``Johns-MacBook-Pro``, ``Galaxy-S21``) in the corporate zone. Windows clients log look-ups with
    that case; one in four is folded to lower case, as by sensors that fold query names."""
    kind = rng.randrange(3)
    if kind == 0:
        host = f"{rng.choice(_SITES)}-{rng.choice(_ROLES)}{rng.randint(1, 12):02d}"
    elif kind == 1:
        host = f"{rng.choice(WORDS).upper()}-{rng.choice(['PC', 'LT', 'WS', 'KIOSK'])}{rng.randint(1, 99):02d}"
    else:
        device = rng.choice(_DEVICES)
        host = rng.choice([f"{rng.choice(_PEOPLE)}-{device}", device, f"{device}-{rng.randint(2, 9)}"])
    zone = rng.choice(["corp." + _corp(rng), "ad." + _corp(rng), _corp(rng)])
    name = f"{host}.{zone}"
    return name.lower() if rng.random() < 0.25 else name


_REGIONS = ["us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-2", "ap-northeast-1"]
_AZ_REGIONS = ["eastus", "eastus2", "westeurope", "northeurope", "uksouth", "southeastasia", "centralus"]
_ADJ = ["fancy", "polar", "silent", "brave", "lucky", "misty", "quiet", "rapid", "sunny", "wild", "bold", "cool"]
_NOUN = ["river", "forest", "falcon", "meadow", "harbor", "cloud", "pine", "lake", "ridge", "dawn", "otter"]


def platform_id(rng: random.Random) -> str:
    """Cloud and SaaS tenant / resource names the platform assigns (project refs, app ids, account
    locators, cluster ids), under zones that ``suppress.ZONES`` did not list when this family was
    written: an out-of-sample check of how the scorer treats a platform's opaque ids. Shapes from
    each provider's documentation of its endpoint names."""
    kind = rng.randrange(16)
    region = rng.choice(_REGIONS)
    words = f"{rng.choice(_ADJ)}-{rng.choice(_NOUN)}"
    if kind == 0:  # Supabase project ref: 20 lower-case letters
        return f"{_r(rng, string.ascii_lowercase, 20)}.supabase.co"
    if kind == 1:  # AWS Amplify Hosting: branch.<app id: d + 13>.amplifyapp.com
        return f"{rng.choice(['main', 'dev', 'staging', 'master'])}.d{_r(rng, ALNUM, 13)}.amplifyapp.com"
    if kind == 2:  # Azure Databricks workspace URL
        return f"adb-{_r(rng, string.digits, 16)}.{rng.randint(1, 19)}.azuredatabricks.net"
    if kind == 3:  # Snowflake account locator (legacy) or org-account
        if rng.random() < 0.5:
            return f"{_r(rng, string.ascii_lowercase, 2)}{_r(rng, string.digits, 5)}.{region}.snowflakecomputing.com"
        org, account = _r(rng, string.ascii_lowercase, 7), _r(rng, ALNUM, 7)
        return f"{org}-{account}.snowflakecomputing.com"
    if kind == 4:  # AKS API server FQDN
        return f"{rng.choice(WORDS)}-aks-dns-{_r(rng, '0123456789abcdef', 8)}.hcp.{rng.choice(_AZ_REGIONS)}.azmk8s.io"
    if kind == 5:  # MongoDB Atlas cluster hosts
        cluster = f"cluster{rng.randint(0, 3)}"
        host = rng.choice([cluster, f"{cluster}-shard-00-0{rng.randint(0, 2)}"])
        return f"{host}.{_r(rng, ALNUM, 5)}.mongodb.net"
    if kind == 6:  # Dynatrace SaaS environment id
        return f"{_r(rng, string.ascii_lowercase, 3)}{_r(rng, string.digits, 5)}.live.dynatrace.com"
    if kind == 7:  # Heroku app URL with its 12-hex suffix
        return f"{words}-{rng.randint(10000, 99999)}-{_r(rng, '0123456789abcdef', 12)}.herokuapp.com"
    if kind == 8:  # ngrok free endpoints
        if rng.random() < 0.5:
            a = _ip(rng)
            return f"{_r(rng, '0123456789abcdef', 4)}-{a[0]}-{a[1]}-{a[2]}-{a[3]}.ngrok-free.app"
        return f"{_r(rng, ALNUM, 12)}.ngrok.app"
    if kind == 9:  # Marketo munchkin id
        return f"{rng.randint(100, 999)}-{_r(rng, string.ascii_uppercase, 3)}-{rng.randint(100, 999)}.mktoresp.com"
    if kind == 10:  # Azure Container Apps environment
        app = rng.choice(WORDS)
        env = f"{words}-{_r(rng, '0123456789abcdef', 8)}"
        return f"{app}-api.{env}.{rng.choice(_AZ_REGIONS)}.azurecontainerapps.io"
    if kind == 11:  # Algolia application id (10 upper-case alphanumerics)
        app = _r(rng, string.ascii_uppercase + string.digits, 10)
        return rng.choice([f"{app}-dsn.algolia.net", f"{app}-{rng.randint(1, 3)}.algolianet.com", f"{app}.algolia.net"])
    if kind == 12:  # Confluent Cloud bootstrap / cluster endpoints
        return f"pkc-{_r(rng, ALNUM, 5)}.{region}.aws.confluent.cloud"
    if kind == 13:  # Neon Postgres endpoints
        return f"ep-{words}-{_r(rng, ALNUM, 8)}.{region}.aws.neon.tech"
    if kind == 14:  # Upstash databases
        return f"{words}-{rng.randint(10000, 99999)}.upstash.io"
    # Replit dev URLs: a UUID-ish repl id and a cluster name
    repl = f"{uuid.UUID(int=rng.getrandbits(128))}-00-{_r(rng, ALNUM, 13)}"
    return f"{repl}.{rng.choice(['picard', 'janeway', 'kirk', 'riker'])}.replit.dev"


FAMILIES: dict[str, Callable[[random.Random], str]] = {
    "ptr_ipv4": ptr_v4,
    "ptr_ipv6": ptr_v6,
    "av_reputation": av_lookup,
    "cdn_cloud_edge": cdn_edge,
    "dkim_dmarc_srv": service_records,
    "chrome_probe": chrome_probe,
    "enterprise_internal": enterprise_internal,
}
