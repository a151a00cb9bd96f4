"""The drill pages: the list (only drills, with scores), scheduling with clear errors, the drill page (scenario,
start / end / cancel, score card, debrief), and the DRILL panel and labels on the incident pages."""

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from incidents.models import Incident
from incidents.tests.factories import MONDAY, IncidentFactory
from matrix.tests.test_admin import admin_form_data
from notifications.models import Notification
from reviews.drills import services
from reviews.models import Drill, DrillStatus

from .factories import scheduled_drill

pytestmark = pytest.mark.django_db


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def html_of(response) -> str:
    return response.content.decode()


@pytest.fixture
def finished(mx, django_capture_on_commit_callbacks):
    drill = services.drill_start(drill=scheduled_drill(mx), user=mx["lena"], now=MONDAY)
    with django_capture_on_commit_callbacks(execute=True):
        return services.drill_end(drill=drill, user=mx["lena"], now=MONDAY + dt.timedelta(minutes=20))


# --- access -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["reviews:drill_list", "reviews:drill_schedule"])
def test_anonymous_users_are_sent_to_login(client, name):
    response = client.get(reverse(name))

    assert response.status_code == 302 and "login" in response["Location"]


def test_everyone_reads_drills_but_only_managers_and_leads_schedule(mx):
    agent = client_of(mx["agent"])

    listed = agent.get(reverse("reviews:drill_list"))
    assert listed.status_code == 200 and "Schedule a drill" not in html_of(listed)
    assert agent.get(reverse("reviews:drill_schedule")).status_code == 403
    assert "Schedule a drill" in html_of(client_of(mx["lena"]).get(reverse("reviews:drill_list")))


# --- scheduling ---------------------------------------------------------------------------------------

