"""The matrix review's pages as each role sees and uses them."""

import re

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from matrix.hooks import change_request_origins
from matrix.models import ChangeRequest, ProductArea
from reviews.models import AreaAttestation, MatrixReview, MatrixReviewItemKind

from .support import attest_all, client_for

pytestmark = pytest.mark.django_db


def detail(review) -> str:
    return reverse("reviews:matrix_review_detail", args=[review.pk])


def attest_url(review, key: str) -> str:
    return reverse("reviews:matrix_review_attest", args=[review.pk, key])


def area_row(html: str, key: str) -> str:
    match = re.search(rf'<tr id="area-{key}".*?</tr>', html, re.S)
    assert match, f"no row for {key}"
    return match.group(0)


# --- access -----------------------------------------------------------------------------------------

def test_anonymous_users_are_sent_to_login(client, review):
    for url in [reverse("reviews:matrix_review_list"), reverse("reviews:matrix_review_current"), detail(review),
                reverse("reviews:matrix_review_evidence", args=[review.pk])]:
        response = client.get(url)
        assert response.status_code == 302 and "login" in response["Location"], url


@pytest.mark.parametrize("who", ["agent", "eve", "pat", "sam"])
def test_every_role_reads_the_review_but_only_those_concerned_act_on_it(mx, review, who):
    client = client_for(mx[who])

    page = client.get(detail(review)).content.decode()
    assert "Quarterly matrix review due Mon 6 Apr 2026" in page
    assert "attest-form" not in page and 'id="sign-off-form"' not in page and "tick-form" not in page
    assert client.get(reverse("reviews:matrix_review_list")).status_code == 200
    assert client.get(reverse("reviews:matrix_review_evidence", args=[review.pk])).status_code == 200

    item = review.items.first()
    for url in [attest_url(review, "checkout"), reverse("reviews:matrix_review_sign_off", args=[review.pk]),
                reverse("reviews:matrix_review_refresh", args=[review.pk]),
                reverse("reviews:matrix_review_item", args=[review.pk, item.pk]),
                reverse("reviews:matrix_review_request_change", args=[review.pk, "checkout"])]:
        assert client.post(url, {"text": "x", "resolved": "on"}).status_code == 403, url
    assert not AreaAttestation.objects.exists() and not review.items.filter(resolved=True).exists()


def test_the_nav_link_goes_to_the_open_review(mx, review):
    response = client_for(mx["agent"]).get(reverse("reviews:matrix_review_current"))

    assert response.status_code == 302 and response["Location"] == detail(review)


def test_with_no_review_yet_a_manager_can_open_the_first(mx):
    manager = client_for(mx["max"])

    response = manager.get(reverse("reviews:matrix_review_current"), follow=True)
    assert "No matrix review is open yet" in response.content.decode()
    assert "Open it now" in response.content.decode()
    assert client_for(mx["lena"]).post(reverse("reviews:matrix_review_start")).status_code == 403

    opened = manager.post(reverse("reviews:matrix_review_start"))

    assert opened.status_code == 302 and opened["Location"] == detail(MatrixReview.objects.get())


# --- attesting --------------------------------------------------------------------------------------

def test_an_area_owner_sees_an_attest_form_for_their_area_only_and_attests(mx, review):
    lena = client_for(mx["lena"])

    page = lena.get(detail(review)).content.decode()
    assert f'action="{attest_url(review, "checkout")}"' in page
    assert attest_url(review, "search") not in page and attest_url(review, "onboarding") not in page
    assert "yours" in area_row(page, "checkout")

    response = lena.post(attest_url(review, "checkout"), {"comment": "Contacts checked"}, follow=True)

    assert response.redirect_chain[-1][0] == detail(review) + "#area-checkout"
    row = area_row(response.content.decode(), "checkout")
    assert "Attested by Lena Lead on" in row and "Contacts checked" in row
    assert "Checkout: ownership and contacts confirmed." in response.content.decode()
    assert AreaAttestation.objects.get().attested_by == mx["lena"]


