"""Explainable suppressions for benign families that look random by design.

Reverse-DNS names, AV / reputation look-ups, CDN and cloud edge host names and DNS service records
(DKIM, DMARC, SRV, ACME) carry hashes, addresses or opaque identifiers in their labels; every
entropy-based method flags them. So do the names an enterprise resolver sees most: Windows' default
computer names (``DESKTOP-4F7K2JQ``), names under internal-only zones (``.local``, Kubernetes'
``svc.cluster.local``, ``home.arpa``) and resource identifiers (UUIDs, hex ids under a hosting
provider's suffix such as ``azurecontainer.io``). They are recognised by *zone* (the operator's own domain, which an
attacker cannot host a tunnel under; besides the listed zones, every hosting platform's zone of the public suffix
list's private section) or by *structure* (``_service._proto`` labels, well-formed
``in-addr.arpa`` / ``ip6.arpa`` names, host names an ISP made of a customer's address such as
``c-73-12-34-56.hsd1.ca.comcast.net``), and each suppression says which family matched and why.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

import numpy as np

from hunt_assets import special_names
from hunt_assets.analytics.dns import accel
from hunt_assets.analytics.dns.names import (
    ParsedNames,
    _hash_set,
    hash_many,
    hash_name,
    isin_sorted,
    sorted_unique,
)
from hunt_assets.analytics.dns.ngram import label_args

if TYPE_CHECKING:
    import pyarrow as pa


def _words(text: str) -> list[str]:
    return text.split()


ZONES: dict[str, tuple[str, list[str]]] = {
    "av_reputation": (
        "anti-virus / reputation look-up (hashes and addresses in labels by design)",
        _words(
            """
            mcafee.com avqs.mcafee.com avts.mcafee.com gti.mcafee.com sophosxl.net sophos.com cymru.com
            hash.cymru.com spamhaus.org spamhaus.net barracudacentral.org spamcop.net sorbs.net
            surbl.org uribl.com e5.sk eset.com eset.net kaspersky-labs.com kaspersky.com circl.lu
            trendmicro.com senderbase.org mailspike.net spameatingmonkey.net abuseat.org dnswl.org
            bitdefender.net bitdefender.com avast.com avg.com norton.com symantec.com
            symantecliveupdate.com webroot.com brightcloud.com malwarebytes.com sophosupd.com
            mailshell.net invaluement.com nordspam.com s5h.net virustotal.com microsoft-defender.com
            webrootcloudav.com f-secure.com fsapi.com carbonblack.io crowdstrike.com cloudsink.net
            sentinelone.net opendns.com umbrella.com paloaltonetworks.com fortinet.net fortiguard.com
            checkpoint.com pphosted.com mimecast.com spamrats.com ff.avast.com trendmicro.co.jp
            wdcp.microsoft.com smartscreen.microsoft.com avira.com pandasecurity.com comodo.com emsisoft.com
            drweb.com ahnlab.com 360safe.com 360.cn k7computing.com quickheal.com zonealarm.com
            """
        ),
    ),
    "cdn_cloud_edge": (
        "CDN, cloud, hosting or content-platform zone (opaque identifiers or user-chosen page names under "
        "the operator's own domain, answered by the operator's DNS)",
        _words(
            """
            akamaiedge.net akamai.net akamaihd.net akadns.net akamaized.net akamaitechnologies.com
            edgekey.net edgesuite.net akamaistream.net cloudfront.net amazonaws.com
            awsglobalaccelerator.com aws.dev amazontrust.com googlevideo.com googleusercontent.com
            gvt1.com gvt2.com gvt3.com ggpht.com 1e100.net googleapis.com gstatic.com
            googlesyndication.com doubleclick.net 2mdn.net google.com youtube.com ytimg.com fbcdn.net
            cdninstagram.com facebook.com whatsapp.net windows.net azureedge.net azurefd.net msedge.net
            trafficmanager.net cloudapp.net azurewebsites.net azure.com azure.net microsoft.com
            office.net office.com office365.com live.com msn.com windowsupdate.com footprintdns.com
            msecnd.net aspnetcdn.com skype.com fastly.net fastlylb.net cloudflare.net cloudflare.com
            sentry.io llnwd.net llnw.net edgecastcdn.net aaplimg.com apple-dns.net apple.com icloud.com
            mzstatic.com cdn77.org b-cdn.net stackpathdns.com impervadns.net incapdns.net hwcdn.net
            cdngc.net alicdn.com tiktokcdn.com byteoversea.com nflxvideo.net nflxso.net nflxext.com
            netflix.com ttvnw.net jtvnw.net spotifycdn.com scdn.co steamcontent.com steamserver.net
            cloudinary.com imgix.net shopifycdn.com wp.com gravatar.com digicert.com lencr.org
            globalsign.com sectigo.com pki.goog ntp.org pool.ntp.org salesforce.com force.com
            salesforceliveagent.com zscaler.net zscalertwo.net okta.com oktacdn.com duosecurity.com
            adobe.com adobedtm.com omtrdc.net demdex.net everesttech.net msftncsi.com msftconnecttest.com
            kxcdn.com ampproject.org ampproject.net fastly-edge.com fastly-insights.com mozilla.net
            amazon.com media-amazon.com ssl-images-amazon.com amazonvideo.com aiv-cdn.net adnxs.com
            criteo.com criteo.net rubiconproject.com pubmatic.com taboola.com outbrain.com
            scorecardresearch.com moatads.com casalemedia.com openx.net adsrvr.org bidswitch.net
            googletagmanager.com google-analytics.com youtube-nocookie.com vimeocdn.com jwpcdn.com
            brightcove.net llnwi.net edgecastdns.net tiktokv.com ibytedtos.com pstatp.com sinaimg.cn
            aliyuncs.com myqcloud.com qcloud.com cdnetworks.net cdngslb.com akamaiedge-staging.net
            edgekey-staging.net azure-dns.com azure-dns.net azure-dns.org azure-dns.info msidentity.com
            mp.microsoft.com dsp.mp.microsoft.com data.microsoft.com events.data.microsoft.com
            icloud-content.com cdn-apple.com apple-cloudkit.com akamai-staging.net gcdn.co
            windows.com microsoftonline.com live.net githubusercontent.com github.com githubassets.com
            dropbox.com dropboxusercontent.com dropboxstatic.com dropbox-dns.com azurecontainer.io
            azure-api.net azurecr.io azure-devices.net servicebus.windows.net onedrive.com sharepointonline.com
            appspot.com firebaseio.com run.app cloudfunctions.net herokudns.com vercel-dns.com
            zoom.us slack-edge.com webex.com elasticbeanstalk.com
            blogspot.com blogger.com github.io gitlab.io wordpress.com tumblr.com weebly.com wixsite.com
            livejournal.com substack.com neocities.org netlify.app pages.dev vercel.app firebaseapp.com
            glitch.me readthedocs.io stackpathcdn.com wpenginepowered.com kinstacdn.com wscdns.com ccgslb.com
            bdydns.com qiniudns.com sfx.ms msauth.net msftauth.net gfx.ms cloudflare-dns.com nr-data.net
            lxdns.com jomodns.com gtimg.cn jsdelivr.net footprint.net yahoodns.net sucuri.net cachefly.net
            netdna-cdn.com netdna-ssl.com rackcdn.com cloudflareinsights.com cloudflarestream.com
            videodelivery.net imagedelivery.net r2.dev workers.dev web.app onrender.com fly.dev
            railway.app digitaloceanspaces.com linodeobjects.com linodeusercontent.com vultrobjects.com
            oraclecloud.com on.aws azurestaticapps.net azureedge.us office365.us windowsazure.com
            visualstudio.com vsassets.io sharepoint.com onmicrosoft.com lync.com outlook.com bing.com
            microsoftonline-p.com wpengine.com pantheonsite.io myshopify.com squarespace.com zendesk.com
            hubspot.net hs-sites.com mktoweb.com domaincontrol.com registrar-servers.com nsone.net dynect.net
            ultradns.net entrust.net letsencrypt.org usertrust.com comodoca.com datadoghq.com datadoghq.eu
            newrelic.com segment.io mixpanel.com amplitude.com hotjar.com intercom.io fullstory.com
            launchdarkly.com optimizely.com braze.com onesignal.com pusher.com pubnub.com twilio.com
            amazon-adsystem.com appsflyer.com branch.io adjust.com doubleverify.com adsafeprotected.com
            iasds01.com sendgrid.net mcusercontent.com list-manage.com mandrillapp.com sparkpostmail.com
            mailgun.org amazonses.com gotomeeting.com logmein.com teamviewer.com boxcdn.net atlassian.net
            slack.com discordapp.com spotify.com twimg.com licdn.com pinimg.com redditmedia.com sc-cdn.net
            yimg.com ebaystatic.com paypalobjects.com stripe.network found.io elastic-cloud.com
            cloudflarestorage.com splunkcloud.com bcebos.com awstrack.me ocsp-certum.com certum.pl certum.eu
            identrust.com quovadisglobal.com ssl.com buypass.no telesec.de harica.gr
            algolia.net algolianet.com azuredatabricks.net cloud.databricks.com snowflakecomputing.com
            confluent.cloud azmk8s.io mongodb.net dynatrace.com neon.tech upstash.io azurecontainerapps.io
            mktoresp.com cas.ms mcas.ms awsapps.com cloudflareaccess.com msappproxy.net jfrog.io grafana.net
            pkg.dev appdomain.cloud auth0.com hsforms.com hs-analytics.net hubspotusercontent-na1.net
            replit.dev
            dweb.link inbrowser.dev inbrowser.link cf-ipfs.com cloudflare-ipfs.com 4everland.io flk-ipfs.xyz
            devtunnels.ms app.github.dev gitpod.io dynamic-m.com
            test.dnsleaktest.com ipleak.net test.nextdns.io dnsleak.am.i.mullvad.net
            plex.direct nip.io sslip.io csb.app platformsh.site expo.app deno.dev ts.net
            cloudflare-gateway.com d.adguard-dns.com dns.controld.com dns.nextdns.io
            a-msedge.net a-dc-msedge.net arc-msedge.net arc-dc-msedge.net arm-msedge.net arm-dc-msedge.net
            au-msedge.net ax-msedge.net ax-dc-msedge.net b-msedge.net b-dc-msedge.net bx-msedge.net
            bx-dc-msedge.net c-msedge.net c-dc-msedge.net dc-msedge.net dual-s-msedge.net
            dual-s-dc-msedge.net e-msedge.net e-dc-msedge.net ev2-msedge.net ev2-dc-msedge.net exo-msedge.net
            f-msedge.net fb-t-msedge.net fbs1-e-msedge.net fbs1-t-msedge.net fdv2-t-msedge.net k-msedge.net
            l-msedge.net l-dc-msedge.net ln-msedge.net ln-dc-msedge.net m1-msedge.net mcr-msedge.net
            mcr-dc-msedge.net o-msedge.net p-msedge.net p-dc-msedge.net q-msedge.net q-t-msedge.net
            s-msedge.net s-dc-msedge.net segment4-s-msedge.net spo-msedge.net spo-dc-msedge.net spov-msedge.net
            spov-dc-msedge.net t-msedge.net teams-msedge.net teams-dc-msedge.net wac-msedge.net wac-dc-msedge.net
            """
        ),
    ),
}

# well-known underscore labels of service records: DKIM, DMARC, SRV, ACME, MTA-STS, DNS-SD, ...
SERVICE_LABELS = {
    "_domainkey": "DKIM public-key look-up (selector._domainkey.domain)",
    "_dmarc": "DMARC policy look-up",
    "_acme-challenge": "ACME (Let's Encrypt) validation record",
    "_mta-sts": "MTA-STS policy look-up",
    "_smtp": "SMTP TLS reporting record",
    "_bimi": "BIMI brand-indicator record",
    "_tcp": "SRV service-location look-up (_service._tcp)",
    "_udp": "SRV service-location look-up (_service._udp)",
    "_tls": "SRV service-location look-up (_service._tls)",
    "_sctp": "SRV service-location look-up (_service._sctp)",
    "_msdcs": "Active Directory locator (_msdcs)",
    "_sites": "Active Directory site locator",
    "_dns-sd": "DNS service discovery",
    "_services": "DNS service discovery",
    "_spf": "SPF include record",
    "_adsp": "DKIM ADSP record",
    "_github-challenge": "domain-verification record",
    "_amazonses": "Amazon SES verification record",
}


@functools.lru_cache(maxsize=1)
def _zone_table() -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Zone hashes (sorted, distinct) and the ``ZONES`` family index of each.

    Besides the listed zones, ``cdn_cloud_edge`` takes every hosting platform's zone of the PSL's
    private section (``names.SuffixRules.platform``: supabase.co, amplifyapp.com, herokuapp.com,
    ngrok-free.app ... about 1,500): the platform names its customers' projects, often with opaque
    ids, and answers for them itself, so a name there can be neither a DGA's registration nor a
    tunnel's delegated zone. Dynamic-DNS and free-subdomain providers are not among them.
    """
    fam_of: dict[int, int] = {}
    fams = list(ZONES)
    for i, fam in enumerate(fams):
        for z in ZONES[fam][1]:
            fam_of.setdefault(hash_name(z), i)
    cdn = fams.index("cdn_cloud_edge")
    for h in hash_many([z.encode() for z in _platform_zones()]).tolist():
        fam_of.setdefault(h, cdn)
    h = np.fromiter(fam_of.keys(), dtype=np.uint64, count=len(fam_of))
    f = np.fromiter(fam_of.values(), dtype=np.int16, count=len(fam_of))
    order = np.argsort(h)
    return h[order], f[order], fams


