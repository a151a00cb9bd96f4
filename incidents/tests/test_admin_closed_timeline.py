"""A closed incident's timeline is its record (the review, the metrics and the evidence pack read it): the admin
shows it read-only and a posted edit or deletion of its rows changes nothing, for a manager or a superuser."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from incidents.models import Status, TimelineEntry
from incidents.services import incident_acknowledge, incident_close, incident_resolve
from incidents.tests.factories import MONDAY, IncidentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def closed(mx):
    incident = IncidentFactory(now=MONDAY)
    incident_acknowledge(incident=incident, user=mx["pat"], now=MONDAY + dt.timedelta(minutes=3))
    incident_resolve(incident=incident, user=mx["pat"], now=MONDAY + dt.timedelta(minutes=30))
    incident = incident_close(incident=incident, user=mx["pat"], now=MONDAY + dt.timedelta(minutes=40))
    assert incident.status == Status.CLOSED
    return incident


def timeline(incident) -> list[tuple]:
    return list(TimelineEntry.objects.filter(incident=incident).order_by("pk").values_list("pk", "at", "kind", "text",
                                                                                         "actor_id"))


def tampering(incident) -> dict:
    """The incident's admin form with every timeline row rewritten, a row added and the first marked deleted."""
    entries = list(TimelineEntry.objects.filter(incident=incident).order_by("at", "id"))
    data = {
        "title": incident.title, "description": incident.description, "affected_customers": "",
        "external_ref": incident.external_ref or "", "_save": "Save",
        "timeline-TOTAL_FORMS": len(entries) + 1, "timeline-INITIAL_FORMS": len(entries),
        "timeline-MIN_NUM_FORMS": 0, "timeline-MAX_NUM_FORMS": 1000,
        "timers-TOTAL_FORMS": 0, "timers-INITIAL_FORMS": 0, "timers-MIN_NUM_FORMS": 0, "timers-MAX_NUM_FORMS": 1000,
    }
    for index, entry in enumerate(entries):
        data.update({f"timeline-{index}-id": entry.pk, f"timeline-{index}-incident": incident.pk,
                     f"timeline-{index}-text": "Nothing happened.", f"timeline-{index}-kind": "note",
                     f"timeline-{index}-at": "2020-01-01 00:00:00"})
    data["timeline-0-DELETE"] = "on"
    new = len(entries)
    data.update({f"timeline-{new}-incident": incident.pk, f"timeline-{new}-text": "Backdated.",
                 f"timeline-{new}-kind": "note", f"timeline-{new}-at": "2020-01-01 00:00:00"})
    return data


@pytest.mark.parametrize("who", ["manager", "superuser"])
def test_a_closed_incidents_timeline_cannot_be_edited_or_deleted_in_the_admin(mx, closed, who):
    user = mx["max"] if who == "manager" else get_user_model().objects.create_superuser("root", "r@example.com", "x")
    client = Client()
    client.force_login(user)
    url = reverse("admin:incidents_incident_change", args=[closed.pk])
    before = timeline(closed)

    page = client.get(url).content.decode()
    assert 'name="timeline-0-text"' not in page and 'name="timeline-0-DELETE"' not in page
    assert client.post(url, tampering(closed)).status_code == 302  # saved: its text fields may be corrected

    assert timeline(closed) == before
    assert client.post(reverse("admin:incidents_incident_delete", args=[closed.pk]), {"post": "yes"}).status_code == 403
    assert TimelineEntry.objects.filter(incident=closed).count() == len(before)