def test_who_attested_sees_a_withdraw_button_and_may_use_it(mx, review):
    nora = client_for(mx["nora"])
    nora.post(attest_url(review, "checkout"))
    withdraw = reverse("reviews:matrix_review_withdraw", args=[review.pk, "checkout"])

    assert withdraw not in client_for(mx["lena"]).get(detail(review)).content.decode()
    assert client_for(mx["lena"]).post(withdraw).status_code == 403
    assert withdraw in nora.get(detail(review)).content.decode()

    response = nora.post(withdraw, follow=True)

    assert "Attestation withdrawn" in response.content.decode()
    assert not AreaAttestation.objects.exists()


@pytest.mark.parametrize("who", ["nora", "vera"])  # who attested another area, and a manager
def test_withdrawing_an_attestation_that_is_not_there_says_nothing_was_withdrawn(mx, review, who):
    client_for(mx["nora"]).post(attest_url(review, "checkout"))
    attested = list(AreaAttestation.objects.values_list("pk", "area__key", "attested_by__username"))
    withdraw = reverse("reviews:matrix_review_withdraw", args=[review.pk, "search"])  # search is not attested

    response = client_for(mx[who]).post(withdraw, follow=True)

    assert response.redirect_chain[-1][0] == detail(review) + "#area-search"
    page = response.content.decode()
    assert "Attestation withdrawn" not in page
    assert ('<div class="alert alert-warning" role="status">Nothing was withdrawn: the area has no attestation '
            "in this review.</div>") in page
    assert list(AreaAttestation.objects.values_list("pk", "area__key", "attested_by__username")) == attested


def test_withdrawing_twice_says_so_the_second_time(mx, review):
    nora = client_for(mx["nora"])
    nora.post(attest_url(review, "checkout"))
    withdraw = reverse("reviews:matrix_review_withdraw", args=[review.pk, "checkout"])
    assert "Attestation withdrawn" in nora.post(withdraw, follow=True).content.decode()

    again = nora.post(withdraw, follow=True).content.decode()

    assert "Attestation withdrawn" not in again and "Nothing was withdrawn" in again
    assert not AreaAttestation.objects.exists()


def test_a_manager_may_attest_every_area(mx, review):
    page = client_for(mx["vera"]).get(detail(review)).content.decode()

    for key in ["checkout", "search", "onboarding"]:
        assert f'action="{attest_url(review, key)}"' in page
    assert "a manager attests" in area_row(page, "onboarding")  # nobody owns it


def test_an_area_owner_asks_for_a_change_from_the_page(mx, review):
    nora = client_for(mx["nora"])
    url = reverse("reviews:matrix_review_request_change", args=[review.pk, "checkout"])

    refused = nora.post(url, {"text": ""})
    assert refused.status_code == 400
    assert "Say what should change." in area_row(refused.content.decode(), "checkout")

    response = nora.post(url, {"text": "Quinn leads engineering now"}, follow=True)
    item = review.items.get(kind=MatrixReviewItemKind.CHANGE_NEEDED)
    assert response.redirect_chain[-1][0] == detail(review) + f"#item-{item.pk}"
    assert "Quinn leads engineering now" in response.content.decode()


def test_an_unknown_area_is_not_found(mx, review):
    assert client_for(mx["max"]).post(attest_url(review, "nope")).status_code == 404


# --- raising change requests ------------------------------------------------------------------------

def test_managers_get_a_link_raising_a_change_request_from_an_area(mx, review):
    origin = f"matrix_review%3A{review.pk}%3Aarea%3Acheckout"
    admin_change = reverse("admin:matrix_productarea_change", args=[mx["checkout"].pk])

    assert f"{admin_change}?origin={origin}" in client_for(mx["max"]).get(detail(review)).content.decode()
    assert "Raise a change request" not in client_for(mx["lena"]).get(detail(review)).content.decode()


def test_change_requests_raised_from_an_area_show_on_the_review_and_link_back(mx, review):
    origin = f"matrix_review:{review.pk}:area:checkout"
    request = ChangeRequest.objects.create(
        author=mx["max"], reason="Quinn leads now", operation="change", target_label="Checkout",
        target_content_type=ContentType.objects.get_for_model(ProductArea), target_object_id=mx["checkout"].pk,
        origin=origin,
    )

    row = area_row(client_for(mx["agent"]).get(detail(review)).content.decode(), "checkout")
    assert str(request) in row and "Pending approval" in row

    link = change_request_origins([origin])[origin]
    assert link.url == detail(review) + "#area-checkout"
    assert link.label == "Area Checkout in the quarterly matrix review due Mon 6 Apr 2026"


