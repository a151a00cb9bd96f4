"""Matrix lint: the mistakes and coverage gaps a manager must see (``lint_matrix`` and the matrix page).

Each check is a small function over a ``MatrixSnapshot`` yielding ``Finding``s; ``lint`` runs them all.
Every check reads the snapshot only, so a full lint costs the snapshot's constant number of queries.
"""

from __future__ import annotations

from ..snapshot import MatrixSnapshot
from .coverage import check_areas_without_owner, check_areas_without_playbook, check_stale_contacts, check_triage_team
from .escalation import check_escalation_steps, check_major_tiers_without_containment, check_tiers_without_policy
from .findings import ERROR, SEVERITIES, WARNING, Finding
from .priority import check_priority_matrix_complete, check_priority_matrix_monotonic
from .rotations import check_rotations
from .rules import check_rules_shadowed, check_rules_target_team_on_call, check_rules_unreachable

__all__ = ["CHECKS", "ERROR", "SEVERITIES", "WARNING", "Finding", "lint"]

CHECKS = [
    check_priority_matrix_complete,
    check_priority_matrix_monotonic,
    check_rules_unreachable,
    check_rules_shadowed,
    check_rules_target_team_on_call,
    check_escalation_steps,
    check_tiers_without_policy,
    check_major_tiers_without_containment,
    check_areas_without_owner,
    check_areas_without_playbook,
    check_rotations,
    check_stale_contacts,
    check_triage_team,
]


def lint(snapshot: MatrixSnapshot | None = None) -> list[Finding]:
    snapshot = snapshot or MatrixSnapshot()
    return [finding for check in CHECKS for finding in check(snapshot)]
