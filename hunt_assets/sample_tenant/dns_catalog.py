"""Benign DNS names of an ordinary Microsoft 365 shop, grouped in families with their own resolvers' look.

Static families are real, popular names with plausible CNAME chains and addresses; dynamic families produce
the benign names that *look* random and trip naive entropy hunts: CDN edge shards, reverse-DNS PTR names,
AV reputation look-ups, DKIM keys. Their number of distinct names grows with the lake's volume.
"""

from __future__ import annotations

import numpy as np

from .dns_records import NXDOMAIN, NamePool, Record, address_records

# family | name | CNAME chain (space separated) | IPv4 | IPv6 | port (0 = nobody connects)
STATIC_TABLE = """
web|www.google.com||142.250.80.36|2607:f8b0:4006:819::2004|443
web|www.youtube.com|youtube-ui.l.google.com|142.250.65.174 142.250.81.238|2607:f8b0:4006:81c::200e|443
web|www.linkedin.com|www-linkedin-com.l-0005.l-msedge.net l-0005.l-msedge.net|13.107.42.14|2620:1ec:21::14|443
web|github.com||140.82.114.4||443
web|fonts.googleapis.com|googleapis.l.google.com|142.250.64.74|2607:f8b0:4006:80e::200a|443
web|fonts.gstatic.com||142.250.65.163|2607:f8b0:4006:81f::2003|443
web|www.gstatic.com||142.250.72.99|2607:f8b0:4006:80c::2003|443
web|www.bing.com|www-bing-com.dual-a-0001.a-msedge.net dual-a-0001.a-msedge.net|13.107.21.200 204.79.197.200|2620:1ec:c11::200|443
web|en.wikipedia.org|dyna.wikimedia.org|208.80.154.224|2620:0:861:ed1a::1|443
web|stackoverflow.com||104.18.32.7 172.64.155.249||443
web|api.github.com||140.82.112.6||443
web|objects.githubusercontent.com||185.199.108.133 185.199.109.133||443
web|cdnjs.cloudflare.com||104.17.24.14 104.17.25.14||443
web|ajax.googleapis.com|googleapis.l.google.com|142.250.64.74||443
web|docs.google.com||142.250.72.110|2607:f8b0:4006:80f::200e|443
web|www.amazon.com|tp.47cf2c8c9-frontier.amazon.com|52.94.236.248||443
web|www.apple.com|www.apple.com.edgekey.net e6858.dscx.akamaiedge.net|23.55.154.210||443
web|zoom.us||170.114.52.2||443
web|contoso.zoom.us||170.114.10.80||443
web|app.slack.com|app.slack.com.edgekey.net e86303.dscx.akamaiedge.net|23.45.102.148||443
web|www.salesforce.com|www.salesforce.com.edgekey.net e9651.dscb.akamaiedge.net|23.33.125.170||443
web|contoso.my.salesforce.com|contoso.my.sfdc-cehfhs.salesforce.com|13.110.10.6||443
web|www.adobe.com|www.adobe.com.edgekey.net e28578.d.akamaiedge.net|23.50.52.127||443
web|acrobat.adobe.com||52.6.21.11||443
web|www.dropbox.com|www-env.dropbox-dns.com|162.125.1.18||443
web|www.bbc.co.uk|bbc.map.fastly.net|151.101.0.81 151.101.64.81||443
web|www.cnn.com|cnn-tls.map.fastly.net|151.101.3.5||443
web|www.nytimes.com|nytimes.map.fastly.net|151.101.1.164||443
web|www.reddit.com|reddit.map.fastly.net|151.101.1.140||443
web|news.ycombinator.com||209.216.230.207||443
web|www.wsj.com|wsj.map.fastly.net|151.101.2.137||443
web|www.espn.com|espn.map.fastly.net|151.101.194.133||443
web|x.com||104.244.42.193||443
web|abs.twimg.com|cs196.wac.edgecastcdn.net|152.199.24.163||443
web|www.office.com|www.office.com.edgekey.net? e40491.dscd.akamaiedge.net|23.212.250.67||443
web|pypi.org|dualstack.python.map.fastly.net|151.101.0.223||443
web|files.pythonhosted.org|dualstack.r.ssl.global.fastly.net|151.101.192.223||443
web|registry.npmjs.org||104.16.3.35||443
web|www.atlassian.com|atlassian.map.fastly.net|151.101.130.217||443
web|contoso.atlassian.net||185.166.143.17||443
m365|login.microsoftonline.com|login.mso.msidentity.com ak.privatelink.msidentity.com www.tm.ak.prd.aadg.trafficmanager.net|20.190.151.7 40.126.23.98 20.190.151.131||443
m365|outlook.office365.com|outlook.ha.office365.com outlook.ms-acdc.office.com|52.96.88.146 40.99.150.18 52.96.223.2|2603:1036:301:2044::2|443
m365|outlook.office.com|outlook.ha.office365.com outlook.ms-acdc.office.com|52.96.88.146 40.99.150.18||443
m365|substrate.office.com|outlook.ms-acdc.office.com|52.96.223.2 40.99.150.18||443
m365|contoso.sharepoint.com|186843-ipv4.farm.dprodmgd104.aa-rt.sharepoint.com 186843-ipv4.farm.dprodmgd104.sharepointonline.com.akadns.net|13.107.136.10 13.107.138.10||443
m365|contoso-my.sharepoint.com|186843-ipv4.farm.dprodmgd104.aa-rt.sharepoint.com 186843-ipv4.farm.dprodmgd104.sharepointonline.com.akadns.net|13.107.136.10 13.107.138.10||443
m365|teams.microsoft.com|teams-office-com.s-0005.s-msedge.net s-0005.s-msedge.net|52.113.194.132||443
m365|config.teams.microsoft.com|s-0005.s-msedge.net|52.113.194.132||443
m365|presence.teams.microsoft.com|presence.services.sfb.trafficmanager.net|52.115.62.11||443
m365|graph.microsoft.com|ags.privatelink.msidentity.com www.tm.ags.prd.aadg.trafficmanager.net|20.190.151.68 40.126.23.69||443
m365|officeclient.microsoft.com|prod.configsvc1.live.com.akadns.net|52.109.8.19||443
m365|nexus.officeapps.live.com|prod.nexusrules.live.com.akadns.net|52.109.28.46||443
m365|aadcdn.msftauth.net|aadcdn.msftauth.net.edgekey.net e13678.dscb.akamaiedge.net|23.216.157.203||443
m365|aadcdn.msauth.net|aadcdnoriginwus2.azureedge.net aadcdnoriginwus2.afd.azureedge.net|13.107.246.45||443
m365|res.cdn.office.net|res-1.cdn.office.net res-1.cdn.office.net-c.edgekey.net e40491.dscd.akamaiedge.net|23.212.250.67||443
m365|ecs.office.com|ecs.office.trafficmanager.net s-0005.s-msedge.net|52.113.194.132||443
m365|self.events.data.microsoft.com|self-events-data.trafficmanager.net onedscolprdcus17.centralus.cloudapp.azure.com|52.182.143.208||443
m365|enterpriseregistration.windows.net|enterpriseregistration-global.trafficmanager.net|20.190.151.70||443
m365|autodiscover.contoso.com|autodiscover.outlook.com autodiscover.outlook.com.g.outlook.com|52.96.88.146||443
m365|clientconfig.microsoftonline-p.net|clientconfig.microsoftonline-p.net.akadns.net|20.190.151.8||443
m365|oneclient.sfx.ms|oneclient.sfx.ms.edgekey.net e1553.dspg.akamaiedge.net|23.220.204.141||443
m365|g.live.com|g.msn.com.nsatc.net|20.42.65.89||443
windows|settings-win.data.microsoft.com|atm-settingsfe-prod-geo2.trafficmanager.net settings-prod-wus2-2.westus2.cloudapp.azure.com|20.42.73.29||443
windows|v10.events.data.microsoft.com|global.asimov.events.data.trafficmanager.net onedscolprdeus02.eastus.cloudapp.azure.com|20.42.65.92||443
windows|watson.events.data.microsoft.com|umwatsonc.events.data.microsoft.com|20.42.65.90||443
windows|fe3cr.delivery.mp.microsoft.com|glb.cws.prod.dcat.dsp.mp.microsoft.com|20.12.23.50||443
windows|slscr.update.microsoft.com|glb.sls.prod.dcat.dsp.trafficmanager.net|20.72.205.209||443
windows|tlu.dl.delivery.mp.microsoft.com|tlu.dl.delivery.mp.microsoft.com-c.edgesuite.net a1621.g2.akamai.net|23.48.165.8||80
windows|ctldl.windowsupdate.com|ctldl.windowsupdate.com.delivery.microsoft.com wu-b-net.trafficmanager.net|93.184.221.240||80
windows|wdcp.microsoft.com|wdcp.microsoft.akadns.net|20.44.10.123||443
windows|winatp-gw-eus.microsoft.com|winatp-gw-eus.trafficmanager.net|20.185.109.208||443
windows|edr-eus.us.endpoint.security.microsoft.com|edr-eus.trafficmanager.net|20.185.109.210||443
windows|smartscreen-prod.microsoft.com|wd-prod-ss.trafficmanager.net|20.73.130.64||443
windows|www.msftconnecttest.com|ncsi-geo.trafficmanager.net www-msftconnecttest-com.s-0001.s-msedge.net|13.107.4.52||80
windows|dns.msftncsi.com||131.107.255.255|fd3e:4f5a:5b81::1|0
windows|time.windows.com|twc.trafficmanager.net|168.61.215.74||0
windows|msedge.api.cdp.microsoft.com|api.cdp.microsoft.com.edgekey.net e15275.d.akamaiedge.net|23.200.143.7||443
windows|go.microsoft.com|go.microsoft.com.edgekey.net e11290.dspg.akamaiedge.net|23.203.24.157||443
windows|client.wns.windows.com|wns.notify.trafficmanager.net|20.198.118.190||443
windows|arc.msn.com|arc.trafficmanager.net iris-de-prod-azsc-v2-eus2.eastus2.cloudapp.azure.com|20.44.229.112||443
pki|ocsp.digicert.com|fp2e7a.wpc.phicdn.net|192.229.211.108||80
pki|crl3.digicert.com|fp2e7a.wpc.phicdn.net|192.229.211.108||80
pki|ocsp.pki.goog|pki-goog.l.google.com|142.250.80.35||80
pki|crl.microsoft.com|crl.www.ms.akadns.net a1363.dscg.akamai.net|23.216.81.152||80
pki|oneocsp.microsoft.com|ocsp.edge.digicert.com fp2e7a.wpc.phicdn.net|192.229.211.108||80
pki|ocsp.sectigo.com||104.18.38.233 172.64.149.23||80
pki|ocsp.globalsign.com|global.prd.cdn.globalsign.com|104.18.21.226||80
ads|securepubads.g.doubleclick.net|pagead46.l.doubleclick.net|142.250.65.226||443
ads|googleads.g.doubleclick.net|pagead46.l.doubleclick.net|142.250.65.226||443
ads|www.googletagmanager.com||142.250.80.8||443
ads|www.google-analytics.com||142.250.80.14||443
ads|pagead2.googlesyndication.com||142.250.80.2||443
ads|ib.adnxs.com|ib.anycast.adnxs.com|185.89.210.82||443
ads|sb.scorecardresearch.com||18.244.102.8||443
ads|bat.bing.com|bat-bing-com.a-0001.a-msedge.net a-0001.a-msedge.net|13.107.21.200||443
ads|connect.facebook.net|scontent.xx.fbcdn.net|157.240.241.19||443
ads|px.ads.linkedin.com|l-0005.l-msedge.net|13.107.42.14||443
ads|cdn.cookielaw.org||104.18.86.42||443
ads|geolocation.onetrust.com||104.18.32.137||443
ads|js.hs-scripts.com||104.16.141.209||443
internal|dc01.contoso.local||10.10.0.10||389
internal|dc02.contoso.local||10.10.0.11||389
internal|contoso.local||10.10.0.10 10.10.0.11||445
internal|fs01.contoso.local||10.10.0.20||445
internal|sql01.contoso.local||10.10.0.30||1433
internal|exch01.contoso.local||10.10.0.25||443
internal|intranet.contoso.local|fs01.contoso.local|10.10.0.20||443
internal|mail.contoso.com||52.96.88.146||0
"""  # noqa: E501 (one record per line reads better than wrapped data)

