"""Timers: one row per deadline of one incident. The database is the truth; each fires at most once.

- Arming: due times come from anchors (filed_at, or the reopen / misroute / update / handoff moment)
  plus a target on the tier's clock — never from "now" at each step — and a pause adds its time later.
- Settling: acknowledge, contain and resolve meet their target (or find it already fired: late) and
  cancel what no longer matters.
- Pausing: the stopped clocks are *held* (outside the sweep's partial index, so they cannot fire);
  resume shifts them by the paused time and arms them again.
- The sweep, ``timers_fire_due``: claims due armed timers with ``SELECT … FOR UPDATE SKIP LOCKED``,
  locks their incidents in one query (skipping any a person holds right now, so the two never
  deadlock), applies the effects (``firing``) and marks the timers fired in the same transaction,
  writing each table once per batch.

Step numbers keep (incident, kind, step) unique when timers are armed again: the targets and their
warnings use the arming round (0 at filing, then 1, 2, … after a reopen or a misroute), escalation
timers the step's position (plus an offset in later rounds), update reminders their sequence number,
handoff timers the handoff's id.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from . import clock
from .firing import DEADLINE_FIELD, FiringContext, Writes, fire
from .models import STEP_KIND, TARGETS, WARNING_OF, Handoff, Incident, Timer, TimerKind, TimerState

logger = logging.getLogger(__name__)

LIVE = (TimerState.ARMED, TimerState.HELD)
TARGET_MINUTES = {
    TimerKind.ACKNOWLEDGE: "acknowledge_minutes",
    TimerKind.CONTAIN: "contain_minutes",
    TimerKind.RESOLVE: "resolve_minutes",
}
WARNING_SHARE = 0.75
MAX_ATTEMPTS = 3  # an effect that keeps failing is given up on rather than retried every second forever


def missed(due_at: dt.datetime, at: dt.datetime) -> bool:
    """The one rule for on time: an act at or before its deadline meets it, to the second; a deadline
    is missed only once it has passed. The sweep fires a timer by the same rule (``due_at < now``)."""
    return at > due_at


def due_after(incident: Incident, start: dt.datetime, minutes: float) -> dt.datetime:
    """``minutes`` after ``start`` on the tier's clock, over the owning team's calendar."""
    return clock.deadline(team=incident.team, start=start, minutes=minutes, clock=incident.tier.clock)


# --- arming ----------------------------------------------------------------------------------------

def plan_targets(incident: Incident, kinds, *, start: dt.datetime, round_: int) -> list[Timer]:
    """The target timers of ``kinds``, each with its warning at 75% of the target (not saved)."""
    timers = []
    for kind in kinds:
        minutes = getattr(incident.tier, TARGET_MINUTES[kind])
        timers.append(Timer(incident=incident, kind=kind, step=round_, armed_at=start,
                            due_at=due_after(incident, start, minutes)))
        timers.append(Timer(incident=incident, kind=WARNING_OF[kind], step=round_, armed_at=start,
                            due_at=due_after(incident, start, minutes * WARNING_SHARE)))
    return timers


def phase_steps(incident: Incident, phase: str) -> list[dict]:
    """The frozen policy's steps of one phase (a policy frozen before phases had only acknowledge steps)."""
    steps = incident.escalation_snapshot.get("steps", [])
    return [step for step in steps if step.get("phase", "acknowledge") == phase]


def plan_steps(incident: Incident, phase: str, *, now: dt.datetime, start: dt.datetime | None = None,
               target: dt.datetime | None = None, offset: int = 0) -> list[Timer]:
    """One timer per step of the phase, due ``delay_minutes`` (on the tier's clock) after the phase's
    ``start`` or after its ``target``, as each step counts; steps whose anchor is not given are left out
    (a phase's start is known only once it begins, its target from filing).

    A step with no delay is due at its anchor and fired by the next sweep (within a second), so every
    step is notified the same way, after the move that armed it has committed.
    """
    anchors = {"start": start, "target": target}
    return [
        Timer(incident=incident, kind=STEP_KIND[phase], step=offset + step["position"], armed_at=now,
              due_at=due_after(incident, anchors[step.get("counted_from", "start")], step["delay_minutes"]),
              data=dict(step))
        for step in phase_steps(incident, phase)
        if anchors[step.get("counted_from", "start")] is not None
    ]


