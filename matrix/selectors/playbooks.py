"""The playbook page: scenario, checklist by kind, triage fields, templates and where it applies."""

from __future__ import annotations

from dataclasses import dataclass

from .. import models as m


@dataclass
class PlaybookPage:
    playbook: m.Playbook
    checklist: list[tuple[str, list[m.ChecklistItem]]]  # (kind label, items), in the order responders need them
    triage_fields: list[m.TriageField]
    rules: list[m.RoutingRule]  # rules that send incidents to this playbook explicitly


def playbook_page(key: str) -> PlaybookPage | None:
    playbook = (
        m.Playbook.objects.select_related("area", "tier")
        .prefetch_related("checklist", "triage_fields")
        .filter(key=key)
        .first()
    )
    if playbook is None:
        return None
    items = list(playbook.checklist.all())
    return PlaybookPage(
        playbook=playbook,
        checklist=[
            (label, kind_items)
            for value, label in m.ChecklistKind.choices
            if (kind_items := [i for i in items if i.kind == value])
        ],
        triage_fields=list(playbook.triage_fields.all()),
        rules=list(m.RoutingRule.objects.filter(playbook_override=playbook).select_related("team").order_by("order")),
    )