_SRV = (
    ("_ldap._tcp.dc._msdcs.contoso.local", ("dc01.contoso.local", "dc02.contoso.local")),
    ("_ldap._tcp.Default-First-Site-Name._sites.dc._msdcs.contoso.local", ("dc01.contoso.local", "dc02.contoso.local")),
    ("_kerberos._tcp.contoso.local", ("dc01.contoso.local", "dc02.contoso.local")),
    ("_ldap._tcp.pdc._msdcs.contoso.local", ("dc01.contoso.local",)),
    ("_gc._tcp.contoso.local", ("dc01.contoso.local",)),
)
_NX = (
    "wpad.contoso.local",
    "isatap.contoso.local",
    "www.google.com.contoso.local",
    "outlook.office365.com.contoso.local",
    "login.microsoftonline.com.contoso.local",
    "localhost.contoso.local",
    "_ldap._tcp.oldhq._sites.dc._msdcs.contoso.local",
    "printer-3rdfloor.contoso.local",
    "wpad",
    "teams.microsoft.com.contoso.local",
    "fileserver.contoso.local",
)
PARTNERS = (
    "fabrikam.com",
    "northwindtraders.com",
    "adventure-works.com",
    "tailspintoys.com",
    "wingtiptoys.com",
    "woodgrovebank.com",
    "litwareinc.com",
    "proseware.com",
    "lucernepublishing.com",
    "fourthcoffee.com",
    "alpineskihouse.com",
    "margiestravel.com",
    "wideworldimporters.com",
    "coho-winery.com",
    "treyresearch.net",
    "blueyonderairlines.com",
    "cpandl.com",
    "graphicdesigninstitute.com",
    "humongousinsurance.com",
    "southridgevideo.com",
    "consolidatedmessenger.com",
    "relecloud.com",
    "gmail.com",
    "outlook.com",
    "yahoo.com",
)
_WORDS = (
    "north",
    "blue",
    "river",
    "stone",
    "cedar",
    "pixel",
    "harbor",
    "summit",
    "maple",
    "iron",
    "silver",
    "bright",
    "delta",
    "prime",
    "global",
    "urban",
    "coastal",
    "alpine",
    "vertex",
    "nova",
    "orbit",
    "sun",
    "oak",
    "atlas",
)
_SUFFIXES = (
    "labs",
    "group",
    "partners",
    "logistics",
    "consulting",
    "systems",
    "media",
    "health",
    "capital",
    "foods",
    "legal",
    "works",
)
_WEB_WEIGHTS = {"A": 1.0, "AAAA": 0.35, "HTTPS": 0.2}


