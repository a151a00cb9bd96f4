"""The manager's journey in a real browser: change an area's owner in the admin with a reason, see it
pending approval, have an approver approve it in the admin, and find the new owner on the matrix page."""

import pytest
from django.test import Client
from playwright.sync_api import expect

from escalation_matrix.roles import APPROVERS, MANAGERS
from matrix import models as m
from matrix.tests import factories as f
from matrix.tests.browser import browser_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def approvals_on(settings):
    settings.MATRIX_APPROVALS = True


@pytest.fixture
def sessions(role_user):
    """Checkout owned by Storefront; a manager (morgan) and an approver (daniel), each logged in."""
    f.standard_priority_matrix()
    storefront = f.TeamFactory(key="storefront", name="Storefront")
    f.TeamFactory(key="payments", name="Payments")
    f.AreaFactory(key="checkout", name="Checkout", owner_team=storefront)
    keys = {}
    for role, username in ((MANAGERS, "morgan"), (APPROVERS, "daniel")):
        client = Client()
        client.force_login(role_user(role, username=username))
        keys[username] = client.cookies["sessionid"].value
    return keys


def test_manager_changes_an_area_owner_and_it_reaches_the_matrix_once_an_approver_approves(live_server, sessions):
    area = m.ProductArea.objects.get(key="checkout")
    with browser_page(live_server.url, sessions["morgan"]) as page:
        page.goto(f"/admin/matrix/productarea/{area.pk}/change/")
        expect(page.locator(".approvals-note")).to_contain_text("Saving proposes this change")
        page.locator(".field-owner_team .select2-selection").click()
        page.locator(".select2-container--open .select2-search__field").fill("Pay")
        page.locator(".select2-results__option", has_text="Payments").click()

        page.get_by_role("button", name="Save", exact=True).click()
        expect(page.locator(".errornote")).to_be_visible()  # no reason given: refused, nothing drafted
        assert not m.ChangeRequest.objects.exists()

        page.fill("#id_change_reason", "Payments took over checkout in the Q3 reorg")
        page.get_by_role("button", name="Save", exact=True).click()
        expect(page.locator(".messagelist")).to_contain_text("Pending approval")
        expect(page.locator("#change-request-diff")).to_contain_text("Owner team: Storefront → Payments")
        expect(page.get_by_role("button", name="Approve")).to_have_count(0)  # never the author's to approve
        assert m.ProductArea.objects.get(pk=area.pk).owner_team.key == "storefront"

        page.goto("/")
        expect(page.locator("#area-checkout")).to_contain_text("Storefront")

    with browser_page(live_server.url, sessions["daniel"]) as page:
        page.goto("/admin/matrix/changerequest/")
        page.get_by_role("link", name="Change product area “Checkout”").click()
        expect(page.locator("#change-request-diff")).to_contain_text("Owner team: Storefront → Payments")
        page.fill("#id_comment", "Agreed in the ops review")
        page.get_by_role("button", name="Approve").click()
        expect(page.locator(".messagelist")).to_contain_text("is approved and applied to the matrix")

        page.goto(f"/admin/matrix/productarea/{area.pk}/history/")
        history = page.locator("#content")
        expect(history).to_contain_text("Payments took over checkout in the Q3 reorg — by morgan, approved by daniel")
        expect(history).to_contain_text("Storefront → Payments")

        page.goto("/")
        expect(page.locator("#area-checkout")).to_contain_text("Payments")
