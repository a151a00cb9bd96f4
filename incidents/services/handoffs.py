"""Moving an incident to another team: a handoff (to be accepted in time) or a misroute.

The incident's owning team changes at once in both, so no incident is ever without an owner.
A handoff keeps the status and every target; its own timer escalates it to both teams' leads when the
receiving team does not accept within the tier's acknowledge target. A misroute says the first
routing was wrong: it counts against the rule, and the incident starts over as new for the right team,
with a fresh acknowledge target and the right team's escalation policy from now. A handoff whose
reason happens to say "wrong team" stays a handoff: only a flagged misroute counts against routing.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.core.exceptions import PermissionDenied
from django.db import transaction

from escalation_matrix.roles import is_manager
from matrix.cache import current_snapshot
from matrix.models import Team
from matrix.routing import Router
from notifications.dispatch import PUBLISH_RETRY_POLICY

from .. import notify
from ..models import (
    STEP_KINDS,
    Handoff,
    HandoffKind,
    HandoffState,
    Incident,
    Status,
    TimelineKind,
    TimerKind,
    TimerState,
)
from ..tasks import refine_routing_after_misroute
from ..timeline import hhmm, person, timeline_write
from ..timers import (
    LIVE,
    next_steps,
    plan_handoff,
    plan_steps,
    plan_targets,
    set_deadlines,
    timers_arm,
    timers_settle,
)
from .common import CHANGE, lock_incident, moment, refuse_if_paused, require
from .errors import IncidentInputError, TransitionError
from .filing import freeze_policy

logger = logging.getLogger(__name__)


def _receiving_team(incident: Incident, team: str, reason: str) -> tuple[Team, str]:
    errors: dict[str, list[str]] = {}
    target = Team.objects.filter(key=team).first() if team else None
    if target is None:
        errors["team"] = [f"Unknown team '{team}'." if team else "Choose the team it should go to."]
    elif target.pk == incident.team_id:
        errors["team"] = [f"It is already with {target.name}."]
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = ["Say why it should move."]
    if errors:
        raise IncidentInputError(errors)
    return target, reason


def _refuse_if_closed(incident: Incident) -> None:
    if not incident.is_open:
        raise TransitionError(f"It is {incident.get_status_display().lower()}; reopen it first.")


def _cancel_pending_handoffs(incident: Incident, *, now: dt.datetime) -> None:
    """A newer move supersedes a handoff still waiting for acceptance."""
    pending = list(incident.handoffs.filter(state=HandoffState.PENDING).values_list("pk", flat=True))
    if pending:
        Handoff.objects.filter(pk__in=pending).update(state=HandoffState.CANCELLED)
        incident.timers.filter(kind=TimerKind.HANDOFF, step__in=pending, state__in=LIVE).update(
            state=TimerState.CANCELLED, closed_at=now
        )


def incident_reassign(*, incident: Incident | int, user, team: str, reason: str, now: dt.datetime | None = None
                      ) -> Handoff:
    """Hand the incident to another team now; it must accept within the tier's acknowledge target."""
    require(user, CHANGE)
    now = moment(now)
    with transaction.atomic():
        incident = lock_incident(incident)
        _refuse_if_closed(incident)
        to_team, reason = _receiving_team(incident, team, reason)
        _cancel_pending_handoffs(incident, now=now)
        handoff = Handoff.objects.create(
            incident=incident, kind=HandoffKind.HANDOFF, from_team=incident.team, to_team=to_team, reason=reason,
            requested_by=user, requested_at=now,
        )
        incident.team = to_team
        incident.save()
        timer = plan_handoff(incident, handoff, start=now)
        timers_arm([timer])
        timeline_write(incident=incident, kind=TimelineKind.HANDOFF_REQUESTED, at=now, actor=user,
                       text=f"Handed off by {person(user)} from {handoff.from_team.name} to {to_team.name}: {reason}. "
                            f"{to_team.name} must accept by {hhmm(timer.due_at, now)}.",
                       data={"handoff": handoff.pk, "from": handoff.from_team.key, "to": to_team.key})
        notify.notify_moved(incident, handoff, current_snapshot(now))
    return handoff


def handoff_accept(*, handoff: Handoff | int, user, now: dt.datetime | None = None) -> Handoff:
    """The receiving team takes it: a member of that team, or a manager."""
    require(user, CHANGE)
    now = moment(now)
    handoff_id = handoff.pk if isinstance(handoff, Handoff) else handoff
    with transaction.atomic():
        incident_id = Handoff.objects.values_list("incident_id", flat=True).get(pk=handoff_id)
        incident = lock_incident(incident_id)  # the incident first, as every move does: no deadlocks
        handoff = Handoff.objects.select_related("to_team", "from_team", "accepted_by").get(pk=handoff_id)
        if handoff.state == HandoffState.ACCEPTED:
            raise TransitionError(
                f"Already accepted by {person(handoff.accepted_by)} at {hhmm(handoff.accepted_at, now)}."
            )
        if handoff.state == HandoffState.CANCELLED:
            raise TransitionError("This handoff was superseded or the incident was resolved; nothing to accept.")
        if user is not None and not (is_manager(user) or handoff.to_team.memberships.filter(user=user).exists()):
            raise PermissionDenied(f"Only a member of {handoff.to_team.name} or a manager can accept this handoff.")
        was_escalated = handoff.state == HandoffState.ESCALATED
        handoff.state, handoff.accepted_by, handoff.accepted_at = HandoffState.ACCEPTED, user, now
        handoff.save(update_fields=["state", "accepted_by", "accepted_at"])
        timers_settle_handoff(incident, handoff, now=now)
        if user is not None:
            incident.assignee = user  # the receiving team's person owns it now
            incident.save(update_fields=["assignee", "updated_at"])
        late = " (after it had escalated)" if was_escalated else ""
        timeline_write(incident=incident, kind=TimelineKind.HANDOFF_ACCEPTED, at=now, actor=user,
                       text=f"{person(user)} accepted the handoff for {handoff.to_team.name}{late}.",
                       data={"handoff": handoff.pk, "late": was_escalated})
    return handoff


