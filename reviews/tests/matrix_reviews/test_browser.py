"""The quarterly review in a real browser (Debian's Chromium through Playwright): an area owner attests their
area from the review page, then a manager attests the area nobody owns and signs the review off."""

import re

import pytest
from playwright.sync_api import expect

from matrix.tests.browser import browser_page, session_of
from reviews.matrix_reviews.services import matrix_review_attest
from reviews.models import AreaAttestation, MatrixReview

from .support import open_review, org

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def journey(db):
    """The open review with Search already attested by Pete, and the sessions of Lena and Vera."""
    mx = org()
    review = open_review()
    matrix_review_attest(review=review, area="search", user=mx["pete"])
    return {"review": review, "lena": session_of(mx["lena"]), "vera": session_of(mx["vera"])}


def test_an_area_owner_attests_and_a_manager_signs_off(live_server, journey):
    review = journey["review"]
    with browser_page(live_server.url, journey["lena"]) as page:
        page.goto("/reviews/matrix-reviews/current/")
        expect(page).to_have_url(re.compile(rf"/reviews/matrix-reviews/{review.pk}/$"))
        checkout = page.locator("#area-checkout")
        expect(checkout).to_contain_text("yours")
        checkout.get_by_label("Comment on Checkout").fill("Roster and contacts checked")
        checkout.get_by_role("button", name="Attest Checkout").click()

        expect(page.locator("main .alert-success")).to_have_text("Checkout: ownership and contacts confirmed.")
        expect(page.locator("#area-checkout")).to_contain_text("Attested by Lena Lead")
        expect(page.locator("#area-onboarding .attest-form")).to_have_count(0)  # not hers to attest

    with browser_page(live_server.url, journey["vera"]) as page:
        page.goto(f"/reviews/matrix-reviews/{review.pk}/")
        sign_off = page.get_by_role("button", name="Sign off and open the next review")
        expect(sign_off).to_be_disabled()  # Onboarding is still to attest
        expect(page.locator(".unattested")).to_contain_text("Onboarding")
        page.locator("#area-onboarding").get_by_role("button", name="Attest Onboarding").click()
        expect(page.locator(".matrix-review-progress")).to_contain_text("3 of 3")

        page.get_by_label("Sign-off notes").fill("Onboarding stays with triage until Q3.")
        page.get_by_role("button", name="Sign off and open the next review").click()

        expect(page.locator("main .alert-success")).to_contain_text("Signed off by Vera Vendors")
        expect(page.locator(".matrix-review-status")).to_have_text("Signed off")
        expect(page.locator(".signed-off")).to_contain_text("Vera Vendors")
        page.get_by_role("link", name=re.compile("next review")).first.click()
        expect(page.locator(".matrix-review-status")).to_have_text("Open")

    review.refresh_from_db()
    assert review.signed_off_by.username == "vera" and review.notes == "Onboarding stays with triage until Q3."
    assert AreaAttestation.objects.get(review=review, area__key="checkout").comment == "Roster and contacts checked"
    assert MatrixReview.objects.filter(previous=review, signed_off_at__isnull=True).count() == 1
