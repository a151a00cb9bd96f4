"""Import errors: every message names the exact entry and field, e.g.
``areas[3] (key 'checkout').owner_team: unknown team 'paymnts' (line 42)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

INVALID = object()  # stands for a value that failed its check, so that later checks skip it


class MatrixFileError(Exception):
    """The file cannot be imported; ``errors`` lists every problem found. Nothing was changed."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


def line_of(data: object, field: str | None = None) -> int | None:
    """The YAML line of a mapping (or of one of its fields), when it came from a file."""
    lines = getattr(data, "lines", None)
    if field is not None and lines and field in lines:
        return lines[field]
    return getattr(data, "line", None)


@dataclass(frozen=True)
class Loc:
    """Where an entry sits in the file: its label (``teams[0] (key 'sre')``) and its mapping (for lines)."""

    label: str
    data: Mapping | None = None
    short: str = ""  # the entry's own place, without its key: "members[2]"

    def child(self, label: str, data: Mapping | None = None, short: str = "") -> Loc:
        return Loc(f"{self.label}.{label}" if self.label else label, data, short)


class Errors:
    """Collects errors instead of stopping at the first, so one run shows everything to fix."""

    def __init__(self) -> None:
        self.messages: list[str] = []

    def add(self, loc: Loc, field: str | None, message: str) -> None:
        where = loc.label if field is None else (f"{loc.label}.{field}" if loc.label else field)
        line = line_of(loc.data, field)
        suffix = f" (line {line})" if line else ""
        self.messages.append(f"{where}: {message}{suffix}")

    def __bool__(self) -> bool:
        return bool(self.messages)

    def raise_if_any(self) -> None:
        if self.messages:
            raise MatrixFileError(list(self.messages))
