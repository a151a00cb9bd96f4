"""The lifecycle: new → acknowledged → contained → resolved → closed; reopen; pause and resume.

Each move locks the incident row first (``lock_incident``), so concurrent moves queue and the loser
sees the winner's result ("Already acknowledged by Ann Lee at 10:02 UTC."), then meets, cancels or
shifts the timers and writes the timeline with who and when.

Reopen goes back to *acknowledged*, not to new: the person reopening is on it, and the acknowledge
target belongs to the first round. Containment and resolution start over, anchored at the reopen.
Resolve is allowed from acknowledged too (a fix can contain and resolve at once): it meets the
contain target as well.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from matrix.cache import current_snapshot
from matrix.models import Clock

from .. import clock, notify
from ..models import (
    STEP_KINDS,
    TARGETS,
    WARNING_OF,
    HandoffState,
    Incident,
    PauseReason,
    Status,
    TimelineKind,
    TimerKind,
    TimerState,
)
from ..signals import incident_resolved
from ..timeline import hhmm, person, timeline_write
from ..timers import (
    next_steps,
    phase_begin,
    plan_steps,
    plan_targets,
    plan_update,
    set_deadlines,
    target_reached,
    timers_arm,
    timers_hold,
    timers_release,
    timers_settle,
)
from .common import CHANGE, input_error, lock_incident, moment, refuse_if_paused, require
from .errors import TransitionError


def _late_note(late: bool, target: str) -> str:
    return f" Late: the {target} target had already been missed." if late else ""


def incident_acknowledge(*, incident: Incident | int, user, now: dt.datetime | None = None) -> Incident:
    """Someone owns it now: meets the acknowledge target (or records it late) and stops the escalation."""
    require(user, CHANGE)
    now = moment(now)
    with transaction.atomic():
        incident = lock_incident(incident)
        if incident.status != Status.NEW:
            if incident.acknowledged_at:
                by, at = person(incident.acknowledged_by), hhmm(incident.acknowledged_at, now)
                raise TransitionError(f"Already acknowledged by {by} at {at}.")
            raise TransitionError(f"It is {incident.get_status_display().lower()}; nothing to acknowledge.")
        refuse_if_paused(incident)
        late = target_reached(incident, TimerKind.ACKNOWLEDGE, now=now)
        timers_settle(incident, kinds=[TimerKind.ESCALATION], state=TimerState.CANCELLED, now=now)
        phase_begin(incident, "contain", now=now)
        incident.status = Status.ACKNOWLEDGED
        incident.acknowledged_at, incident.acknowledged_by, incident.acknowledged_late = now, user, late
        if incident.assignee_id is None and user is not None:
            incident.assignee = user  # whoever acknowledges owns it until someone assigns it elsewhere
        incident.save()
        timeline_write(incident=incident, kind=TimelineKind.ACKNOWLEDGED, at=now, actor=user,
                       text=f"Acknowledged by {person(user)}.{_late_note(late, 'acknowledge')}", data={"late": late})
    return incident


def incident_contain(*, incident: Incident | int, user, now: dt.datetime | None = None) -> Incident:
    """The damage stopped spreading: meets the contain target (or records it late)."""
    require(user, CHANGE)
    now = moment(now)
    with transaction.atomic():
        incident = lock_incident(incident)
        if incident.status == Status.NEW:
            raise TransitionError("Acknowledge it first.")
        if incident.status != Status.ACKNOWLEDGED:
            if incident.status == Status.CONTAINED:
                raise TransitionError(f"Already contained at {hhmm(incident.contained_at, now)}.")
            raise TransitionError(f"It is already {incident.get_status_display().lower()}.")
        refuse_if_paused(incident)
        late = target_reached(incident, TimerKind.CONTAIN, now=now)
        timers_settle(incident, kinds=[TimerKind.CONTAIN_ESCALATION], state=TimerState.CANCELLED, now=now)
        phase_begin(incident, "resolve", now=now)
        incident.status, incident.contained_at = Status.CONTAINED, now
        incident.save()
        timeline_write(incident=incident, kind=TimelineKind.CONTAINED, at=now, actor=user,
                       text=f"Contained by {person(user)}.{_late_note(late, 'contain')}", data={"late": late})
    return incident


def incident_resolve(*, incident: Incident | int, user, summary: str = "", now: dt.datetime | None = None) -> Incident:
    """Fixed: meets the resolve target (and contain, if still open) and cancels every other timer."""
    require(user, CHANGE)
    now = moment(now)
    with transaction.atomic():
        incident = lock_incident(incident)
        if incident.status == Status.NEW:
            raise TransitionError("Acknowledge it first.")
        if incident.status in (Status.RESOLVED, Status.CLOSED):
            raise TransitionError(f"Already resolved at {hhmm(incident.resolved_at, now)}." if incident.resolved_at
                                  else "Already resolved.")
        refuse_if_paused(incident)
        notes = []
        if incident.status == Status.ACKNOWLEDGED:
            contain_late = target_reached(incident, TimerKind.CONTAIN, now=now)
            incident.contained_at = now
            notes.append(_late_note(contain_late, "contain"))
        late = target_reached(incident, TimerKind.RESOLVE, now=now)
        notes.append(_late_note(late, "resolve"))
        _cancel_everything(incident, now=now)
        incident.status, incident.resolved_at = Status.RESOLVED, now
        incident.save()
        summary = (summary or "").strip()
        timeline_write(incident=incident, kind=TimelineKind.RESOLVED, at=now, actor=user,
                       text=f"Resolved by {person(user)}." + (f" {summary}" if summary else "") + "".join(notes),
                       data={"late": late, "summary": summary})
        # After the commit (a review needs the resolve to stand); a failing receiver is logged, never raised.
        transaction.on_commit(lambda: incident_resolved.send(sender=Incident, incident=incident, user=user, now=now),
                              robust=True)
    return incident


def incident_close(*, incident: Incident | int, user, now: dt.datetime | None = None) -> Incident:
    require(user, CHANGE)
    now = moment(now)
    with transaction.atomic():
        incident = lock_incident(incident)
        if incident.status == Status.CLOSED:
            raise TransitionError(f"Already closed at {hhmm(incident.closed_at, now)}.")
        if incident.status != Status.RESOLVED:
            raise TransitionError("Resolve it first.")
        _cancel_everything(incident, now=now)
        incident.status, incident.closed_at = Status.CLOSED, now
        incident.save()
        timeline_write(incident=incident, kind=TimelineKind.CLOSED, at=now, actor=user,
                       text=f"Closed by {person(user)}.")
    return incident


def incident_reopen(*, incident: Incident | int, user, reason: str, now: dt.datetime | None = None) -> Incident:
    """Back to acknowledged, with fresh contain and resolve targets (and update cadence) from now."""
    require(user, CHANGE)
    now = moment(now)
    reason = (reason or "").strip()
    with transaction.atomic():
        incident = lock_incident(incident)
        if incident.status not in (Status.RESOLVED, Status.CLOSED):
            raise TransitionError("It is still open; only a resolved or closed incident can be reopened.")
        if not reason:
            raise input_error("reason", "Say why it is being reopened.")
        steps = next_steps(incident)
        round_ = max(steps.get(kind, 0) for kind in (TimerKind.CONTAIN, TimerKind.RESOLVE))
        timers = plan_targets(incident, (TimerKind.CONTAIN, TimerKind.RESOLVE), start=now, round_=round_)
        due = {timer.kind: timer.due_at for timer in timers}
        # Back in containment: its steps count from now (its new start) or its new target; resolution's
        # from its new target (their start comes with the next containment).
        steps_armed = plan_steps(incident, "contain", now=now, start=now, target=due[TimerKind.CONTAIN],
                                 offset=steps.get(TimerKind.CONTAIN_ESCALATION, 0))
        steps_armed += plan_steps(incident, "resolve", now=now, target=due[TimerKind.RESOLVE],
                                  offset=steps.get(TimerKind.RESOLVE_ESCALATION, 0))
        update = plan_update(incident, start=now, number=steps.get(TimerKind.UPDATE, 1))
        timers_arm([*timers, *steps_armed, update] if update else [*timers, *steps_armed])
        set_deadlines(incident, timers)
        incident.status = Status.ACKNOWLEDGED
        incident.contained_at = incident.resolved_at = incident.closed_at = None
        incident.save()
        timeline_write(incident=incident, kind=TimelineKind.REOPENED, at=now, actor=user,
                       text=f"Reopened by {person(user)}: {reason}", data={"round": round_})
        notify.notify_reopened(incident, current_snapshot(now), round_=round_, reason=reason)
    return incident


def incident_pause(*, incident: Incident | int, user, reason: str, now: dt.datetime | None = None) -> Incident:
    """Stop the clocks while waiting on the customer or a vendor: targets and escalation steps are held."""
    require(user, CHANGE)
    now = moment(now)
    if reason not in PauseReason.values:
        raise input_error("reason", f"Pause for one of: {', '.join(PauseReason.values)}.")
    with transaction.atomic():
        incident = lock_incident(incident)
        if not incident.is_open:
            raise TransitionError(
                f"It is {incident.get_status_display().lower()}; only an open incident can be paused."
            )
        if incident.is_paused:
            reason_now = PauseReason(incident.pause_reason).label.lower()
            raise TransitionError(f"Already paused ({reason_now}) since {hhmm(incident.paused_at, now)}.")
        timers_hold(incident)
        incident.paused_at, incident.pause_reason = now, reason
        incident.save()
        timeline_write(incident=incident, kind=TimelineKind.PAUSED, at=now, actor=user,
                       text=f"Clocks paused by {person(user)}: {PauseReason(reason).label.lower()}.",
                       data={"reason": reason})
    return incident


def incident_resume(*, incident: Incident | int, user, now: dt.datetime | None = None) -> Incident:
    """Start the clocks again: every held timer moves later by the paused time."""
    require(user, CHANGE)
    now = moment(now)
    with transaction.atomic():
        incident = lock_incident(incident)
        if not incident.is_paused:
            raise TransitionError("The clocks are not paused.")
        paused_at = incident.paused_at
        released = timers_release(incident, paused_at=paused_at, now=now)
        set_deadlines(incident, sorted(released, key=lambda t: t.step))
        paused = max(now - paused_at, dt.timedelta(0))
        credited = clock.credited_pause(team=incident.team, paused_at=paused_at, resumed_at=now,
                                        clock=incident.tier.clock)
        incident.paused_seconds += int(paused.total_seconds())
        incident.paused_credited_seconds += int(credited.total_seconds())
        incident.paused_at, incident.pause_reason = None, ""
        incident.save()
        timeline_write(incident=incident, kind=TimelineKind.RESUMED, at=now, actor=user,
                       text=f"Clocks resumed by {person(user)} after {_duration(paused)}"
                            f"{_credited(incident, credited)}.",
                       data={"paused_seconds": int(paused.total_seconds()),
                             "credited_seconds": int(credited.total_seconds())})
    return incident


def _cancel_everything(incident: Incident, *, now: dt.datetime) -> None:
    """Resolved: nothing is due any more — targets, warnings, steps, update reminders, handoffs."""
    kinds = [*TARGETS, *WARNING_OF.values(), *STEP_KINDS, TimerKind.UPDATE, TimerKind.HANDOFF]
    timers_settle(incident, kinds=kinds, state=TimerState.CANCELLED, now=now)
    incident.handoffs.filter(state=HandoffState.PENDING).update(state=HandoffState.CANCELLED)


def _credited(incident: Incident, credited: dt.timedelta) -> str:
    """What the deadlines gained, when it is not the whole pause (a tier on business hours)."""
    if incident.tier.clock != Clock.BUSINESS_HOURS:
        return ""
    return (f"; the deadlines moved by {_duration(credited)} of working time on the {incident.team.name} "
            f"calendar (nights, weekends and holidays do not count on {incident.tier.name})")


def _duration(delta: dt.timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if hours < 48 else f"{hours // 24} days {hours % 24} h"
