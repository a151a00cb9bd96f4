"""The Content-Security-Policy in a real browser (Debian's Chromium through Playwright): a manager goes through
the main pages and what they do (the live filing preview, htmx actions, the top-bar search, the simulator,
the admin's autocomplete), and the browser reports no violation of the policy on any of them."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from incidents.tests.factories import IncidentFactory, incident_matrix
from matrix import models as m
from matrix.tests.browser import browser_page, session_of
from reviews.models import Drill, DrillStatus
from reviews.tests.factories import scheduled_drill

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Runs in every document before its own scripts (Playwright injects it past the policy): each violation is
# written to the console, next to the browser's own "Refused to … Content Security Policy" messages.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", function (event) {
  console.error("securitypolicyviolation: " + event.violatedDirective + " blocked " + event.blockedURI
                + " at " + event.sourceFile + ":" + event.lineNumber);
});
"""


@pytest.fixture
def world(db):
    """The incidents' small matrix, a new incident to acknowledge, and Max the manager logged in (before the
    browser starts: the ORM stays out of its loop)."""
    mx = incident_matrix()
    incident = IncidentFactory()
    return {"session": session_of(mx["max"]), "incident": incident.pk, "checkout": mx["checkout"].pk,
            "payments": mx["payments"].pk}


def test_a_manager_uses_the_main_pages_and_the_policy_blocks_nothing(live_server, world):
    violations = []
    with browser_page(live_server.url, world["session"]) as page:
        page.add_init_script(REPORT_VIOLATIONS)
        page.on("console", lambda message: violations.append(f"{page.url}: {message.text}")
                if re.search(r"Content Security Policy|securitypolicyviolation", message.text) else None)
        page.on("pageerror", lambda error: violations.append(f"{page.url}: {error}"))

        # The matrix: the type-to-narrow filter (static JS), the tree indented by the stylesheet.
        response = page.goto("/")
        directives = {d.strip() for d in response.headers["content-security-policy"].split(";")}
        assert "script-src 'self'" in directives  # the policy is on (in whatever order the directives come)
        expect(page.locator("#area-checkout")).to_be_visible()
        page.fill("#matrix-filter", "search")
        expect(page.locator("#area-checkout")).to_be_hidden()
        expect(page.locator("#area-search")).to_be_visible()
        assert page.locator("#area-search th").evaluate("th => getComputedStyle(th).paddingLeft") != "0px"

        # The top-bar search (htmx): its results drop down under the box.
        page.locator("nav input[type=search]").press_sequentially("Checkout")
        expect(page.locator("#search-results")).to_contain_text("Checkout")
        assert page.locator("#search-results").evaluate("el => getComputedStyle(el).zIndex") == "1050"

        # The incident list: countdowns tick (static JS).
        page.goto("/incidents/")
        expect(page.locator("[data-due]").first).to_have_text(re.compile(r"in \d+m \d\ds|overdue"))

        # An incident: acknowledged in one click (htmx).
        page.goto(f"/incidents/{world['incident']}/")
        page.get_by_role("button", name="Acknowledge").click()
        expect(page.locator("#incident-live .status-badge")).to_have_text("Acknowledged")

        # Filing: the live preview follows the form (htmx, with the type-ahead's static JS).
        page.goto("/incidents/new/")
        preview = page.locator("#filing-preview")
        expect(preview).to_contain_text("Pick the area and answer the two questions")
        page.fill("#id_title", "Card payments fail")
        page.locator("#area-filter").press_sequentially("check")
        expect(page.locator("#id_product_area")).to_have_value("checkout")
        page.check("#id_impact_1")
        page.check("#id_urgency_1")
        expect(preview).to_contain_text("SEV2")
        expect(preview).to_contain_text("Payments")

        # The routing simulator: its narrow number box is styled by the stylesheet, and a replay runs.
        page.goto("/incidents/routing/simulate/")
        last = page.locator("#simulate-rules input[type=number]")
        assert last.evaluate("el => getComputedStyle(el).maxWidth") != "none"
        page.locator("#simulate-rules").get_by_role("button", name="Replay these rules").click()
        expect(page.locator("#simulation")).to_contain_text("Replayed")

        # The admin: a change form with its autocomplete (select2) and a list with the project's styles.
        page.goto(f"/admin/matrix/productarea/{world['checkout']}/change/")
        page.locator(".field-owner_team .select2-selection").click()
        page.locator(".select2-container--open .select2-search__field").fill("Pay")
        expect(page.locator(".select2-results__option", has_text="Payments")).to_be_visible()
        page.goto("/admin/matrix/team/")
        expect(page.locator("#result_list")).to_contain_text("Payments")
        page.goto(f"/admin/matrix/team/{world['payments']}/change/")
        expect(page.locator("#team_form")).to_be_visible()

    assert not violations, "\n".join(violations)
    assert m.ProductArea.objects.get(pk=world["checkout"]).owner_team.key == "payments"  # nothing was saved


def test_confirmations_and_markdown_styles_work_without_inline_code(live_server, db):
    """What used to be inline: the drill page's "are you sure?" (onsubmit=) and its Markdown headings'
    sizes (a style element) now come from static files, and the policy blocks nothing there."""
    mx = incident_matrix()
    drill = scheduled_drill(mx, at=timezone.now() + dt.timedelta(days=2), scenario="## Checkout down\n\nGo.")
    violations = []
    with browser_page(live_server.url, session_of(mx["max"])) as page:
        page.add_init_script(REPORT_VIOLATIONS)
        page.on("console", lambda message: violations.append(message.text)
                if re.search(r"Content Security Policy|securitypolicyviolation", message.text) else None)
        page.goto(f"/reviews/drills/{drill.pk}/")
        heading = page.locator(".drill-scenario h2")
        expect(heading).to_have_text("Checkout down")
        assert heading.evaluate("h => getComputedStyle(h).fontSize") == "17.6px"  # 1.1rem, from app.css

        page.once("dialog", lambda dialog: dialog.dismiss())
        page.get_by_role("button", name="Cancel the drill").click()
        page.wait_for_timeout(300)
        assert Drill.objects.get(pk=drill.pk).status == DrillStatus.SCHEDULED  # said no: nothing happened

        page.once("dialog", lambda dialog: dialog.accept())
        page.get_by_role("button", name="Cancel the drill").click()
        expect(page.locator(".drill-status")).to_have_text("Cancelled")

    assert not violations, "\n".join(violations)