def form_data(mx, **overrides) -> dict:
    start = timezone.localtime(timezone.now() + dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    return {"playbook": mx["playbook"].pk, "scheduled_for": start, "facilitator": mx["lena"].pk,
            "participants": [mx["pat"].pk, mx["quinn"].pk], **overrides}


def test_a_manager_schedules_a_drill_with_only_the_playbook_time_and_people(mx):
    response = client_of(mx["max"]).post(reverse("reviews:drill_schedule"), form_data(mx))

    drill = Drill.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("reviews:drill_detail", args=[drill.pk])
    assert drill.scheduled_by == mx["max"] and drill.facilitator == mx["lena"]
    assert {u.username for u in drill.participants.all()} == {"pat", "quinn"}


def test_scheduling_errors_are_shown_beside_their_fields_and_nothing_is_saved(mx):
    past = timezone.localtime(timezone.now() - dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    data = form_data(mx, scheduled_for=past, participants=[], details="order_id 12")

    response = client_of(mx["max"]).post(reverse("reviews:drill_schedule"), data)

    html = html_of(response)
    assert response.status_code == 400 and not Drill.objects.exists()
    assert "This field is required." in html  # participants
    assert "Line 1 is not “field key: answer”" in html


def test_service_errors_come_back_beside_their_field(mx):
    past = timezone.localtime(timezone.now() - dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")

    response = client_of(mx["max"]).post(reverse("reviews:drill_schedule"), form_data(mx, scheduled_for=past))

    assert response.status_code == 400 and "Pick a time from now on" in html_of(response)
    assert re.search(r'id="id_scheduled_for"[^>]*is-invalid|is-invalid[^>]*id="id_scheduled_for"', html_of(response))


def test_the_facilitator_changes_a_scheduled_drill(mx):
    drill = scheduled_drill(mx, at=timezone.now() + dt.timedelta(days=3))
    page = client_of(mx["lena"]).get(reverse("reviews:drill_edit", args=[drill.pk]))
    assert page.status_code == 200 and "Checkout failures" in html_of(page)

    response = client_of(mx["lena"]).post(reverse("reviews:drill_edit", args=[drill.pk]),
                                          form_data(mx, title="Checkout game day"))

    assert response.status_code == 302
    assert Drill.objects.get().title == "Checkout game day"
    assert client_of(mx["pat"]).get(reverse("reviews:drill_edit", args=[drill.pk])).status_code == 403


# --- the drill page -----------------------------------------------------------------------------------

def test_the_scenario_is_rendered_as_sanitized_markdown(mx):
    drill = scheduled_drill(mx, scenario="## Checkout down\n\n<script>alert(1)</script>**Nobody** can pay.")

    html = html_of(client_of(mx["agent"]).get(reverse("reviews:drill_detail", args=[drill.pk])))

    assert "<h2>Checkout down</h2>" in html and "<strong>Nobody</strong>" in html
    assert "<script>alert(1)</script>" not in html


def test_the_facilitator_starts_it_now_and_the_page_links_the_drill_incident(mx):
    drill = scheduled_drill(mx, at=timezone.now() + dt.timedelta(days=3))
    lena = client_of(mx["lena"])

    response = lena.post(reverse("reviews:drill_start", args=[drill.pk]), follow=True)

    incident = Incident.objects.get()
    assert incident.is_drill and Drill.objects.get().status == DrillStatus.RUNNING
    assert reverse("incidents:detail", args=[incident.pk]) in html_of(response)
    assert "End the drill and score it" in html_of(response)


def test_a_participant_cannot_start_end_or_cancel_and_sees_no_buttons(mx):
    drill = scheduled_drill(mx, at=timezone.now() + dt.timedelta(days=3))
    pat = client_of(mx["pat"])

    assert "Start now" not in html_of(pat.get(reverse("reviews:drill_detail", args=[drill.pk])))
    for name in ("reviews:drill_start", "reviews:drill_end", "reviews:drill_cancel"):
        assert pat.post(reverse(name, args=[drill.pk])).status_code == 403
    assert Drill.objects.get().status == DrillStatus.SCHEDULED


def test_a_finished_drill_shows_its_score_card_and_the_debrief_form(mx, finished):
    html = html_of(client_of(mx["lena"]).get(reverse("reviews:drill_detail", args=[finished.pk])))

    card = html[html.index('id="score-card"'):]
    assert "never" in card and "0 of 2 (0%)" in card
    assert 'id="debrief-form"' in html and "Summary" in html


def test_the_debrief_is_published_from_the_page_and_becomes_read_only(mx, finished):
    lena = client_of(mx["lena"])
    url = reverse("reviews:drill_detail", args=[finished.pk])

    missing = lena.post(url, {"section_summary": "", "publish": "1"})
    assert missing.status_code == 400 and "Write the summary first." in html_of(missing)

    done = lena.post(url, {"section_summary": "We practised **failover**.", "publish": "1"}, follow=True)
    html = html_of(done)
    assert "Debrief published." in html and 'id="debrief-form"' not in html
    assert "<strong>failover</strong>" in html
    assert lena.post(url, {"section_summary": "Changed"}).status_code == 403


# --- the list -----------------------------------------------------------------------------------------

def test_the_list_shows_running_upcoming_and_finished_drills_with_scores(mx, finished):
    upcoming = scheduled_drill(mx, at=timezone.now() + dt.timedelta(days=5), title="Next game day")

    html = html_of(client_of(mx["agent"]).get(reverse("reviews:drill_list")))

    assert f'id="drill-{upcoming.pk}"' in html[html.index('id="drills-upcoming"'):html.index('id="drills-finished"')]
    finished_part = html[html.index('id="drills-finished"'):]
    assert f'id="drill-{finished.pk}"' in finished_part and "0/2" in finished_part


# --- the incident pages -------------------------------------------------------------------------------

def test_the_drill_incident_page_says_drill_and_which_drill_with_its_score(mx, finished):
    html = html_of(client_of(mx["pat"]).get(reverse("incidents:detail", args=[finished.incident_id])))

    panel = html[html.index('id="drill-panel"'):]
    assert "DRILL" in panel and reverse("reviews:drill_detail", args=[finished.pk]) in panel
    assert "Drill: Checkout failures" in panel and "0 of 2" in panel


def test_a_real_incident_page_has_no_drill_panel(mx):
    incident = IncidentFactory()

    html = html_of(client_of(mx["pat"]).get(reverse("incidents:detail", args=[incident.pk])))

    assert 'id="drill-panel"' not in html


def test_drill_incidents_are_hidden_from_the_incident_list_and_labelled_drill_when_shown(mx, finished):
    real = IncidentFactory(title="A real one")
    pat = client_of(mx["pat"])

    hidden = html_of(pat.get(reverse("incidents:list")))
    html = html_of(pat.get(reverse("incidents:list"), {"drill": "any"}))

    assert f'id="incident-{real.pk}"' in hidden and f'id="incident-{finished.incident_id}"' not in hidden
    row = html[html.index(f'id="incident-{finished.incident_id}"'):]
    assert ">DRILL</span>" in row[:row.index("</tr>")]
    assert html.count(">DRILL</span>") == 1


def test_the_person_page_lists_their_drills_with_scores(mx, finished):
    html = html_of(client_of(mx["agent"]).get(reverse("matrix:person_detail", args=["pat"])))

    drills = html[html.index('id="person-drills"'):]
    assert "Drill: Checkout failures" in drills and "participant" in drills and "never acknowledged" in drills
    lena = html_of(client_of(mx["agent"]).get(reverse("matrix:person_detail", args=["lena"])))
    assert "facilitator" in lena[lena.index('id="person-drills"'):]


def test_the_admin_lists_drills_with_their_scores_read_only(mx, finished):
    admin = client_of(mx["max"])

    listed = admin.get(reverse("admin:reviews_drill_changelist"))
    page = admin.get(reverse("admin:reviews_drill_change", args=[finished.pk]))

    assert listed.status_code == 200 and "Drill: Checkout failures" in html_of(listed)
    assert page.status_code == 200 and 'name="time_to_acknowledge"' not in html_of(page)  # the score is not edited


def test_once_started_the_admin_changes_only_a_drills_title(mx, finished):
    admin = client_of(mx["max"])
    url = reverse("admin:reviews_drill_change", args=[finished.pk])
    page = admin.get(url)
    for name in ["facilitator", "scheduled_for_0", "product_area", "details", "debrief"]:
        assert f'name="{name}"' not in html_of(page), name

    response = admin.post(url, admin_form_data(page, title="Checkout drill, March", facilitator=mx["max"].pk,
                                               debrief="[]"))

    drill = Drill.objects.get()
    assert response.status_code == 302 and drill.title == "Checkout drill, March"
    assert drill.facilitator == mx["lena"] and drill.debrief == finished.debrief and drill.is_scored


def test_the_admin_checks_a_scheduled_drill_like_its_page_and_tells_of_a_new_time(mx):
    drill = scheduled_drill(mx, at=timezone.now() + dt.timedelta(days=3))
    admin = client_of(mx["max"])
    url = reverse("admin:reviews_drill_change", args=[drill.pk])
    page = admin.get(url)
    assert 'name="debrief"' not in html_of(page)  # written on the drill's page

    past = timezone.localtime(timezone.now() - dt.timedelta(days=1))
    refused = admin.post(url, admin_form_data(page, scheduled_for_0=past.strftime("%Y-%m-%d"),
                                              scheduled_for_1=past.strftime("%H:%M:%S")))
    assert refused.status_code == 200 and "Pick a time from now on" in html_of(refused)
    assert Drill.objects.get().scheduled_for == drill.scheduled_for

    later = timezone.localtime(drill.scheduled_for + dt.timedelta(days=1)).replace(second=0, microsecond=0)
    moved = admin.post(url, admin_form_data(page, scheduled_for_0=later.strftime("%Y-%m-%d"),
                                            scheduled_for_1=later.strftime("%H:%M:%S")))

    assert moved.status_code == 302 and Drill.objects.get().scheduled_for == later
    told = Notification.objects.filter(payload__event="drill_scheduled", payload__scheduled_for=later.isoformat())
    assert sorted(told.values_list("user__username", flat=True)) == ["lena", "pat", "quinn"]
    assert admin.get(reverse("admin:reviews_drill_add")).status_code == 403  # scheduled from the drills page