@functools.lru_cache(maxsize=1)
def _platform_zones() -> tuple[str, ...]:
    """The PSL's hosting-platform zones that ``cdn_cloud_edge`` takes in: dynamic-DNS zones left out."""
    from hunt_assets.analytics.dns.names import suffix_rules

    ddns = set(DYNAMIC_DNS_ZONES)
    return tuple(z for z in suffix_rules(True).platform if z not in ddns)


@functools.lru_cache(maxsize=1)
def _platform_only_hashes() -> np.ndarray:
    """Hashes of the platform zones (``_platform_zones``) that neither ``ZONES`` nor an ancestor of
    theirs in it lists.

    Names under them are suppressed as ``cdn_cloud_edge`` like the listed zones, but the hunter
    reading ``abc123.supabase.co`` should see why a zone nobody wrote down counts: it comes from the
    public suffix list's hosting providers. A zone under a listed one (``web.core.windows.net``
    under ``windows.net``) keeps the listed zone's text.
    """
    listed = {z for _, zones in ZONES.values() for z in zones}
    keep = []
    for zone in _platform_zones():
        parts = zone.split(".")
        if not any(".".join(parts[i:]) in listed for i in range(len(parts))):
            keep.append(zone.encode())
    return sorted_unique(hash_many(keep)) if keep else np.zeros(0, dtype=np.uint64)


