"""Every write to drills: keyword-only functions, each in one transaction, each locking the drill row.

A drill moves scheduled → running (its drill incident filed) → finished (scored), or scheduled →
cancelled. Bad input raises ``ReviewInputError`` (per field); a move that is not possible now raises
``ReviewStateError``; a person who may not act gets ``PermissionDenied`` — the same errors as reviews.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from incidents.models import OPEN_STATUSES, Incident, Status
from incidents.services import (
    IncidentInputError,
    TransitionError,
    incident_acknowledge,
    incident_file,
    incident_resolve,
    incident_resume,
)
from incidents.timeline import hhmm, person
from matrix.models import Impact, Playbook, ProductArea, Urgency

from ..models import Drill, DrillStatus
from ..services import ReviewInputError, ReviewStateError
from . import notify
from .access import may_run, may_schedule
from .planning import drill_plan
from .scoring import debrief_sections, score_of

logger = logging.getLogger(__name__)

CHANGE_INCIDENT = "incidents.change_incident"


# --- scheduling -------------------------------------------------------------------------------------

def drill_schedule(*, user, playbook: Playbook | None, scheduled_for: dt.datetime | None,
                   participants: Iterable, facilitator, title: str = "", scenario: str | None = None,
                   product_area: ProductArea | None = None, impact: Impact | None = None,
                   urgency: Urgency | None = None, incident_title: str = "", incident_description: str = "",
                   details: dict | None = None, now: dt.datetime | None = None) -> Drill:
    """Schedule a drill of ``playbook``; what it files defaults from the playbook (``planning``). The
    participants and the facilitator are told."""
    if not may_schedule(user):
        raise PermissionDenied("Managers and Incident leads schedule drills.")
    now = now or timezone.now()
    participants = list(participants)
    fields = drill_plan(playbook=playbook, scheduled_for=scheduled_for, participants=participants,
                        facilitator=facilitator, title=title, scenario=scenario, product_area=product_area,
                        impact=impact, urgency=urgency, incident_title=incident_title,
                        incident_description=incident_description, details=details, now=now, time_changed=True)
    with transaction.atomic():
        drill = Drill.objects.create(**fields, scheduled_by=user)
        drill.participants.set(participants)
        notify.notify_scheduled(drill)
    return drill


def _lock(drill: Drill | int) -> Drill:
    """The drill's row, locked until the caller's transaction ends (then read with what services need)."""
    pk = drill.pk if isinstance(drill, Drill) else drill
    Drill.objects.select_for_update().filter(pk=pk).values_list("pk").first()
    return Drill.objects.select_related("playbook", "facilitator", "product_area", "impact", "urgency",
                                        "incident").get(pk=pk)


def _refuse_unless_runner(drill: Drill, user) -> None:
    if user is not None and not may_run(drill, user):
        raise PermissionDenied("Only the drill's facilitator, Incident leads and Managers may run it.")


def drill_update(*, drill: Drill | int, user, playbook: Playbook | None, scheduled_for: dt.datetime | None,
                 participants: Iterable, facilitator, title: str = "", scenario: str | None = None,
                 product_area: ProductArea | None = None, impact: Impact | None = None,
                 urgency: Urgency | None = None, incident_title: str = "", incident_description: str = "",
                 details: dict | None = None, now: dt.datetime | None = None) -> Drill:
    """Change a drill that has not started. Everyone is told again when its time moves; new participants
    are told in any case. A failed start is forgotten, so the beat task tries again."""
    now = now or timezone.now()
    participants = list(participants)
    with transaction.atomic():
        drill = _lock(drill)
        _refuse_unless_runner(drill, user)
        if drill.status != DrillStatus.SCHEDULED:
            raise ReviewStateError(f"It is {drill.get_status_display().lower()}: only a scheduled drill changes.")
        fields = drill_plan(playbook=playbook, scheduled_for=scheduled_for, participants=participants,
                            facilitator=facilitator, title=title, scenario=scenario, product_area=product_area,
                            impact=impact, urgency=urgency, incident_title=incident_title,
                            incident_description=incident_description, details=details, now=now,
                            time_changed=scheduled_for != drill.scheduled_for)
        for name, value in fields.items():
            setattr(drill, name, value)
        drill.start_error = ""
        drill.save()
        drill.participants.set(participants)
        notify.notify_scheduled(drill)  # keyed by the time: only the newly concerned are told
    return drill


# --- running ----------------------------------------------------------------------------------------

def _error_text(error: IncidentInputError) -> str:
    return " ".join(message for messages in error.errors.values() for message in messages)


def drill_start(*, drill: Drill | int, user=None, now: dt.datetime | None = None) -> Drill:
    """File the drill incident (reporter: the facilitator; ``is_drill``) and tell the participants.

    Idempotent: starting twice (two clicks, the beat task and a click) files one incident — the drill row
    is locked, and the incident's submission key names the drill. ``user=None`` is the beat task. When
    the incident cannot be filed, the reason is kept on the drill (shown on its page, told to the
    facilitator) and ``ReviewStateError`` says it.
    """
    now = now or timezone.now()
    with transaction.atomic():
        drill = _lock(drill)
        _refuse_unless_runner(drill, user)
        if drill.status in (DrillStatus.RUNNING, DrillStatus.FINISHED):
            return drill
        if drill.status == DrillStatus.CANCELLED:
            raise ReviewStateError("It was cancelled; schedule a new drill instead.")
        try:  # incident_file writes in a savepoint of its own: a refusal leaves nothing behind
            incident = incident_file(
                reporter=drill.facilitator, title=drill.incident_title, description=drill.incident_description,
                product_area=drill.product_area.key, impact=drill.impact.key, urgency=drill.urgency.key,
                details=drill.details, is_drill=True, submission_key=f"drill:{drill.pk}", now=now,
            )
        except (IncidentInputError, PermissionDenied) as error:  # the matrix or the facilitator changed
            reason = _error_text(error) if isinstance(error, IncidentInputError) else (
                f"{person(drill.facilitator)}, the facilitator, may not file incidents any more: choose another.")
            drill.start_error = reason
            drill.save(update_fields=["start_error", "updated_at"])
            notify.notify_start_failed(drill, reason)
        else:
            drill.incident, drill.status, drill.started_at, drill.start_error = incident, DrillStatus.RUNNING, now, ""
            drill.save()
            notify.notify_started(drill)
            return drill
    raise ReviewStateError(f"The drill incident could not be filed: {reason}")


def drills_start_due(*, now: dt.datetime | None = None) -> dict[str, int]:
    """The beat task's work: start every scheduled drill whose time has come (one transaction each, so one
    that fails starts the others). A drill whose last start failed waits for someone to fix and start it."""
    now = now or timezone.now()
    due = list(Drill.objects.filter(status=DrillStatus.SCHEDULED, scheduled_for__lte=now, start_error="")
               .order_by("scheduled_for", "pk").values_list("pk", flat=True))
    counts = {"started": 0, "failed": 0}
    for pk in due:
        try:
            drill_start(drill=pk, now=now)
            counts["started"] += 1
        except ReviewStateError as error:
            logger.warning("drill %s did not start: %s", pk, error.message)
            counts["failed"] += 1
    return counts


def drill_cancel(*, drill: Drill | int, user, now: dt.datetime | None = None) -> Drill:
    """Call off a drill that has not started; the participants are told."""
    now = now or timezone.now()
    with transaction.atomic():
        drill = _lock(drill)
        _refuse_unless_runner(drill, user)
        if drill.status == DrillStatus.CANCELLED:
            return drill
        if drill.status != DrillStatus.SCHEDULED:
            raise ReviewStateError("It has started: end it instead (the score shows how far it got).")
        drill.status, drill.finished_at = DrillStatus.CANCELLED, now
        drill.save()
        notify.notify_cancelled(drill, user)
    return drill


# --- finishing --------------------------------------------------------------------------------------

def drill_score(*, drill: Drill | int, now: dt.datetime | None = None) -> Drill:
    """Score a running drill from its incident and finish it; its debrief starts from the playbook's review
    template. Idempotent: a finished drill keeps its score (a reopened and re-resolved incident changes
    nothing). Called when the drill incident is resolved, and when the facilitator ends the drill."""
    now = now or timezone.now()
    with transaction.atomic():
        drill = _lock(drill)
        if drill.status != DrillStatus.RUNNING:
            return drill
        incident = Incident.objects.get(pk=drill.incident_id)
        score = score_of(incident, fallback_playbook_id=drill.playbook_id)
        drill.time_to_acknowledge, drill.right_team_first = score.time_to_acknowledge, score.right_team_first
        drill.checklist_done, drill.checklist_total = score.checklist_done, score.checklist_total
        drill.status, drill.finished_at = DrillStatus.FINISHED, incident.resolved_at or now
        if not drill.debrief:
            drill.debrief = debrief_sections(drill.playbook.review_template)
        drill.save()
    return drill


def drill_end(*, drill: Drill | int, user, now: dt.datetime | None = None) -> Drill:
    """The facilitator calls time: the drill is scored as it stands, then its incident is wound down
    (resumed, acknowledged, resolved as needed) so that nothing keeps escalating after the drill."""
    now = now or timezone.now()
    with transaction.atomic():
        drill = _lock(drill)
        _refuse_unless_runner(drill, user)
        if drill.status == DrillStatus.SCHEDULED:
            raise ReviewStateError("It has not started: start it, or cancel it.")
        if drill.status == DrillStatus.CANCELLED:
            raise ReviewStateError("It was cancelled.")
        if drill.status == DrillStatus.FINISHED:
            return drill
        drill = drill_score(drill=drill, now=now)
        _wind_down(drill.incident_id, user=user, now=now)
    return drill


def _wind_down(incident_id: int, *, user, now: dt.datetime) -> None:
    incident = Incident.objects.get(pk=incident_id)
    if incident.status not in OPEN_STATUSES:
        return
    actor = user if user is not None and user.has_perm(CHANGE_INCIDENT) else None  # else the system acts
    try:
        if incident.is_paused:
            incident_resume(incident=incident, user=actor, now=now)
        if incident.status == Status.NEW:
            incident_acknowledge(incident=incident, user=actor, now=now)
        incident_resolve(incident=incident, user=actor, now=now,
                         summary=f"Drill ended by {person(user)}; scored as it stood.")
    except TransitionError as error:  # never keeps the drill from ending; the incident page shows its state
        logger.warning("drill incident %s not wound down: %s", incident_id, error.message)


# --- the debrief ------------------------------------------------------------------------------------

def _refuse_unless_debrief_writer(drill: Drill, user, now: dt.datetime) -> None:
    if drill.status != DrillStatus.FINISHED:
        raise ReviewStateError("The debrief opens when the drill has finished.")
    if drill.debrief_published:
        raise ReviewStateError(f"Published by {person(drill.debrief_published_by)} at "
                               f"{hhmm(drill.debrief_published_at, now)}; it is read-only now.")
    _refuse_unless_runner(drill, user)


def drill_debrief_save(*, drill: Drill | int, user, sections: dict[str, str], now: dt.datetime | None = None
                       ) -> Drill:
    """Keep the debrief's draft: each section's text by key."""
    now = now or timezone.now()
    with transaction.atomic():
        drill = _lock(drill)
        _refuse_unless_debrief_writer(drill, user, now)
        drill.debrief = [{**section, "body": (sections.get(section["key"]) or "").strip()}
                         for section in drill.debrief]
        drill.save()
    return drill


def drill_debrief_publish(*, drill: Drill | int, user, now: dt.datetime | None = None) -> Drill:
    """Publish the debrief (read-only from then on); the participants are told."""
    now = now or timezone.now()
    with transaction.atomic():
        drill = _lock(drill)
        _refuse_unless_debrief_writer(drill, user, now)
        if drill.debrief and not drill.debrief[0].get("body"):
            first = drill.debrief[0]
            raise ReviewInputError({f"section_{first['key']}": [f"Write the {first['heading'].lower()} first."]})
        drill.debrief_published_at, drill.debrief_published_by = now, user
        drill.save()
        notify.notify_debrief_published(drill)
    return drill
