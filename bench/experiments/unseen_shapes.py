"""Names of shapes no dev-set family, suppression list or test was written from, scored names-only.

    .venv/bin/python bench/experiments/unseen_shapes.py [--per-family N] [--seed S]

Why: the dev set's look-alike families (``bench/devset/benign.py``) and tunnel tools were each in
view while the suppressions and bars were chosen, so their false-positive rates are in-sample. This
generates, from each provider's documented endpoint shapes, cloud and SaaS names that appear in an
enterprise's DNS log every day (``BENIGN``) and, from public write-ups of their traffic, DNS tunnel
and C2 shapes of tools and campaigns that no dev-set generator reimplements (``TUNNELS``). Each
family is one batch (a day of one platform's names, or one implant's look-ups), scored by
``score_names`` (what ``score-dns`` runs on a plain list). Prints the share flagged per family, the
same when its names are scored five at a time (no batch context to speak of), and the verdicts.

Result on 2026-12-08 (stop 47, up to 300 names a family, seed 47): each of the 37 benign families
0.000 flagged (9,355 names), whole or five at a time; each of the 6 tunnel shapes 1.000 ``tunnel``
as one batch (1,800 names). Five at a time: dnsteal, OilRig hex and ISMAgent shapes 1.000 (their
names read as encoded alone), Saitama's 0.940, SUNBURST's 0.787, and the short TXT polls 0.000:
a poll of a few letters is a tunnel only by its volume under one zone.
The tunnel shapes are written here from descriptions, not from the tools' code, so they say how the
batch rules treat one implant's day, not that those implants are caught in the field.
"""

from __future__ import annotations

import argparse
import random
import string
import sys
import uuid
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

LOWER, DIGITS, HEX = string.ascii_lowercase, string.digits, "0123456789abcdef"
ALNUM = LOWER + DIGITS
AWS = ["us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-2"]
AZURE = ["eastus", "westeurope", "northeurope", "uksouth", "centralus"]
APPS = ["orders", "billing", "api", "web", "auth", "portal", "reports", "sync", "media", "search", "checkout"]
ADJ = ["polite", "brave", "calm", "happy", "gentle", "witty", "proud", "jolly", "lively", "nice"]
NOUN = ["river", "ocean", "field", "stone", "forest", "meadow", "glacier", "desert", "island", "pebble"]

Gen = Callable[[random.Random], str]


