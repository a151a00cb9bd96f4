"""Review test data: incidents resolved through the services, so their reviews come the way they do in life;
drills scheduled through theirs; training modules."""

from __future__ import annotations

import datetime as dt

import factory

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


# --- drills and training ----------------------------------------------------------------------------

def scheduled_drill(mx: dict, *, at: dt.datetime = MONDAY, participants=None, facilitator=None, **fields):
    """A drill of the checkout playbook (``incident_matrix``) at ``at``, scheduled a day before by Max (a
    manager), facilitated by Lena, with Pat and Quinn taking part; through ``drill_schedule``."""
    from reviews.drills.services import drill_schedule

    return drill_schedule(
        user=mx["max"], playbook=fields.pop("playbook", mx["playbook"]), scheduled_for=at,
        participants=participants if participants is not None else [mx["pat"], mx["quinn"]],
        facilitator=facilitator or mx["lena"], now=at - dt.timedelta(days=1), **fields,
    )


class TrainingModuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "reviews.TrainingModule"
        django_get_or_create = ("key",)

    key = factory.Sequence(lambda n: f"module-{n}")
    title = factory.LazyAttribute(lambda o: o.key.replace("-", " ").capitalize())
    body = "## Read me\n\nThen press the button."
    refresher_months = None
