"""Nothing typed is lost, in a real browser: the review autosaves while its lead types, adding an action item
keeps the sections, and leaving the filing form with unsaved text asks first (not when it is submitted); the
filing form shows a playbook's required triage field as required as soon as the area picks it."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from incidents.models import Incident
from incidents.tests.factories import incident_matrix
from matrix.tests.browser import browser_page, session_of
from reviews.models import PostIncidentReview

from .factories import resolved_incident

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def lead(db):
    """A resolved SEV1 with its draft review, led by Lena, and her session (ORM work before the browser starts)."""
    mx = incident_matrix()
    incident = resolved_incident(responder=mx["pat"], filed_at=timezone.now() - dt.timedelta(hours=2))
    return {"review": PostIncidentReview.objects.get(incident=incident), "session": session_of(mx["lena"]),
            "agent": session_of(mx["agent"])}


def test_the_review_autosaves_while_its_lead_types(live_server, lead):
    dialogs = []
    with browser_page(live_server.url, lead["session"]) as page:
        page.on("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.accept()))
        page.goto(f"/reviews/{lead['review'].pk}/")
        page.get_by_label("Summary").click()
        page.keyboard.type("Card payments failed for an hour.")

        expect(page.locator("[data-autosave-status]")).to_have_text(re.compile(r"^Saved \d\d:\d\d$"), timeout=10_000)
        page.reload()  # autosave has caught up: nothing to ask about

        expect(page.get_by_label("Summary")).to_have_value("Card payments failed for an hour.")
    assert dialogs == []
    assert PostIncidentReview.objects.get().sections[0]["body"] == "Card payments failed for an hour."


def test_adding_an_action_item_keeps_what_was_typed_in_the_sections(live_server, lead):
    due = timezone.localdate() + dt.timedelta(days=14)
    with browser_page(live_server.url, lead["session"]) as page:
        page.goto(f"/reviews/{lead['review'].pk}/")
        page.get_by_label("Root cause").fill("The deploy dropped the API key.")
        page.fill("#id_item_title", "Validate config before deploys")
        page.select_option("#id_item_owner", label="Pat Ng")
        page.fill("#id_item_due_on", due.isoformat())
        page.get_by_role("button", name="Add action item").click()

        expect(page.locator("table.action-items")).to_contain_text("Validate config before deploys")
        expect(page.get_by_label("Root cause")).to_have_value("The deploy dropped the API key.")
    review = PostIncidentReview.objects.get()
    assert [s["body"] for s in review.sections if s["key"] == "root-cause"] == ["The deploy dropped the API key."]


def test_the_filing_form_asks_before_leaving_with_unsaved_text_and_shows_required_triage_at_once(live_server, lead):
    dialogs = []

    def answer(dialog):
        dialogs.append(dialog.type)
        dialog.dismiss()  # stay on the page

    with browser_page(live_server.url, lead["agent"]) as page:
        page.on("dialog", answer)
        page.goto("/incidents/new/")
        page.locator("#id_title").click()
        page.keyboard.type("Card payments fail")

        page.locator("a.navbar-brand").click()  # leaving: the browser asks, and staying keeps the text
        expect(page.locator("#id_title")).to_have_value("Card payments fail")
        assert dialogs == ["beforeunload"]

        page.fill("#id_description", "Customers see error E42.")
        page.select_option("#id_product_area", "checkout")
        page.check("#id_impact_1")
        page.check("#id_urgency_1")
        order_id = page.locator("#id_triage_order_id")  # swapped in by the live preview, required at once
        expect(order_id).to_be_visible()
        expect(order_id).to_have_attribute("required", "")
        expect(page.locator("label[for=id_triage_order_id] .asteriskField")).to_have_text("*")
        order_id.fill("ORD-7")

        page.get_by_role("button", name="File the incident").click()

        expect(page).to_have_url(re.compile(r"/incidents/\d+/$"))
    assert dialogs == ["beforeunload"]  # none more when submitting
    assert Incident.objects.get(title="Card payments fail").details["order_id"] == "ORD-7"
