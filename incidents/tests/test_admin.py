"""The incident admin: lists to look things up, nothing that moves an incident, write-only hook secrets."""

import pytest
from django.urls import reverse

from incidents.models import Integration, Status
from incidents.services import incident_reassign
from incidents.tests.factories import MONDAY, IncidentFactory
from incidents.timers import timers_fire_due

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client, mx):
    client.force_login(mx["max"])  # a manager: staff, may view and change incidents
    return client


def test_every_incident_list_and_page_opens(staff, mx):
    incident = IncidentFactory(impact="extensive", urgency="critical")
    incident_reassign(incident=incident, user=mx["pat"], team="platform", reason="Database.", now=MONDAY)
    timers_fire_due(now=MONDAY.replace(hour=11))

    for model in ("incident", "timer", "breach", "handoff", "integration"):
        response = staff.get(reverse(f"admin:incidents_{model}_changelist"))
        assert response.status_code == 200, model
    page = staff.get(reverse("admin:incidents_incident_change", args=[incident.pk]))
    assert page.status_code == 200
    assert b"Missed its acknowledge target" in page.content  # the timeline inline


def test_the_admin_cannot_move_an_incident_only_correct_its_text(staff, mx):
    incident = IncidentFactory()
    url = reverse("admin:incidents_incident_change", args=[incident.pk])

    response = staff.post(url, {
        "title": "Checkout: card payments fail", "description": "More detail.", "affected_customers": "",
        "external_ref": "T-1", "status": Status.CLOSED, "team": mx["platform"].pk,
        "timeline-TOTAL_FORMS": "0", "timeline-INITIAL_FORMS": "0", "timers-TOTAL_FORMS": "0",
        "timers-INITIAL_FORMS": "0",
    })

    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.title == "Checkout: card payments fail" and incident.external_ref == "T-1"
    assert incident.status == Status.NEW and incident.team == mx["payments"]
    assert staff.get(reverse("admin:incidents_incident_add")).status_code == 403


def test_an_integration_secret_is_set_but_never_shown(staff, mx):
    add = staff.post(reverse("admin:incidents_integration_add"), {
        "key": "pagerduty", "name": "PagerDuty", "active": "on", "secret": "s3cret-value", "mapping": "{}",
    })
    assert add.status_code == 302
    integration = Integration.objects.get(key="pagerduty")
    assert integration.secret == "s3cret-value"

    url = reverse("admin:incidents_integration_change", args=[integration.pk])
    assert b"s3cret-value" not in staff.get(url).content
    assert b"s3cret-value" not in staff.get(reverse("admin:incidents_integration_changelist")).content
    staff.post(url, {"key": "pagerduty", "name": "PagerDuty alerts", "active": "on", "secret": "", "mapping": "{}"})
    integration.refresh_from_db()
    assert integration.name == "PagerDuty alerts" and integration.secret == "s3cret-value"


def test_a_new_integration_needs_a_secret(staff):
    response = staff.post(reverse("admin:incidents_integration_add"), {
        "key": "jira", "name": "Jira", "active": "on", "secret": "", "mapping": "{}",
    })

    assert response.status_code == 200 and not Integration.objects.exists()
    assert b"Set a secret" in response.content


def test_an_approver_reading_an_integration_sees_since_when_its_secret_is_set_not_the_secret(client, mx, role_user):
    integration = Integration.objects.create(key="pagerduty", name="PagerDuty", secret="s3cret-value")
    client.force_login(role_user("Approvers", username="apu"))  # may view integrations, not change them

    page = client.get(reverse("admin:incidents_integration_change", args=[integration.pk]))

    assert page.status_code == 200
    assert b"s3cret-value" not in page.content
    assert b"set (last changed" in page.content


def test_generating_a_new_integration_secret_shows_it_once_and_history_never(staff, mx):
    integration = Integration.objects.create(key="pagerduty", name="PagerDuty", secret="old-s3cret")
    url = reverse("admin:incidents_integration_change", args=[integration.pk])

    saved = staff.post(url, {"key": "pagerduty", "name": "PagerDuty", "active": "on", "secret": "",
                             "generate_secret": "on", "mapping": "{}"}, follow=True)

    integration.refresh_from_db()
    assert integration.secret not in ("old-s3cret", "") and len(integration.secret) >= 40
    assert f"The new secret is {integration.secret}".encode() in saved.content  # once, right after saving
    assert integration.secret.encode() not in staff.get(url).content
    assert b"set (last changed" in staff.get(url).content and b"by max" in staff.get(url).content
    history = staff.get(reverse("admin:incidents_integration_history", args=[integration.pk])).content
    assert integration.secret.encode() not in history and b"old-s3cret" not in history
    version = integration.history.order_by("history_id").first().history_id
    old = staff.get(reverse("admin:incidents_integration_simple_history", args=[integration.pk, version])).content
    assert b"old-s3cret" not in old
