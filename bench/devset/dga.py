"""DGA reimplementations for the development set.

Each family says in its docstring whether it is

* **faithful** — our own code written from the published reverse-engineered algorithm: the
  malware's own PRNG / hash, seeding (date, sequence number, magic constants), alphabet, length
  rule and TLD list. Seeds and dates are drawn from the dev-set RNG, so the names are the ones the
  malware generates *for those seeds and dates* (where a family's real seeds are published, those
  are used); or
* **approximation** — same alphabet, length range, TLD set and structure as the public
  descriptions, but not the malware's generator (no published algorithm available to us), or a
  faithful algorithm fed with our own word list where the real one is not redistributable.

Sources (facts only, no code copied): Johannes Bader's DGA write-ups and reimplementations
(github.com/baderj/domain_generation_algorithms), the 360netlab DGA notes, Fortinet's CryptoLocker
analysis, and the Conficker PRNG as disassembled in public research code. No domain here is
claimed to be one the malware contacted on a given day, and nothing here resolves anything.
"""

from __future__ import annotations

import binascii
import calendar
import datetime as dt
import hashlib
import math
import random
import struct
from collections.abc import Callable
from pathlib import Path

M32 = 0xFFFFFFFF
M64 = (1 << 64) - 1


def _words(text: str) -> list[str]:
    return text.split()


LETTERS = "abcdefghijklmnopqrstuvwxyz"
DIGITS = "0123456789"

WORDS = _words(
    """
    able about above accept across act action active actual add address admit adult affect after again
    against age agency agent agree ahead air allow almost alone along already also always amount among
    animal answer anyone appear apply area argue arm around arrive art article artist assume attack
    author avoid away baby back bad bag ball bank bar base beat beautiful because become bed before
    begin behind believe benefit best better between beyond big bill bird black blood blue board body
    book born both box boy break bring brother budget build building business buy call camera campaign
    cancer candidate capital car card care career carry case catch cause cell center central century
    certain chair chance change charge check child choice choose church citizen city civil claim class
    clear close coach cold collection college color come common community company compare computer
    concern condition consider contain continue control cost could country couple course court cover
    create crime cultural culture cup current customer cut dark data daughter dead deal death debate
    decade decide deep defense degree democrat describe design despite detail develop difference
    difficult dinner direction director discover discuss disease doctor dog door down draw dream drive
    drop drug during early east easy economic edge education effect effort eight either election else
    employee end energy enjoy enough enter entire environment especially establish even evening event
    ever every evidence exactly example executive exist expect experience expert explain eye face fact
    factor fail fall family far fast father fear federal feel few field fight figure fill film final
    finally financial find fine finger finish fire firm first fish five floor fly focus follow food foot
    force foreign forget form former forward four free friend front full fund future game garden gas
    general generation girl give glass goal good government great green ground group grow growth guess
    gun guy hair half hand hang happen happy hard have head health hear heart heat heavy help here high
    history hit hold home hope hospital hot hotel hour house however huge human hundred husband idea
    identify image imagine impact important improve include increase indeed indicate industry inside
    instead interest interview into investment issue item itself join just keep kill kind kitchen know
    land language large last late later laugh lawyer lead leader learn least leave left legal less let
    letter level lie life light like likely line list listen little live local long look lose loss lot
    love low machine magazine main maintain major make manage manager many market marriage material
    matter maybe mean measure media medical meet meeting member memory mention message method middle
    might military million mind minute miss mission model modern moment money month more morning most
    mother mouth move movement much music must myself name nation natural nature near nearly necessary
    need network never news newspaper next nice night none north note nothing notice number occur offer
    office officer official often once only onto open operation option order organization other outside
    over owner page pain painting paper parent part participant particular partner party pass past
    patient pattern peace people perform perhaps period person phone physical pick picture piece place
    plan plant play player point police policy political poor popular population position positive
    possible power practice prepare present president pressure pretty prevent price private probably
    problem process produce product professor program project property protect prove provide public pull
    purpose push quality question quickly quite race radio raise range rate rather reach read ready real
    reality realize reason receive recent record red reduce reflect region relate remain remember remove
    report represent require research resource respond rest result return reveal rich right rise risk
    road rock role room rule safe same save scene school science score sea season seat second section
    security seek seem sell send senior sense series serious serve service seven several shake share
    shoot short shot should shoulder show side sign similar simple simply since sing single sister sit
    site situation size skill skin small smile social society soldier some someone son song soon sort
    sound source south space speak special specific speech spend sport spring staff stage stand standard
    star start state station stay step still stock stop store story strategy street strong structure
    student study stuff style subject success suddenly suffer suggest summer support sure surface system
    table take talk task teach teacher team technology tell tend term test thank their theory these
    thing think third those though thought thousand threat three through throw today together tonight
    total tough toward town trade traditional training travel treat treatment tree trial trip trouble
    true truth turn type under understand unit until upon usually value various very victim view
    violence visit voice vote wait walk wall want watch water weapon wear week weight well west western
    whatever wheel where whether which while white whole wide wife will wind window wish within without
    woman wonder word work worker world worry would write writer wrong yard yeah year young yourself
    """
)


def _date(rng: random.Random) -> dt.date:
    return dt.date(2014, 1, 1) + dt.timedelta(days=rng.randrange(11 * 365))


def _unix(d: dt.date) -> int:
    return calendar.timegm(d.timetuple())


def _take(n: int, rng: random.Random, batch: Callable[[random.Random], list[str]]) -> list[str]:
    """Distinct names from repeated calls of a per-seed/per-date generator (bounded attempts)."""
    out: dict[str, None] = {}
    for _ in range(10 * n + 100):
        for name in batch(rng):
            out.setdefault(name, None)
            if len(out) >= n:
                return list(out)
    return list(out)


# ---- Ramnit ------------------------------------------------------------------------------------