def _leading_labels(p: ParsedNames, rows: np.ndarray, cnt: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The first ``cnt[i]`` labels of each row ``rows[i]`` (label indices, row by row) and, for each,
    its position in ``rows``: a few rows' labels without a pass over the whole batch."""
    lrow = np.repeat(np.arange(rows.size), cnt)
    return p.row_first_label[rows][lrow] + np.arange(lrow.size) - np.repeat(np.cumsum(cnt) - cnt, cnt), lrow


def _platform_reasons(p: ParsedNames, reason: np.ndarray) -> None:
    """Give ``cdn_cloud_edge`` rows under a platform-only zone the platform text.

    A post-step over the (few) CDN rows rather than a third zone code, so the C kernel's zone
    family mapping stays one family per listed group. Any of the row's labels may carry the zone
    (the public suffix, or a wildcard rule's parent such as ``on-acorn.io`` above it); the zone the
    kernel matched is the shortest one, and no listed zone is an ancestor of a platform-only one
    (see ``_platform_only_hashes``), so a platform-only hit anywhere in the row decides the text.
    """
    rows = np.flatnonzero(reason == _R_CDN)
    plat = _platform_only_hashes()
    if rows.size == 0 or plat.size == 0:
        return
    lab, lrow = _leading_labels(p, rows, p.n_labels[rows].astype(np.int64))
    hit = isin_sorted(p.suffix_hash[lab], plat)
    under = np.bincount(lrow[hit], minlength=rows.size) > 0
    reason[rows[under]] = _R_PLATFORM


@functools.lru_cache(maxsize=1)
def _arpa_hashes() -> tuple[np.uint64, np.uint64]:
    return np.uint64(hash_name("in-addr.arpa")), np.uint64(hash_name("ip6.arpa"))


_REVERSE_DNS = "reverse-DNS (PTR) look-up of an address under .arpa"
_DNSBL = "DNSBL / reputation look-up of a reversed IPv4 address"
_SINGLE = "single-label name (no public suffix; e.g. Chrome intranet-redirect probe)"
# every suppression reason text; ``suppression_codes`` returns indices into this list
REASON_TEXTS: list[str] = [
    *(ZONES[f][0] for f in ZONES),
    _REVERSE_DNS,
    _DNSBL,
    _SINGLE,
    *SERVICE_LABELS.values(),
    "internal-only zone (.local, .lan, .internal, home.arpa ...): never resolved on the internet",
    "default computer or device name: a fixed prefix and a random or hardware-address suffix (Windows "
    "DESKTOP-/LAPTOP-/WIN-/EC2AMAZ-, Amazon WorkSpaces WSAMZN-, Brother printers BRN/BRW and Cisco IP "
    "phones SEP + MAC address)",
    "label is a UUID (a resource identifier, not an encoding or a DGA)",
    "hex resource id under a hosting provider's suffix (PSL private section), not a registered domain",
    "host named after its IPv4 address (an ISP's or hosting provider's name for a customer address, "
    "e.g. c-73-12-34-56.hsd1.ca.comcast.net)",
    "domain named after an IPv4 network (a hosting provider's domain for a block of customer addresses, "
    "e.g. ip-144-217-85.net)",
    "hosting platform's zone (public suffix list, private section: the platform names its customers' "
    "projects and resources, often with opaque ids, and answers for them itself)",
    "computer name in a site/type/asset-tag naming convention: short letter codes and one serial or asset "
    "tag within the 15-character NetBIOS limit (NYC-LT-7K2J9QX, CPC-jdoe-AB12C), as a host under its "
    "organisation's zone",
]
_R_REVERSE_DNS, _R_DNSBL, _R_SINGLE = len(ZONES), len(ZONES) + 1, len(ZONES) + 2
_R_INTERNAL = len(ZONES) + 3 + len(SERVICE_LABELS)
_R_WINHOST, _R_UUID, _R_HEX_ID = _R_INTERNAL + 1, _R_INTERNAL + 2, _R_INTERNAL + 3
_R_ADDRESS, _R_ADDRESS_NET = _R_INTERNAL + 4, _R_INTERNAL + 5
_R_PLATFORM = _R_INTERNAL + 6
_R_ASSET_TAG = _R_INTERNAL + 7
_R_CDN = list(ZONES).index("cdn_cloud_edge")
# bytes compared per underscore label: the label zero-padded, its length in the last byte (so a
# label with NUL bytes cannot match a shorter key); every SERVICE_LABELS key is much shorter
_SERVICE_WIDTH = 24


@functools.lru_cache(maxsize=1)
def _service_table() -> tuple[np.ndarray, np.ndarray]:
    """SERVICE_LABELS keys as (sorted fixed-width byte keys, reason codes)."""
    keys = np.zeros((len(SERVICE_LABELS), _SERVICE_WIDTH), dtype=np.uint8)
    for i, k in enumerate(SERVICE_LABELS):
        b = k.encode("ascii")[: _SERVICE_WIDTH - 1]
        keys[i, : len(b)] = np.frombuffer(b, dtype=np.uint8)
        keys[i, -1] = len(b)
    flat = keys.view(f"V{_SERVICE_WIDTH}").ravel()
    order = np.argsort(flat)
    codes = np.arange(len(SERVICE_LABELS), dtype=np.int16) + (_R_SINGLE + 1)
    return flat[order], codes[order]


def _service_codes(p: ParsedNames, labels: np.ndarray) -> np.ndarray:
    """Reason code of each (underscore) label that is a well-known service label, else -1."""
    out = np.full(labels.size, -1, dtype=np.int16)
    start = p.label_start[labels]
    length = p.label_end[labels] - start
    fits = np.flatnonzero(length < _SERVICE_WIDTH - 1)
    if fits.size == 0:
        return out
    pos = start[fits, None] + np.arange(_SERVICE_WIDTH)[None, :]
    inside = np.arange(_SERVICE_WIDTH)[None, :] < length[fits, None]
    lab = np.where(inside, p.lower[np.minimum(pos, p.lower.size - 1)], 0).astype(np.uint8)
    lab[:, -1] = length[fits]
    flat = np.ascontiguousarray(lab).view(f"V{_SERVICE_WIDTH}").ravel()
    table, codes = _service_table()
    at = np.minimum(np.searchsorted(table, flat), table.size - 1)
    hit = table[at] == flat
    out[fits[hit]] = codes[at[hit]]
    return out


def suppressions(p: ParsedNames) -> tuple[np.ndarray, np.ndarray]:
    """Per row: family code (-1 none) and a human reason; family names are in ``FAMILY_NAMES``."""
    fam, code = suppression_codes(p)
    return fam, np.array([*REASON_TEXTS, ""], dtype=object)[code]


def suppression_codes(p: ParsedNames) -> tuple[np.ndarray, np.ndarray]:
    """Per row: family code (-1 none) and reason code into ``REASON_TEXTS`` (-1 none).

    Zone matching reuses the suffix hashes computed while parsing, so it costs one hash look-up
    per label. Structural checks look only at the rare rows that need them (names under
    ``.arpa``, six labels or more, or with an underscore label).
    """
    if accel.ext is not None and accel.ENABLED and p.n and p.lower.size:
        fam, reason = _native_codes(p)
    else:
        fam, reason = _numpy_codes(p)
    _platform_reasons(p, reason)
    return fam, reason


def _numpy_codes(p: ParsedNames) -> tuple[np.ndarray, np.ndarray]:
    """``suppression_codes`` in NumPy: the reference the C kernel is tested against."""
    n = p.n
    fam = np.full(n, -1, dtype=np.int16)
    reason = np.full(n, -1, dtype=np.int16)
    table, fam_of, _ = _zone_table()
    hit_labels = np.flatnonzero(isin_sorted(p.suffix_hash, table))
    if hit_labels.size:
        rows = p.label_row[hit_labels]
        codes = fam_of[np.searchsorted(table, p.suffix_hash[hit_labels])]
        # last hit per row is the shortest zone; any hit is fine for the family
        fam[rows] = codes + 2
        # zone families are the first reason texts, in ZONES order
        reason = np.where(fam >= 2, fam - 2, -1).astype(np.int16)

    # reverse DNS: well-formed in-addr.arpa (<= 4 numeric labels of <= 3 digits) and ip6.arpa
    # (<= 32 single-nibble labels); anything else under .arpa is left to the scorer
    if n:
        arpa_v4, arpa_v6 = _arpa_hashes()
        nl = p.n_labels.astype(np.int64)
        two = nl >= 3
        zone_lab = p.row_first_label + np.maximum(nl - 2, 0)
        zh = p.suffix_hash[zone_lab]
        v4 = two & (zh == arpa_v4)
        v6 = two & (zh == arpa_v6)
        rows = np.flatnonzero(v4 | v6)
        if rows.size:
            # check only the labels of these rows, byte by byte (labels of 1-3 characters)
            lab, lrow = _leading_labels(p, rows, (nl[rows] - 2).clip(min=0))
            ln = p.label_end[lab] - p.label_start[lab]
            is4 = v4[rows][lrow]
            ok = np.where(is4, (ln >= 1) & (ln <= 3), ln == 1)
            for k in range(3):
                ch = p.lower[np.minimum(p.label_start[lab] + k, p.data.size - 1)]
                dig = (ch >= ord("0")) & (ch <= ord("9"))
                hexd = dig | ((ch >= ord("a")) & (ch <= ord("f")))
                ok &= (k >= ln) | np.where(is4, dig, hexd)
            bad = np.bincount(lrow[~ok], minlength=rows.size) > 0
            limit = np.where(v4[rows], 6, 34)
            good = rows[~bad & (nl[rows] <= limit)]
            fam[good] = 0
            reason[good] = _R_REVERSE_DNS
    # DNSBL-style look-ups under any zone: the first four labels are a reversed IPv4 address
    # (``4.3.2.1.zen.example-bl.net``); no tunnel encoding produces four short decimal labels
    if n:
        cand = np.flatnonzero((p.n_labels >= 6) & (fam < 0))
        if cand.size:
            ok = np.ones(cand.size, dtype=bool)
            for j in range(4):
                li = p.row_first_label[cand] + j
                ln = p.label_end[li] - p.label_start[li]
                ok &= (ln >= 1) & (ln <= 3)
                for k in range(3):
                    pos = np.minimum(p.label_start[li] + k, p.data.size - 1)
                    ch = p.data[pos]
                    ok &= (k >= ln) | ((ch >= ord("0")) & (ch <= ord("9")))
            dnsbl = cand[ok]
            fam[dnsbl] = 2
            reason[dnsbl] = _R_DNSBL
    # service labels: the first label of a row that starts with an underscore and is a
    # well-known service label, for rows no family has claimed yet
    us_labels = (
        np.flatnonzero(p.data[p.label_start.clip(max=max(p.data.size - 1, 0))] == ord("_"))
        if (p.data.size)
        else np.zeros(0, np.int64)
    )
    if us_labels.size:
        svc = _service_codes(p, us_labels)
        known = np.flatnonzero(svc >= 0)
        rows = p.label_row[us_labels[known]]
        first = np.ones(rows.size, dtype=bool)
        first[1:] = rows[1:] != rows[:-1]  # labels are in row order
        rows, svc = rows[first], svc[known][first]
        free = fam[rows] < 0
        fam[rows[free]] = 1
        reason[rows[free]] = svc[free]
    # single-label names never leave the local network as-is (Chrome intranet probes, NetBIOS)
    single = (p.n_labels == 1) & (fam < 0)
    fam[single] = 4
    reason[single] = _R_SINGLE
    if n:
        _internal_zones(p, fam, reason)
        _windows_hostnames(p, fam, reason)
        _resource_ids(p, fam, reason)
        _address_hosts(p, fam, reason)
        _address_networks(p, fam, reason)
        _asset_tag_hosts(p, fam, reason)
    return fam, reason


FAMILY_NAMES = [
    "reverse_dns",
    "service_record",
    "av_reputation",
    "cdn_cloud_edge",
    "single_label",
    "internal_zone",
    "windows_hostname",
    "resource_id",
    "address_host",
    "anonymity_network",
]
_INTERNAL, _WINHOST, _RESOURCE, _ADDRESS = 5, 6, 7, 8
# set by the scorer, not here: its names are flagged, not cleared (``anonymity.py``)
ANONYMITY = FAMILY_NAMES.index("anonymity_network")

# zones that are never delegated on the public internet (``hunt_assets.special_names``): a query
# for them cannot reach an attacker's authoritative server, so it can be neither a tunnel nor a DGA
INTERNAL_TLDS, INTERNAL_ZONES = special_names.INTERNAL_TLDS, special_names.INTERNAL_ZONES

# Generated computer and device names: 15 characters (the NetBIOS limit), a fixed prefix and random
# upper-case letters and digits (Windows' DESKTOP-4F7K2JQ, LAPTOP-7H3KQ9ZX, WIN-8QJ2K4L1M9P, EC2AMAZ-1A2B3C4;
# Amazon WorkSpaces' WSAMZN-8K2J4QX1) or the device's MAC address (Brother printers' BRN/BRW3C2AF41A2B3C,
# Cisco IP phones' SEP00562B1A2B3C). Printers and phones are looked up by every client that uses them.
WINDOWS_NAME_PREFIXES = (b"desktop-", b"laptop-", b"win-", b"ec2amaz-", b"wsamzn-", b"brn", b"brw", b"sep")
WINDOWS_NAME_LEN = 15

# Computer names that organisations assign by convention, within the same 15-character limit: site and
# device-type codes and one serial number or asset tag (NYC-LT-7K2J9QX, HQD-4K7Q2ZP, LT-5CG7844SYP), or
# Windows 365's CPC-<user>-<5 random>. A probe of five such conventions under a corporate zone found
# 2-18 % of them `suspicious`, and a zone where one convention held 90 % of the names a `tunnel`
# (low-and-slow rule). The shape asked for: the host label of a longer name (never the registered
# label), 2-4 hyphen-separated tokens, all but the last of 1-ASSET_CODE_MAX letters, the last of
# ASSET_TAG_MIN-ASSET_TAG_MAX letters and digits, and no token mixing upper and lower case (a
# base64 payload that happens to hold a hyphen does; none of the dev set's 23,513 tunnel and 32,500
# DGA names matches). The tag carries at most 12 characters of one case: a tunnel shaped like this
# moves a few bytes per look-up.
ASSET_CODE_MAX, ASSET_TAG_MIN, ASSET_TAG_MAX, ASSET_TOKENS_MAX = 6, 4, 12, 4


@functools.lru_cache(maxsize=1)
def _internal_hashes() -> tuple[np.ndarray, np.ndarray]:
    tlds = np.sort(np.array([hash_name(t) for t in INTERNAL_TLDS], dtype=np.uint64))
    zones = np.sort(np.array([hash_name(z) for z in INTERNAL_ZONES], dtype=np.uint64))
    return tlds, zones


# Dynamic-DNS zones of the PSL's private section: free, instant names are classic malware
# infrastructure (CoreBot, Symmi and Kraken register DGA names there), so hex labels under them are
# not taken for a hosting provider's resource ids
DYNAMIC_DNS_ZONES = _words(
    """
    ddns.net duckdns.org dyndns.org dynu.net hopto.org zapto.org sytes.net myftp.org serveftp.com
    redirectme.net bounceme.net servebeer.com 3utilities.com ddnsking.com noip.me no-ip.org no-ip.biz
    no-ip.info homeip.net dnsalias.com dnsalias.net dnsalias.org dyndns.info dynalias.com
    """
)


@functools.lru_cache(maxsize=1)
def _private_suffix_hashes() -> np.ndarray:
    """Suffixes of the PSL's private section (hosting providers' zones such as ``ngrok.io``),
    dynamic-DNS zones left out.

    A private rule that is also an ICANN rule (none today) would count as private here; that only
    widens the hex-id suppression to it.
    """
    from hunt_assets.analytics.dns.names import suffix_rules

    ddns = np.array([hash_name(z) for z in DYNAMIC_DNS_ZONES], dtype=np.uint64)
    private = suffix_rules(True).private
    return np.sort(private[~np.isin(private, ddns)])


# Second-level zones whose registrations are vetted (government, military, education, academia):
# ``gov.in``, ``edu.vn``, ``ac.uk``, ``go.jp``, ``k12.ca.us`` ... and the .gov/.edu/.mil TLDs. No
# DGA can register names there, so a registered label under them is never called machine-made
# (tunnel evidence still counts: their owners run their own name servers). ``ac`` counts only as
# a second-level label: the .ac TLD itself is open to anyone.
VETTED_LABELS = ("gov", "edu", "mil", "ac", "gob", "gouv", "govt", "go", "gv", "k12", "sch")
VETTED_TLDS = ("gov", "edu", "mil")


@functools.lru_cache(maxsize=1)
def vetted_suffix_hashes() -> np.ndarray:
    """Sorted hashes of the public suffixes (ICANN section) that are vetted zones."""
    from hunt_assets.analytics.dns.names import hash_many, suffix_rules

    out: list[bytes] = [t.encode() for t in VETTED_TLDS]
    for rule in suffix_rules(True).icann_ascii:
        labels = rule.split(".")
        if len(labels) >= 2 and (labels[0] in VETTED_LABELS or any(lab in VETTED_LABELS for lab in labels[:-1])):
            out.append(rule.encode())
    return sorted_unique(hash_many(out))


def _internal_zones(p: ParsedNames, fam: np.ndarray, reason: np.ndarray) -> None:
    tlds, zones = _internal_hashes()
    nl = p.n_labels.astype(np.int64)
    last = p.row_first_label + nl - 1
    hit = isin_sorted(p.suffix_hash[last], tlds)
    two = nl >= 2
    hit |= two & isin_sorted(p.suffix_hash[p.row_first_label + np.maximum(nl - 2, 0)], zones)
    rows = np.flatnonzero(hit & (fam < 0))
    fam[rows] = _INTERNAL
    reason[rows] = _R_INTERNAL


def _windows_hostnames(p: ParsedNames, fam: np.ndarray, reason: np.ndarray) -> None:
    first = p.row_first_label
    ln = p.label_end[first] - p.label_start[first]
    cand = np.flatnonzero((ln == WINDOWS_NAME_LEN) & (p.n_labels >= 2) & (fam < 0))
    if cand.size == 0:
        return
    start = p.label_start[first[cand]]
    chars = p.lower[start[:, None] + np.arange(WINDOWS_NAME_LEN)[None, :]]
    alnum = ((chars >= ord("a")) & (chars <= ord("z"))) | ((chars >= ord("0")) & (chars <= ord("9")))
    ok = np.zeros(cand.size, dtype=bool)
    for prefix in WINDOWS_NAME_PREFIXES:
        k = len(prefix)
        ok |= (chars[:, :k] == np.frombuffer(prefix, dtype=np.uint8)[None, :]).all(axis=1) & alnum[:, k:].all(axis=1)
    rows = cand[ok]
    fam[rows] = _WINHOST
    reason[rows] = _R_WINHOST


def _asset_tag_hosts(p: ParsedNames, fam: np.ndarray, reason: np.ndarray) -> None:
    first = p.row_first_label
    ln = p.label_end[first] - p.label_start[first]
    cand = np.flatnonzero(
        (fam < 0) & (p.reg_label > first) & (ln >= ASSET_TAG_MIN + 2) & (ln <= WINDOWS_NAME_LEN)
    )
    if cand.size == 0:
        return
    width = WINDOWS_NAME_LEN
    pos = np.arange(width)[None, :]
    length = ln[cand][:, None]
    valid = pos < length
    at = np.minimum(p.label_start[first[cand]][:, None] + pos, p.data.size - 1)
    low, orig = p.lower[at], p.data[at]
    hyphen = valid & (low == ord("-"))
    letter = valid & (low >= ord("a")) & (low <= ord("z"))
    digit = valid & (low >= ord("0")) & (low <= ord("9"))
    upper = letter & (orig != low)
    tok = np.cumsum(hyphen, axis=1)  # token number of every position
    n_tok = tok[:, -1] + 1
    last_hyphen = np.where(hyphen, pos, -1).max(axis=1)
    tail = valid & (pos > last_hyphen[:, None])  # the tag: after the last hyphen
    tag_len = length[:, 0] - 1 - last_hyphen
    ok = (n_tok >= 2) & (n_tok <= ASSET_TOKENS_MAX) & (tag_len >= ASSET_TAG_MIN) & (tag_len <= ASSET_TAG_MAX)
    ok &= ((letter | digit) | ~tail).all(axis=1)  # the tag: letters and digits
    ok &= (letter | hyphen | tail | ~valid).all(axis=1)  # the codes: letters only
    for k in range(ASSET_TOKENS_MAX):
        in_tok = valid & ~hyphen & (tok == k)
        size = in_tok.sum(axis=1)
        code = k < n_tok - 1
        ok &= ~code | ((size >= 1) & (size <= ASSET_CODE_MAX))
        ok &= ~((in_tok & upper).any(axis=1) & (in_tok & letter & ~upper).any(axis=1))  # one case per token
    rows = cand[ok]
    fam[rows] = _WINHOST
    reason[rows] = _R_ASSET_TAG


def _is_hex(ch: np.ndarray) -> np.ndarray:
    return ((ch >= ord("0")) & (ch <= ord("9"))) | ((ch >= ord("a")) & (ch <= ord("f")))


def _resource_ids(p: ParsedNames, fam: np.ndarray, reason: np.ndarray) -> None:
    """UUID labels anywhere, and hex ids registered under a hosting provider's (private) suffix."""
    ln = p.label_end - p.label_start
    lab = np.flatnonzero(ln == 36)  # rare: only their rows' families are looked up
    lab = lab[fam[p.label_row[lab]] < 0]
    if lab.size:
        chars = p.lower[p.label_start[lab][:, None] + np.arange(36)[None, :]]
        dash_at = np.zeros(36, dtype=bool)
        dash_at[[8, 13, 18, 23]] = True
        ok = (chars[:, dash_at] == ord("-")).all(axis=1) & _is_hex(chars[:, ~dash_at]).all(axis=1)
        rows = sorted_unique(p.label_row[lab[ok]])
        fam[rows] = _RESOURCE
        reason[rows] = _R_UUID
    has_reg = (p.reg_label >= 0) & (fam < 0)
    cand = np.flatnonzero(has_reg)
    if cand.size == 0:
        return
    reg = p.reg_label[cand]
    on_private = isin_sorted(p.suffix_hash[reg + 1], _private_suffix_hashes())
    cand, reg = cand[on_private], reg[on_private]
    if cand.size == 0:
        return
    rl = ln[reg]
    keep = (rl >= 8) & (rl <= 40)
    cand, reg, rl = cand[keep], reg[keep], rl[keep]
    if cand.size == 0:
        return
    width = int(rl.max())
    pos = p.label_start[reg][:, None] + np.arange(width)[None, :]
    inside = np.arange(width)[None, :] < rl[:, None]
    chars = p.lower[np.minimum(pos, p.data.size - 1)]
    hexd = _is_hex(chars) | ~inside
    digit = (chars >= ord("0")) & (chars <= ord("9")) & inside
    ok = hexd.all(axis=1) & digit.any(axis=1)
    rows = cand[ok]
    fam[rows] = _RESOURCE
    reason[rows] = _R_HEX_ID


# ISPs and hosting providers name customer addresses after the address: c-73-12-34-56.hsd1.ca.
# comcast.net, pool-71-105-12-34.nycmny.fios.verizon.net, ip68-100-12-34.ph.ph.cox.net,
# 1-2-3-4-static.hfc.example.net. The first label is the address (four decimal octets <= 255 joined
# by '-', after an optional letter prefix and before an optional '-word'); the labels between it
# and the registered domain are a few short location / product words. Those are bounded so that
# the shape cannot carry a payload worth the name: at most ADDRESS_REST_LABELS labels of at most
# ADDRESS_REST_LABEL characters, ADDRESS_REST_TOTAL in all (an address label itself carries 4 bytes).
ADDRESS_PREFIX_MAX = 12
ADDRESS_SUFFIX_MAX = 12
ADDRESS_REST_LABELS = 3
ADDRESS_REST_LABEL = 12
ADDRESS_REST_TOTAL = 24
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|0?[0-9]?[0-9])"
ADDRESS_LABEL_RE = (
    rf"^(?:[a-z]{{1,{ADDRESS_PREFIX_MAX}}}-?)?(?:{_OCTET}-){{3}}{_OCTET}(?:-[a-z0-9]{{1,{ADDRESS_SUFFIX_MAX}}})?$"
)


