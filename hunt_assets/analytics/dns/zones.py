"""Time zones for the DNS server logs that stamp local time, kept free of pandas.

Why: ``score-dns`` defers pandas on its plain-list path (``cli.defer_pandas``) and the log readers
run before the event path lifts that, so what they import must not import pandas (``times`` does).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone, tzinfo


def parse_zone(text: str) -> tzinfo:
    """A time zone as a hunter writes it: an IANA name (``Europe/Berlin``, daylight saving time
    included), ``UTC``, or a fixed offset (``+02:00``, ``-0530``).

    Why: Windows' DNS debug log, BIND's and syslog's stamps are the server's local time and do not
    say which; ``score-dns --log-timezone`` names it so first / last seen line up with UTC alerts.
    """
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    text = text.strip()
    m = re.fullmatch(r"(?:UTC|GMT)?([+-])(\d{1,2}):?(\d{2})?", text, re.IGNORECASE)
    if m:
        hours, minutes = int(m[2]), int(m[3] or 0)
        if hours > 23 or minutes > 59:
            raise ValueError(f"time zone offset out of range: {text!r}")
        sign = 1 if m[1] == "+" else -1
        return timezone(sign * timedelta(hours=hours, minutes=minutes))
    if text.upper() in ("UTC", "Z", "GMT"):
        return UTC
    try:
        if not re.fullmatch(r"[A-Za-z0-9_+\-]+(?:/[A-Za-z0-9_+\-]+)*", text):
            raise ValueError
        return ZoneInfo(text)
    except (ValueError, ZoneInfoNotFoundError):
        raise ValueError(
            f"unknown time zone {text!r}: give an IANA name such as Europe/Berlin, UTC, or an offset such as +02:00"
        ) from None


def local_iso(when: datetime, zone: tzinfo | None) -> str:
    """A naive local time as ISO text, with the zone's offset at that moment when ``zone`` is
    given (read as UTC otherwise). At the autumn change the repeated hour is read as its first
    occurrence, as ``zoneinfo`` does by default."""
    return (when if zone is None else when.replace(tzinfo=zone)).isoformat()