def timers_settle_handoff(incident: Incident, handoff: Handoff, *, now: dt.datetime) -> None:
    incident.timers.filter(kind=TimerKind.HANDOFF, step=handoff.pk, state__in=LIVE).update(
        state=TimerState.MET, closed_at=now
    )


def incident_flag_misroute(*, incident: Incident | int, user, team: str, reason: str,
                           now: dt.datetime | None = None) -> Handoff:
    """"This isn't ours": move it to the right team as new, with a fresh acknowledge target and that
    team's escalation policy (re-frozen) from now; the routing decision is recorded as wrong."""
    require(user, CHANGE)
    now = moment(now)
    with transaction.atomic():
        incident = lock_incident(incident)
        _refuse_if_closed(incident)
        refuse_if_paused(incident)
        to_team, reason = _receiving_team(incident, team, reason)
        _cancel_pending_handoffs(incident, now=now)
        # The new team's policy replaces the old one's steps of every phase; the targets but acknowledge stay.
        ack_related = [TimerKind.ACKNOWLEDGE, TimerKind.ACKNOWLEDGE_WARNING, *STEP_KINDS]
        timers_settle(incident, kinds=ack_related, state=TimerState.CANCELLED, now=now)
        handoff = Handoff.objects.create(
            incident=incident, kind=HandoffKind.MISROUTE, from_team=incident.team, to_team=to_team, reason=reason,
            wrong_team=True, requested_by=user, requested_at=now, state=HandoffState.ACCEPTED, accepted_at=now,
        )
        snapshot = current_snapshot(now)
        policy = Router(snapshot).best(snapshot.policies, incident.product_area, incident.tier, to_team)
        incident.team = to_team
        incident.escalation_snapshot = freeze_policy(policy)
        incident.routing_correct = False
        incident.status = Status.NEW
        incident.acknowledged_at = incident.acknowledged_by = incident.assignee = None
        incident.acknowledged_late = False

        steps = next_steps(incident)
        round_ = max(steps.get(TimerKind.ACKNOWLEDGE, 0), steps.get(TimerKind.ACKNOWLEDGE_WARNING, 0))
        timers = plan_targets(incident, [TimerKind.ACKNOWLEDGE], start=now, round_=round_)
        timers += plan_steps(incident, "acknowledge", now=now, start=now, target=timers[0].due_at,
                             offset=steps.get(TimerKind.ESCALATION, 0))
        timers += plan_steps(incident, "contain", now=now, target=incident.contain_by,
                             offset=steps.get(TimerKind.CONTAIN_ESCALATION, 0))
        timers += plan_steps(incident, "resolve", now=now, target=incident.resolve_by,
                             offset=steps.get(TimerKind.RESOLVE_ESCALATION, 0))
        timers_arm(timers)
        set_deadlines(incident, timers)
        incident.save()
        timeline_write(
            incident=incident, kind=TimelineKind.MISROUTE, at=now, actor=user,
            text=f"Misroute flagged by {person(user)}: moved from {handoff.from_team.name} to {to_team.name} "
                 f"({reason}). New acknowledge target: {hhmm(incident.acknowledge_by, now)}.",
            data={"handoff": handoff.pk, "from": handoff.from_team.key, "to": to_team.key,
                  "rule": incident.routing_rule_key, "policy": incident.escalation_snapshot["policy"]},
        )
        notify.notify_moved(incident, handoff, snapshot)
        # Learning from misroutes: once this is committed, a worker may draft a refinement of the rule.
        if not incident.is_drill and incident.routing_fallback == "rule":  # what learning ever learns from
            incident_id = incident.pk
            transaction.on_commit(lambda: refinement_enqueue(incident_id=incident_id), robust=True)
    return handoff


def refinement_enqueue(*, incident_id: int) -> bool:
    """Ask a worker to learn from this incident's misroute (``incidents.learning``); never fails the caller.

    Only a prompt, like a notification's: a broker that is down costs one short wait (the publish breaker)
    and this one chance to draft — the rule's next misroute counts the same incidents again."""
    try:
        refine_routing_after_misroute.apply_async((incident_id,), retry=True, retry_policy=PUBLISH_RETRY_POLICY)
    except Exception as exc:
        logger.warning("Broker unavailable (%s): no routing refinement considered after the misroute of "
                       "incident %s.", exc, incident_id)
        return False
    return True