# --- the checklist ----------------------------------------------------------------------------------

def test_the_owner_ticks_a_checklist_item_and_draws_it_again(mx, review):
    max_ = client_for(mx["max"])
    item = review.items.get(kind=MatrixReviewItemKind.AREA_NO_OWNER)

    response = max_.post(reverse("reviews:matrix_review_item", args=[review.pk, item.pk]),
                         {"resolved": "on", "resolution": "Triage keeps it"})
    assert response.status_code == 302 and response["Location"].endswith(f"#item-{item.pk}")
    item.refresh_from_db()
    assert item.resolved and item.resolution == "Triage keeps it" and item.resolved_by == mx["max"]

    refreshed = max_.post(reverse("reviews:matrix_review_refresh", args=[review.pk]), follow=True)
    assert "Checklist drawn again: 0 new, 0 fixed in the matrix since (ticks kept)." in refreshed.content.decode()
    item.refresh_from_db()
    assert item.resolved


# --- signing off ------------------------------------------------------------------------------------

def test_sign_off_waits_for_every_area(mx, review):
    manager = client_for(mx["vera"])
    AreaAttestation.objects.create(review=review, area=mx["checkout"], area_name="Checkout", attested_by=mx["lena"],
                                   attested_at=review.period_start)

    page = manager.get(detail(review)).content.decode()
    assert "Still to attest (2)" in page
    assert re.search(r'<button class="btn btn-primary" type="submit" disabled>Sign off', page)

    refused = manager.post(reverse("reviews:matrix_review_sign_off", args=[review.pk]), {"notes": "Done"})

    assert refused.status_code == 400
    assert "Not signed off: 2 areas still to attest (Onboarding, Search)." in refused.content.decode()
    assert MatrixReview.objects.get().signed_off_at is None


def test_a_manager_signs_off_and_the_next_review_opens(mx, review):
    attest_all(review, mx)
    manager = client_for(mx["vera"])

    response = manager.post(reverse("reviews:matrix_review_sign_off", args=[review.pk]),
                            {"notes": "All confirmed."}, follow=True)

    page = response.content.decode()
    assert "Signed off by Vera Vendors on" in page and "the next review is open" in page
    assert "All confirmed." in page and "next review (due" in page
    following = MatrixReview.objects.get(signed_off_at__isnull=True)
    assert following.previous_id == review.pk
    assert "previous review" in manager.get(detail(following)).content.decode()
    listing = manager.get(reverse("reviews:matrix_review_list")).content.decode()
    assert listing.index(f'id="matrix-review-{following.pk}"') < listing.index(f'id="matrix-review-{review.pk}"')


def test_a_signed_off_review_is_read_only_and_lists_what_was_attested(mx, review):
    attest_all(review, mx)
    client_for(mx["vera"]).post(reverse("reviews:matrix_review_sign_off", args=[review.pk]))
    ProductArea.objects.create(key="new-area", name="New area")  # added after the sign-off

    page = client_for(mx["max"]).get(detail(review)).content.decode()

    assert "attest-form" not in page and "tick-form" not in page and 'id="sign-off-form"' not in page
    assert "New area" not in page
    assert "Attested by Max Manager" in area_row(page, "onboarding")


def test_the_evidence_page_lists_each_section(mx, review):
    page = client_for(mx["agent"]).get(reverse("reviews:matrix_review_evidence", args=[review.pk])).content.decode()

    for heading in ["Misroutes", "Breaches", "Handoffs", "Drill results", "Post-incident review findings",
                    "Matrix changes"]:
        assert heading in page


# --- the admin --------------------------------------------------------------------------------------

def test_the_admin_cannot_delete_attestations_even_for_a_superuser(mx, review, django_user_model):
    attest_all(review, mx)
    manager = client_for(django_user_model.objects.create_superuser("root", "root@example.com", "x"))
    attestation = AreaAttestation.objects.get(area__key="checkout")

    page = manager.get(reverse("admin:reviews_matrixreview_change", args=[review.pk])).content.decode()

    assert "Checkout" in page and "attestations-TOTAL_FORMS" in page
    assert not re.search(r'name="attestations-\d+-DELETE"', page)  # withdrawn on the review page only
    assert manager.get(reverse("admin:reviews_areaattestation_delete", args=[attestation.pk])).status_code == 403
    assert AreaAttestation.objects.count() == 3