def _few_short_labels(ln: np.ndarray, start: np.ndarray, count: np.ndarray) -> np.ndarray:
    """Whether each run of ``count`` labels from label ``start`` is at most ADDRESS_REST_LABELS
    labels of at most ADDRESS_REST_LABEL characters, ADDRESS_REST_TOTAL in all: place and product
    words beside an address, too small for a payload."""
    total = np.zeros(start.size, dtype=np.int64)
    longest = np.zeros(start.size, dtype=np.int64)
    for j in range(ADDRESS_REST_LABELS):
        has = count > j
        lj = np.where(has, ln[np.where(has, start + j, 0)], 0)
        total += lj
        longest = np.maximum(longest, lj)
    return (count <= ADDRESS_REST_LABELS) & (total <= ADDRESS_REST_TOTAL) & (longest <= ADDRESS_REST_LABEL)


def _address_hosts(p: ParsedNames, fam: np.ndarray, reason: np.ndarray) -> None:
    """Host names made of an IPv4 address (see ADDRESS_LABEL_RE), among rows no family has claimed.

    The reference for the C kernel's check: the label-length bounds are cheap and go first, and
    only the first labels of the rows that pass them are gathered for one Arrow regex call.
    """
    import pyarrow.compute as pc

    first = p.row_first_label
    reg = p.reg_label
    ln = p.label_end - p.label_start
    cand = np.flatnonzero((fam < 0) & (reg > first) & (ln[first] >= 7) & (ln[first] <= 48))
    # the labels between the address and the registered label: few and short
    cand = cand[_few_short_labels(ln, first[cand] + 1, reg[cand] - first[cand] - 1)]
    if cand.size == 0:
        return
    # the first labels of the candidates, gathered into one Arrow array for the regex
    hit = pc.match_substring_regex(_gather_labels(p, first[cand]), ADDRESS_LABEL_RE).to_numpy(zero_copy_only=False)
    rows = cand[hit]
    fam[rows] = _ADDRESS
    reason[rows] = _R_ADDRESS