def plan_update(incident: Incident, *, start: dt.datetime, number: int) -> Timer | None:
    """The next stakeholder update reminder, when the tier has a cadence."""
    cadence = incident.tier.update_cadence_minutes
    if not cadence:
        return None
    return Timer(incident=incident, kind=TimerKind.UPDATE, step=number, armed_at=start,
                 due_at=due_after(incident, start, cadence))


def plan_filing(incident: Incident) -> list[Timer]:
    """Every timer of a newly filed incident, anchored at ``filed_at``: the targets, the acknowledge phase's
    steps, and the later phases' steps that count from their targets (those counting from their phase's
    start are armed when it begins)."""
    start = incident.filed_at
    timers = plan_targets(incident, TARGETS, start=start, round_=0)
    due = {timer.kind: timer.due_at for timer in timers}
    timers += plan_steps(incident, "acknowledge", now=start, start=start, target=due[TimerKind.ACKNOWLEDGE])
    timers += plan_steps(incident, "contain", now=start, target=due[TimerKind.CONTAIN])
    timers += plan_steps(incident, "resolve", now=start, target=due[TimerKind.RESOLVE])
    update = plan_update(incident, start=start, number=1)
    return [*timers, update] if update else timers


def phase_begin(incident: Incident, phase: str, *, now: dt.datetime) -> list[Timer]:
    """The phase began now (contain at the acknowledgement, resolve at the containment): arm its steps
    that count from its start."""
    offset = next_steps(incident).get(STEP_KIND[phase], 0)
    return timers_arm(plan_steps(incident, phase, now=now, start=now, offset=offset))


def plan_handoff(incident: Incident, handoff: Handoff, *, start: dt.datetime) -> Timer:
    """The receiving team must accept within the tier's acknowledge target (on the tier's clock)."""
    return Timer(incident=incident, kind=TimerKind.HANDOFF, step=handoff.pk, armed_at=start,
                 due_at=due_after(incident, start, incident.tier.acknowledge_minutes))


def set_deadlines(incident: Incident, timers) -> list[str]:
    """Copy the target timers' due times onto the incident (for lists and filters); the changed fields."""
    changed = []
    for timer in timers:
        field = DEADLINE_FIELD.get(timer.kind)
        if field:
            setattr(incident, field, timer.due_at)
            changed.append(field)
    return changed


def timers_arm(timers: list[Timer]) -> list[Timer]:
    return Timer.objects.bulk_create(timers)


def next_steps(incident: Incident) -> dict[str, int]:
    """Per kind, the first step number not used yet by this incident's timers."""
    rows = Timer.objects.filter(incident=incident).values("kind").annotate(last=Max("step"))
    return {row["kind"]: row["last"] + 1 for row in rows}


# --- settling --------------------------------------------------------------------------------------

def timers_settle(incident: Incident, *, kinds, state: str, now: dt.datetime) -> int:
    """Meet or cancel the incident's live timers of these kinds."""
    return Timer.objects.filter(incident=incident, kind__in=list(kinds), state__in=LIVE).update(
        state=state, closed_at=now
    )


def target_reached(incident: Incident, kind: str, *, now: dt.datetime) -> bool:
    """The incident reached a target: meet its timer and cancel its warning. True when it was late.

    Late means the timer had already fired — or is past due and the sweep has not got to it yet, in
    which case it fires here, so the breach is recorded whoever comes first. Deterministic: the caller
    holds the incident's lock, and the sweep cannot fire a timer without that lock.
    """
    timer = Timer.objects.filter(incident=incident, kind=kind).order_by("-step").first()
    late = False
    if timer is not None and timer.state == TimerState.FIRED:
        late = True
    elif timer is not None and timer.state == TimerState.ARMED and missed(timer.due_at, now):
        late = fire(timer, incident, FiringContext(now))
    if not late and timer is not None:
        timers_settle(incident, kinds=[kind], state=TimerState.MET, now=now)
    timers_settle(incident, kinds=[WARNING_OF[kind]], state=TimerState.CANCELLED, now=now)
    return late


# --- pausing ---------------------------------------------------------------------------------------

