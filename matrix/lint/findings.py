"""What a lint check reports: one finding per mistake or gap, about one subject of the matrix."""

from __future__ import annotations

from dataclasses import asdict, dataclass

ERROR = "error"
WARNING = "warning"
SEVERITIES = (ERROR, WARNING)  # the order findings are shown in


@dataclass(frozen=True)
class Finding:
    code: str  # stable, e.g. "area-no-owner"
    severity: str  # ERROR or WARNING
    message: str  # one sentence a manager understands
    # What to highlight, and its key (or another stable identifier):
    #   "area", "team", "tier", "rule", "policy", "vendor" → the object's key;
    #   "step" → "<policy key>/<step position>"; "rotation" → "<team key>/<rotation name>";
    #   "cell" (of the priority matrix) → "<impact key>/<urgency key>"; "matrix" → the whole matrix.
    subject_type: str
    subject_key: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


def step_key(policy, step) -> str:
    return f"{policy.key}/{step.position}"


def rotation_key(team, rotation) -> str:
    return f"{team.key}/{rotation.name}"


def cell_key(impact, urgency) -> str:
    return f"{impact.key}/{urgency.key}"
