"""What a timer does when it fires: a breach, a warning, an escalation step, an overdue update, an
escalated handoff. Called by the sweep (``timers.timers_fire_due``) with the incident row locked, in
the same transaction that marks the timer fired — an effect and its "fired" mark commit together.

An effect does not write: it adds its rows to the context's ``Writes`` (timeline lines, breaches,
notifications, timer states…), and ``Writes.flush`` writes each table once. The sweep fires a whole
batch of timers and flushes once (a handful of queries for fifty timers); a single ``fire`` flushes
at once.
"""

from __future__ import annotations

import datetime as dt
from functools import cached_property

from django.contrib.auth import get_user_model
from django.utils import timezone

from matrix.cache import current_snapshot
from matrix.snapshot import MatrixSnapshot

from . import notify
from .models import (
    OPEN_STATUSES,
    PHASE_OF_STEP_KIND,
    STEP_KINDS,
    WARNING_OF,
    Breach,
    Handoff,
    HandoffState,
    Incident,
    Status,
    TimelineEntry,
    TimelineKind,
    Timer,
    TimerKind,
    TimerState,
)
from .timeline import hhmm, timeline_entry

# While the incident is in one of these states the timer still matters; otherwise it is cancelled.
RELEVANT_WHILE = {
    TimerKind.ACKNOWLEDGE: (Status.NEW,),
    TimerKind.ACKNOWLEDGE_WARNING: (Status.NEW,),
    TimerKind.ESCALATION: (Status.NEW,),
    TimerKind.CONTAIN_ESCALATION: (Status.NEW, Status.ACKNOWLEDGED),
    TimerKind.RESOLVE_ESCALATION: OPEN_STATUSES,
    TimerKind.CONTAIN: (Status.NEW, Status.ACKNOWLEDGED),
    TimerKind.CONTAIN_WARNING: (Status.NEW, Status.ACKNOWLEDGED),
    TimerKind.RESOLVE: OPEN_STATUSES,
    TimerKind.RESOLVE_WARNING: OPEN_STATUSES,
    TimerKind.UPDATE: OPEN_STATUSES,
    TimerKind.HANDOFF: OPEN_STATUSES,
}
PHASE_NOUN = {"acknowledge": "acknowledgement", "contain": "containment", "resolve": "resolution"}
TARGET_OF_WARNING = {warning: target for target, warning in WARNING_OF.items()}
DEADLINE_FIELD = {
    TimerKind.ACKNOWLEDGE: "acknowledge_by", TimerKind.CONTAIN: "contain_by", TimerKind.RESOLVE: "resolve_by",
}
TARGET_WORD = {
    TimerKind.ACKNOWLEDGE: "acknowledge", TimerKind.CONTAIN: "contain", TimerKind.RESOLVE: "resolve",
    TimerKind.UPDATE: "stakeholder update",
}