def _tokens(rng: np.random.Generator, n: int, length: int, alphabet: str) -> list[str]:
    """n random strings, vectorised (no per-character Python work)."""
    if n == 0:
        return []
    chars = np.frombuffer(alphabet.encode(), dtype="S1")
    picks = chars[rng.integers(0, len(alphabet), size=(n, length))]
    return np.ascontiguousarray(picks).view(f"S{length}").ravel().astype(str).tolist()


def _zipf(n: int, s: float) -> np.ndarray:
    w = 1.0 / np.arange(1, n + 1) ** s
    return w / w.sum()


def static_family(family: str) -> tuple[NamePool, np.ndarray]:
    """Popular names in catalog order (rank = popularity); A plus AAAA/HTTPS look-ups like Windows 11 sends."""
    pool = NamePool()
    weights: list[float] = []
    rank = 0
    for line in STATIC_TABLE.strip().splitlines():
        fam, name, chain, v4, v6, port = line.split("|")
        if fam != family:
            continue
        rank += 1
        chain_t = tuple(c for c in chain.replace("?", "").split() if c)
        base = 1.0 / rank**0.9
        pool.add(name, "A", address_records(name, chain_t, tuple(v4.split())), port=int(port))
        weights.append(base)
        if family in ("web", "m365", "windows", "ads"):
            v6_ips = tuple(v6.split())
            recs = (
                address_records(name, chain_t, v6_ips, "AAAA")
                if v6_ips
                else (address_records(name, chain_t, ()) if chain_t else [])
            )
            pool.add(name, "AAAA", recs, port=0)
            weights.append(base * _WEB_WEIGHTS["AAAA"])
        if family == "web":
            pool.add(name, "HTTPS", address_records(name, chain_t, ()) if chain_t else [], port=0)
            weights.append(base * _WEB_WEIGHTS["HTTPS"])
    if family == "internal":
        for name, targets in _SRV:
            pool.add(name, "SRV", [Record("SRV", name, t) for t in targets], port=0)
            weights.append(0.5)
    w = np.asarray(weights)
    return pool, w / w.sum()


