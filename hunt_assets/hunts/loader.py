"""Hunt files: one ``queries/*.kql`` file is one hunt, its metadata in a comment header.

Why files: hunters already write KQL; adding a hunt must mean adding a file, reviewed like code. The
header is strict (unknown keys, missing keys, a bad MITRE id or a time window written into the query
all fail with the file and line named) so that ``make test`` catches a broken hunt before a schedule
does.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from hunt_assets.kql.quote import kql_datetime

REQUIRED = ("name", "description", "tables", "time_column")
OPTIONAL = ("title", "tags", "mitre", "owner", "severity", "entities")
_KEY_LINE = re.compile(r"^//\s*([a-z_]+)\s*:\s*(.*?)\s*$")
_CONT_LINE = re.compile(r"^//\s{2,}(\S.*?)\s*$")
_NAME = re.compile(r"^[a-z][a-z0-9_]{1,60}$")
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_MITRE = re.compile(r"^T\d{4}(?:\.\d{3})?$")
_HARD_WINDOW = re.compile(r"\b(ago|now)\s*\(", re.IGNORECASE)
SEVERITIES = ("informational", "low", "medium", "high")


class HuntFileError(ValueError):
    """A hunt file that cannot be loaded; the message starts with 'path:line:'."""

    def __init__(self, path: Path | str, line: int | None, message: str) -> None:
        self.path = str(path)
        self.line = line
        super().__init__(f"{path}:{line}: {message}" if line else f"{path}: {message}")


@dataclass(frozen=True)
class Hunt:
    """One hunt: metadata from the header and the KQL body, as the file says."""

    name: str
    description: str
    tables: tuple[str, ...]
    time_column: str
    kql: str
    path: Path
    body_line: int  # 1-based line of the file where the KQL body starts
    title: str = ""
    tags: tuple[str, ...] = ()
    mitre: tuple[str, ...] = ()
    owner: str = ""
    severity: str = "informational"
    entities: tuple[str, ...] = field(default_factory=tuple)

    @property
    def line_offset(self) -> int:
        return self.body_line - 1

    def windowed(self, start: object, end: object) -> str:
        """The hunt's KQL restricted to [start, end) on its time column, applied by the framework."""
        return apply_window(self.kql, self.time_column, start, end)


def apply_window(kql: str, time_column: str, start: object, end: object) -> str:
    """Append a half-open time filter to the query's last tabular expression.

    Half-open (>= start, < end) so that adjacent windows -- days, or halves of a split window -- never
    share a row. The filter goes at the end of the pipeline so it applies to the hunt's *output* time
    column, whatever the hunt did before; DuckDB and Kusto both push it down to the scan.
    """
    if not _IDENT.match(time_column):
        raise ValueError(f"time column {time_column!r} is not an identifier")
    body = kql.rstrip()
    while body.endswith(";"):
        body = body[:-1].rstrip()
    return (f"{body}\n| where {time_column} >= {kql_datetime(start)} "  # type: ignore[arg-type]
            f"and {time_column} < {kql_datetime(end)}")  # type: ignore[arg-type]


def _split_list(value: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in value.split(",") if v.strip())


def parse_hunt(text: str, path: Path | str) -> Hunt:
    """Parse one hunt file's text; raise HuntFileError naming the file and line on any problem."""
    path = Path(path)
    lines = text.splitlines()
    meta: dict[str, str] = {}
    meta_line: dict[str, int] = {}
    last_key: str | None = None
    body_start = None
    for idx, line in enumerate(lines, start=1):
        stripped = line.strip()
        if not stripped:
            last_key = None
            continue
        if not stripped.startswith("//"):
            body_start = idx
            break
        if set(stripped) <= {"/", "-", "=", " "}:
            last_key = None
            continue  # separator line
        m = _KEY_LINE.match(stripped)
        if m and (m.group(1) in REQUIRED or m.group(1) in OPTIONAL):
            key, value = m.group(1), m.group(2)
            if key in meta:
                raise HuntFileError(path, idx, f"header key {key!r} given twice")
            meta[key], meta_line[key], last_key = value, idx, key
            continue
        if m and last_key is None:
            raise HuntFileError(path, idx, f"unknown header key {m.group(1)!r} "
                                           f"(known: {', '.join(REQUIRED + OPTIONAL)})")
        c = _CONT_LINE.match(line.rstrip()) if last_key else None
        if c and last_key:
            meta[last_key] = f"{meta[last_key]} {c.group(1)}".strip()
            continue
        if m:
            raise HuntFileError(path, idx, f"unknown header key {m.group(1)!r} "
                                           f"(known: {', '.join(REQUIRED + OPTIONAL)})")
        last_key = None  # a free comment ends the header's continuation
    if body_start is None:
        raise HuntFileError(path, None, "no KQL after the comment header")
    for key in REQUIRED:
        if not meta.get(key):
            raise HuntFileError(path, 1, f"header lacks required key {key!r} (write '// {key}: ...')")
    name = meta["name"]
    if not _NAME.match(name):
        raise HuntFileError(path, meta_line["name"], f"hunt name {name!r} must be snake_case (a-z, 0-9, _)")
    if name != path.stem:
        raise HuntFileError(path, meta_line["name"], f"hunt name {name!r} must equal the file name {path.stem!r}")
    time_column = meta["time_column"]
    if not _IDENT.match(time_column):
        raise HuntFileError(path, meta_line["time_column"], f"time_column {time_column!r} is not an identifier")
    tables = _split_list(meta["tables"])
    for t in tables:
        if not _IDENT.match(t):
            raise HuntFileError(path, meta_line["tables"], f"table {t!r} is not an identifier")
    mitre = _split_list(meta.get("mitre", ""))
    for t in mitre:
        if not _MITRE.match(t):
            raise HuntFileError(path, meta_line["mitre"], f"MITRE technique {t!r} is not like T1087 or T1087.002")
    severity = meta.get("severity", "informational").lower()
    if severity not in SEVERITIES:
        raise HuntFileError(path, meta_line["severity"], f"severity {severity!r} not one of {SEVERITIES}")
    body = "\n".join(lines[body_start - 1:])
    for offset, bline in enumerate(lines[body_start - 1:]):
        code = bline.split("//", 1)[0]
        if _HARD_WINDOW.search(code):
            raise HuntFileError(path, body_start + offset,
                                "the query uses ago()/now(): the time window is applied by the framework "
                                f"on '{time_column}', never written into a hunt")
    if not body.strip():
        raise HuntFileError(path, body_start, "empty KQL body")
    return Hunt(name=name, description=meta["description"], tables=tables, time_column=time_column, kql=body,
                path=path, body_line=body_start, title=meta.get("title", ""), tags=_split_list(meta.get("tags", "")),
                mitre=mitre, owner=meta.get("owner", ""), severity=severity,
                entities=_split_list(meta.get("entities", "")))


def default_queries_dir() -> Path:
    """``HUNT_QUERIES_DIR`` or the repository's ``queries/`` (the package is installed editable)."""
    env = os.environ.get("HUNT_QUERIES_DIR")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2] / "queries"


def load_hunts(directory: Path | str | None = None) -> list[Hunt]:
    """Every ``*.kql`` in the directory, sorted by name; the first bad file raises."""
    directory = Path(directory) if directory else default_queries_dir()
    if not directory.is_dir():
        raise HuntFileError(directory, None, "hunt directory not found (set HUNT_QUERIES_DIR)")
    hunts = []
    for path in sorted(directory.glob("*.kql")):
        hunts.append(parse_hunt(path.read_text(encoding="utf-8"), path))
    return hunts
