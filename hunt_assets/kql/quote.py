"""The one place where values become KQL literals.

Why: entities come from attackers (an alert's URL evidence, a command line). Interpolating them into a
query is KQL injection -- ``evil.com" | union DeviceInfo //`` would rewrite the hunt. Every value placed
into KQL goes through these functions, which either produce a literal that cannot break out of its
quotes or refuse.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

MAX_LITERAL = 4096
# C0/C1 controls except tab and newline, plus Unicode line/paragraph separators and BOM/bidi controls
_FORBIDDEN = re.compile("[\\x00-\\x08\\x0b-\\x1f\\x7f-\\x9f\\u2028\\u2029\\ufeff\\u202a-\\u202e\\u2066-\\u2069]")


class UnsafeLiteral(ValueError):
    """A value that we refuse to place into KQL at all."""


def kql_string(value: str) -> str:
    """A double-quoted KQL string literal that no value can break out of.

    Kusto documents exactly these escapes in quoted literals: ``\\"``, ``\\'``, ``\\\\``, ``\\t``
    and ``\\n`` (no ``\\u``). So backslash, both quotes, tab and newline are escaped; every other
    control or invisible line-breaking character is refused rather than guessed at, as are overlong
    values. Printable Unicode passes through unchanged (queries are sent as UTF-8).
    """
    if not isinstance(value, str):
        raise UnsafeLiteral(f"KQL string literal needs str, got {type(value).__name__}")
    if len(value) > MAX_LITERAL:
        raise UnsafeLiteral(f"value of {len(value)} characters is too long for a KQL literal (max {MAX_LITERAL})")
    bad = _FORBIDDEN.search(value)
    if bad:
        raise UnsafeLiteral(f"control character U+{ord(bad.group()):04X} in a value bound for KQL")
    escaped = (value.replace("\\", "\\\\").replace('"', '\\"').replace("'", "\\'")
               .replace("\t", "\\t").replace("\n", "\\n"))
    return f'"{escaped}"'


def kql_string_list(values: list[str]) -> str:
    """``dynamic([...])`` of string literals, for ``in`` / ``has_any``."""
    return "dynamic([" + ", ".join(kql_string(v) for v in values) + "])"


def kql_datetime(value: datetime | date) -> str:
    """``datetime(...)`` literal in UTC with 7 fractional digits, Kusto's own format."""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
    else:
        value = datetime(value.year, value.month, value.day)
    return f"datetime({value.strftime('%Y-%m-%dT%H:%M:%S')}.{value.microsecond:06d}0Z)"