def nx_family() -> tuple[NamePool, np.ndarray]:
    """Names that never resolve: WPAD/ISATAP probes and DNS-suffix devolution of public names."""
    pool = NamePool()
    for name in _NX:
        pool.add(name, "A", rcode=NXDOMAIN)
    return pool, _zipf(len(pool), 0.8)


def akamai_family(rng: np.random.Generator, n: int) -> tuple[NamePool, np.ndarray]:
    pool = NamePool()
    nums = rng.integers(1000, 99999, n)
    zones = np.array(["a", "b", "dscb", "dscd", "dscx", "dspg", "dsce"])[rng.integers(0, 7, n)]
    octs = rng.integers(0, 256, (n, 3))
    first = np.array([23, 23, 23, 104, 184, 2])[rng.integers(0, 6, n)]
    for i in range(n):
        name = f"e{nums[i]}.{zones[i]}.akamaiedge.net"
        ip = f"{first[i]}.{octs[i, 0]}.{octs[i, 1]}.{octs[i, 2]}"
        pool.add(name, "A", [Record("A", name, ip)], port=443)
    return pool, _zipf(n, 0.7)


def googlevideo_family(rng: np.random.Generator, n: int) -> tuple[NamePool, np.ndarray]:
    pool = NamePool()
    shards = _tokens(rng, n, 8, "abcdefghijklmnopqrstuvwxyz0123456789")
    rr = rng.integers(1, 7, n)
    octs = rng.integers(0, 256, (n, 2))
    for i in range(n):
        name = f"rr{rr[i]}---sn-{shards[i]}.googlevideo.com"
        pool.add(name, "A", [Record("A", name, f"173.194.{octs[i, 0]}.{octs[i, 1]}")], port=443)
    return pool, _zipf(n, 0.6)