def _r(rng: random.Random, alphabet: str, n: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


BENIGN: dict[str, Gen] = {
    "aws_iot_endpoint": lambda g: f"{_r(g, ALNUM, 14)}-ats.iot.{g.choice(AWS)}.amazonaws.com",
    "aws_lambda_url": lambda g: f"{_r(g, ALNUM, 32)}.lambda-url.{g.choice(AWS)}.on.aws",
    "aws_appsync": lambda g: f"{_r(g, ALNUM, 26)}.appsync-api.{g.choice(AWS)}.amazonaws.com",
    "aws_rds": lambda g: f"{g.choice(APPS)}-db.{_r(g, ALNUM, 12)}.{g.choice(AWS)}.rds.amazonaws.com",
    "aws_nlb": lambda g: f"{g.choice(APPS)}-nlb-{_r(g, HEX, 16)}.elb.{g.choice(AWS)}.amazonaws.com",
    "aws_global_accelerator": lambda g: f"a{_r(g, HEX, 16)}.awsglobalaccelerator.com",
    "aws_eks_api": lambda g: f"{_r(g, HEX.upper(), 32)}.gr7.{g.choice(AWS)}.eks.amazonaws.com",
    "gcp_cloud_run": lambda g: f"{g.choice(APPS)}-{_r(g, ALNUM, 10)}-{g.choice(['uc', 'ew', 'ue', 'an'])}.a.run.app",
    "gcp_storage_bucket": lambda g: f"{g.choice(APPS)}-{_r(g, ALNUM, 12)}.storage.googleapis.com",
    "gcp_appspot_version": lambda g: f"{_r(g, DIGITS, 8)}t{_r(g, DIGITS, 6)}-dot-{g.choice(APPS)}-{_r(g, DIGITS, 6)}"
    ".appspot.com",
    "google_oauth_client": lambda g: f"{_r(g, DIGITS, 12)}-{_r(g, ALNUM, 32)}.apps.googleusercontent.com",
    "firebase": lambda g: g.choice([f"{g.choice(APPS)}-{_r(g, ALNUM, 5)}-default-rtdb.firebaseio.com",
                                    f"{g.choice(APPS)}-{_r(g, DIGITS, 5)}.firebaseapp.com"]),
    "azure_front_door": lambda g: f"{g.choice(APPS)}-{_r(g, 'abcdefgh' + DIGITS, 16)}.z01.azurefd.net",
    "azure_static_web_apps": lambda g: f"{g.choice(ADJ)}-{g.choice(NOUN)}-0{_r(g, HEX, 8)}.{g.randint(1, 5)}"
    ".azurestaticapps.net",
    "azure_app_service": lambda g: f"{g.choice(APPS)}-{_r(g, ALNUM, 16)}.{g.choice(AZURE)}-01.azurewebsites.net",
    "azure_b2c": lambda g: f"{g.choice(ADJ)}{g.choice(NOUN)}b2c.b2clogin.com",
    "power_platform_tenant": lambda g: f"{uuid.UUID(int=g.getrandbits(128))}.tenant.api.powerplatform.com",
    "exchange_online_mx": lambda g: f"{g.choice(NOUN)}{g.choice(ADJ)}-com.mail.protection.outlook.com",
    "sharepoint": lambda g: f"{g.choice(NOUN)}{g.choice(ADJ)}{g.choice(['', '-my'])}.sharepoint.com",
    "defender_cloud_apps_proxy": lambda g: f"{g.choice(NOUN)}.{g.choice(ADJ)}.com.mcas.ms",
    "windows_push": lambda g: f"{g.choice(['db5', 'am3', 'bn3', 'ch1'])}p.notify.windows.com",
    "apple_push": lambda g: f"{g.randint(1, 50)}-courier.push.apple.com",
    "cloudflare_r2": lambda g: f"{_r(g, HEX, 32)}.r2.cloudflarestorage.com",
    "cloudflare_tunnel": lambda g: f"{uuid.UUID(int=g.getrandbits(128))}.cfargotunnel.com",
    "cloudflare_pages": lambda g: f"{_r(g, HEX, 8)}.{g.choice(APPS)}-{_r(g, LOWER, 4)}.pages.dev",
    "cloudflare_workers": lambda g: f"{g.choice(APPS)}.{_r(g, ALNUM, 8)}.workers.dev",
    "vercel_preview": lambda g: f"{g.choice(APPS)}-{_r(g, ALNUM, 9)}-{g.choice(ADJ)}team.vercel.app",
    "netlify_deploy_preview": lambda g: f"{_r(g, HEX, 24)}--{g.choice(ADJ)}-{g.choice(NOUN)}-{_r(g, DIGITS, 6)}"
    ".netlify.app",
    "fly_io": lambda g: f"{g.choice(APPS)}-{_r(g, ALNUM, 6)}.fly.dev",
    "render": lambda g: f"{g.choice(APPS)}-{_r(g, ALNUM, 4)}.onrender.com",
    "github_codespaces": lambda g: f"{g.choice(ADJ)}-{g.choice(NOUN)}-{_r(g, ALNUM, 20)}-"
    f"{g.choice(['3000', '8080', '5000'])}.app.github.dev",
    "tailscale": lambda g: f"{g.choice(APPS)}-{_r(g, LOWER, 6)}.tail{_r(g, HEX, 5)}.ts.net",
    "okta_auth0_tenant": lambda g: g.choice([f"dev-{_r(g, DIGITS, 8)}.okta.com", f"dev-{_r(g, ALNUM, 16)}.us.auth0.com",
                                             f"trial-{_r(g, DIGITS, 7)}.okta.com"]),
    "elastic_cloud": lambda g: f"{_r(g, HEX, 32)}.{g.choice(AWS)}.aws.found.io",
    "netflix_open_connect": lambda g: f"ipv4-c{g.randint(1, 200):03d}-{g.choice(['fra', 'lhr', 'ams', 'iad'])}"
    f"{g.randint(1, 9):03d}-ix.1.oca.nflxvideo.net",
    "steam_content": lambda g: f"cache{g.randint(1, 20)}-{g.choice(['fra', 'lhr', 'ams', 'iad'])}{g.randint(1, 3)}"
    ".steamcontent.com",
    "discovery_of_designated_resolvers": lambda g: "_dns.resolver.arpa",
}

SUNBURST_ALPHABET = "ph2eifo3n5utg1j8d94qrvbmk0sal76c"  # the substitution alphabet in public SUNBURST write-ups
B32 = "abcdefghijklmnopqrstuvwxyz234567"
B36 = DIGITS + LOWER


def _dnsteal(g: random.Random) -> str:
    data = g.randbytes(g.randint(40, 90)).hex()
    chunks = ".".join(data[i : i + 60] for i in range(0, len(data), 60))
    return f"{chunks}.{g.randint(0, 999)}-report.docx.exfil-cdn.com"


TUNNELS: dict[str, Gen] = {
    # SolarWinds SUNBURST: an encoded victim id and domain name before appsync-api.<region>.<C2 zone>
    "sunburst_style": lambda g: f"{_r(g, SUNBURST_ALPHABET, g.randint(16, 32))}.appsync-api."
    f"{g.choice(['eu-west-1', 'us-west-2', 'us-east-1', 'us-east-2'])}.avsvmcloud-lookalike.com",
    # dnsteal: a file's bytes hex-encoded in labels of up to 60, then the file name
    "dnsteal_style": _dnsteal,
    # Saitama (APT34): short base36 chunks under one zone
    "saitama_style": lambda g: f"{_r(g, B36, g.randint(8, 20))}.expedia-lookalike.com",
    # OilRig's Helminth / ALMA: a numeric id then hex data
    "oilrig_hex_style": lambda g: f"{_r(g, DIGITS, 4)}{_r(g, HEX, g.randint(20, 40))}.update-lookalike.com",
    # ISMAgent: base32 chunks with a sequence number
    "ismagent_style": lambda g: f"{_r(g, B32, g.randint(30, 52))}.{g.randint(1, 999)}.ntp-lookalike.com",
    # DNSMessenger-style polling: a few letters and a digit per request, TXT over one zone
    "txt_polling_style": lambda g: f"{_r(g, LOWER, g.randint(3, 6))}{g.randint(1, 9)}.poll-lookalike.me",
}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--per-family", type=int, default=300)
    ap.add_argument("--seed", type=int, default=47)
    args = ap.parse_args(argv)
    from hunt_assets.analytics.dns import score_names

    totals = {"benign": [0, 0], "tunnel": [0, 0]}
    print(f"{'group':7s} {'family':34s} {'names':>5s} {'flagged':>8s} {'by 5':>6s}  verdicts (whole batch)")
    for group, families in (("benign", BENIGN), ("tunnel", TUNNELS)):
        for name, gen in families.items():
            rng = random.Random(f"{args.seed}:{name}")
            names = sorted({gen(rng) for _ in range(args.per_family)})
            scored = score_names(names)
            flagged = scored["verdict"].isin(["tunnel", "dga", "suspicious"])
            # the same names five at a time: an implant's hour, or a quiet platform's day
            small = sum(int(score_names(names[i : i + 5])["verdict"].isin(["tunnel", "dga", "suspicious"]).sum())
                        for i in range(0, len(names), 5))
            counts = scored["verdict"].value_counts().to_dict()
            totals[group][0] += int(flagged.sum())
            totals[group][1] += len(names)
            print(f"{group:7s} {name:34s} {len(names):5d} {flagged.mean():8.3f} {small / len(names):6.3f}  {counts}")
    for group, (hit, n) in totals.items():
        print(f"{group}: {hit:,} of {n:,} flagged ({hit / max(n, 1):.3f})")


if __name__ == "__main__":
    main()
