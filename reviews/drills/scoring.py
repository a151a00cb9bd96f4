"""A drill's score, from what its drill incident records, and the sections its debrief starts with.

- Time to acknowledge: filing to acknowledgement (None when nobody acknowledged it).
- Right team first time: the first routing held — never flagged misrouted, never handed off as the
  wrong team (``Incident.routing_correct``, which the accuracy loop also reads).
- Checklist: items of the incident's playbook ticked on it, out of all its items. The incident's
  playbook is the one responders saw on the incident page (routing may pick a more specific one than
  the drill's); the drill's playbook counts when the incident has none.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.text import slugify

from incidents.models import ChecklistTick, Incident
from matrix.models import ChecklistItem

from ..sections import parse_headings, sections_from_template


@dataclass(frozen=True)
class Score:
    time_to_acknowledge: int | None  # seconds
    right_team_first: bool
    checklist_done: int
    checklist_total: int


def score_of(incident: Incident, *, fallback_playbook_id: int) -> Score:
    playbook_id = incident.playbook_id or fallback_playbook_id
    items = set(ChecklistItem.objects.filter(playbook_id=playbook_id).values_list("pk", flat=True))
    ticked = set(ChecklistTick.objects.filter(incident=incident, item_id__in=items).values_list("item_id", flat=True))
    seconds = None
    if incident.acknowledged_at is not None:
        seconds = max(0, int((incident.acknowledged_at - incident.filed_at).total_seconds()))
    return Score(time_to_acknowledge=seconds, right_team_first=incident.routing_correct is not False,
                 checklist_done=len(ticked), checklist_total=len(items))


# A review has its own parts for these; a debrief is only sections, so it asks them as sections too.
DEBRIEF_EXTRAS = ["What went well", "What to improve"]


def debrief_sections(review_template: str) -> list[dict]:
    """The debrief's sections: the playbook's review template (as a review's), then what went well and what
    to improve (a review asks those in fields of its own, a debrief has none)."""
    sections = sections_from_template(review_template)
    hints = {heading.lower(): hint for heading, hint in parse_headings(review_template)}
    keys = {section["key"] for section in sections}
    for heading in DEBRIEF_EXTRAS:
        key = slugify(heading)
        if key not in keys:
            sections.append({"key": key, "heading": heading, "hint": hints.get(heading.lower(), ""), "body": ""})
    return sections
