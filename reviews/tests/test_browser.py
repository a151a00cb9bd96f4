"""The review journey in a real browser (Debian's Chromium through Playwright): a lead opens the review of a
resolved incident from its page, fills it in, adds an action item and publishes it."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from incidents.tests.factories import incident_matrix
from matrix.tests.browser import browser_page, session_of
from notifications.models import Notification
from reviews.models import PostIncidentReview

from .factories import resolved_incident

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def journey(db):
    """A resolved SEV1 (its review created on resolve, led by Lena) and Lena's session, before a browser starts."""
    mx = incident_matrix()
    # Filed two hours ago, so the review is not overdue yet. Autocommit here: the review is made on resolve.
    incident = resolved_incident(responder=mx["pat"], filed_at=timezone.now() - dt.timedelta(hours=2))
    return {"incident": incident, "session": session_of(mx["lena"])}


def test_a_lead_fills_in_the_review_adds_an_action_item_and_publishes_it(live_server, journey):
    due = timezone.localdate() + dt.timedelta(days=14)
    with browser_page(live_server.url, journey["session"]) as page:
        page.goto(f"/incidents/{journey['incident'].pk}/")
        page.locator("#review-panel").get_by_role("link", name="Write the review").click()

        expect(page).to_have_url(re.compile(r"/reviews/\d+/$"))
        expect(page.locator(".review-status")).to_have_text("Draft")
        expect(page.locator("#target-contain")).to_contain_text("missed")
        expect(page.locator(".review-timeline")).to_contain_text("Resolved by Pat Ng.")
        page.get_by_label("Summary").fill("Card payments failed for an hour after a config deploy.")
        page.get_by_label("Root cause").fill("The deploy dropped the processor's API key.")
        page.get_by_label("No, it should have been SEV2").check()
        page.get_by_label("Contributing factors").fill("No canary\nConfig not validated")
        page.get_by_role("button", name="Save draft").click()
        expect(page.locator("main .alert-success")).to_have_text("Draft saved.")

        page.fill("#id_item_title", "Validate config before deploys")
        page.select_option("#id_item_owner", label="Pat Ng")
        page.fill("#id_item_due_on", due.isoformat())
        page.get_by_role("button", name="Add action item").click()
        expect(page.locator("table.action-items")).to_contain_text("Validate config before deploys")
        expect(page.locator("table.action-items")).to_contain_text("Pat Ng")

        page.get_by_role("button", name="Publish").click()

        expect(page.locator("main .alert-success")).to_contain_text("Published.")
        expect(page.locator(".review-status")).to_have_text("Published")
        expect(page.locator("#review-form")).to_have_count(0)  # read-only now
        expect(page.locator(".review-read")).to_contain_text("The deploy dropped the processor's API key.")
        expect(page.locator(".review-answers")).to_contain_text("No, it should have been SEV2")

    review = PostIncidentReview.objects.select_related("right_tier").get()
    assert review.is_published and review.published_by.username == "lena"
    assert review.tier_right is False and review.right_tier.key == "sev2"
    assert review.contributing_factors == ["No canary", "Config not validated"]
    item = review.action_items.get()
    assert (item.title, item.owner.username, item.due_on) == ("Validate config before deploys", "pat", due)
    assert Notification.objects.filter(payload__event="review_published").exists()
