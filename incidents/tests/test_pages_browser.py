"""The filing journey in a real browser (Debian's Chromium through Playwright): an agent files an incident
through the form, watching the live preview, and lands on its page; a responder acknowledges it in one click
and ticks the playbook checklist."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from incidents.models import Incident, Timer, TimerKind, TimerState
from incidents.tests.factories import IncidentFactory, incident_matrix
from incidents.timers import timers_fire_due
from matrix.tests import factories as mf
from matrix.tests.browser import browser_page, session_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def sessions(db):
    """Build the matrix and log both people in before a browser starts (the ORM stays out of its loop)."""
    mx = incident_matrix()
    return {"agent": session_of(mx["agent"]), "responder": session_of(mx["pat"])}


def test_agent_files_through_the_form_and_a_responder_acknowledges_in_one_click(live_server, sessions):
    with browser_page(live_server.url, sessions["agent"]) as page:
        page.goto("/")
        page.get_by_role("link", name="File an incident").click()
        preview = page.locator("#filing-preview")
        expect(preview).to_contain_text("Pick the area and answer the two questions")

        page.fill("#id_title", "Card payments fail")
        page.fill("#id_description", "Customers see error E42 after entering their card.")
        page.locator("#area-filter").press_sequentially("check")  # the type-ahead picks the only match
        expect(page.locator("#id_product_area")).to_have_value("checkout")
        page.check("#id_impact_1")  # significant
        page.check("#id_urgency_1")  # high

        expect(preview).to_contain_text("SEV2")
        expect(preview).to_contain_text("Payments")
        expect(preview).to_contain_text("Checkout failures")  # the playbook, with its checklist
        expect(preview).to_contain_text("Collect order IDs")
        order_id = page.locator("#id_triage_order_id")  # its triage fields, swapped in
        expect(order_id).to_be_visible()
        order_id.fill("ORD-7")
        page.select_option("#id_triage_region", "eu")

        page.get_by_role("button", name="File the incident").click()

        expect(page).to_have_url(re.compile(r"/incidents/\d+/$"))
        expect(page.locator("main .alert-success")).to_contain_text(re.compile(
            r"Filed #\d+ — owned by Payments \(on call: .+\), acknowledge by \d\d:\d\d"))
        expect(page.locator("#deadline-acknowledge .countdown")).to_have_text(re.compile(r"in 1[45]m \d\ds"))
        incident_url = page.url

    with browser_page(live_server.url, sessions["responder"]) as page:
        page.goto(incident_url)
        expect(page.locator("#incident-live .status-badge")).to_have_text("New")

        page.get_by_role("button", name="Acknowledge").click()

        expect(page.locator("main .alert-success")).to_have_text("Acknowledged.")
        expect(page.locator("#incident-live .status-badge")).to_have_text("Acknowledged")
        expect(page.locator("#deadline-acknowledge")).to_contain_text("met")

        page.get_by_label("Collect order IDs").check()  # saved at once (htmx), with who ticked it
        expect(page.locator("#checklist .tick-by")).to_contain_text("✓ Pat Ng")

    incident = Incident.objects.get()
    assert incident.status == "acknowledged" and incident.acknowledged_by.username == "pat"
    assert incident.details == {"order_id": "ORD-7", "region": "eu"}
    assert incident.checklist_ticks.get().item.text == "Collect order IDs"


def test_an_acknowledged_incident_not_contained_climbs_its_containment_steps_shown_in_the_teams_zone(
    live_server, db
):
    mx = incident_matrix()
    mx["payments"].time_zone = "Europe/Berlin"
    mx["payments"].save()
    policy = mx["default_policy"]
    mf.StepFactory(policy=policy, phase="contain", position=1, delay_minutes=0, notify_team=mx["platform"])
    mf.StepFactory(policy=policy, phase="contain", position=2, delay_minutes=45, notify_on_call=False,
                   notify_team_lead=True)
    incident = IncidentFactory(now=timezone.now())
    responder = session_of(mx["pat"])

    with browser_page(live_server.url, responder) as page:
        page.goto(f"/incidents/{incident.pk}/")
        page.get_by_role("button", name="Acknowledge").click()
        expect(page.locator("#incident-live .status-badge")).to_have_text("Acknowledged")
        expect(page.locator("#next-step")).to_contain_text("step 1 of containment pages Olly Ops (Platform on-call)")

    # The clock's next tick, outside the browser's loop (the ORM stays out of it).
    timers_fire_due(now=timezone.now() + dt.timedelta(seconds=1))
    second = Timer.objects.get(incident=incident, kind=TimerKind.CONTAIN_ESCALATION, state=TimerState.ARMED)
    berlin = second.due_at.astimezone(ZoneInfo("Europe/Berlin"))

    with browser_page(live_server.url, responder) as page:
        page.goto(f"/incidents/{incident.pk}/")
        expect(page.locator("#incident-live")).to_contain_text(
            "Escalated: step 1 of containment notified Olly Ops (Platform on-call).")
        next_step = page.locator("#next-step")
        expect(next_step).to_contain_text("step 2 of containment pages Lena Lead (team lead)")
        expect(next_step).to_contain_text(f"{berlin:%a} {berlin.day} {berlin:%b %H:%M} CET")
        expect(next_step).to_contain_text(f"{second.due_at.astimezone(dt.UTC):%H:%M} UTC here")
        expect(next_step.locator(".countdown")).to_have_text(re.compile(r"in 4[45]m \d\ds"))