def cloudfront_family(rng: np.random.Generator, n: int) -> tuple[NamePool, np.ndarray]:
    pool = NamePool()
    ids = _tokens(rng, n, 13, "abcdefghijklmnopqrstuvwxyz0123456789")
    octs = rng.integers(0, 256, (n, 2))
    for i in range(n):
        name = f"d{ids[i]}.cloudfront.net"
        pool.add(name, "A", [Record("A", name, f"18.{160 + octs[i, 0] % 16}.{octs[i, 1]}.{octs[i, 0]}")], port=443)
    return pool, _zipf(n, 0.6)


def ptr_family(rng: np.random.Generator, n: int, internal_hosts: list[tuple[str, str]]) -> tuple[NamePool, np.ndarray]:
    """Reverse look-ups: public peers (40 % without PTR), internal hosts, and a few ip6.arpa nibble names."""
    pool = NamePool()
    octs = rng.integers(1, 255, (n, 4))
    kind = rng.random(n)
    isps = ("static.ispnet.net", "dyn.telecom-broadband.com", "rev.cloudhost.io", "customer.fiberlink.net")
    for i in range(n):
        a, b, c, d = (int(x) for x in octs[i])
        if kind[i] < 0.25 and internal_hosts:
            host, ip = internal_hosts[i % len(internal_hosts)]
            q = ".".join(reversed(ip.split("."))) + ".in-addr.arpa"
            pool.add(q, "PTR", [Record("PTR", q, host)], port=0)
        elif kind[i] < 0.33:
            nibbles = _tokens(rng, 1, 20, "0123456789abcdef")[0]
            q = ".".join(reversed("2a0126e8" + nibbles + "0001")) + ".ip6.arpa"
            pool.add(q, "PTR", rcode=NXDOMAIN, port=0)
        else:
            q = f"{d}.{c}.{b}.{a}.in-addr.arpa"
            if kind[i] < 0.6:
                pool.add(q, "PTR", rcode=NXDOMAIN, port=0)
            else:
                pool.add(q, "PTR", [Record("PTR", q, f"{a}-{b}-{c}-{d}.{isps[(a + d) % len(isps)]}")], port=0)
    return pool, _zipf(n, 0.3)