class Writes:
    """What firing some timers writes, collected so that each table is written once (``flush``)."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now
        self._clear()

    def _clear(self) -> None:
        self.timer_states: dict[str, list[Timer]] = {}  # new state → timers
        self.breaches: list[Breach] = []
        self.breached: dict[int, Incident] = {}  # incidents flagged breached by these timers
        self.escalated_handoffs: list[Handoff] = []
        self.timeline: list[TimelineEntry] = []
        self.outbox = notify.Outbox()

    def timer(self, timer: Timer, state: str) -> None:
        """The timer moves to ``state`` (fired: ``fired_at``; cancelled: ``closed_at``; held: nothing)."""
        timer.state = state
        if state == TimerState.FIRED:
            timer.fired_at = self.now
        elif state == TimerState.CANCELLED:
            timer.closed_at = self.now
        self.timer_states.setdefault(state, []).append(timer)

    def flush(self) -> None:
        """Write everything collected: one statement per table (per timer state), in the caller's
        transaction. Notifications go to the outbox with one INSERT and are dispatched after the commit."""
        if self.breaches:
            Breach.objects.bulk_create(self.breaches)
        if self.breached:
            updated_at = timezone.now()
            Incident.objects.filter(pk__in=list(self.breached)).update(breached=True, updated_at=updated_at)
            for incident in self.breached.values():
                incident.updated_at = updated_at
        if self.escalated_handoffs:
            Handoff.objects.filter(pk__in=[h.pk for h in self.escalated_handoffs]).update(state=HandoffState.ESCALATED)
        if self.timeline:
            TimelineEntry.objects.bulk_create(self.timeline)
        self.outbox.flush()
        stamps = {TimerState.FIRED: {"fired_at": self.now}, TimerState.CANCELLED: {"closed_at": self.now}}
        for state, timers in self.timer_states.items():
            Timer.objects.filter(pk__in=[t.pk for t in timers]).update(state=state, **stamps.get(state, {}))
        self._clear()


class FiringContext:
    """What one sweep batch shares: one matrix snapshot (loaded only if an effect needs it), the
    executives, named users, the incidents it has locked, and the writes its effects collect."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now
        self.writes = Writes(now)
        self._users: dict[int, object] = {}
        self._incidents: dict[int, Incident] = {}
        self._handoffs: dict[int, Handoff | None] = {}

    @cached_property
    def snapshot(self) -> MatrixSnapshot:
        """The matrix as it stands (the process's kept one while it is current: see ``matrix.cache``).
        Escalation steps come from the policy frozen on the incident; only who to tell is read here."""
        return current_snapshot(self.now)

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
            return self.lock_many([incident_id]).get(incident_id)
        return self._incidents[incident_id]

    def lock_many(self, incident_ids) -> dict[int, Incident]:
        """The incidents among ``incident_ids`` that nobody else holds, locked for this transaction
        (one query, SKIP LOCKED), then read with what the effects need (one more query).

        Lock, then read (as services.common.lock_incident does): a locking query re-reads only the
        locked row when it met a newer version, never the rows joined to it."""
        wanted = [i for i in incident_ids if i not in self._incidents]
        if wanted:
            locked = list(Incident.objects.select_for_update(skip_locked=True).filter(pk__in=wanted)
                          .order_by().values_list("pk", flat=True))
            if locked:
                self._incidents.update(
                    Incident.objects.select_related("tier", "team", "assignee", "suspected_vendor__relationship_owner")
                    .in_bulk(locked)
                )
        return {i: self._incidents[i] for i in incident_ids if i in self._incidents}

    def forget(self, incident_id: int) -> None:
        """Drop an incident whose changes were rolled back, so the next timer reloads it."""
        self._incidents.pop(incident_id, None)

    def prepare(self, timers: list[Timer]) -> None:
        """Read what these timers' effects will need in one query each, rather than one per timer: the
        people named by escalation steps, and the handoffs of handoff timers (locked)."""
        named = {i for t in timers if t.kind in STEP_KINDS for i in t.data.get("notify_user_ids", [])}
        if named:
            self.users(sorted(named))
        wanted = {t.step: t.incident_id for t in timers if t.kind == TimerKind.HANDOFF and t.step not in self._handoffs}
        if wanted:
            found = {
                h.pk: h for h in Handoff.objects.select_for_update(of=("self",)).select_related("from_team", "to_team")
                .filter(pk__in=list(wanted))
            }
            for pk, incident_id in wanted.items():
                handoff = found.get(pk)
                self._handoffs[pk] = handoff if handoff is not None and handoff.incident_id == incident_id else None

    def handoff(self, timer: Timer) -> Handoff | None:
        """The handoff a handoff timer watches, locked."""
        if timer.step not in self._handoffs:
            self.prepare([timer])
        return self._handoffs[timer.step]


def fire(timer: Timer, incident: Incident, context: FiringContext, *, flush: bool = True) -> bool:
    """Apply the timer's effect and mark it fired; True when it fired.

    Re-checks first: a timer that no longer matters (the incident moved on) is cancelled instead, and
    one whose clock is paused is held. ``flush=False`` leaves the writes in ``context.writes`` for the
    caller to flush with those of other timers.
    """
    if timer.state != TimerState.ARMED:
        return False
    writes = context.writes
    if incident.status not in RELEVANT_WHILE[timer.kind]:
        writes.timer(timer, TimerState.CANCELLED)
        fired = False
    elif incident.is_paused:  # a pause stops every clock: targets, steps, updates, handoff acceptance
        writes.timer(timer, TimerState.HELD)
        fired = False
    elif not EFFECTS[timer.kind](timer, incident, context):
        writes.timer(timer, TimerState.CANCELLED)
        fired = False
    else:
        writes.timer(timer, TimerState.FIRED)
        fired = True
    if flush:
        writes.flush()
    return fired


