"""Review test data: incidents resolved through the services, so their reviews come the way they do in life."""

from __future__ import annotations

import datetime as dt

from incidents.models import Incident
from incidents.services import incident_acknowledge, incident_resolve
from incidents.tests.factories import MONDAY, IncidentFactory

SEV1 = {"impact": "extensive", "urgency": "critical"}  # checkout → payments (lead Lena, on call Pat), SEV1
SEV2 = {"impact": "significant", "urgency": "high"}


def resolved_incident(*, responder, acknowledge_after: float = 3, resolve_after: float = 60,
                      filed_at: dt.datetime = MONDAY, before_resolve=None, **filing) -> Incident:
    """A SEV1 in checkout (unless ``filing`` says otherwise) filed at ``filed_at``, acknowledged and resolved
    by ``responder`` the given minutes later. ``before_resolve(incident)`` runs between the two."""
    incident = IncidentFactory(**{**SEV1, "now": filed_at, **filing})
    incident_acknowledge(incident=incident, user=responder, now=filed_at + dt.timedelta(minutes=acknowledge_after))
    if before_resolve is not None:
        before_resolve(incident)
    return incident_resolve(incident=incident, user=responder, now=filed_at + dt.timedelta(minutes=resolve_after))
