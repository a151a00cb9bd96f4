"""What a timer does when it fires: a breach, a warning, an escalation step, an overdue update, an
escalated handoff. Called by the sweep (``timers.timers_fire_due``) with the incident row locked, in
the same transaction that marks the timer fired — an effect and its "fired" mark commit together.
"""

from __future__ import annotations

import datetime as dt
from functools import cached_property

from django.contrib.auth import get_user_model

from matrix.snapshot import MatrixSnapshot

from . import notify
from .models import (
    OPEN_STATUSES,
    WARNING_OF,
    Breach,
    Handoff,
    HandoffState,
    Incident,
    Status,
    TimelineKind,
    Timer,
    TimerKind,
    TimerState,
)
from .timeline import hhmm, timeline_write

# While the incident is in one of these states the timer still matters; otherwise it is cancelled.
RELEVANT_WHILE = {
    TimerKind.ACKNOWLEDGE: (Status.NEW,),
    TimerKind.ACKNOWLEDGE_WARNING: (Status.NEW,),
    TimerKind.ESCALATION: (Status.NEW,),
    TimerKind.CONTAIN: (Status.NEW, Status.ACKNOWLEDGED),
    TimerKind.CONTAIN_WARNING: (Status.NEW, Status.ACKNOWLEDGED),
    TimerKind.RESOLVE: OPEN_STATUSES,
    TimerKind.RESOLVE_WARNING: OPEN_STATUSES,
    TimerKind.UPDATE: OPEN_STATUSES,
    TimerKind.HANDOFF: OPEN_STATUSES,
}
# The clocks a pause stops (stakeholder updates and handoff acceptance keep running).
HOLDABLE = (TimerKind.ACKNOWLEDGE, TimerKind.CONTAIN, TimerKind.RESOLVE, *WARNING_OF.values(), TimerKind.ESCALATION)
TARGET_OF_WARNING = {warning: target for target, warning in WARNING_OF.items()}
DEADLINE_FIELD = {
    TimerKind.ACKNOWLEDGE: "acknowledge_by", TimerKind.CONTAIN: "contain_by", TimerKind.RESOLVE: "resolve_by",
}
TARGET_WORD = {
    TimerKind.ACKNOWLEDGE: "acknowledge", TimerKind.CONTAIN: "contain", TimerKind.RESOLVE: "resolve",
    TimerKind.UPDATE: "stakeholder update",
}