def _breach(timer: Timer, incident: Incident, context: FiringContext) -> bool:
    """A missed target (or an overdue stakeholder update): a Breach row, the flag, the timeline, and
    the owning team's lead(s) and on-call person told (the assignee, for an overdue update)."""
    writes = context.writes
    writes.breaches.append(Breach(
        incident=incident, timer=timer, target=timer.kind, team_id=incident.team_id, due_at=timer.due_at,
        breached_at=context.now,
    ))
    if not incident.breached:
        incident.breached = True
        writes.breached[incident.pk] = incident
    word = TARGET_WORD[timer.kind]
    if timer.kind == TimerKind.UPDATE:
        recipients = notify.notify_update_overdue(incident, timer, context.snapshot, outbox=writes.outbox)
        text = f"Stakeholder update overdue (due {hhmm(timer.due_at, context.now, team=incident.team)})."
    else:
        recipients = notify.notify_breach(incident, timer, context.snapshot, word, outbox=writes.outbox)
        text = f"Missed its {word} target (due {hhmm(timer.due_at, context.now, team=incident.team)})."
    told = f" Told {recipients.describe()}." if recipients else " Nobody to tell: no lead or on-call person."
    writes.timeline.append(timeline_entry(
        incident=incident, kind=TimelineKind.BREACH, text=text + told, at=context.now,
        data={"timer": timer.pk, "target": timer.kind, "told": [u.pk for u in recipients]},
    ))
    return True


def _warning(timer: Timer, incident: Incident, context: FiringContext) -> bool:
    target = TARGET_OF_WARNING[timer.kind]
    word = TARGET_WORD[target]
    due = getattr(incident, DEADLINE_FIELD[target]) or timer.due_at
    recipients = notify.notify_warning(incident, timer, context.snapshot, word, due, outbox=context.writes.outbox)
    told = f" Told {recipients.describe()}." if recipients else ""
    context.writes.timeline.append(timeline_entry(
        incident=incident, kind=TimelineKind.WARNING, at=context.now,
        text=f"75% of the {word} target has passed; due at {hhmm(due, context.now, team=incident.team)}.{told}",
        data={"timer": timer.pk, "target": target},
    ))
    return True


def _escalation(timer: Timer, incident: Incident, context: FiringContext) -> bool:
    """One frozen step of the policy, its recipients resolved now (who is on call now, the leads now)."""
    step = timer.data
    position = step.get("position", timer.step)
    phase = PHASE_OF_STEP_KIND[timer.kind]
    users = context.users(step.get("notify_user_ids", []))
    executives = context.executives if step.get("notify_executives") else []
    recipients = notify.escalation_recipients(incident, step, context.snapshot, users, executives)
    notify.notify_escalation(incident, timer, recipients, position, phase=phase, outbox=context.writes.outbox)
    which = f"step {position}" if phase == "acknowledge" else f"step {position} of {PHASE_NOUN[phase]}"
    text = (f"Escalated: {which} notified {recipients.describe()}." if recipients
            else f"Escalated: {which} found nobody to notify.")
    context.writes.timeline.append(timeline_entry(
        incident=incident, kind=TimelineKind.ESCALATED, text=text, at=context.now,
        data={"timer": timer.pk, "position": position, "phase": phase, "told": [u.pk for u in recipients]},
    ))
    return True


def _handoff(timer: Timer, incident: Incident, context: FiringContext) -> bool:
    """The receiving team did not accept in time: the handoff escalates to both teams' leads."""
    handoff = context.handoff(timer)
    if handoff is None or handoff.state != HandoffState.PENDING:
        return False
    handoff.state = HandoffState.ESCALATED
    context.writes.escalated_handoffs.append(handoff)
    recipients = notify.notify_handoff_escalated(
        incident, handoff, timer, context.snapshot, handoff.to_team, handoff.from_team, outbox=context.writes.outbox
    )
    told = f" Told {recipients.describe()}." if recipients else " Nobody to tell: neither team has a lead."
    context.writes.timeline.append(timeline_entry(
        incident=incident, kind=TimelineKind.HANDOFF_ESCALATED, at=context.now,
        text=f"{handoff.to_team.name} did not accept the handoff in time.{told}",
        data={"timer": timer.pk, "handoff": handoff.pk},
    ))
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
    TimerKind.CONTAIN_ESCALATION: _escalation,
    TimerKind.RESOLVE_ESCALATION: _escalation,
    TimerKind.HANDOFF: _handoff,
}
