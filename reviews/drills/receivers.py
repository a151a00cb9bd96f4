"""How drills react to incidents and add to other pages (connected in ``ready.connect``): incidents and the
matrix never import reviews."""

from __future__ import annotations

import datetime as dt

from django.template.loader import render_to_string

from incidents.models import Incident

from ..models import Drill, DrillStatus
from . import selectors
from .access import VIEW
from .services import drill_score


def on_incident_resolved(sender, *, incident: Incident, user=None, now: dt.datetime | None = None, **kwargs) -> None:
    """A running drill whose incident is resolved is scored and finished (once: later resolves change nothing)."""
    if not incident.is_drill:
        return
    pk = Drill.objects.filter(incident_id=incident.pk, status=DrillStatus.RUNNING).values_list("pk", flat=True).first()
    if pk is not None:
        drill_score(drill=pk, now=now)


def incident_panel(incident: Incident, user) -> str:
    """The drill incident's page: "DRILL: part of drill X" with its score card. No query for real incidents."""
    if not incident.is_drill:
        return ""
    drill = selectors.drill_of_incident(incident.pk)
    if drill is None:  # filed as a drill through the form or the API, outside a scheduled drill
        return ""
    drill.incident = incident  # the page's own, already loaded: the score card reads it
    return render_to_string("reviews/drills/incident_panel.html", {"drill": drill, "incident": incident})


def person_panel(person, viewer) -> str:
    """The person page: the drills they took part in or facilitated, with scores."""
    if not viewer.has_perm(VIEW):
        return ""
    drills = selectors.drills_of_person(person)
    return render_to_string("reviews/drills/person_panel.html", {"drills": drills, "person": person})
