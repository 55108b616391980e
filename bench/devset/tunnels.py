"""DNS tunnel query generators, written from the tools' sources (our own code, no tool code).

Each generator yields (seconds since session start, query name, qtype) for one session, so the
development set can be scored both as bare names and as events with per-domain context.
What is faithful and what is approximated (checked against iodine 0.7/0.8 ``client.c`` and
``doc/proto_00000502.txt``, dnscat2's ``client/tunnel_drivers/driver_dns.c``, ``packet.c`` and
``encryptor.c``, dns2tcp 0.5 ``client/requests.c``, ``common/dns.c`` and ``packet.h``, and
DNSExfiltrator's ``dnsExfiltrator.cs``):

* iodine — faithful layout: handshake ``v`` (base32 of version 0x00000502 + 2-byte CMC), ``l``
  (base32 of user id, 16-byte MD5 response, CMC), ``i``/``s``/``o``/``y`` commands with base32
  user id / codec / option characters and a 3-character CMC, ``z`` upstream codec checks carrying
  iodine's own mixed-case test patterns, ``r`` fragment-size probes (long, repetitive payload) and
  ``n``; pings are ``p`` + base32 of 4 bytes (7 characters); upstream data is one hex user-id
  character, 3 base32 header characters, one data-CMC character (a-z0-9, cycling), then the payload
  in base32 (``a-z0-5``), base64 (``-`` ``+``), base64u (``_``) or base128 (bytes 0xBC-0xFD), dotted
  every 57 characters, filling the name up to 255 - len(domain) - 8 when there is enough data.
  Payload bytes (compressed IP packets) are random, or short ASCII for idle shells.
* dnscat2 — faithful layout: hex of the packet (2-byte packet id, type, 2-byte session id; SYN with
  ISN, options and an optional session name; MSG with seq/ack and data; PING; FIN); labels of 60
  hex characters (the client dots when a label reaches 62 - 2); ``dnscat.`` prefix without a
  domain; packets capped at ``127 - len(domain) - 6`` bytes. Encrypted sessions: ENC init with a
  64-byte public key, ENC auth with a 32-byte authenticator, then MSG packets as header + 6-byte
  signature + 2-byte nonce + encrypted body. TXT/CNAME/MX queries.
* dns2tcp — faithful layout: base64 (standard alphabet ``+`` ``/``, no padding) of an 8-byte
  header (session id, ack seq, seq, type, padding) plus data; ``=resource.``, ``=auth.`` and
  ``=connect.`` requests before the domain (the auth response carries the HMAC-SHA1 in hex, 63
  base64 characters as in published captures); labels split at 63 characters; at most 200
  characters of encoded name; TXT (or KEY) queries; empty NOP polls when idle.
* DNSExfiltrator — faithful layout: ``init.<BASE32(filename|chunks)>.base32|base64.<domain>``, then
  ``<chunk index>.<data labels>.<domain>`` with base64url or upper-case base32 (no padding) of the
  RC4-encrypted ZIP; every chunk is the maximum size for the request limit (255 by default) and
  label size (63 by default, sometimes set lower), except the last of each file; TXT queries.
* slow_exfil — a generic low-and-slow exfiltration pattern, not a published tool.
* Cobalt Strike DNS Beacon (``cobalt_strike_dns``, added later and not used in any design choice:
  an out-of-sample tool) — the query layouts are the format strings in ``beacon.dll`` (as quoted in
  published default profiles' ``stage { string ... }`` blocks) with the default ``dns-beacon``
  prefixes: task fetches ``api.%x%x.<domain>`` (TXT, the default ``mode dnstxt``),
  ``cdn.%x%x.<domain>`` (A, ``mode dns``) or ``www6.%x%x.<domain>`` (AAAA, ``mode dns6``), where
  ``%x%x`` is a random nonce and the beacon id in unpadded hex; uploads ``www.`` (metadata, once
  per session: 128 bytes of RSA-encrypted metadata) and ``post.`` (task output, AES-encrypted, so
  random hex) as ``<prefix>.<count><hex>[.<hex>...].%x%x.<domain>`` with the label sizes of the
  format strings (``4``: 40 + 3 x 56 hex characters, ``3``: 3 x 56, ``2``: 2 x 56/48/40, ``1``: 8..56
  in steps of 8, the last bytes as ``1%x``); idle heartbeats ``%d.<domain>`` (the beacon id in
  decimal; our reading of the ``%d.%s`` string) every ``sleeptime`` (60 s default, with up to 20 %
  jitter). Approximated: how often tasks arrive and how large their output is.
* DNSStager (``dnsstager``, added later, out of sample, reported as its own group ``staging``:
  it downloads a payload, it is not a two-way tunnel) — faithful to ``core/functions.py`` and the
  agent templates (``client-ipv6-generic.c``, ``client-txt-generic.go``): the payload is split
  into one record per name ``<prefix><i>.<domain>``, i = 0, 1, 2 ..., 16 bytes per AAAA or 200
  base64 characters per TXT record, and the agent resolves them in order, ``--sleep`` seconds
  apart. The prefix is the operator's choice (the README's examples ``cdn`` and ``cloud-srv-``).
* Sliver's DNS C2 (``sliver_dns``, added later, out of sample like Beacon) — faithful to the
  implant's ``transports/dnsclient/dnsclient.go``, ``encoders/base32.go`` and ``protobuf/dnspb``
  (read, not copied): every query is a protobuf ``DNSMessage`` (type, an 8-bit message id over the
  24-bit DNS session id, start/stop/size, data) in Sliver's own base32 alphabet
  (``ab1c2d3e4f5g6h7j8k9m0npqrtuvwxyz``, no padding), split into 63-character labels in front of the
  parent zone, within ``254 - len(parent)`` characters. A session: the TOTP request (A), four
  fingerprint NOPs with 8 random bytes (A), INIT with the age key exchange (~250 bytes, TXT),
  then POLLs with an 8-byte nonce (TXT) every interval; a waiting envelope is read as
  DATA_TO_IMPLANT requests for 182-byte slices (TXT) and acknowledged with a CLEAR (A), and the
  reply goes back as DATA_FROM_IMPLANT chunks cut by ``SplitBuffer``'s own loop (A).
  Approximated: envelope sizes and how often the operator sends a task.
"""

