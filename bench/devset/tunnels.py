"""DNS tunnel query generators, written from the tools' documented wire encodings.

Each generator yields (seconds since session start, query name, qtype) for one session, so the
development set can be scored both as bare names and as events with per-domain context.
What is faithful and what is approximated:

* iodine — faithful in form: one command character then encoded data; the upstream encodings
  use iodine's own alphabets (base32 ``a-z0-5``, base64 with ``-`` and ``+``, base64u with ``_``,
  base128 with bytes 0xBC-0xFD), data is dotted every 57 characters, pings are ``p`` + base32 of
  7 bytes, NULL queries by default. Header bytes and handshake contents are simplified.
* dnscat2 — faithful in form: hex of the packet (2-byte id, type, session id, seq/ack, data),
  labels of up to 62 characters, either ``dnscat.`` prefixed or under a domain; TXT/CNAME/MX.
  Empty MSG packets (polls) are 9 bytes = 18 hex characters; encrypted sessions add a 6-byte
  signature and are approximated as such.
* dns2tcp — approximation: base64 (with ``+`` and ``/``) of a small header and the data, labels
  of up to 63 characters, TXT queries.
* DNSExfiltrator — faithful in form: ``init.<base32(filename|chunks)>.base32.<domain>`` then
  ``<chunk index>.<data labels>.<domain>`` with base64url or base32 data, TXT queries.
"""

from __future__ import annotations

import base64
import os
import random
from collections.abc import Iterator

IODINE_B32 = "abcdefghijklmnopqrstuvwxyz012345"
IODINE_B64 = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-0123456789+"
IODINE_B64U = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-0123456789_"
IODINE_B128 = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789" + "".join(
    chr(c) for c in range(0xBC, 0xFE)
)


def _encode_bits(data: bytes, alphabet: str, bits: int) -> str:
    acc, nacc, out = 0, 0, []
    for b in data:
        acc = (acc << 8) | b
        nacc += 8
        while nacc >= bits:
            nacc -= bits
            out.append(alphabet[(acc >> nacc) & ((1 << bits) - 1)])
    if nacc:
        out.append(alphabet[(acc << (bits - nacc)) & ((1 << bits) - 1)])
    return "".join(out)


def _dotify(s: str, every: int) -> str:
    return ".".join(s[i : i + every] for i in range(0, len(s), every))


def _payload(rng: random.Random, n: int) -> bytes:
    # compressed/encrypted traffic looks random; interactive shells send short ASCII
    if rng.random() < 0.3:
        text = b"ls -la /etc\nwhoami\ncat /etc/passwd\nid\nuname -a\nnetstat -an\n"
        start = rng.randrange(len(text))
        return (text[start:] + text)[:n]
    return bytes(rng.getrandbits(8) for _ in range(n))


def iodine(rng: random.Random, domain: str, n: int) -> Iterator[tuple[float, str, str]]:
    enc = rng.choice(["b32", "b64", "b64u", "b128"])
    alpha, bits = {
        "b32": (IODINE_B32, 5),
        "b64": (IODINE_B64, 6),
        "b64u": (IODINE_B64U, 6),
        "b128": (IODINE_B128, 7),
    }[enc]
    qtype = rng.choice(["NULL", "NULL", "NULL", "TXT", "CNAME", "MX", "SRV", "A"])
    t = 0.0
    uid = rng.randrange(16)
    # handshake: version, login, ip, codec switch and checks, fragment size probes
    hs = [
        "v" + _encode_bits(bytes([0, 0, 5, 2]) + os.urandom(2), IODINE_B32, 5),
        "l" + _encode_bits(bytes([uid]) + rng.randbytes(16) + rng.randbytes(2), IODINE_B32, 5),
        "i" + _encode_bits(bytes([uid]) + rng.randbytes(2), IODINE_B32, 5),
        "z" + "".join(rng.choice(IODINE_B64) for _ in range(rng.randint(8, 20))),
        "s" + _encode_bits(bytes([uid, 5]) + rng.randbytes(2), IODINE_B32, 5),
        "o" + _encode_bits(bytes([uid]) + b"l" + rng.randbytes(2), IODINE_B32, 5),
        "y" + rng.choice("tsuvr") + _encode_bits(rng.randbytes(3), IODINE_B32, 5),
        "r" + _encode_bits(bytes([uid]) + rng.randbytes(4), IODINE_B32, 5),
        "n" + _encode_bits(bytes([uid, 4, 0]) + rng.randbytes(2), IODINE_B32, 5),
    ]
    for h in hs:
        t += rng.uniform(0.05, 0.4)
        yield t, f"{h}.{domain}", qtype
    for _ in range(n):
        t += rng.expovariate(2.0)
        if rng.random() < 0.45:
            # ping: 'p' + base32 of userid, downstream seq/frag, 2 random bytes (anti-cache)
            yield t, "p" + _encode_bits(bytes([uid]) + rng.randbytes(6), IODINE_B32, 5) + "." + domain, qtype
        else:
            hdr = IODINE_B32[uid] + "".join(rng.choice(IODINE_B32) for _ in range(3))
            size = rng.randint(8, 140 if enc != "b32" else 110)
            body = _encode_bits(_payload(rng, size), alpha, bits)
            name = _dotify(hdr + body, 57) + "." + domain
            if len(name.encode("utf-8")) > 250:
                name = name[: 250 - len(domain)].rstrip(".") + "." + domain
            yield t, name, qtype