class _ParkMiller:
    """Park-Miller minimal standard generator (Schrage's method), as Ramnit and DirCrypt use it."""

    def __init__(self, seed: int) -> None:
        self.value = seed

    def mod(self, modulus: int) -> int:
        ix = self.value
        ix = (16807 * (ix % 127773) - 2836 * (ix // 127773)) & M32
        self.value = ix
        return ix % modulus


def ramnit(n: int, seed: int = 0x4F2C3F17) -> list[str]:
    """Faithful: Ramnit (length 8-19, letters a-y, .com; the domain seeds the next one)."""
    r = _ParkMiller(seed)
    out = []
    for _ in range(n):
        seed_a = r.value
        length = r.mod(12) + 8
        seed_b = r.value
        dom = "".join(chr(ord("a") + r.mod(25)) for _ in range(length))
        out.append(dom + ".com")
        m = seed_a * seed_b
        r.value = (m + m // (2**32)) % (2**32)
    return out


RAMNIT_SEEDS = [0x4BFCBC6A, 0x28488EEA, 0x79159C10, 0x92F4BE35, 0x4302C04A, 0x52278648, 0xA6EAB21A, 0x1CCEC41C]


def ramnit_family(n: int, rng: random.Random) -> list[str]:
    """Faithful: Ramnit with published seeds plus random ones."""
    out: list[str] = []
    per = max(1, n // 10)
    while len(out) < n:
        seed = rng.choice(RAMNIT_SEEDS) if rng.random() < 0.5 else (rng.getrandbits(31) | 1)
        out += ramnit(per, seed)
    return list(dict.fromkeys(out))[:n]


# ---- Banjori -----------------------------------------------------------------------------------

BANJORI_SEEDS = ["earnestnessbiophysicalohax.com", "andersensinaix.com", "dominickneapolitanlibrariesbux.com"]


def banjori(n: int, seed: str = "earnestnessbiophysicalohax.com") -> list[str]:
    """Faithful: Banjori mutates the first four characters of a seed domain each step."""

    def low(s: int) -> int:
        return ord("a") + ((s - ord("a")) % 26)

    out = []
    d = [ord(c) for c in seed]
    for _ in range(n):
        d[0] = low(d[0] + d[3])
        d[1] = low(d[0] + 2 * d[1])
        d[2] = low(d[0] + d[2] - 1)
        d[3] = low(d[1] + d[2] + d[3])
        out.append("".join(chr(c) for c in d))
    return out


def banjori_family(n: int, rng: random.Random) -> list[str]:
    """Faithful: Banjori from three seed domains (the published one and two observed ones)."""
    out: list[str] = []
    for s in BANJORI_SEEDS:
        out += banjori(n // len(BANJORI_SEEDS) + 1, s)
    return list(dict.fromkeys(out))[:n]


# ---- Conficker ---------------------------------------------------------------------------------


def conficker(n: int, rng: random.Random) -> list[str]:
    """Faithful algorithm, not bit-exact: Conficker's floating-point PRNG (sin/log of the 64-bit
    key, seeded from the FILETIME of the day), 8 TLDs, ``rand() % 4 + 8`` letters with C's signed
    remainder. The malware computes in x87 80-bit precision; we use IEEE doubles, so sequences
    drift from the real ones after a few steps, while the distribution of names is the same."""
    tlds = ["cc", "cn", "ws", "com", "net", "org", "info", "biz"]

    def bits_of(x: float) -> int:
        return struct.unpack("<Q", struct.pack("<d", x))[0]

    def batch(rng: random.Random) -> list[str]:
        d = _date(rng)
        filetime = (_unix(d) + 11644473600) * 10_000_000
        key = ((filetime * 0x352C94565) & M64) // 0x58028E44000 + 0xA3596526
        key &= M64
        names = []

        def rnd() -> int:
            nonlocal key
            x = float(key)
            p = float((key * 0x53125624) & M64)
            v = ((p + math.sin(x)) * x + 0.626454564) * x + math.log(x)
            key = bits_of(v)
            low = key & M32
            return low - (1 << 32) if low & 0x80000000 else low

        def cmod(a: int, m: int) -> int:  # C remainder: sign of the dividend
            return int(math.fmod(a, m))

        for _ in range(250):
            length = cmod(rnd(), 4) + 8
            s = "".join(chr(abs(rnd()) % 26 + 97) for _ in range(length))
            names.append(s + "." + tlds[rnd() & 7])
        return names

    return _take(n, rng, batch)


# ---- CryptoLocker ------------------------------------------------------------------------------


def cryptolocker(n: int, rng: random.Random) -> list[str]:
    """Faithful: CryptoLocker's three xorshift-style registers seeded by day, month and
    year + index; 12-15 letters a-y; TLD by index (.com .net .biz .ru .org .co.uk .info)."""
    tlds = ["com", "net", "biz", "ru", "org", "co.uk", "info"]

    def batch(rng: random.Random) -> list[str]:
        dd = _date(rng)
        names = []
        for z in rng.sample(range(1000), 100):
            d, m, y = dd.day * 65537, dd.month * 65537, (dd.year + z) * 65537
            s = ((d >> 3 ^ y >> 8 ^ y >> 11) & 3) + 12
            chars = []
            for _ in range(s):
                d = (((d << 13) & M32) >> 19) ^ ((((d >> 1) & M32) << 13) & M32) ^ (d >> 19)
                m = (((m << 2) & M32) >> 25) ^ ((((m >> 3) & M32) << 7) & M32) ^ (m >> 25)
                y = (((y << 3) & M32) >> 11) ^ ((((y >> 4) & M32) << 21) & M32) ^ (y >> 11)
                d, m, y = d & M32, m & M32, y & M32
                chars.append(chr(97 + (y ^ m ^ d) % 25))
            names.append("".join(chars) + "." + tlds[z % 7])
        return names

    return _take(n, rng, batch)


# ---- Necurs ------------------------------------------------------------------------------------

NECURS_TLDS = _words(
    """
    tj in jp tw ac cm la mn so sh sc nu nf mu ms mx ki im cx cc tv bz me eu de ru co su pw kz sx us
    ug ir to ga com net org biz xxx pro bit
    """
)


NECURS_PER_PERIOD = 2048  # sequence numbers per four-day period


def _necurs_mix(v: int) -> int:
    for i in range((v & 0x7F) + 21):
        v = (v + (((v * 7) ^ (v << 15)) + 8 * i - (v >> 5))) & M64
    return v


def necurs_name(seq: int, magic: int, d: dt.date) -> str:
    """Necurs' name number ``seq`` of the four-day period holding ``d``, for botnet ``magic``."""
    mix = _necurs_mix
    v = mix(d.year)
    v = mix(v + d.month + 43690)
    v = mix(v + (d.day >> 2))
    v = mix(v + seq)
    v = mix(v + magic)
    length = v % 15 + 7
    s = []
    for i in range(length):
        v = mix(v + i)
        s.append(chr(v % 25 + 97))
        v = mix(v + 0xABBEDF)
    return "".join(s) + "." + NECURS_TLDS[v % 43]


def necurs(n: int, rng: random.Random) -> list[str]:
    """Faithful: Necurs' 64-bit mixing PRNG seeded by year, month, day/4, sequence number and a
    magic number; 7-21 letters a-y over 43 TLDs."""

    def batch(rng: random.Random) -> list[str]:
        d, magic = _date(rng), rng.choice([9, 9, 3, 5, 7])
        return [necurs_name(seq, magic, d) for seq in rng.sample(range(NECURS_PER_PERIOD), 60)]

    return _take(n, rng, batch)


# ---- Pykspa ------------------------------------------------------------------------------------


def pykspa(n: int, rng: random.Random) -> list[str]:
    """Faithful: Pykspa (precursor variant), seeded by the 2-day period of the date; 6-15
    letters; .biz .com .net .org .info .cc."""
    tlds = ["biz", "com", "net", "org", "info", "cc"]

    def sld(length: int, r: int) -> str:
        a = length**2
        s = []
        for i in range(length):
            x = (i * (r % 4567 + r % 19)) & M32
            p = (r * (r % 5 + r % 123456 + x)) & M32
            s.append(chr(97 + ((a + p) & M32) % 26))
            r = (r + i) & M32
            r >>= ((i**2) & 0xFF) & 31
            a = (a + length) & M32
        return "".join(s)

    def batch(rng: random.Random) -> list[str]:
        r = _unix(_date(rng)) // (2 * 86400)
        names = []
        for nr in range(rng.randint(50, 200)):
            r = ((r * r) & M32) + nr
            r &= M32
            names.append(sld(r % 10 + 6, r) + "." + tlds[r % 6])
        return names[-50:]

    return _take(n, rng, batch)


# ---- Qakbot ------------------------------------------------------------------------------------


class _MT19937:
    """The standard Mersenne Twister (init_genrand seeding), as Qakbot links it."""

    def __init__(self, seed: int) -> None:
        self.mt = [0] * 624
        self.mt[0] = seed & M32
        for i in range(1, 624):
            prev = self.mt[i - 1]
            self.mt[i] = (1812433253 * (prev ^ (prev >> 30)) + i) & M32
        self.index = 624

    def next(self) -> int:
        if self.index >= 624:
            mt = self.mt
            for i in range(624):
                y = (mt[i] & 0x80000000) | (mt[(i + 1) % 624] & 0x7FFFFFFF)
                mt[i] = mt[(i + 397) % 624] ^ (y >> 1) ^ (0x9908B0DF if y & 1 else 0)
            self.index = 0
        y = self.mt[self.index]
        self.index += 1
        y ^= y >> 11
        y ^= (y << 7) & 0x9D2C5680
        y ^= (y << 15) & 0xEFC60000
        y ^= y >> 18
        return y & M32

    def randint(self, lo: int, hi: int) -> int:
        return int(lo + (self.next() & 0xFFFFFFF) / 2**28 * (hi - lo + 1))


def qakbot(n: int, rng: random.Random) -> list[str]:
    """Faithful: Qakbot's MT19937 seeded by CRC32 of "<ten-day period>.<month>.<year>.<seed>";
    8-25 letters; .com .net .org .info .biz (.org twice, as in the sample)."""
    tlds = ["com", "net", "org", "info", "biz", "org"]

    def batch(rng: random.Random) -> list[str]:
        d = _date(rng)
        period = min((d.day - 1) // 10, 2)
        text = f"{period}.{d.strftime('%b').lower()}.{d.year}.{rng.choice([0, 1]):08x}"
        mt = _MT19937(binascii.crc32(text.encode("ascii")) + rng.choice([0, 0, 1]))
        names = []
        for _ in range(150):
            t = tlds[mt.randint(0, len(tlds) - 1)]
            length = mt.randint(8, 25)
            names.append("".join(chr(97 + mt.randint(0, 25)) for _ in range(length)) + "." + t)
        return names

    return _take(n, rng, batch)


# ---- Locky -------------------------------------------------------------------------------------


def _ror(v: int, s: int) -> int:
    v &= M32
    return ((v >> s) | (v << (32 - s))) & M32


def _rol(v: int, s: int) -> int:
    v &= M32
    return ((v << s) | (v >> (32 - s))) & M32


LOCKY_CONFIGS = [(62, 7, 8), (75, 7, 8), (9, 7, 8), (7, 7, 8), (0, 5, 6), (660, 7, 8), (555, 7, 8)]
LOCKY_TLDS = ["ru", "pw", "eu", "in", "yt", "pm", "us", "fr", "de", "it", "be", "uk", "nl", "tf"]


def locky(n: int, rng: random.Random) -> list[str]:
    """Faithful: Locky v2 (seven published configurations), 5-15 letters a-y, 14 ccTLDs."""

    def one(d: dt.date, cfg: tuple[int, int, int], nr: int) -> str:
        seed, shift, mod = cfg
        k = 0xB11924E1
        t = _ror(k * (d.year + 0x1BF5), shift)
        if seed:
            t = _ror(k * (t + seed + 0x27100001), shift)
        t = _ror(k * (t + d.day // 2 + 0x27100001), shift)
        t = _ror(k * (t + d.month + 0x2709A354), shift)
        r = (_ror(k * (_rol(nr % mod, 21) + t + _rol(seed, 17) + 0x27100001), shift) + 0x27100001) & M32
        length = r % 11 + 5
        s = []
        for i in range(length):
            r = (_ror(k * _rol(r, i), shift) + 0x27100001) & M32
            s.append(chr(r % 25 + 97))
        r = _ror(r * k, shift)
        return "".join(s) + "." + LOCKY_TLDS[((r + 0x27100001) & M32) % len(LOCKY_TLDS)]

    def batch(rng: random.Random) -> list[str]:
        d = _date(rng)
        return [one(d, cfg, i) for cfg in LOCKY_CONFIGS for i in range(cfg[2])]

    return _take(n, rng, batch)


# ---- newGOZ ------------------------------------------------------------------------------------


def gameover_zeus(n: int, rng: random.Random) -> list[str]:
    """Faithful: newGOZ — MD5 of (sequence number, year, month, day, fixed key); four 32-bit words
    each written in base 36 (up to 7 digits), giving 20-28 characters a-z0-9; TLD by sequence."""
    key = b"\x01\x05\x19\x35"

    def one(seq: int, d: dt.date) -> str:
        h = hashlib.md5(
            struct.pack("<I", seq)
            + struct.pack("<H", d.year)
            + key
            + struct.pack("<H", d.month)
            + key
            + struct.pack("<H", d.day)
            + key,
            usedforsecurity=False,
        ).digest()
        out = []
        for i in range(4):
            v = struct.unpack("<I", h[4 * i : 4 * i + 4])[0]
            part = []
            for _ in range(7):
                v, rem = divmod(v, 36)
                part.append((DIGITS + LETTERS)[rem])
                if v == 0:
                    break
            out.append("".join(reversed(part)))
        tld = "com" if seq % 4 == 0 else "org" if seq % 3 == 0 else "biz" if seq % 2 == 0 else "net"
        return "".join(out) + "." + tld

    def batch(rng: random.Random) -> list[str]:
        d = _date(rng)
        return [one(s, d) for s in rng.sample(range(1000), 100)]

    return _take(n, rng, batch)


# ---- Bamital, Dyre (approximations) ------------------------------------------------------------


def bamital(n: int, rng: random.Random) -> list[str]:
    """Approximation: Bamital, 32 hex characters (an MD5) under .info/.org/.cz.cc-style zones."""
    tlds = ["info", "org", "co.cc", "net"]
    return [
        hashlib.md5(f"bam{rng.random()}".encode(), usedforsecurity=False).hexdigest() + "." + rng.choice(tlds)
        for _ in range(n)
    ]


def dyre(n: int, rng: random.Random) -> list[str]:
    """Approximation: Dyre, one letter plus 32 hex characters of a SHA-256, ccTLDs."""
    tlds = ["cc", "ws", "to", "in", "hk", "cn", "tk", "so"]
    return [
        rng.choice(LETTERS) + hashlib.sha256(f"dyre{rng.random()}".encode()).hexdigest()[:32] + "." + rng.choice(tlds)
        for _ in range(n)
    ]


# ---- CoreBot -----------------------------------------------------------------------------------


def corebot(n: int, rng: random.Random) -> list[str]:
    """Faithful: CoreBot — LCG (1664525, 1013904223) seeded by seed + date; 12-23 characters from
    a-y and 0-8 (the malware's off-by-one ranges); under ddns.net."""
    charset = LETTERS[:25] + DIGITS[:9]

    def batch(rng: random.Random) -> list[str]:
        d = _date(rng)
        seed = 0x1DBA8930 if rng.random() < 0.5 else rng.getrandbits(32)
        r = (seed + d.year + (((1 << 16) + (d.month << 8)) | d.day)) & M32
        names = []
        for _ in range(40):
            r = (1664525 * r + 1013904223) & M32
            length = 12 + r % 12
            s = []
            for _ in range(length):
                r = (1664525 * r + 1013904223) & M32
                s.append(charset[r % len(charset)])
            names.append("".join(s) + ".ddns.net")
        return names

    return _take(n, rng, batch)


# ---- Simda -------------------------------------------------------------------------------------


def simda(n: int, rng: random.Random) -> list[str]:
    """Faithful for the published variant: Simda's pronounceable consonant/vowel names, 7 letters,
    .com; the base and key are the published ones plus random ones."""
    cons, vow = "qwrtpsdfghjklzxcvbnmv", "eyuioa"

    def batch(rng: random.Random) -> list[str]:
        if rng.random() < 0.3:
            key, base = "1676d5775e05c50b46baa5579d4fc7", 0x45AE94B2
        else:
            key, base = "".join(rng.choice("0123456789abcdef") for _ in range(30)), rng.getrandbits(32)
        step = sum(ord(c) for c in key)
        names = []
        for _ in range(100):
            base += step
            s = [cons[(base // (3 + 2 * i)) % 20] if i % 2 == 0 else vow[(base // (3 + 2 * i)) % 6] for i in range(7)]
            names.append("".join(s) + ".com")
        return names

    return _take(n, rng, batch)


# ---- Murofet -----------------------------------------------------------------------------------


def murofet(n: int, rng: random.Random) -> list[str]:
    """Faithful: Murofet v1, v2 (keyed) and v3 — MD5 of (year, month, day or week, index) turned
    into letters (v3: letters and digits); TLD by index."""

    def seed_bytes(d: dt.date, idx: int, version: int, key: int) -> bytes:
        if version == 2:
            raw = [((d.year & 0xFF) + 0x30) & 0xFF, d.month & 0xFF, d.day & 0xFF, 0]
            raw += list(struct.pack("<I", idx & 0xFFFFFFFE))
            return bytes(b ^ ((key >> (8 * (i % 4))) & 0xFF) for i, b in enumerate(raw))
        raw = [((d.year & 0xFF) + 0x30) & 0xFF, d.month, (d.day // 7) * 7]
        return bytes(raw) + struct.pack("<I", idx)

    def one(d: dt.date, idx: int, version: int, key: int) -> str:
        h = hashlib.md5(seed_bytes(d, idx, version, key), usedforsecurity=False).digest()
        s = []
        for b in h:
            if version == 1:
                lo, hi = (b & 0x1F) + 97, (b >> 3) + 97
                if lo != hi:
                    if lo <= ord("z"):
                        s.append(chr(lo))
                    if hi <= ord("z"):
                        s.append(chr(hi))
            elif version == 2:
                c = (b & 0xF) + (b >> 4) + 97
                if c <= ord("z"):
                    s.append(chr(c))
            else:
                a, bb = (b & 0xF) + 97, (b >> 4) + ord("q")
                s.append(chr(a))
                if bb > ord("z"):
                    s.append(chr(bb - ord("J")))
                    s.append(chr(a % 10 + 48))
                else:
                    s.append(chr(bb))
        tlds = ["biz", "info", "org", "net", "com"] if version == 2 else ["ru", "biz", "info", "org", "net", "com"]
        for i, t in enumerate(tlds):
            if idx % (len(tlds) - i) == 0:
                return "".join(s) + "." + t
        return "".join(s)

    def batch(rng: random.Random) -> list[str]:
        d, version = _date(rng), rng.choice([1, 2, 3])
        key = rng.choice([0xD6D7A4BE, 0xDEADC2DE, 0xD6D7A4B1])
        return [one(d, i, version, key) for i in rng.sample(range(1000), 60)]

    return _take(n, rng, batch)


# ---- Tinba -------------------------------------------------------------------------------------

TINBA_CONFIGS = [
    ("oGkS3w3sGGOGG7oc", "ssrgwnrmgrxe.com", ("com",)),
    ("jc74FlUna852Ji9o", "blackfreeqazyio.cc", ("com", "net", "in", "ru")),
    ("yqokqFC2TPBFfJcG", "watchthisnow.xyz", ("pw", "us", "xyz", "club")),
    ("j193HsnW72Yqns7u", "j193hsne720uie8i.cc", ("com", "net", "biz", "org")),
]


def tinba(n: int, rng: random.Random) -> list[str]:
    """Faithful: Tinba — each 12-letter domain derived from the previous one and a 16-byte seed
    string (the four published configurations), each label under every TLD of the config."""
    out: list[str] = []
    per = n // len(TINBA_CONFIGS) + 1
    for seed_s, first, tlds in TINBA_CONFIGS:
        seed = [ord(c) for c in seed_s.ljust(17, "\x00")]
        dom = first
        got: list[str] = []
        while len(got) < per:
            cur = [ord(c) for c in dom]
            total = sum(seed[:16])
            tmp = seed[15] & 0xFF
            new = []
            for i in range(12):
                while True:
                    tmp = (((tmp + cur[i]) ^ (total & 0xFF)) + cur[i + 1]) & 0xFF
                    if 0x61 < tmp < 0x7A:
                        new.append(chr(tmp))
                        break
                    total += 1
            label = "".join(new)
            got += [label + "." + t for t in tlds]
            dom = got[-1]
        out += got
    rng.shuffle(out)
    return list(dict.fromkeys(out))[:n]


# ---- Ranbyus -----------------------------------------------------------------------------------

RANBYUS_SEEDS = [0x0F0D5BFA, 0xF2C72B14, 0xAE8714BE, 0xCE7F8514, 0x572473BB, 0x17794CF1, 0xC0E32524, 0x7CB7966E]


def ranbyus(n: int, rng: random.Random) -> list[str]:
    """Faithful: Ranbyus (September 2015 variant) — a 64-bit LCG stepped three times per 16 bytes,
    seeded by day*month*year xor a published seed; 17 letters a-y; TLD rotates with the day."""

    def step(r: int) -> tuple[int, list[int]]:
        a, inc = 0x5851F42D4C957F2D, 0x14057B7EF767814F
        s1 = a * r + inc
        s2 = a * s1 + inc
        s3 = a * s2 + inc
        tmp = ((s3 >> 24) & 0xFFFFFF00) | ((s3 & M32) >> 24)
        w = [
            ((tmp ^ s2) & 0x000FFFFF ^ s2) & M32,
            (s2 >> 32) & M32,
            ((s1 & 0xFFF00000) | (((s3 >> 32) & M32) >> 12)) & M32,
            (s1 >> 32) & M32,
        ]
        return s3 & M64, [b for x in w for b in struct.pack("<I", x)]

    def batch(rng: random.Random) -> list[str]:
        d, seed = _date(rng), rng.choice(RANBYUS_SEEDS)
        x = (d.day * d.month * d.year) ^ seed
        tlds = (
            ["in", "net", "org", "com", "me", "su", "tw", "cc", "pw"]
            if seed == 0xCE7F8514
            else ["in", "me", "cc", "su", "tw", "net", "com", "pw", "org"]
        )
        names = []
        for k in range(40):
            x, b1 = step(x)
            x, b2 = step(x)
            s = "".join(chr(v % 25 + 97) for v in (b1 + b2)[:17])
            names.append(s + "." + tlds[(d.day + k) % (len(tlds) - 1)])
        return names

    return _take(n, rng, batch)


# ---- Symmi -------------------------------------------------------------------------------------


def symmi(n: int, rng: random.Random) -> list[str]:
    """Faithful: Symmi — MSVC rand() seeded by the half-month and year; 8-15 letters alternating
    vowels and consonants; a third-level label under ddns.net."""
    letters = ["aeiouy", "bcdfghklmnpqrstvwxz"]

    def batch(rng: random.Random) -> list[str]:
        d = _date(rng)
        state = 10000 * ((d.day // 16) * 100 + d.month) + d.year + 42

        def rand() -> int:
            nonlocal state
            state = (state * 214013 + 2531011) & M32
            return (state >> 16) & 0x7FFF

        names = []
        for _ in range(64):
            length = 8 + rand() % 8
            s = []
            off = 0
            for i in range(length):
                if i % 2 == 0:
                    off = 0 if rand() & 0x100 == 0 else 1
                sym = letters[(off + i) % 2]
                s.append(sym[rand() % (len(sym) - 1)])
            names.append("".join(s) + ".ddns.net")
        return names

    return _take(n, rng, batch)


# ---- Pushdo ------------------------------------------------------------------------------------

PUSHDO_CONFIGS = [
    ("bcdfghjklmnpqrstvwx", "zxtsrqpnmlkgfdc", 7, 1, "kz"),
    ("bcdfghjklmnpqrstvwx", "zxtsrqpnmlkgfdc", 7, 1, "com"),
    ("kqbhcndjfwglpmzxrsv", "qzlbtgrnkxsfdcm", 8, 2, "kz"),
    ("zhjntdwmqbglpxrsfc", "rlngbtkszpfdcmx", 8, 2, "kz"),
]


def pushdo(n: int, rng: random.Random) -> list[str]:
    """Faithful: Pushdo — an MD5 chain over the day number; each hash byte becomes a syllable
    (consonant, vowel, optional consonant/vowel); 9-12 characters; .kz or .com."""

    def syllable(r: int, cfg: tuple[str, str, int, int, str]) -> str:
        ca, cb, mod, mod2, _ = cfg
        s = ca[r % len(ca)] + "aeiou"[((r + 1) & 0xFF) % 5]
        rp2 = r + 2
        if s[1] == "e" and rp2 & mod:
            return s + "aio"[rp2 % 3]
        if not rp2 & mod2:
            return s
        return s + cb[(r + 3) % 15]

    def days_since_0(d: dt.date) -> int:
        dim = [31, 29 if d.year % 4 == 0 else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        t = sum(dim[1 : d.month][::-1]) if d.month > 1 else 0
        return d.day + t + 365 * (d.year - d.year // 4) + 366 * (d.year // 4)

    def batch(rng: random.Random) -> list[str]:
        d, cfg = _date(rng), rng.choice(PUSHDO_CONFIGS)
        r = days_since_0(d) + rng.randint(-30, 14)
        names = []
        for _ in range(30):
            h = hashlib.md5(struct.pack("<I", r & M32), usedforsecurity=False).digest()
            r = struct.unpack("<I", h[:4])[0]
            length = (r & 3) + 9
            s = ""
            for b in h:
                s += syllable(b, cfg)
                if len(s) >= length:
                    break
            names.append(s[:length] + "." + cfg[4])
            r += 1
        return names

    return _take(n, rng, batch)


# ---- Nymaim ------------------------------------------------------------------------------------


def nymaim(n: int, rng: random.Random) -> list[str]:
    """Faithful: Nymaim (v1) — xorshift128-style PRNG seeded by the date (incl. weekday); 6-11
    letters; TLD chosen by the second-to-last letter (.com .org .biz .net .info)."""

    def batch(rng: random.Random) -> list[str]:
        d = _date(rng)
        s = d.year + (d.month << 16) + (d.isoweekday() % 7) + (d.day << 16)
        r = [(s + 0x52455641) & M32, s + 0x49484F4C, (s + 0x59554820) & M32, (s + 0x4D415620) & M32]
        r[1] = r[1] if r[1] <= M32 else 0

        def rand(m: int) -> int:
            t0 = ((r[0] << 11) ^ r[0]) & M32
            t3 = ((r[3] >> 19) ^ r[3]) ^ t0
            t3 ^= t0 >> 8
            c = r[2]
            for i in range(3):
                r[i] = (r[i] + r[i + 1]) & M32
            r[3] = t3
            return (((c + t3) & M32) // 100) % m

        names = []
        for _ in range(64):
            length = rand(6) + 6
            s = "".join(chr(97 + rand(26) % 26) for _ in range(length))
            t = ord(s[-2]) - 97
            tld = "com" if t < 9 else "org" if t < 13 else "biz" if t < 17 else "net" if t < 21 else "info"
            names.append(s + "." + tld)
        return names

    return _take(n, rng, batch)


# ---- Gozi (ISFB) -------------------------------------------------------------------------------


def _gpl_words() -> list[str]:
    """Words of the GNU GPL in text order: Gozi's 'gpl' variant draws from the GPL text."""
    for p in ("/usr/share/common-licenses/GPL-3", "/usr/share/common-licenses/GPL-2"):
        path = Path(p)
        if path.is_file():
            text = path.read_text(encoding="utf-8", errors="ignore").lower()
            words = ["".join(ch for ch in w if ch.isalpha()) for w in text.split()]
            return [w for w in words if w]
    return list(WORDS)


def gozi(n: int, rng: random.Random) -> list[str]:
    """Faithful algorithm, approximate word list: Gozi/ISFB — LCG seeded by days since 2015-01-01
    divided by 5; 12-23 characters of whole or half words, up to 24; .ru. The real 'gpl' variant
    uses its own copy of the GPL text; we use the GPL shipped with Debian (``common-licenses``),
    falling back to our English word list."""
    words = _gpl_words()

    def batch(rng: random.Random) -> list[str]:
        d = _date(rng)
        days = (d - dt.date(2015, 1, 1)).days // 5
        r = ((1 << 16) + days - 306607824) & M32

        def rand() -> int:
            nonlocal r
            r = (1664525 * r + 1013904223) & M32
            return r

        names = []
        for _ in range(12):
            rand()
            length = rand() % 12 + 12
            s = ""
            while len(s) < length:
                w = words[rand() % len(words)]
                k = len(w)
                if rand() % 3 == 0:
                    k >>= 1
                if len(s) + k <= 24:
                    s += w[:k]
            names.append(s + ".ru")
        return names

    return _take(n, rng, batch)


# ---- Kraken ------------------------------------------------------------------------------------


def kraken(n: int, rng: random.Random) -> list[str]:
    """Faithful: Kraken v2 — glibc-style LCG with discards by week since 2008; 7-12 letters;
    .com .net .tv .cc or dynamic-DNS zones (dyndns.org yi.org dynserv.com mooo.com)."""
    sets = {1: ["com", "net", "tv", "cc"], 2: ["dyndns.org", "yi.org", "dynserv.com", "mooo.com"]}
    seeds = {"a": (24938314, 24938315), "b": (1600000, 1600001)}

    def crop(r: int) -> int:
        return (r // 256) % 32768

    def rnd(r: int) -> int:
        return (1103515245 * r + 12435) & M32

    def one(nr: int, d: dt.date, seed: str, temp: bool, tset: int) -> str:
        r = 3 * nr + seeds[seed][0 if temp else 1]
        discards = (_unix(d) - 1207000000) // 604800 + 2
        if nr % 9 < 8:
            if nr % 9 >= 6:
                discards -= 1
            for _ in range(discards):
                r = crop(rnd(r))
        rs = []
        for _ in range(3):
            r = rnd(r)
            rs.append(crop(r))
        length = (rs[0] * rs[1] + rs[2]) % 6 + 7
        s = []
        for _ in range(length):
            r = rnd(r)
            s.append(chr(crop(r) % 26 + 97))
        return "".join(s) + "." + sets[tset][nr % 4]

    def batch(rng: random.Random) -> list[str]:
        d, seed, tset = _date(rng), rng.choice("ab"), rng.choice([1, 1, 2])
        return [one(i, d, seed, t, tset) for i in rng.sample(range(1000), 40) for t in (True, False)]

    return _take(n, rng, batch)


# ---- PadCrypt ----------------------------------------------------------------------------------


def padcrypt(n: int, rng: random.Random) -> list[str]:
    """Faithful: PadCrypt 2.2.x — SHA-256 of "d-m-yyyy<sep>i", 16 hex characters with digits
    mapped to letters (a-f plus 'abcdnfolmk'), 11 TLDs."""
    tlds = ["com", "co.uk", "de", "org", "net", "eu", "info", "online", "co", "cc", "website"]
    dm = "abcdnfolmk"

    def batch(rng: random.Random) -> list[str]:
        d = _date(rng)
        sep, count = rng.choice([(":", 24), ("|", 72)])
        names = []
        for i in range(count):
            h = hashlib.sha256(f"{d.day}-{d.month}-{d.year}{sep}{i}".encode("ascii")).hexdigest()
            s = "".join(dm[int(c)] if c.isdigit() else c for c in h[3:19])
            ti = int(h[-1], 16)
            names.append(s + "." + tlds[0 if ti >= len(tlds) else ti])
        return names

    return _take(n, rng, batch)


# ---- Fobber ------------------------------------------------------------------------------------


def fobber(n: int, rng: random.Random) -> list[str]:
    """Faithful: Fobber v1 (17 letters, .net) and v2 (10 letters, .com) — an LCG with a 16-bit
    rotation, fixed published seeds (300 domains each)."""
    out = []
    for r, c, length, tld in ((0xC87C8A78, -1719405398, 17, "net"), (0x851A3E59, -1916503263, 10, "com")):
        for _ in range(300):
            s = []
            for _ in range(length):
                r = _ror((321167 * r + c) & M32, 16)
                s.append(chr((r & 0x17FF) % 26 + 97))
            out.append("".join(s) + "." + tld)
    rng.shuffle(out)
    return list(dict.fromkeys(out))[:n]


# ---- Qadars ------------------------------------------------------------------------------------


def qadars(n: int, rng: random.Random) -> list[str]:
    """Faithful: Qadars — LCG seeded by the start of the week and a per-sample seed; 12 characters
    a-z0-9; .com .org .net or .net .org .top by seed."""
    charset = LETTERS + DIGITS

    def batch(rng: random.Random) -> list[str]:
        seed = rng.choice([0x89F5, 0x4449, 0xE1F1, 0xE1F2, 0xE08A, 0xE1F5])
        tlds = ["com", "org", "net"] if seed in (0xE1F2, 0xE1F1, 0xE1F5) else ["net", "org", "top"]
        unix = _unix(_date(rng))
        r = unix - (unix - 4 * 86400) % (7 * 86400)
        names = []
        for _ in range(100):
            s = []
            for _ in range(12):
                r = (seed - 1043968403 * r) & 0x7FFFFFFF
                s.append(charset[r % 36])
            r = (seed - 1043968403 * r) & 0x7FFFFFFF
            names.append("".join(s) + "." + tlds[r % 3])
        return names

    return _take(n, rng, batch)


# ---- Vawtrak -----------------------------------------------------------------------------------


def vawtrak(n: int, rng: random.Random) -> list[str]:
    """Faithful algorithm, our seeds: Vawtrak (v1) — 31-bit LCG seeded by a per-sample 32-bit
    value; 7-11 letters; .top."""

    def batch(rng: random.Random) -> list[str]:
        r = rng.getrandbits(32)

        def rand() -> int:
            nonlocal r
            r = (r * 1103515245 + 12345) & 0x7FFFFFFF
            return r

        names = []
        for _ in range(96):
            length = rand() % 5 + 7
            names.append("".join(chr(rand() % 26 + 97) for _ in range(length)) + ".top")
        return names

    return _take(n, rng, batch)


# ---- DirCrypt ----------------------------------------------------------------------------------


def dircrypt(n: int, rng: random.Random) -> list[str]:
    """Faithful algorithm, our seeds: DirCrypt — Park-Miller PRNG; 8-20 letters; .com."""

    def batch(rng: random.Random) -> list[str]:
        r = _ParkMiller(rng.getrandbits(31) | 1)
        names = []
        for _ in range(30):
            length = r.mod(13) + 8
            names.append("".join(chr(97 + r.mod(26)) for _ in range(length)) + ".com")
        return names

    return _take(n, rng, batch)


# ---- Proslikefan -------------------------------------------------------------------------------


def proslikefan(n: int, rng: random.Random) -> list[str]:
    """Faithful: Proslikefan — Java-style 32-bit string hash of "magic.month.day.year.tld";
    6-12 letters; 10 TLDs; magic "prospect" or "OK"."""
    tlds = ["eu", "biz", "se", "info", "com", "net", "org", "ru", "in", "name"]

    def h(s: str) -> int:
        v = 0
        for ch in s:
            v = ((v << 5) - v + ord(ch)) & M32
        return v - (1 << 32) if v & 0x80000000 else v

    def batch(rng: random.Random) -> list[str]:
        d, magic = _date(rng), rng.choice(["prospect", "OK"])
        names = []
        for i in range(10):
            for t in tlds:
                r = abs(h(f"{magic}.{d.month}.{d.day}.{d.year}.{t}")) + i
                s = ""
                k = 0
                while k < r % 7 + 6:
                    r = abs(h(s + str(r)))
                    s += chr(r % 26 + 97)
                    k += 1
                names.append(s + "." + t)
        return names

    return _take(n, rng, batch)


# ---- Shiotob -----------------------------------------------------------------------------------


def shiotob(n: int, rng: random.Random) -> list[str]:
    """Faithful: Shiotob/Bebloh — each domain is derived from the previous one (character sums and
    xors), 10-15 characters from a keyboard-ordered alphabet with digits; .com/.net alternating;
    chain started from the published seed domain."""
    qwerty = "qwertyuiopasdfghjklzxcvbnm123945678"
    dom = "4ypv1eehphg3a.com"
    out = []
    for _ in range(n):
        sof = sum(ord(c) for c in dom[:-3])
        codes = [ord(c) for c in dom] + [0] * 100
        old = len(dom) - 4
        for i in range(66):
            for j in range(66):
                e = i + j
                if e < 65:
                    codes[e] = ((old * codes[j]) ^ codes[e] ^ sof) & 0xFF
        length = (((codes[2] * old) ^ codes[0]) & 0xFF) // 16
        if length < 10:
            length = old
        host = "".join(qwerty[codes[i] // 8] for i in range(length))
        dom = host + (".com" if dom.endswith(".net") else ".net")
        out.append(dom)
    return list(dict.fromkeys(out))[:n]


# ---- Chinad ------------------------------------------------------------------------------------


def chinad(n: int, rng: random.Random) -> list[str]:
    """Faithful: Chinad — SHA-1 of (year % 100, month, day, index, 12 zero bytes), 16 characters
    a-z0-9 from the little-endian words; 7 TLDs incl. .ru and .cn."""
    tlds = ["com", "org", "net", "biz", "info", "ru", "cn"]
    alnum = LETTERS + DIGITS

    def batch(rng: random.Random) -> list[str]:
        d = _date(rng)
        names = []
        for nr in rng.sample(range(256), 64):
            h = hashlib.sha1(bytes([d.year % 100, d.month, d.day, nr]) + b"\x00" * 12, usedforsecurity=False).digest()
            le = [h[i * 4 + (3 - j)] for i in range(5) for j in range(4)]
            names.append("".join(alnum[b % 36] for b in le[:16]) + "." + tlds[le[-4] % 7])
        return names

    return _take(n, rng, batch)


# ---- Tempedreve --------------------------------------------------------------------------------


def tempedreve(n: int, rng: random.Random) -> list[str]:
    """Faithful: Tempedreve (time-dependent) — an alphabet shuffled by an LCG of the day number,
    7-11 letters, .com .net .org .info."""

    def one(d: dt.date) -> str:
        days = (d - dt.date(1970, 1, 1)).days
        seed = ((1664525 * days) + 1013904223) & M32

        def step(r: int) -> int:
            return ((16843009 * r) + 65805) & M32

        letters = list(LETTERS)
        r = seed
        for j in range(26):
            i = r % 26
            r = step(r)
            letters[j], letters[i] = letters[i], letters[j]
        r = seed
        s = []
        for _ in range(seed % 5 + 7):
            s.append(letters[r % 26])
            r = step(r)
        return "".join(s) + "." + ["com", "net", "org", "info"][seed & 3]

    return _take(n, rng, lambda rng: [one(_date(rng)) for _ in range(50)])


# ---- Ramdo -------------------------------------------------------------------------------------


def ramdo(n: int, rng: random.Random) -> list[str]:
    """Faithful algorithm, our seeds: Ramdo — 16 letters from a multiply-xor recurrence of the
    seed and the domain index; .org."""

    def batch(rng: random.Random) -> list[str]:
        seed = rng.choice([0xD5FFF, rng.getrandbits(20)])
        names = []
        for nr in range(20):
            s = 2 * seed * (nr + 1)
            r = s ^ (26 * seed * nr)
            out = []
            for i in range(16):
                r &= M32
                out.append(chr(r % 26 + 97))
                r += r ^ (s * i**2 * 26)
            names.append("".join(out) + ".org")
        return names

    return _take(n, rng, batch)


# ---- dictionary DGAs ---------------------------------------------------------------------------


SUPPOBOX_SHUFFLE = (3, 9, 13, 6, 2, 4, 11, 7, 14, 1, 10, 5, 8, 12, 0)


def suppobox_period(words: list[str], seed: int) -> list[str]:
    """The 85 names Suppobox tries in one 512-second period (``seed`` = unix time >> 9): the low 15
    bits of seed, seed + 1, ... shuffled into a 7-bit index into the first 128 words and an 8-bit
    index into the next 256. Consecutive periods share 84 of their 85 names."""
    names = []
    for c in range(85):
        nr = seed + c
        res = [0] * 16
        for i in range(15):
            res[SUPPOBOX_SHUFFLE[i]] = nr & 1
            nr >>= 1
        a = 0
        for i in range(7):
            a = (a << 1) ^ res[i]
        b = 0
        for i in range(7, 15):
            b = (b << 1) ^ res[i]
        names.append(words[a] + words[b + 0x80] + ".net")
    return names


def suppobox(n: int, rng: random.Random) -> list[str]:
    """Faithful algorithm, approximate word list: Suppobox — seed = unix time >> 9; 15 seed bits
    shuffled into a 7-bit and an 8-bit index; two words from a 384-word list; .net. The malware's
    own lists are not redistributable; we use 384 words of our common-English list, which is the
    same kind of vocabulary. Each batch is one period of a random date, so a family's names here
    are spread over some dozen dates (sparser than one host's day: see ``suppobox_period``)."""
    words = list(WORDS)
    random.Random(384).shuffle(words)
    words = words[:384]

    def batch(rng: random.Random) -> list[str]:
        return suppobox_period(words, _unix(_date(rng)) >> 9)

    return _take(n, rng, batch)


def matsnu(n: int, rng: random.Random) -> list[str]:
    """Approximation: Matsnu, words from a noun and a verb list concatenated up to 24 characters,
    .com (dictionary DGA; our common-English word list, our PRNG)."""
    out = []
    for _ in range(n):
        words: list[str] = []
        while len(words) < rng.randint(2, 4):
            words.append(rng.choice(WORDS))
        s = ("-" if rng.random() < 0.3 else "").join(words)[:24].strip("-")
        out.append(s + ".com")
    return out


FAMILIES: dict[str, tuple[Callable[[int, random.Random], list[str]], str]] = {
    "ramnit": (ramnit_family, "faithful"),
    "banjori": (banjori_family, "faithful"),
    "conficker": (conficker, "faithful algorithm (doubles, not x87: not bit-exact)"),
    "cryptolocker": (cryptolocker, "faithful"),
    "necurs": (necurs, "faithful"),
    "pykspa": (pykspa, "faithful"),
    "qakbot": (qakbot, "faithful"),
    "locky": (locky, "faithful"),
    "gameover_zeus": (gameover_zeus, "faithful"),
    "bamital": (bamital, "approximation"),
    "dyre": (dyre, "approximation"),
    "corebot": (corebot, "faithful"),
    "simda": (simda, "faithful"),
    "murofet": (murofet, "faithful"),
    "tinba": (tinba, "faithful"),
    "ranbyus": (ranbyus, "faithful"),
    "symmi": (symmi, "faithful"),
    "pushdo": (pushdo, "faithful"),
    "nymaim": (nymaim, "faithful"),
    "kraken": (kraken, "faithful"),
    "padcrypt": (padcrypt, "faithful"),
    "fobber": (fobber, "faithful"),
    "qadars": (qadars, "faithful"),
    "vawtrak": (vawtrak, "faithful algorithm, our seeds"),
    "dircrypt": (dircrypt, "faithful algorithm, our seeds"),
    "proslikefan": (proslikefan, "faithful"),
    "shiotob": (shiotob, "faithful"),
    "chinad": (chinad, "faithful"),
    "tempedreve": (tempedreve, "faithful"),
    "ramdo": (ramdo, "faithful algorithm, our seeds"),
    "gozi": (gozi, "faithful algorithm, approximate word list (dictionary)"),
    "suppobox": (suppobox, "faithful algorithm, approximate word list (dictionary)"),
    "matsnu": (matsnu, "approximation (dictionary)"),
}
