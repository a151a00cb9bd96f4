"""What a drill files when it starts, worked out from its playbook, and checked before it is scheduled.

The defaults: the playbook's area; an impact × urgency that the priority matrix turns into the
playbook's tier (the most severe such pair, the drill practises the worst case); the playbook's name
and scenario as the incident's text; and sample answers for the triage fields the routed playbook
requires. ``drill_plan_check`` routes the drill incident exactly as filing will, without saving
anything, so a drill that could not be filed is refused at scheduling with the field at fault, not
found out by the beat task on the day. ``drill_plan`` puts the two together for scheduling and changing
a drill (and for the demo).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from incidents.services.triage import clean_details
from incidents.timeline import hhmm, person
from matrix.cache import current_snapshot
from matrix.models import Impact, Playbook, PriorityCell, ProductArea, TriageField, TriageFieldType, Urgency
from matrix.routing import RouteRequest, RoutingDecision, RoutingError

from ..services import ReviewInputError
from .access import may_facilitate

# A drill may be scheduled for "now" from a form filled a little while ago.
GRACE = dt.timedelta(minutes=5)

# Sample answers by field type: plainly a drill's, and valid for the type's check.
SAMPLE_ANSWERS = {
    TriageFieldType.INTEGER: 1,
    TriageFieldType.URL: "https://example.com/drill",
    TriageFieldType.EMAIL: "drill@example.com",
}


def default_cell(playbook: Playbook) -> tuple[Impact, Urgency] | None:
    """The most severe impact × urgency that gives the playbook's tier (any tier when it has none); None
    when the priority matrix has no such cell."""
    cells = PriorityCell.objects.select_related("impact", "urgency").order_by("impact__rank", "urgency__rank")
    if playbook.tier_id is not None:
        cells = cells.filter(tier_id=playbook.tier_id)
    cell = cells.first()
    return (cell.impact, cell.urgency) if cell else None


def default_title(playbook: Playbook) -> str:
    return f"Drill: {playbook.name}"[:200]


def default_incident_title(playbook: Playbook) -> str:
    return f"Drill: {playbook.name}"[:200]


def default_description(playbook: Playbook, scenario: str) -> str:
    return (f"A drill of the playbook “{playbook.name}”. Treat it as the real thing: acknowledge, follow the "
            f"checklist, hand off if it is not yours.\n\n{scenario}").strip()


def sample_answer(field: TriageField, at: dt.datetime):
    if field.field_type == TriageFieldType.CHOICE:
        options = [option.strip() for option in field.choices.split(",") if option.strip()]
        return options[0] if options else "drill"
    if field.field_type == TriageFieldType.DATETIME:
        return timezone.localtime(at).isoformat(timespec="minutes")
    return SAMPLE_ANSWERS.get(field.field_type, f"DRILL sample {field.label.lower()}")


@dataclass
class PlanCheck:
    decision: RoutingDecision | None
    details: dict  # the triage answers, cleaned, with samples filled in for the required ones left empty
    errors: dict[str, list[str]]


def drill_plan_check(*, product_area: ProductArea, impact: Impact, urgency: Urgency, title: str,
                     description: str, details: dict, at: dt.datetime) -> PlanCheck:
    """Route the drill incident as filing would (no query while the kept matrix is current) and check
    its triage answers; errors are keyed like the drill's fields (product_area, impact, urgency, details)."""
    snapshot = current_snapshot()
    request = RouteRequest(area=product_area.key, impact=impact.key, urgency=urgency.key, title=title,
                           description=description)
    try:
        decision = snapshot.router.route(request)
    except RoutingError as error:
        return PlanCheck(None, dict(details), {error.field: [error.message]})
    fields = snapshot.triage_fields(decision.playbook.pk if decision.playbook else None)
    answers = dict(details)
    for field in fields:
        if field.required and answers.get(field.key) in (None, ""):
            answers[field.key] = sample_answer(field, at)
    cleaned, errors = clean_details(fields, answers)
    # One field on the form for all the answers: "details.order_id" → "details".
    by_field: dict[str, list[str]] = {}
    for key, messages in errors.items():
        by_field.setdefault("details" if key.startswith("details.") else key, []).extend(messages)
    return PlanCheck(decision, cleaned, by_field)


def _when_and_who(*, scheduled_for: dt.datetime | None, participants: list, facilitator, now: dt.datetime,
                  time_changed: bool) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if scheduled_for is None:
        errors["scheduled_for"] = ["Say when the drill starts."]
    elif time_changed and scheduled_for < now - GRACE:
        errors["scheduled_for"] = [f"Pick a time from now on (it is {hhmm(now)} now); to run it at once, schedule "
                                   "it for now and press “Start now” on its page."]
    if not participants:
        errors["participants"] = ["Choose at least one participant."]
    elif inactive := [person(user) for user in participants if not user.is_active]:
        errors["participants"] = [f"Not active any more: {', '.join(inactive)}."]
    if facilitator is None or not may_facilitate(facilitator):
        errors["facilitator"] = ["Choose an active person who may file incidents: the facilitator files the drill "
                                 "incident."]
    return errors


def drill_plan(*, playbook: Playbook | None, scheduled_for: dt.datetime | None, participants: list, facilitator,
               title: str = "", scenario: str | None = None, product_area: ProductArea | None = None,
               impact: Impact | None = None, urgency: Urgency | None = None, incident_title: str = "",
               incident_description: str = "", details: dict | None = None, now: dt.datetime,
               time_changed: bool = True) -> dict:
    """The drill's fields, defaults filled in from its playbook (participants apart), or ``ReviewInputError``
    with every problem at once by field. ``time_changed``: a time left as it was may be in the past."""
    if playbook is None:
        raise ReviewInputError({"playbook": ["Choose the playbook the drill practises."]})
    errors = _when_and_who(scheduled_for=scheduled_for, participants=participants, facilitator=facilitator,
                           now=now, time_changed=time_changed)
    area = product_area or playbook.area
    if area is None:
        errors["product_area"] = [f"“{playbook.name}” applies to every area: choose the area the drill incident "
                                  "is filed in."]
    if impact is None or urgency is None:
        cell = default_cell(playbook)
        impact, urgency = impact or (cell and cell[0]), urgency or (cell and cell[1])
        if cell is None:
            errors["urgency"] = ["The priority matrix has no cell for the playbook's tier: choose the impact and "
                                 "urgency."]
    scenario = scenario.strip() if scenario and scenario.strip() else playbook.scenario
    title = (title or "").strip() or default_title(playbook)
    incident_title = (incident_title or "").strip() or default_incident_title(playbook)
    incident_description = (incident_description or "").strip() or default_description(playbook, scenario)
    for name, value in (("title", title), ("incident_title", incident_title)):
        if len(value) > 200:
            errors[name] = [f"At most 200 characters (this has {len(value)})."]
    if errors:
        raise ReviewInputError(errors)
    check = drill_plan_check(product_area=area, impact=impact, urgency=urgency, title=incident_title,
                             description=incident_description, details=details or {}, at=scheduled_for)
    if check.errors:
        raise ReviewInputError(check.errors)
    return {
        "playbook": playbook, "title": title, "scenario": scenario, "product_area": area, "impact": impact,
        "urgency": urgency, "incident_title": incident_title, "incident_description": incident_description,
        "details": check.details, "scheduled_for": scheduled_for, "facilitator": facilitator,
    }
