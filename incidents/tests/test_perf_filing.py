"""Filing reads the matrix once per change, not once per filing (``matrix.cache``), and sees every change
made through the admin or an import at once; its notifications go to the outbox in one INSERT.

Counts, not times: how fast filing is belongs to the benchmarks (``make bench``).
"""

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from incidents.models import Incident
from incidents.tests.factories import MONDAY, IncidentFactory, incident_matrix
from matrix.matrix_file import export_data, import_data
from matrix.tests.test_admin import admin_form_data, assert_saved, change_url
from notifications.models import Notification

pytestmark = pytest.mark.django_db

FORM = {
    "title": "Card payments fail", "description": "Customers see error E42 after entering their card.",
    "product_area": "checkout", "impact": "significant", "urgency": "high", "channel": "web_form",
    "affected_customers": "C-104233", "suspected_vendor": "stripe", "triage_order_id": "ORD-7",
}


def file(client, key: str) -> tuple[Incident, list[str]]:
    """File through the form as the agent; the incident and the SQL the POST sent."""
    with time_machine.travel(MONDAY, tick=False), CaptureQueriesContext(connection) as queries:
        response = client.post(reverse("incidents:file"), {**FORM, "submission_key": key})
    assert response.status_code == 302, response.content.decode()[:2000]
    return Incident.objects.get(submission_key=key), [q["sql"] for q in queries.captured_queries]


def matrix_reads(sql: list[str]) -> list[str]:
    return [q for q in sql if q.lstrip().startswith(("SELECT", "(SELECT")) and '"matrix_' in q]


def test_a_second_filing_reads_nothing_of_the_matrix(client, mx):
    client.force_login(mx["agent"])
    _, first = file(client, "first")

    incident, second = file(client, "second")

    assert matrix_reads(first)  # the first filing read it…
    assert matrix_reads(second) == []  # …the second routed with the matrix this process kept
    assert incident.team == mx["payments"] and incident.routing_fallback == "area_owner"
    assert len(second) < len(first)


def test_an_owner_changed_in_the_admin_owns_the_next_incident(client, mx, role_user, settings):
    settings.MATRIX_APPROVALS = False  # saved at once (with approvals, on approval: the same save)
    client.force_login(mx["agent"])
    assert file(client, "before")[0].team == mx["payments"]

    manager = role_user("Managers")
    client.force_login(manager)
    page = client.get(change_url(mx["checkout"]))
    assert_saved(client.post(change_url(mx["checkout"]), admin_form_data(
        page, owner_team=mx["platform"].pk, change_reason="Checkout moves to the platform team")))

    client.force_login(mx["agent"])
    incident, sql = file(client, "after")
    assert incident.team == mx["platform"]
    assert matrix_reads(sql)  # read again, once


def test_an_imported_matrix_routes_the_next_filing_and_a_dry_run_changes_nothing():
    mx = incident_matrix()
    IncidentFactory()  # the matrix is read and kept
    data = export_data()
    checkout = next(area for area in data["areas"] if area["key"] == "checkout")
    checkout["owner_team"] = "platform"

    import_data(data, reason="Trying platform as the owner", dry_run=True)
    assert IncidentFactory().team == mx["payments"]

    import_data(data, reason="Platform owns checkout now")
    assert IncidentFactory().team == mx["platform"]


def test_filing_writes_its_notifications_with_one_insert(mx):
    with CaptureQueriesContext(connection) as queries:
        incident = IncidentFactory()

    inserts = [q["sql"] for q in queries.captured_queries
               if q["sql"].startswith("INSERT") and '"notifications_notification"' in q["sql"]]
    sent = Notification.objects.filter(dedupe_key__startswith=f"incident:{incident.pk}:filed:")
    assert len(inserts) == 1
    assert sorted(sent.values_list("target", flat=True)) == [
        "https://hooks.example.com/payments", "pat@example.com", "payments@example.com"]


def test_a_double_submit_files_once_and_writes_nothing_more(client, mx):
    client.force_login(mx["agent"])
    first, _ = file(client, "twice")
    written = (first.timers.count(), first.timeline.count(), Notification.objects.count())

    with time_machine.travel(MONDAY, tick=False):
        again = client.post(reverse("incidents:file"), {**FORM, "submission_key": "twice"})

    assert again.status_code == 302 and again.url == reverse("incidents:detail", args=[first.pk])
    assert Incident.objects.filter(submission_key="twice").count() == 1
    assert (first.timers.count(), first.timeline.count(), Notification.objects.count()) == written