# Hosting providers also register a domain per block of customer addresses and name the hosts
# under it (OVH: ns5012345.ip-144-217-85.net). The registered label is a letter prefix and three or
# four octets; the host labels in front of it are bounded as above. A registered name cannot
# change per query, so the shape carries nothing.
NETWORK_LABEL_RE = rf"^[a-z]{{1,{ADDRESS_PREFIX_MAX}}}-?(?:{_OCTET}-){{2,3}}{_OCTET}$"


def _gather_labels(p: ParsedNames, labels: np.ndarray) -> pa.Array:
    """The given labels (indices into the label arrays) as one Arrow binary array, for a regex call."""
    import pyarrow as pa

    ln = p.label_end - p.label_start
    starts, lens = p.label_start[labels], ln[labels]
    offsets = np.zeros(labels.size + 1, dtype=np.int64)
    np.cumsum(lens, out=offsets[1:])
    idx = np.repeat(starts - offsets[:-1], lens) + np.arange(int(offsets[-1]))
    data = np.ascontiguousarray(p.lower[idx], dtype=np.uint8)
    return pa.Array.from_buffers(pa.large_binary(), labels.size, [None, pa.py_buffer(offsets), pa.py_buffer(data)])


def _address_networks(p: ParsedNames, fam: np.ndarray, reason: np.ndarray) -> None:
    """Registered domains named after an IPv4 network (see NETWORK_LABEL_RE) and the few short
    host names under them, among rows no family has claimed; the reference for the C kernel."""
    import pyarrow.compute as pc

    first = p.row_first_label
    reg = p.reg_label
    ln = p.label_end - p.label_start
    safe_reg = np.maximum(reg, 0)
    reg_len = ln[safe_reg]
    cand = np.flatnonzero(
        (fam < 0) & (reg >= 0) & (reg >= first) & (reg_len >= 6) & (reg_len <= ADDRESS_PREFIX_MAX + 16)
    )
    cand = cand[_few_short_labels(ln, first[cand], reg[cand] - first[cand])]
    if cand.size == 0:
        return
    hit = pc.match_substring_regex(_gather_labels(p, reg[cand]), NETWORK_LABEL_RE).to_numpy(zero_copy_only=False)
    rows = cand[hit]
    fam[rows] = _ADDRESS
    reason[rows] = _R_ADDRESS_NET


