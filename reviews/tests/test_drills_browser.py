"""Drills and training in a real browser (Debian's Chromium through Playwright): a manager schedules a drill and
starts it, and the drill incident's page says DRILL; a person completes a training module and their person page
shows it."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from incidents.models import Incident
from incidents.tests.factories import incident_matrix
from matrix.tests.browser import browser_page, session_of
from reviews.models import Drill, DrillStatus, TrainingAssignment
from reviews.training.services import training_assign

from .factories import TrainingModuleFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def mx(db):
    return incident_matrix()


def test_a_manager_schedules_a_drill_starts_it_and_the_drill_incident_says_drill(live_server, mx):
    starts = timezone.localtime(timezone.now() + dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    with browser_page(live_server.url, session_of(mx["max"])) as page:
        page.goto("/reviews/drills/")
        page.get_by_role("link", name="Schedule a drill").click()
        page.get_by_label("Playbook").select_option(label="Checkout failures")
        page.get_by_label("Starts at").fill(starts)
        page.get_by_label("Facilitator").select_option(label="Max Manager")
        page.get_by_label("Participants").select_option(label=["Pat Ng", "Quinn Ray"])
        page.get_by_role("button", name="Schedule").click()

        expect(page).to_have_url(re.compile(r"/reviews/drills/\d+/$"))
        expect(page.locator("main .alert-success")).to_contain_text("The participants are told.")
        expect(page.locator(".drill-status")).to_have_text("Scheduled")
        page.get_by_role("button", name="Start now").click()

        expect(page.locator(".drill-status")).to_have_text("Running")
        page.locator(".drill-incident a").first.click()

        expect(page).to_have_url(re.compile(r"/incidents/\d+/$"))
        expect(page.locator("#incident-live")).to_contain_text("DRILL")
        expect(page.locator("#drill-panel")).to_contain_text("part of the drill Drill: Checkout failures")

    drill = Drill.objects.get()
    assert drill.status == DrillStatus.RUNNING and drill.facilitator == mx["max"]
    incident = Incident.objects.get()
    assert incident.is_drill and drill.incident == incident and incident.reporter == mx["max"]


def test_a_person_completes_a_training_module_and_their_page_shows_it(live_server, mx):
    module = TrainingModuleFactory(key="war-room", title="Running a war room", refresher_months=6,
                                   body="## Take command\n\nSay it in the channel.")
    training_assign(module=module, assigned_by=mx["max"], users=[mx["pat"]],
                    due_on=timezone.localdate() + dt.timedelta(days=10))
    with browser_page(live_server.url, session_of(mx["pat"])) as page:
        page.goto("/reviews/training/")
        page.get_by_role("link", name="Running a war room").click()
        expect(page.locator(".training-body h2")).to_have_text("Take command")
        page.get_by_role("button", name="I've completed this").click()

        expect(page.locator("main .alert-success")).to_contain_text("Completed: “Running a war room”.")
        expect(page.locator(".training-status")).to_have_text("Completed")
        page.goto("/people/pat/")
        expect(page.locator("#person-training-war-room")).to_contain_text("Completed")
        expect(page.locator("#person-training-war-room")).to_contain_text(f"completed {timezone.localdate():%-d %b %Y}")

    assert TrainingAssignment.objects.get().completed_at is not None