def dnscat2(rng: random.Random, domain: str | None, n: int) -> Iterator[tuple[float, str, str]]:
    encrypted = rng.random() < 0.5
    session = rng.randbytes(2)
    seq, ack = rng.getrandbits(16), rng.getrandbits(16)
    t = 0.0

    def wrap(packet: bytes) -> str:
        h = packet.hex()
        dotted = _dotify(h, 62)
        return f"dnscat.{dotted}" if domain is None else f"{dotted}.{domain}"

    def qt() -> str:
        return rng.choice(["TXT", "CNAME", "MX"])

    syn = rng.randbytes(2) + b"\x00" + session + rng.randbytes(2) + b"\x00\x01"
    if encrypted:
        syn += rng.randbytes(32 * 2 + 6)  # key exchange in the SYN: public key x and y
    yield t, wrap(syn), qt()
    for _ in range(n):
        t += rng.uniform(0.9, 1.1) if rng.random() < 0.7 else rng.uniform(0.05, 0.3)
        data = b"" if rng.random() < 0.6 else _payload(rng, rng.randint(1, 100))
        pkt = rng.randbytes(2) + b"\x01" + session + seq.to_bytes(2, "big") + ack.to_bytes(2, "big")
        if encrypted:
            pkt = rng.randbytes(2) + b"\x01" + session + rng.randbytes(6) + rng.randbytes(4) + data
        else:
            pkt += data
        seq = (seq + len(data)) & 0xFFFF
        yield t, wrap(pkt), qt()


def dns2tcp(rng: random.Random, domain: str, n: int) -> Iterator[tuple[float, str, str]]:
    t = 0.0
    sid = rng.getrandbits(16)
    resource = rng.choice(["ssh", "socks", "smtp", "http"])
    auth = base64.b64encode(b"\x00\x01" + sid.to_bytes(2, "big") + b"\x00\x00auth" + rng.randbytes(12))
    yield t, auth.decode().rstrip("=") + "." + domain, "TXT"
    yield t + 0.1, base64.b64encode(b"\x00\x02" + resource.encode()).decode().rstrip("=") + "." + domain, "TXT"
    seq = 0
    for _ in range(n):
        t += rng.expovariate(3.0)
        data = b"" if rng.random() < 0.4 else _payload(rng, rng.randint(4, 150))
        hdr = sid.to_bytes(2, "big") + seq.to_bytes(2, "big") + rng.randbytes(2)
        seq = (seq + 1) & 0xFFFF
        enc = base64.b64encode(hdr + data).decode().rstrip("=")
        name = _dotify(enc, 63) + "." + domain
        yield t, name[:253], "TXT"


def dnsexfiltrator(rng: random.Random, domain: str, n: int) -> Iterator[tuple[float, str, str]]:
    use_b32 = rng.random() < 0.4
    fname = rng.choice(["passwords.txt", "backup.zip", "hr_export.csv", "id_rsa", "secret.docx"])
    label_len = rng.choice([30, 40, 50, 63])
    t = 0.0
    init = base64.b32encode(f"{fname}|{n}".encode()).decode().rstrip("=").lower()
    yield t, f"init.{init}.base32.{domain}", "TXT"
    max_data = 240 - len(domain) - 8
    for i in range(n):
        t += rng.uniform(0.0, 0.5)
        raw = _payload(rng, rng.randint(20, 150))
        if use_b32:
            enc = base64.b32encode(raw).decode().rstrip("=").lower()
        else:
            enc = base64.urlsafe_b64encode(raw).decode().rstrip("=")
        enc = enc[:max_data]
        yield t, f"{i}.{_dotify(enc, label_len)}.{domain}", "TXT"


def slow_exfil(rng: random.Random, domain: str, n: int) -> Iterator[tuple[float, str, str]]:
    """Generic low-and-slow exfiltration (an approximation, not a published tool): a few bytes per
    A query as one short base32 or hex chunk plus a sequence label, minutes apart, so no single
    name is long or random enough to condemn on its own."""
    hexenc = rng.random() < 0.4
    size = rng.choice([5, 6, 8])
    prefix = rng.choice(["", "logs.", "c.", "img."])
    t = 0.0
    for i in range(n):
        t += rng.uniform(30, 300)
        raw = _payload(rng, size)
        enc = raw.hex() if hexenc else base64.b32encode(raw).decode().rstrip("=").lower()
        yield t, f"{enc}.{i}.{prefix}{domain}", "A"


TOOLS = {
    "iodine": iodine,
    "dnscat2": dnscat2,
    "dns2tcp": dns2tcp,
    "dnsexfiltrator": dnsexfiltrator,
    "slow_exfil": slow_exfil,
}