def timers_hold(incident: Incident) -> int:
    """Stop every clock: targets, warnings, escalation steps, update reminders and handoff acceptance.
    (A timer armed during the pause is held by the sweep instead, when it falls due.)"""
    return Timer.objects.filter(incident=incident, state=TimerState.ARMED).update(state=TimerState.HELD)


def timers_release(incident: Incident, *, paused_at: dt.datetime, now: dt.datetime) -> list[Timer]:
    """Start the clocks again: every held timer is shifted by the paused time and armed (one armed during
    the pause, by the part of the pause after it was armed)."""
    held = list(Timer.objects.filter(incident=incident, state=TimerState.HELD))
    for timer in held:
        timer.due_at = clock.shift_after_pause(
            team=incident.team, due=timer.due_at, paused_at=max(paused_at, timer.armed_at), resumed_at=now,
            clock=incident.tier.clock,
        )
        timer.state = TimerState.ARMED
    Timer.objects.bulk_update(held, ["due_at", "state"])
    return held


# --- the sweep -------------------------------------------------------------------------------------

def timers_fire_due(*, now: dt.datetime | None = None, limit: int = 200) -> int:
    """Fire every armed timer due by ``now`` (at most ``limit``); the number fired.

    One transaction: the claim (``FOR UPDATE SKIP LOCKED`` through the partial index
    ``timer_armed_due``), each effect and each "fired" mark commit together, so a crash fires nothing
    and a second sweeper (or a redelivered tick) skips what this one holds.

    The batch: the due timers' incidents are locked in one query (SKIP LOCKED: an incident a person is
    moving right now keeps its timers for the next tick) and read in one; every effect is computed in
    memory; then each table is written once (``firing.Writes``). If anything in the batch fails, its
    savepoint is rolled back and the timers are fired one by one, each in a savepoint of its own, so one
    failing effect never stops the others; it is retried on later ticks, then given up on.
    """
    now = now or timezone.now()
    with transaction.atomic():
        claimed = list(
            Timer.objects.select_for_update(skip_locked=True)
            .filter(state=TimerState.ARMED, due_at__lt=now)  # on the second itself is on time: ``missed``
            .order_by("due_at")[:limit]
        )
        if not claimed:
            return 0
        context = FiringContext(now)
        # Locked outside the batch's savepoint: rolling back to it must not release the incidents.
        incidents = context.lock_many(list(dict.fromkeys(t.incident_id for t in claimed)))
        ready = [timer for timer in claimed if timer.incident_id in incidents]
        if not ready:
            return 0
        try:
            with transaction.atomic():
                return _fire_batch(ready, incidents, context)
        except Exception:
            logger.exception("a batch of %d timers failed; firing them one by one", len(ready))
        return _fire_one_by_one([timer.pk for timer in ready], now)


def _fire_batch(timers: list[Timer], incidents: dict[int, Incident], context: FiringContext) -> int:
    context.prepare(timers)
    fired = sum(fire(timer, incidents[timer.incident_id], context, flush=False) for timer in timers)
    context.writes.flush()
    return fired


def _fire_one_by_one(timer_ids: list[int], now: dt.datetime) -> int:
    """The slow path after a failed batch: timers and incidents read again (the batch changed the
    objects in memory before it was rolled back; the rows are still locked by this transaction)."""
    context = FiringContext(now)
    fired = 0
    for timer in Timer.objects.filter(pk__in=timer_ids).order_by("due_at", "pk"):
        incident = context.lock(timer.incident_id)
        if incident is None:
            continue
        try:
            with transaction.atomic():
                fired += fire(timer, incident, context)
        except Exception:
            logger.exception("timer %s (%s of incident %s) failed to fire", timer.pk, timer.kind, incident.pk)
            context.forget(incident.pk)
            context.writes = Writes(now)  # what the failed effect had collected is dropped with its savepoint
            _record_failure(timer, now)
    return fired


def _record_failure(timer: Timer, now: dt.datetime) -> None:
    data = {**timer.data, "attempts": timer.data.get("attempts", 0) + 1, "last_failure": now.isoformat()}
    changes = {"data": data}
    if data["attempts"] >= MAX_ATTEMPTS:
        changes.update(state=TimerState.FIRED, fired_at=now)  # given up: see the log and data["attempts"]
    Timer.objects.filter(pk=timer.pk).update(**changes)
