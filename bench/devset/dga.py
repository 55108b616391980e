"""DGA reimplementations for the development set.

Faithful = written from the published reverse-engineered algorithm (seeded exactly as described).
Approximation = same alphabet, length range, TLD set and structure as the published descriptions,
but driven by Python's PRNG rather than the malware's own generator. The docstring of each family
says which it is. Only the *shape* of the names matters for detection; no domain here is claimed to
be one the malware actually contacted on a given date.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable


def _words(text: str) -> list[str]:
    return text.split()


LETTERS = "abcdefghijklmnopqrstuvwxyz"

# Common English words, used by the dictionary families (suppobox/matsnu style).
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


class _Rand:
    """Park-Miller minimal standard generator as used by Ramnit (Schrage's method)."""

    def __init__(self, seed: int) -> None:
        self.value = seed

    def mod(self, modulus: int) -> int:
        ix = self.value
        ix = (16807 * (ix % 127773) - 2836 * (ix // 127773)) & 0xFFFFFFFF
        self.value = ix
        return ix % modulus


def ramnit(n: int, seed: int = 0x4F2C3F17) -> list[str]:
    """Faithful: Ramnit's published DGA (length 8-19, letters a-y, .com)."""
    r = _Rand(seed)
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


def _letters(rng: random.Random, lo: int, hi: int, alphabet: str = LETTERS) -> str:
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(lo, hi)))


def conficker(n: int, rng: random.Random) -> list[str]:
    """Approximation: Conficker.C, 4-9 lower-case letters over ~110 TLDs (here a subset)."""
    tlds = _words(
        """
        com net org info biz ws cn de fr it jp ru ca cl co.uk com.br nl pl ch
        """
    )
    return [_letters(rng, 4, 9) + "." + rng.choice(tlds) for _ in range(n)]


def cryptolocker(n: int, rng: random.Random) -> list[str]:
    """Approximation: CryptoLocker, 12-15 letters, .com .net .biz .ru .org .co.uk .info."""
    tlds = ["com", "net", "biz", "ru", "org", "co.uk", "info"]
    return [_letters(rng, 12, 15) + "." + rng.choice(tlds) for _ in range(n)]


def necurs(n: int, rng: random.Random) -> list[str]:
    """Approximation: Necurs, 7-21 letters over a long TLD list."""
    tlds = _words(
        """
        tj in jp tw ac cm la mn so sh sc nu nf mu ms mx ki im cx cc tv bz me eu de ru co su pw kz sx us
        ug ir
        """
    )
    return [_letters(rng, 7, 21) + "." + rng.choice(tlds) for _ in range(n)]


def pykspa(n: int, rng: random.Random) -> list[str]:
    """Approximation: Pykspa, 6-12 letters, .com .net .org .info .cc."""
    tlds = ["com", "net", "org", "info", "cc"]
    return [_letters(rng, 6, 12) + "." + rng.choice(tlds) for _ in range(n)]


def qakbot(n: int, rng: random.Random) -> list[str]:
    """Approximation: Qakbot, 8-25 letters, .com .net .org .info .biz .in .cc."""
    tlds = ["com", "net", "org", "info", "biz", "in", "cc"]
    return [_letters(rng, 8, 25) + "." + rng.choice(tlds) for _ in range(n)]


def locky(n: int, rng: random.Random) -> list[str]:
    """Approximation: Locky v2, 5-17 letters over a mixed TLD list."""
    tlds = ["ru", "info", "biz", "click", "su", "work", "pl", "org", "pw", "xyz"]
    return [_letters(rng, 5, 17) + "." + rng.choice(tlds) for _ in range(n)]


def gameover_zeus(n: int, rng: random.Random) -> list[str]:
    """Approximation: newGOZ, MD5 of (seed, index, date) mapped to a-z0-9, 20-28 chars."""
    tlds = ["com", "net", "org", "biz"]
    out = []
    for i in range(n):
        h = hashlib.md5(f"goz{rng.random()}{i}".encode(), usedforsecurity=False).digest()
        h += hashlib.md5(h, usedforsecurity=False).digest()
        length = 20 + h[0] % 9
        s = "".join("abcdefghijklmnopqrstuvwxyz0123456789"[b % 36] for b in h[1 : 1 + length])
        out.append(s + "." + rng.choice(tlds))
    return out


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


def corebot(n: int, rng: random.Random) -> list[str]:
    """Approximation: CoreBot, 12-24 chars of a-z0-9 under dynamic-DNS zones."""
    tlds = ["ddns.net", "duckdns.org", "com"]
    return [_letters(rng, 12, 24, LETTERS + "0123456789") + "." + rng.choice(tlds) for _ in range(n)]


def simda(n: int, rng: random.Random) -> list[str]:
    """Approximation: Simda's pronounceable consonant-vowel names, 6-10 chars."""
    cons, vow = "bcdfghjklmnpqrstvwxz", "aeiouy"
    tlds = ["com", "net", "info", "eu", "biz"]
    out = []
    for _ in range(n):
        length = rng.randint(6, 10)
        s = "".join(rng.choice(cons if i % 2 == 0 else vow) for i in range(length))
        out.append(s + "." + rng.choice(tlds))
    return out


def suppobox(n: int, rng: random.Random) -> list[str]:
    """Approximation: Suppobox, two dictionary words concatenated, .net/.com (dictionary DGA)."""
    return [rng.choice(WORDS) + rng.choice(WORDS) + "." + rng.choice(["net", "com"]) for _ in range(n)]


def matsnu(n: int, rng: random.Random) -> list[str]:
    """Approximation: Matsnu, 2-4 dictionary words, sometimes hyphenated, up to 24 chars, .com."""
    out = []
    for _ in range(n):
        words: list[str] = []
        while len(words) < rng.randint(2, 4):
            words.append(rng.choice(WORDS))
        s = ("-" if rng.random() < 0.3 else "").join(words)[:24].strip("-")
        out.append(s + ".com")
    return out


FAMILIES: dict[str, tuple[Callable[[int, random.Random], list[str]], str]] = {
    "ramnit": (lambda n, rng: ramnit(n, seed=rng.getrandbits(31) | 1), "faithful"),
    "banjori": (lambda n, rng: banjori(n), "faithful"),
    "conficker": (conficker, "approximation"),
    "cryptolocker": (cryptolocker, "approximation"),
    "necurs": (necurs, "approximation"),
    "pykspa": (pykspa, "approximation"),
    "qakbot": (qakbot, "approximation"),
    "locky": (locky, "approximation"),
    "gameover_zeus": (gameover_zeus, "approximation"),
    "bamital": (bamital, "approximation"),
    "dyre": (dyre, "approximation"),
    "corebot": (corebot, "approximation"),
    "simda": (simda, "approximation"),
    "suppobox": (suppobox, "approximation (dictionary)"),
    "matsnu": (matsnu, "approximation (dictionary)"),
}
