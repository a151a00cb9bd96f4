"""The demo's drills (``loaddemo``): the incidents demo's two past game days as finished drills, scored from what
their drill incidents recorded and debriefed, and one drill scheduled next week.

Idempotent: a finished demo drill is found by its incident, the scheduled one by its title. History is not
news: nothing here writes a notification (the services that notify are not called; scoring is, so the
scores are the product's own).
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from incidents.models import Incident, TimelineEntry
from matrix.models import Playbook

from ..models import Drill, DrillStatus
from .planning import drill_plan
from .scoring import debrief_sections
from .services import drill_score

FACILITATOR = "lead"  # Grace Liu, SRE lead: the usual incident commander
SCHEDULER = "manager"
ALWAYS_TAKE_PART = ("responder", "agent")
NEXT_TITLE = "Drill: payments failing"
NEXT_PLAYBOOK = "payments-failures"
NEXT_PEOPLE = ("responder", "agent", "isabella.rossi", "lucas.ferreira", "jamie.clarke")

DEBRIEF = {
    "summary": "We practised a full checkout outage: the drill incident was filed as SEV1, routed to Payments and "
               "handled in a war room until the failover runbook brought orders back.",
    "impact": "None for customers (a drill). Had it been real: every checkout in the region for the length of "
              "the drill.",
    "root-cause": "Simulated: the primary acquirer stopped answering. The runbook's failover to the backup "
                  "acquirer was the fix we practised.",
    "what-went-wrong": "Finding the backup-acquirer flag took longer than it should: the runbook link in the "
                       "playbook pointed at an old page.",
    "what-went-well": "The on-call acknowledged within the target and opened the war room without being asked; "
                      "stakeholder updates went out on cadence.",
    "what-to-improve": "- Fix the runbook link in the playbook.\n- Tick the checklist as we go, not at the end.",
}


def load_drills(*, now: dt.datetime | None = None) -> str:
    """Build whatever demo drills are missing; the one summary line ``loaddemo`` prints."""
    now = now or timezone.now()
    users = {u.username: u for u in get_user_model().objects.filter(is_active=True)}
    facilitator = users.get(FACILITATOR)
    if facilitator is None:
        return "Drills: skipped (the demo organisation has no 'lead')."
    with transaction.atomic():
        finished = [_past(incident, facilitator, users) for incident in _game_days()]
        upcoming = _next(now, facilitator, users)
    scored = sum(1 for drill in finished if drill.status == DrillStatus.FINISHED)
    return f"Drills: {scored} finished and debriefed, {'1' if upcoming else 'no'} scheduled next week."


def _game_days() -> list[Incident]:
    """The incidents demo's drill incidents (its two game days), oldest first."""
    return list(Incident.objects.filter(is_drill=True, submission_key__startswith="demo:")
                .exclude(submission_key__startswith="demo:open").order_by("filed_at")[:2])


def _title(incident: Incident) -> str:
    """ "Drill: checkout down in eu-west" from the game day's incident title, whichever word it starts with."""
    name = incident.title
    for prefix in ("Game day: ", "Drill: "):
        name = name.removeprefix(prefix)
    return f"Drill: {name}"[:200]


def _past(incident: Incident, facilitator, users: dict) -> Drill:
    drill = Drill.objects.filter(incident=incident).first()
    if drill is not None:
        return drill
    playbook = incident.playbook or Playbook.objects.filter(area_id=incident.product_area_id).order_by("pk").first()
    if playbook is None:
        playbook = Playbook.objects.order_by("pk").first()
    drill = Drill.objects.create(
        playbook=playbook, title=_title(incident), scenario=playbook.scenario,
        product_area_id=incident.product_area_id, impact_id=incident.impact_id, urgency_id=incident.urgency_id,
        incident_title=incident.title, incident_description=incident.description, details=incident.details,
        scheduled_for=incident.filed_at, facilitator=facilitator, scheduled_by=users.get(SCHEDULER),
        status=DrillStatus.RUNNING, incident=incident, started_at=incident.filed_at,
    )
    actors = TimelineEntry.objects.filter(incident=incident, actor__isnull=False).values_list("actor", flat=True)
    people = {*actors, *(users[name].pk for name in ALWAYS_TAKE_PART if name in users)} - {facilitator.pk}
    drill.participants.set(people)
    if incident.resolved_at is None:  # still running in the story: its resolve will score it
        return drill
    drill = drill_score(drill=drill, now=incident.resolved_at)
    drill.debrief = [{**section, "body": DEBRIEF.get(section["key"], "Covered in the drill's war-room notes.")}
                     for section in (drill.debrief or debrief_sections(playbook.review_template))]
    drill.debrief_published_at = drill.finished_at + dt.timedelta(days=2)
    drill.debrief_published_by = facilitator
    drill.save()
    Drill.objects.filter(pk=drill.pk).update(created_at=incident.filed_at - dt.timedelta(days=14))
    return drill


def _next(now: dt.datetime, facilitator, users: dict) -> Drill | None:
    """Tuesday next week at 14:00, through the same planning as the schedule page (its defaults, its checks)."""
    existing = Drill.objects.filter(title=NEXT_TITLE).first()
    if existing is not None:
        return existing
    playbook = Playbook.objects.filter(key=NEXT_PLAYBOOK).first()
    if playbook is None:  # the matrix demo was changed: nothing to practise
        return None
    today = timezone.localdate(now)
    tuesday = today + dt.timedelta(days=7 - today.weekday() + 1)
    start = timezone.make_aware(dt.datetime.combine(tuesday, dt.time(14)))
    people = [users[name] for name in NEXT_PEOPLE if name in users]
    fields = drill_plan(playbook=playbook, scheduled_for=start, participants=people, facilitator=facilitator,
                        title=NEXT_TITLE, now=now)
    drill = Drill.objects.create(**fields, scheduled_by=users.get(SCHEDULER))
    drill.participants.set(people)
    return drill
