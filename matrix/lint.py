"""Matrix lint: the mistakes and coverage gaps a manager must see (``lint_matrix`` and the matrix page).

Each check is a small function over a ``MatrixSnapshot`` yielding ``Finding``s; ``lint`` runs them all.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from .snapshot import MatrixSnapshot

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Finding:
    code: str  # stable, e.g. "area-no-owner"
    severity: str  # ERROR or WARNING
    message: str  # one sentence a manager understands
    subject_type: str  # "area", "team", "tier", "rule", "policy", "step", "rotation", "vendor", "matrix"
    subject_key: str  # the subject's key (or another stable identifier)


def check_areas_without_owner(snapshot: MatrixSnapshot) -> Iterator[Finding]:
    for area in snapshot.areas.values():
        if area.owner_team_id is None:
            yield Finding("area-no-owner", ERROR, f"Area '{area.name}' has no owner team.", "area", area.key)


CHECKS = [check_areas_without_owner]


def lint(snapshot: MatrixSnapshot | None = None) -> list[Finding]:
    snapshot = snapshot or MatrixSnapshot()
    return [finding for check in CHECKS for finding in check(snapshot)]