class FiringContext:
    """What one sweep batch shares: one matrix snapshot (loaded only if an effect needs it), the
    executives, named users, and the incidents it has locked."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now
        self._users: dict[int, object] = {}
        self._incidents: dict[int, Incident] = {}

    @cached_property
    def snapshot(self) -> MatrixSnapshot:
        return MatrixSnapshot(self.now)

    @cached_property
    def executives(self) -> list:
        return notify.executives()

    def users(self, ids) -> dict:
        missing = [i for i in ids if i not in self._users]
        if missing:
            self._users.update({u.pk: u for u in get_user_model().objects.filter(pk__in=missing)})
        return {i: self._users.get(i) for i in ids}

    def lock(self, incident_id: int) -> Incident | None:
        """The incident, locked for this transaction — or None when someone else holds it right now
        (SKIP LOCKED: the sweep never waits, so it never deadlocks with a person's move)."""
        if incident_id not in self._incidents:
            # Lock, then read (as services.common.lock_incident does): a locking query re-reads only the
            # locked row when it met a newer version, never the rows joined to it.
            if not Incident.objects.select_for_update(skip_locked=True).filter(pk=incident_id).exists():
                return None
            self._incidents[incident_id] = Incident.objects.select_related(
                "tier", "team", "assignee", "suspected_vendor__relationship_owner"
            ).get(pk=incident_id)
        return self._incidents[incident_id]

    def forget(self, incident_id: int) -> None:
        """Drop an incident whose changes were rolled back, so the next timer reloads it."""
        self._incidents.pop(incident_id, None)


def fire(timer: Timer, incident: Incident, context: FiringContext) -> bool:
    """Apply the timer's effect and mark it fired; True when it fired.

    Re-checks first: a timer that no longer matters (the incident moved on) is cancelled instead, and
    one whose clock is paused is held.
    """
    if timer.state != TimerState.ARMED:
        return False
    if incident.status not in RELEVANT_WHILE[timer.kind]:
        _close(timer, TimerState.CANCELLED, context.now)
        return False
    if incident.is_paused and timer.kind in HOLDABLE:
        timer.state = TimerState.HELD
        timer.save(update_fields=["state"])
        return False
    if not EFFECTS[timer.kind](timer, incident, context):
        _close(timer, TimerState.CANCELLED, context.now)
        return False
    timer.state, timer.fired_at = TimerState.FIRED, context.now
    timer.save(update_fields=["state", "fired_at"])
    return True


def _close(timer: Timer, state: str, now: dt.datetime) -> None:
    timer.state, timer.closed_at = state, now
    timer.save(update_fields=["state", "closed_at"])


def _breach(timer: Timer, incident: Incident, context: FiringContext) -> bool:
    """A missed target (or an overdue stakeholder update): a Breach row, the flag, the timeline, and
    the owning team's lead(s) and on-call person told (the assignee, for an overdue update)."""
    Breach.objects.create(
        incident=incident, timer=timer, target=timer.kind, team_id=incident.team_id, due_at=timer.due_at,
        breached_at=context.now,
    )
    if not incident.breached:
        incident.breached = True
        incident.save(update_fields=["breached", "updated_at"])
    word = TARGET_WORD[timer.kind]
    if timer.kind == TimerKind.UPDATE:
        recipients = notify.notify_update_overdue(incident, timer, context.snapshot)
        text = f"Stakeholder update overdue (due {hhmm(timer.due_at, context.now)})."
    else:
        recipients = notify.notify_breach(incident, timer, context.snapshot, word)
        text = f"Missed its {word} target (due {hhmm(timer.due_at, context.now)})."
    told = f" Told {recipients.describe()}." if recipients else " Nobody to tell: no lead or on-call person."
    timeline_write(incident=incident, kind=TimelineKind.BREACH, text=text + told, at=context.now,
                   data={"timer": timer.pk, "target": timer.kind, "told": [u.pk for u in recipients]})
    return True


def _warning(timer: Timer, incident: Incident, context: FiringContext) -> bool:
    target = TARGET_OF_WARNING[timer.kind]
    word = TARGET_WORD[target]
    due = getattr(incident, DEADLINE_FIELD[target]) or timer.due_at
    recipients = notify.notify_warning(incident, timer, context.snapshot, word, due)
    told = f" Told {recipients.describe()}." if recipients else ""
    timeline_write(incident=incident, kind=TimelineKind.WARNING, at=context.now,
                   text=f"75% of the {word} target has passed; due at {hhmm(due, context.now)}.{told}",
                   data={"timer": timer.pk, "target": target})
    return True


def _escalation(timer: Timer, incident: Incident, context: FiringContext) -> bool:
    """One frozen step of the policy, its recipients resolved now (who is on call now, the leads now)."""
    step = timer.data
    position = step.get("position", timer.step)
    users = context.users(step.get("notify_user_ids", []))
    executives = context.executives if step.get("notify_executives") else []
    recipients = notify.escalation_recipients(incident, step, context.snapshot, users, executives)
    notify.notify_escalation(incident, timer, recipients, position)
    text = (f"Escalated: step {position} notified {recipients.describe()}." if recipients
            else f"Escalated: step {position} found nobody to notify.")
    timeline_write(incident=incident, kind=TimelineKind.ESCALATED, text=text, at=context.now,
                   data={"timer": timer.pk, "position": position, "told": [u.pk for u in recipients]})
    return True


def _handoff(timer: Timer, incident: Incident, context: FiringContext) -> bool:
    """The receiving team did not accept in time: the handoff escalates to both teams' leads."""
    handoff = (
        Handoff.objects.select_for_update(of=("self",)).select_related("from_team", "to_team")
        .filter(pk=timer.step, incident=incident).first()
    )
    if handoff is None or handoff.state != HandoffState.PENDING:
        return False
    handoff.state = HandoffState.ESCALATED
    handoff.save(update_fields=["state"])
    recipients = notify.notify_handoff_escalated(
        incident, handoff, timer, context.snapshot, handoff.to_team, handoff.from_team
    )
    told = f" Told {recipients.describe()}." if recipients else " Nobody to tell: neither team has a lead."
    timeline_write(incident=incident, kind=TimelineKind.HANDOFF_ESCALATED, at=context.now,
                   text=f"{handoff.to_team.name} did not accept the handoff in time.{told}",
                   data={"timer": timer.pk, "handoff": handoff.pk})
    return True


EFFECTS = {
    TimerKind.ACKNOWLEDGE: _breach,
    TimerKind.CONTAIN: _breach,
    TimerKind.RESOLVE: _breach,
    TimerKind.UPDATE: _breach,
    TimerKind.ACKNOWLEDGE_WARNING: _warning,
    TimerKind.CONTAIN_WARNING: _warning,
    TimerKind.RESOLVE_WARNING: _warning,
    TimerKind.ESCALATION: _escalation,
    TimerKind.HANDOFF: _handoff,
}
