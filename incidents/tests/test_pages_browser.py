"""The filing journey in a real browser (Debian's Chromium through Playwright): an agent files an incident
through the form, watching the live preview, and lands on its page; a responder acknowledges it in one click
and ticks the playbook checklist."""

import re

import pytest
from playwright.sync_api import expect

from incidents.models import Incident
from incidents.tests.factories import incident_matrix
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
