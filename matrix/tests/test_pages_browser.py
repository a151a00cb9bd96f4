"""The pages' JavaScript in a real browser: the matrix narrows as you type, the top-bar search drops down
and the route preview answers live (htmx). Drives Debian's Chromium through Playwright."""

import datetime as dt

import pytest
from django.conf import settings
from playwright.sync_api import expect

from matrix import models as m
from matrix.tests import factories as f
from matrix.tests.browser import browser_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

@pytest.fixture
def session_cookie(client, role_user):
    """Build the matrix and log an agent in before the browser starts (the ORM stays out of its event loop)."""
    f.standard_priority_matrix()
    payments = f.TeamFactory(key="payments", name="Payments")
    search_team = f.TeamFactory(key="search-team", name="Discovery")
    alice = f.UserFactory(username="alice", first_name="Alice", last_name="Archer")
    f.RotationMemberFactory(rotation=f.RotationFactory(team=payments, starts_on=dt.date(2026, 1, 5)), user=alice)
    f.AreaFactory(key="checkout", name="Checkout", owner_team=search_team)
    f.AreaFactory(key="search", name="Search", owner_team=search_team)
    f.RuleFactory(key="refunds", name="refunds → payments", order=12, keywords="refund", team=payments)
    m.PriorityCell.objects.filter(impact__key="minor", urgency__key="low").delete()
    client.force_login(role_user("Support agents"))
    return client.cookies[settings.SESSION_COOKIE_NAME].value


@pytest.fixture
def page(live_server, session_cookie):
    with browser_page(live_server.url, session_cookie) as page:
        yield page


def test_matrix_rows_narrow_as_you_type(page):
    page.goto("/")
    checkout, search = page.locator("#area-checkout"), page.locator("#area-search")
    expect(checkout).to_be_visible()

    page.fill("#matrix-filter", "check")
    expect(search).to_be_hidden()
    expect(checkout).to_be_visible()

    page.fill("#matrix-filter", "discovery sea")  # every word must match: owner team and name
    expect(checkout).to_be_hidden()
    expect(search).to_be_visible()

    page.fill("#matrix-filter", "nothing like this")
    expect(page.locator("#matrix-filter-empty")).to_be_visible()


def test_top_bar_search_drops_down_matches(page):
    page.goto("/teams/")

    page.locator("nav input[name=q]").press_sequentially("checko")

    expect(page.locator("#search-results a[href='/areas/checkout/']")).to_be_visible()


def test_route_preview_answers_as_you_type_and_shows_errors_beside_fields(page):
    page.goto("/route-preview/")
    page.select_option("#id_product_area", "checkout")
    page.select_option("#id_impact", "significant")
    page.select_option("#id_urgency", "high")
    decision = page.locator("#route-decision")
    expect(decision).to_contain_text("SEV2 → Discovery")

    page.locator("#id_title").press_sequentially("Refund stuck")
    expect(decision).to_contain_text("SEV2 → Payments")
    expect(decision).to_contain_text("matched keyword 'refund'")

    page.select_option("#id_impact", "minor")
    page.select_option("#id_urgency", "low")
    expect(page.locator("#errors-urgency")).to_contain_text("The priority matrix has no tier for Minor × Low.")
    expect(page.locator("#id_title")).to_have_value("Refund stuck")  # the input was not re-rendered under the user