@functools.lru_cache(maxsize=1)
def _native_tables() -> tuple:
    """The tables of ``suppression_codes`` as the C kernel takes them (built once)."""
    table, fam_of, _ = _zone_table()
    zones = _hash_set(table)
    zone_codes = zones.slot_values(fam_of.astype(np.int16) + 1).astype(np.int16) - 1  # -1: empty slot
    zone_zero = int(fam_of[0]) if zones.empty_member else -1
    svc_keys, svc_codes = _service_table()
    tlds, internal_zones = _internal_hashes()
    private = _hash_set(_private_suffix_hashes()) if _private_suffix_hashes().size else None
    if private is None:  # an empty table answers no: one empty slot
        private_keys, private_shift, private_zero = np.zeros(1, np.uint64), 63, 0
    else:
        private_keys, private_shift, private_zero = private.keys, int(private.bits), int(private.empty_member)
    consts = np.array(
        [0, 1, 2, 4, _INTERNAL, _WINHOST, _RESOURCE, _R_REVERSE_DNS, _R_DNSBL, _R_SINGLE, _R_INTERNAL, _R_WINHOST,
         _R_UUID, _R_HEX_ID, 2, WINDOWS_NAME_LEN, _SERVICE_WIDTH, _ADDRESS, _R_ADDRESS, ADDRESS_PREFIX_MAX,
         ADDRESS_SUFFIX_MAX, ADDRESS_REST_LABELS, ADDRESS_REST_LABEL, ADDRESS_REST_TOTAL, _R_ADDRESS_NET,
         _R_ASSET_TAG, ASSET_CODE_MAX, ASSET_TAG_MIN, ASSET_TAG_MAX, ASSET_TOKENS_MAX],
        dtype=np.int16,
    )
    return (
        zones.keys,
        np.ascontiguousarray(zone_codes),
        int(zones.bits),
        zone_zero,
        np.array(_arpa_hashes(), dtype=np.uint64),
        np.frombuffer(np.ascontiguousarray(svc_keys).tobytes(), dtype=np.uint8),
        np.ascontiguousarray(svc_codes, dtype=np.int16),
        np.ascontiguousarray(tlds, dtype=np.uint64),
        np.ascontiguousarray(internal_zones, dtype=np.uint64),
        private_keys,
        private_shift,
        private_zero,
        np.frombuffer(b"".join(WINDOWS_NAME_PREFIXES), dtype=np.uint8),
        np.array([len(x) for x in WINDOWS_NAME_PREFIXES], dtype=np.int64),
        consts,
    )


def _native_codes(p: ParsedNames) -> tuple[np.ndarray, np.ndarray]:
    """``suppression_codes`` in one C pass per name (the NumPy code above is the reference: same
    codes, tested on the fixtures, hostile names and random bytes)."""
    (zkeys, zcodes, zshift, zzero, arpa, svc_keys, svc_codes, tlds, izones, pkeys, pshift, pzero, winp, winl,
     consts) = _native_tables()
    fam = np.empty(p.n, dtype=np.int16)
    reason = np.empty(p.n, dtype=np.int16)
    data, _, label_start, label_end, row_first_label, n_labels = label_args(p)  # the kernels' label arrays
    accel.ext.suppress(
        data,
        np.ascontiguousarray(p.lower, dtype=np.uint8),
        label_start,
        label_end,
        row_first_label,
        n_labels,
        np.ascontiguousarray(p.reg_label, dtype=np.int64),
        np.ascontiguousarray(p.suffix_hash, dtype=np.uint64),
        zkeys, zcodes, zshift, zzero, arpa, svc_keys, svc_codes, tlds, izones, pkeys, pshift, pzero, winp, winl,
        consts, fam, reason,
    )
    return fam, reason