from __future__ import annotations

import base64
import random
from collections.abc import Iterator

IODINE_B32 = "abcdefghijklmnopqrstuvwxyz012345"
IODINE_B64 = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-0123456789+"
IODINE_B64U = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-0123456789_"
IODINE_B128 = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789" + "".join(
    chr(c) for c in range(0xBC, 0xFE)
)
# upstream codec check patterns sent in 'z' queries (iodine client.c)
IODINE_PATTERNS = [
    "aAbBcCdDeEfFgGhHiIjJkKlLmMnNoOpPqQrRsStTuUvVwWxXyYzZ+0129-",
    "aAbBcCdDeEfFgGhHiIjJkKlLmMnNoOpPqQrRsStTuUvVwWxXyYzZ_0129-",
    "aAbBcCdDeEfFgGhHiIjJkKlLmMnNoOpPqQrRsStTuUvVwWxXyYzZ",
    "aA0123456789" + "".join(chr(c) for c in range(0xBC, 0xC4)),
]


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
    enc = rng.choice(["b32", "b64", "b64u", "b128", "b128"])
    alpha, bits = {
        "b32": (IODINE_B32, 5),
        "b64": (IODINE_B64, 6),
        "b64u": (IODINE_B64U, 6),
        "b128": (IODINE_B128, 7),
    }[enc]
    qtype = rng.choice(["NULL", "NULL", "NULL", "PRIVATE", "TXT", "CNAME", "MX", "SRV", "A"])
    t = 0.0
    uid = rng.randrange(16)
    cmc = rng.getrandbits(16)

    def b32c(v: int) -> str:
        return IODINE_B32[v & 31]

    def cmc3() -> str:
        nonlocal cmc
        cmc = (cmc + 1) & 0xFFFF
        return b32c(cmc >> 10) + b32c(cmc >> 5) + b32c(cmc)

    def cmc2() -> bytes:
        nonlocal cmc
        cmc = (cmc + 1) & 0xFFFF
        return cmc.to_bytes(2, "big")

    hs = [
        "v" + _encode_bits(bytes([0, 0, 5, 2]) + cmc2(), IODINE_B32, 5),
        "l" + _encode_bits(bytes([uid]) + rng.randbytes(16) + cmc2(), IODINE_B32, 5),
        "i" + b32c(uid) + cmc3(),
    ]
    hs += ["z" + cmc3() + p for p in IODINE_PATTERNS[: rng.randint(1, 4)]]
    hs += ["s" + b32c(uid) + b32c({5: 5, 6: 6, 7: 7}[bits] if enc != "b64u" else 26) + cmc3()]
    hs += ["y" + c + b32c(1) + cmc3() for c in rng.sample("tsuvr", rng.randint(1, 3))]
    hs += ["o" + b32c(uid) + rng.choice("tsuvr") + cmc3(), "o" + b32c(uid) + "l" + cmc3()]
    for _ in range(rng.randint(1, 4)):  # fragment size probes: 'r' + 3 base32 + 'd' + filler
        fill = bytes([max(1, cmc & 0xFF)]) * 200
        body = _encode_bits(fill, alpha, bits)[: 255 - len(domain) - 10]
        probe = "r" + b32c(uid << 1) + b32c(rng.getrandbits(5)) + b32c(rng.getrandbits(5)) + "d" + body
        hs.append(_dotify(probe, 62))
    hs.append("n" + _encode_bits(bytes([uid]) + rng.randbytes(2) + cmc2(), IODINE_B32, 5))
    for h in hs:
        t += rng.uniform(0.05, 0.4)
        yield t, f"{h}.{domain}", qtype
    space = 255 - len(domain) - 8
    space -= space // 57
    datacmc = rng.randrange(36)
    for _ in range(n):
        t += rng.expovariate(2.0)
        if rng.random() < 0.45:
            yield t, "p" + _encode_bits(bytes([uid, rng.getrandbits(7)]) + cmc2(), IODINE_B32, 5) + "." + domain, qtype
            continue
        hdr = "0123456789abcdef"[uid] + "".join(b32c(rng.getrandbits(5)) for _ in range(3))
        hdr += "abcdefghijklmnopqrstuvwxyz0123456789"[datacmc]
        datacmc = (datacmc + 1) % 36
        raw_max = space * bits // 8
        size = raw_max if rng.random() < 0.5 else rng.randint(4, raw_max)
        body = _encode_bits(_payload(rng, size), alpha, bits)[:space]
        yield t, hdr + _dotify(body, 57) + "." + domain, qtype