def mcafee_family(rng: np.random.Generator, n: int) -> tuple[NamePool, np.ndarray]:
    """McAfee GTI file-reputation look-ups: hash-like labels answered with 127.0.0.x verdict codes."""
    pool = NamePool()
    b32 = _tokens(rng, n, 26, "abcdefghijklmnopqrstuvwxyz234567")
    hexes = _tokens(rng, n, 32, "0123456789abcdef")
    verdict = rng.integers(0, 4, n)
    for i in range(n):
        if i % 2:
            name = f"0.0.0.0.1.0.0.4e.{b32[i]}.avqs.mcafee.com"
        else:
            name = f"{hexes[i]}.avts.mcafee.com"
        pool.add(name, "A", [Record("A", name, f"127.0.0.{1 + verdict[i]}")], port=0)
    return pool, _zipf(n, 0.2)


def sophos_family(rng: np.random.Generator, n: int) -> tuple[NamePool, np.ndarray]:
    """Sophos Extensible List look-ups: SHA-256 split into labels under sophosxl.net."""
    pool = NamePool()
    hexes = _tokens(rng, n, 64, "0123456789abcdef")
    for i, h in enumerate(hexes):
        name = f"{h[:32]}.{h[32:]}.v2.sxl.sophosxl.net"
        pool.add(name, "A", [Record("A", name, "127.0.0.1" if i % 7 else "127.0.0.4")], port=0)
    return pool, _zipf(n, 0.2)


def mail_partners(rng: np.random.Generator, n_extra: int) -> list[str]:
    """Fixed fictitious partners plus generated company domains; grows with the lake's volume."""
    extra = {
        f"{_WORDS[a]}{_SUFFIXES[b]}.{('com', 'net', 'co.uk', 'de', 'io')[c]}"
        for a, b, c in zip(
            rng.integers(0, len(_WORDS), n_extra),
            rng.integers(0, len(_SUFFIXES), n_extra),
            rng.integers(0, 5, n_extra),
            strict=True,
        )
    }
    return list(PARTNERS) + sorted(extra)


def mail_family(rng: np.random.Generator, partners: list[str]) -> tuple[NamePool, np.ndarray]:
    """What a mail gateway resolves for each sender/recipient domain: MX, SPF, DMARC, DKIM and MX hosts."""
    pool = NamePool()
    weights: list[float] = []
    keys = _tokens(rng, len(partners), 216, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
    octs = rng.integers(1, 255, (len(partners), 2))
    for i, dom in enumerate(partners):
        w = 1.0 / (i + 1) ** 0.7
        label = dom.replace(".", "-")
        mx = f"{label}.mail.protection.outlook.com" if i % 3 else f"mx1.{dom}"
        mx_ip = f"52.101.{octs[i, 0]}.{octs[i, 1]}" if i % 3 else f"198.18.{octs[i, 0]}.{octs[i, 1]}"
        pool.add(dom, "MX", [Record("MX", dom, mx, 0 if i % 3 else 10)], port=0)
        pool.add(dom, "TXT", [Record("TXT", dom, "v=spf1 include:spf.protection.outlook.com -all")], port=0)
        dmarc = f"_dmarc.{dom}"
        pool.add(dmarc, "TXT", [Record("TXT", dmarc, f"v=DMARC1; p=quarantine; rua=mailto:dmarc@{dom}")], port=0)
        sel = f"selector1._domainkey.{dom}"
        target = f"selector1-{label}._domainkey.{label.split('-')[0]}.onmicrosoft.com"
        pool.add(
            sel,
            "TXT",
            [
                Record("CNAME", sel, target),
                Record("TXT", target, f"v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8A{keys[i]}"),
            ],
            port=0,
        )
        pool.add(mx, "A", [Record("A", mx, mx_ip)], port=25)
        weights.extend([w, w * 0.9, w * 0.8, w * 0.6, w * 0.9])
    arr = np.asarray(weights)
    return pool, arr / arr.sum()
