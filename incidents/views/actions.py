"""The incident page's actions, as one table: each one's URL name, button, form (if it asks anything),
service call, and when it is legal (so the page offers only what would succeed). The services remain
the judges: an illegal move still raises ``TransitionError``, which the page shows as a message.
The POST views that run them are in ``action_views``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django import forms

from .. import services
from ..forms import NoteForm, PauseForm, ReasonForm, TeamReasonForm, UpdateForm, VendorForm, WarRoomForm
from ..models import OPEN_STATUSES, Incident, Status

CHANGE = "incidents.change_incident"


def _open(incident: Incident, user) -> bool:
    return incident.status in OPEN_STATUSES


# Each runner: (incident, user, the form's cleaned data) → the message the user sees on success.
def _acknowledge(incident, user, data) -> str:
    services.incident_acknowledge(incident=incident, user=user)
    return "Acknowledged."


def _contain(incident, user, data) -> str:
    services.incident_contain(incident=incident, user=user)
    return "Marked contained."


def _resolve(incident, user, data) -> str:
    services.incident_resolve(incident=incident, user=user)
    return "Resolved."


def _close(incident, user, data) -> str:
    services.incident_close(incident=incident, user=user)
    return "Closed."


def _assign_to_me(incident, user, data) -> str:
    services.incident_assign(incident=incident, user=user, assignee=user)
    return "Assigned to you."


def _resume(incident, user, data) -> str:
    services.incident_resume(incident=incident, user=user)
    return "The clocks are running again."


def _pause(incident, user, data) -> str:
    services.incident_pause(incident=incident, user=user, reason=data["reason"])
    return "The clocks are paused."


def _reopen(incident, user, data) -> str:
    services.incident_reopen(incident=incident, user=user, reason=data["reason"])
    return "Reopened."


def _handoff(incident, user, data) -> str:
    handoff = services.incident_reassign(incident=incident, user=user, team=data["team"].key, reason=data["reason"])
    return f"Handed off to {handoff.to_team.name}: waiting for them to accept."


def _misroute(incident, user, data) -> str:
    services.incident_flag_misroute(incident=incident, user=user, team=data["team"].key, reason=data["reason"])
    return f"Moved to {data['team'].name}; the first routing is recorded as wrong."


def _war_room(incident, user, data) -> str:
    services.incident_open_war_room(incident=incident, user=user, commander=data["commander"] or user,
                                    channel=data["channel"])
    return "War room open."


def _post_update(incident, user, data) -> str:
    services.incident_post_update(incident=incident, user=user, body=data["body"], audience=data["audience"])
    return "Update posted."


def _add_note(incident, user, data) -> str:
    services.incident_add_note(incident=incident, user=user, text=data["text"])
    return "Note added."


def _involve_vendor(incident, user, data) -> str:
    services.incident_involve_vendor(incident=incident, user=user, vendor=data["vendor"].key)
    return f"{data['vendor'].name} involved; their relationship owner is told."


@dataclass(frozen=True)
class Action:
    name: str  # in the URL: /incidents/<id>/<name>/
    label: str
    run: Callable[[Incident, object, dict], str]
    allowed: Callable[[Incident, object], bool]  # legal now (the service still has the last word)
    form: type[forms.Form] | None = None
    style: str = "outline-primary"
    permission: str = CHANGE  # the one the service checks


def _new(i, u) -> bool:
    return i.status == Status.NEW and not i.is_paused


def _working(i, u) -> bool:
    return i.status in (Status.ACKNOWLEDGED, Status.CONTAINED) and not i.is_paused


ACTIONS: dict[str, Action] = {a.name: a for a in [
    Action("acknowledge", "Acknowledge", _acknowledge, _new, style="primary"),
    Action("contain", "Mark contained", _contain, lambda i, u: i.status == Status.ACKNOWLEDGED and not i.is_paused),
    Action("resolve", "Resolve", _resolve, _working, style="outline-success"),
    Action("close", "Close", _close, lambda i, u: i.status == Status.RESOLVED, style="outline-secondary"),
    Action("assign", "Assign to me", _assign_to_me, lambda i, u: _open(i, u) and i.assignee_id != u.pk,
           style="outline-secondary"),
    Action("resume", "Resume the clocks", _resume, lambda i, u: i.is_paused, style="outline-warning"),
    Action("pause", "Pause", _pause, lambda i, u: _open(i, u) and not i.is_paused, PauseForm, "outline-warning"),
    Action("reopen", "Reopen", _reopen, lambda i, u: i.status in (Status.RESOLVED, Status.CLOSED), ReasonForm,
           "outline-danger"),
    Action("handoff", "Hand off", _handoff, _open, TeamReasonForm),
    Action("misroute", "Flag misroute", _misroute, lambda i, u: _open(i, u) and not i.is_paused, TeamReasonForm,
           "outline-danger"),
    Action("war-room", "Open war room", _war_room, _open, WarRoomForm, "outline-danger"),
    Action("update", "Post update", _post_update, _open, UpdateForm,
           permission="incidents.add_stakeholderupdate"),
    Action("note", "Add note", _add_note, lambda i, u: True, NoteForm, "outline-secondary",
           permission="incidents.add_timelineentry"),
    Action("vendor", "Involve vendor", _involve_vendor, _open, VendorForm),
]}

# The buttons that ask nothing, refreshed with the live part of the page; the rest have forms.
ONE_CLICK = ("acknowledge", "contain", "resolve", "close", "assign", "resume")
TICK = "incidents.add_checklisttick"


def available(incident: Incident, user) -> dict[str, Action]:
    """The actions this user may take on this incident now."""
    return {
        name: action for name, action in ACTIONS.items()
        if user.has_perm(action.permission) and action.allowed(incident, user)
    }


def make_form(action: Action, incident: Incident, data=None, **kwargs) -> forms.Form:
    # Several forms share field names on one page: give each its own ids.
    kwargs.setdefault("auto_id", f"id_{action.name}_%s")
    if action.form is TeamReasonForm:
        kwargs["incident"] = incident
    return action.form(data, **kwargs)