def dnscat2(rng: random.Random, domain: str | None, n: int) -> Iterator[tuple[float, str, str]]:
    encrypted = rng.random() < 0.6  # dnscat2 encrypts by default since 0.04
    session = rng.randbytes(2)
    seq, ack = rng.getrandbits(16), rng.getrandbits(16)
    max_len = 127 - len(domain or "dnscat") - 1 - 5
    t = 0.0

    def wrap(packet: bytes) -> str:
        h = packet[:max_len].hex()
        dotted = ".".join(h[i : i + 60] for i in range(0, len(h), 60))
        return f"dnscat.{dotted}" if domain is None else f"{dotted}.{domain}"

    def qt() -> str:
        return rng.choice(["TXT", "CNAME", "MX"])

    def header(ptype: int) -> bytes:
        return rng.randbytes(2) + bytes([ptype]) + session

    if encrypted:  # ENC init (subtype 0) with the public key, then ENC auth (subtype 1)
        yield t, wrap(header(3) + b"\x00\x00" + b"\x00\x00" + rng.randbytes(64)), qt()
        t += rng.uniform(0.1, 0.5)
        yield t, wrap(header(3) + b"\x00\x01" + b"\x00\x00" + rng.randbytes(32)), qt()
        nonce = 0
    syn = header(0) + seq.to_bytes(2, "big")
    if rng.random() < 0.5:
        name = rng.choice([b"command (WORKSTATION7)", b"shell", b"exec (cmd.exe)", b"console"])
        syn += b"\x00\x01" + name + b"\x00"
    else:
        syn += b"\x00\x00"
    if encrypted:
        syn = syn[:5] + rng.randbytes(6) + nonce.to_bytes(2, "big") + rng.randbytes(len(syn) - 5)
    t += rng.uniform(0.1, 0.5)
    yield t, wrap(syn), qt()
    for _ in range(n):
        t += rng.uniform(0.9, 1.1) if rng.random() < 0.7 else rng.uniform(0.05, 0.3)
        data = b"" if rng.random() < 0.6 else _payload(rng, rng.randint(1, max_len))
        body = seq.to_bytes(2, "big") + ack.to_bytes(2, "big") + data
        if encrypted:
            nonce += 1
            pkt = header(1) + rng.randbytes(6) + nonce.to_bytes(2, "big") + rng.randbytes(len(body))
        else:
            pkt = header(1) + body
        seq = (seq + len(data)) & 0xFFFF
        ack = (ack + rng.choice([0, 0, rng.randint(1, 200)])) & 0xFFFF
        yield t, wrap(pkt), qt()


