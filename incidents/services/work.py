"""The work on an incident: who is assigned, notes, and the playbook checklist."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import transaction

from matrix.models import ChecklistItem

from ..models import ChecklistTick, Incident, TimelineEntry, TimelineKind
from ..timeline import person, timeline_write
from .common import CHANGE, input_error, lock_incident, moment, require


def incident_assign(*, incident: Incident | int, user, assignee, now: dt.datetime | None = None) -> Incident:
    """Give the incident to one person (``None`` unassigns it)."""
    require(user, CHANGE)
    now = moment(now)
    if isinstance(assignee, int):
        assignee = get_user_model().objects.filter(pk=assignee).first()
        if assignee is None:
            raise input_error("assignee", "Unknown user.")
    if assignee is not None and not assignee.is_active:
        raise input_error("assignee", f"{person(assignee)} is no longer active.")
    with transaction.atomic():
        incident = lock_incident(incident)
        incident.assignee = assignee
        incident.save(update_fields=["assignee", "updated_at"])
        text = f"Assigned to {person(assignee)} by {person(user)}." if assignee else f"Unassigned by {person(user)}."
        timeline_write(incident=incident, kind=TimelineKind.ASSIGNED, at=now, actor=user, text=text,
                       data={"assignee": assignee.pk if assignee else None})
    return incident


def incident_add_note(*, incident: Incident | int, user, text: str, now: dt.datetime | None = None) -> TimelineEntry:
    require(user, "incidents.add_timelineentry")
    now = moment(now)
    text = (text or "").strip()
    if not text:
        raise input_error("text", "Write the note.")
    with transaction.atomic():
        incident = lock_incident(incident)
        return timeline_write(incident=incident, kind=TimelineKind.NOTE, at=now, actor=user, text=text)


def checklist_tick(*, incident: Incident | int, user, item_id: int, done: bool = True,
                   now: dt.datetime | None = None) -> ChecklistTick | None:
    """Tick (or untick) one item of the incident's playbook checklist, recording who and when."""
    require(user, "incidents.add_checklisttick")
    now = moment(now)
    with transaction.atomic():
        incident = lock_incident(incident)
        item = ChecklistItem.objects.filter(pk=item_id, playbook_id=incident.playbook_id).first()
        if item is None or incident.playbook_id is None:
            raise input_error("item_id", "That item is not on this incident's playbook checklist.")
        existing = ChecklistTick.objects.filter(incident=incident, item=item).first()
        if done and existing is None:
            tick = ChecklistTick.objects.create(incident=incident, item=item, ticked_by=user, ticked_at=now)
            timeline_write(incident=incident, kind=TimelineKind.CHECKLIST, at=now, actor=user,
                           text=f"Checked by {person(user)}: {item.text}", data={"item": item.pk, "done": True})
            return tick
        if done:
            return existing  # ticking twice changes nothing: the first tick keeps its who and when
        if existing is not None:
            existing.delete()
            timeline_write(incident=incident, kind=TimelineKind.CHECKLIST, at=now, actor=user,
                           text=f"Unchecked by {person(user)}: {item.text}", data={"item": item.pk, "done": False})
        return None
