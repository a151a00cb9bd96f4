"""The manager's journey in a real browser: change an area's owner in the admin, with a reason, and
find it in the area's history and on the matrix page."""

import pytest
from playwright.sync_api import expect

from matrix import models as m
from matrix.tests import factories as f
from matrix.tests.browser import browser_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def manager_session(client, role_user):
    f.standard_priority_matrix()
    storefront = f.TeamFactory(key="storefront", name="Storefront")
    f.TeamFactory(key="payments", name="Payments")
    f.AreaFactory(key="checkout", name="Checkout", owner_team=storefront)
    client.force_login(role_user("Managers", username="morgan"))
    return client.cookies["sessionid"].value


def test_manager_changes_an_area_owner_with_a_reason_and_sees_it_in_history(live_server, manager_session):
    area = m.ProductArea.objects.get(key="checkout")
    with browser_page(live_server.url, manager_session) as page:
        page.goto(f"/admin/matrix/productarea/{area.pk}/change/")
        page.locator(".field-owner_team .select2-selection").click()
        page.locator(".select2-container--open .select2-search__field").fill("Pay")
        page.locator(".select2-results__option", has_text="Payments").click()

        page.get_by_role("button", name="Save", exact=True).click()
        expect(page.locator(".errornote")).to_be_visible()  # no reason given: refused, nothing saved
        assert m.ProductArea.objects.get(pk=area.pk).owner_team.key == "storefront"

        page.fill("#id_change_reason", "Payments took over checkout in the Q3 reorg")
        page.get_by_role("button", name="Save", exact=True).click()
        expect(page.locator(".messagelist")).to_contain_text("was changed successfully")

        page.goto(f"/admin/matrix/productarea/{area.pk}/history/")
        history = page.locator("#content")
        expect(history).to_contain_text("Payments took over checkout in the Q3 reorg")
        expect(history).to_contain_text("Storefront → Payments")
        expect(history).to_contain_text("morgan")

        page.goto("/")
        expect(page.locator("#area-checkout")).to_contain_text("Payments")