def dns2tcp(rng: random.Random, domain: str, n: int) -> Iterator[tuple[float, str, str]]:
    t = 0.0
    qtype = "TXT" if rng.random() < 0.85 else "KEY"
    sid = rng.getrandbits(16)
    seq, ack = rng.getrandbits(16), rng.getrandbits(16)

    def b64(raw: bytes) -> str:
        return base64.b64encode(raw).decode().rstrip("=")

    def pkt(ptype: int, data: bytes = b"") -> bytes:
        return sid.to_bytes(2, "big") + ack.to_bytes(2, "big") + seq.to_bytes(2, "big") + bytes([ptype, 0]) + data

    def name(raw: bytes, sub: str = "") -> str:
        enc = b64(raw)
        enc = ".".join(enc[i : i + 63] for i in range(0, len(enc), 63))
        return f"{enc}.{sub}{domain}"

    yield t, name(pkt(0), "=auth."), qtype
    t += rng.uniform(0.05, 0.3)
    yield t, name(pkt(0, rng.randbytes(20).hex().encode()), "=auth."), qtype  # HMAC-SHA1 response, in hex
    t += rng.uniform(0.05, 0.3)
    if rng.random() < 0.3:
        yield t, name(pkt(0), "=resource."), qtype
    resource = rng.choice([b"ssh", b"socks", b"smtp", b"http", b"rdp"])
    yield t + 0.1, name(pkt(0, resource), "=connect."), qtype
    # encoded name at most 200 characters: raw bytes per query
    room = 200 - len(domain) - 2
    max_raw = (room - room // 64) * 3 // 4 - 8
    for _ in range(n):
        t += rng.expovariate(3.0)
        seq = (seq + 1) & 0xFFFF
        if rng.random() < 0.4:
            data = b""
        else:
            data = _payload(rng, max_raw if rng.random() < 0.5 else rng.randint(1, max_raw))
        yield t, name(pkt(1 if not data else 2, data)), qtype


def dnsexfiltrator(rng: random.Random, domain: str, n: int) -> Iterator[tuple[float, str, str]]:
    use_b32 = rng.random() < 0.4
    label_len = 63 if rng.random() < 0.7 else rng.choice([30, 40, 50])
    request_max = 255 if rng.random() < 0.8 else rng.choice([150, 200])
    t = 0.0
    bytes_left = request_max - 10 - (len(domain) + 2)
    full, last = divmod(bytes_left, label_len + 1)
    chunk_max = full * label_len + last - 1
    sent = 0
    while sent < n:
        fname = rng.choice(["passwords.txt", "backup.zip", "hr_export.csv", "id_rsa", "secret.docx", "ntds.dit"])
        raw = bytes(rng.getrandbits(8) for _ in range(rng.randint(200, 6000)))  # RC4 of a ZIP: random
        if use_b32:
            data = base64.b32encode(raw).decode().rstrip("=")
        else:
            data = base64.urlsafe_b64encode(raw).decode().rstrip("=")
        chunks = len(data) // chunk_max + 1
        init = base64.b32encode(f"{fname}|{chunks}".encode()).decode().rstrip("=")
        yield t, f"init.{init}.{'base32' if use_b32 else 'base64'}.{domain}", "TXT"
        for i in range(chunks):
            if sent >= n:
                return
            t += rng.uniform(0.0, 0.5)
            chunk = data[i * chunk_max : (i + 1) * chunk_max]
            if not chunk:
                break
            labels = ".".join(chunk[j : j + label_len] for j in range(0, len(chunk), label_len))
            yield t, f"{i}.{labels}.{domain}", "TXT"
            sent += 1
        t += rng.uniform(5, 60)


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


CS_GET = {"dnstxt": ("api", "TXT"), "dns": ("cdn", "A"), "dns6": ("www6", "AAAA")}


# data-label layouts of an upload query, largest first (the ``%s.4...``, ``%s.3...``, ``%s.2...`` and
# ``%s.1...`` format strings: groups of 8 hex characters)
CS_LAYOUTS = ([40, 56, 56, 56], [56, 56, 56], [56, 56], [48, 48], [40, 40], [56], [48], [40], [32], [24], [16], [8])


def _cs_labels(hexs: str, room: int) -> tuple[list[str], str]:
    """(data labels of one Beacon upload query, the hex left): the largest layout the data fills
    that fits in ``room`` characters of the name (the count digit and dots included); a last
    piece under 8 characters goes as one short label (``%s.1%x``)."""
    for sizes in CS_LAYOUTS:
        if sum(sizes) <= len(hexs) and sum(sizes) + len(sizes) <= room:
            break
    else:
        sizes = [min(len(hexs), 7)]
    labels, at = [], 0
    for k in sizes:
        labels.append(hexs[at : at + k])
        at += k
    return labels, hexs[at:]


def cobalt_strike_dns(rng: random.Random, domain: str, n: int) -> Iterator[tuple[float, str, str]]:
    """One Cobalt Strike DNS Beacon session (see the module docstring for the layouts)."""
    beacon_id = rng.randrange(1 << 20, 1 << 31) & ~1
    prefix, qtype = CS_GET[rng.choice(["dnstxt", "dnstxt", "dns", "dns6"])]
    sleep = rng.choice([60.0, 60.0, 30.0, 300.0])
    jitter = rng.choice([0.0, 0.1, 0.2])

    def tag() -> str:
        return f"{rng.getrandbits(32):x}{beacon_id:x}"

    def upload(kind: str, size: int) -> Iterator[str]:
        hexs = rng.randbytes(size).hex()  # RSA-encrypted metadata, AES-encrypted output
        while hexs:
            label = tag()
            room = 253 - len(kind) - len(label) - len(domain) - 3  # the name stays within DNS's limit
            data, hexs = _cs_labels(hexs, room)
            yield f"{kind}.{len(data)}{'.'.join(data)}.{label}.{domain}"

    t, sent = 0.0, 0
    for q in upload("www", 128):
        if sent >= n:
            return
        yield t, q, "A"
        t, sent = t + rng.uniform(0.02, 0.2), sent + 1
    while sent < n:
        t += sleep * (1 - jitter * rng.random())
        yield t, f"{beacon_id}.{domain}", "A"
        sent += 1
        if rng.random() < 0.08:  # a task is waiting: fetch it, run it, send its output back
            for _ in range(rng.randrange(1, 5)):
                if sent >= n:
                    return
                t += rng.uniform(0.02, 0.2)
                yield t, f"{prefix}.{tag()}.{domain}", qtype
                sent += 1
            for q in upload("post", rng.choice([16, 48, 200, 800, 2000])):
                if sent >= n:
                    return
                t += rng.uniform(0.02, 0.2)
                yield t, q, "A"
                sent += 1


DNSSTAGER_PREFIXES = ("cdn", "cloud-srv-", "img", "api-", "static")


def dnsstager(rng: random.Random, domain: str, n: int) -> Iterator[tuple[float, str, str]]:
    """A DNSStager agent reading a payload: ``<prefix><i>.<domain>`` for i = 0, 1, 2 ... one query
    per chunk (16 bytes per AAAA record, 200 base64 characters per TXT record), ``--sleep`` seconds
    apart, from one process (see the module docstring)."""
    prefix = rng.choice(DNSSTAGER_PREFIXES)
    qtype = rng.choice(["AAAA", "AAAA", "TXT"])
    sleep = rng.choice([0.0, 1.0, 2.0])
    t = 0.0
    for i in range(n):
        yield t, f"{prefix}{i}.{domain}", qtype
        t += sleep + rng.uniform(0.005, 0.05)


SLIVER_B32 = "ab1c2d3e4f5g6h7j8k9m0npqrtuvwxyz"  # encoders/base32.go: no s, i, l, o
# dnspb.DNSMessageType
SLIVER_NOP, SLIVER_TOTP, SLIVER_INIT, SLIVER_POLL = 0, 1, 2, 3
SLIVER_TO_IMPLANT, SLIVER_FROM_IMPLANT, SLIVER_CLEAR = 7, 8, 9
SLIVER_BYTES_PER_TXT = 182  # parallelRecv: 189 with base64, -6 metadata, -1 margin


def _varint(v: int) -> bytes:
    out = bytearray()
    while True:
        b, v = v & 0x7F, v >> 7
        if not v:
            out.append(b)
            return bytes(out)
        out.append(b | 0x80)


def _sliver_msg(kind: int, msg_id: int = 0, start: int = 0, stop: int = 0, size: int = 0, data: bytes = b"") -> bytes:
    """A ``dnspb.DNSMessage`` in protobuf's wire format (proto3: zero fields are left out)."""
    out = b""
    for field, value in ((1, kind), (2, msg_id), (3, start), (4, stop), (5, size)):
        if value:
            out += bytes([field << 3]) + _varint(value)
    if data:
        out += bytes([6 << 3 | 2]) + _varint(len(data)) + data
    return out


def _sliver_b32(data: bytes) -> str:
    return _encode_bits(data, SLIVER_B32, 5)


def sliver_dns(rng: random.Random, domain: str, n: int) -> Iterator[tuple[float, str, str]]:
    """One Sliver implant's DNS session (see the module docstring)."""
    parent = "." + domain + "."
    space = 254 - len(parent) - (1 + (254 - len(parent)) // 64)  # NewDNSClient's subdataSpace
    session_id = rng.randrange(1, 1 << 24)
    count = 0

    def join(sub: str) -> str:
        return ".".join(sub[i : i + 63] for i in range(0, len(sub), 63)) + "." + domain

    def next_id() -> int:
        nonlocal count
        count += 1
        return (count % 255) << 24 | session_id

    def split(kind: int, data: bytes) -> list[str]:
        """``SplitBuffer``: grow each chunk a byte at a time until its encoding fills the space."""
        msg_id, out, start, stop, last = next_id(), [], 0, 0, 0
        while stop < len(data):
            stop += space // 2 - 1 if last == 0 else last - 4
            stop = min(stop, len(data) - 1)
            enc = ""
            while len(enc) < space - 1 and stop < len(data):
                stop += 1
                enc = _sliver_b32(_sliver_msg(kind, msg_id, start, 0, len(data), data[start:stop]))
            while len(enc) > space:  # joinSubdataToParent would refuse it: give the last bytes back
                stop -= 1
                enc = _sliver_b32(_sliver_msg(kind, msg_id, start, 0, len(data), data[start:stop]))
            last = stop - start
            out.append(join(enc))
            start = stop
        return out

    interval = rng.choice([1.0, 5.0, 30.0, 60.0])  # session polling, or a beacon's interval
    jitter = rng.choice([0.0, 0.3])
    t = 0.0
    queries: list[tuple[str, str]] = [(join(_sliver_b32(_sliver_msg(SLIVER_TOTP))), "A")]
    queries += [(join(_sliver_b32(_sliver_msg(SLIVER_NOP, session_id, data=rng.randbytes(8)))), "A") for _ in range(4)]
    queries += [(q, "TXT") for q in split(SLIVER_INIT, rng.randbytes(rng.randrange(230, 270)))]
    sent = 0
    while sent < n:
        for q, qtype in queries:
            if sent >= n:
                return
            yield t, q, qtype
            t += rng.uniform(0.01, 0.1)
            sent += 1
        t += interval * (1 + jitter * rng.random())
        queries = [(join(_sliver_b32(_sliver_msg(SLIVER_POLL, session_id, data=rng.randbytes(8)))), "TXT")]
        if rng.random() < 0.1:  # an envelope is waiting: read it, clear it, send the reply
            msg_id = next_id()
            size = rng.choice([64, 150, 400, 1200])
            for at in range(0, size, SLIVER_BYTES_PER_TXT):
                stop = min(size, at + SLIVER_BYTES_PER_TXT)
                queries.append((join(_sliver_b32(_sliver_msg(SLIVER_TO_IMPLANT, msg_id, at, stop))), "TXT"))
            queries.append((join(_sliver_b32(_sliver_msg(SLIVER_CLEAR, msg_id, data=rng.randbytes(8)))), "A"))
            reply = rng.randbytes(rng.choice([48, 120, 600, 3000]))  # encrypted, so random bytes
            queries += [(q, "A") for q in split(SLIVER_FROM_IMPLANT, reply)]


TOOLS = {
    "iodine": iodine,
    "dnscat2": dnscat2,
    "dns2tcp": dns2tcp,
    "dnsexfiltrator": dnsexfiltrator,
    "slow_exfil": slow_exfil,
}
# tools added after the set was first built, each generated from its own random stream (see
# build.py), with the dev-set group they are reported in
LATER_TOOLS = {
    "cobalt_strike_dns": (cobalt_strike_dns, "tunnel"),
    "dnsstager": (dnsstager, "staging"),
    "sliver_dns": (sliver_dns, "tunnel"),
}
