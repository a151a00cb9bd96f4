"""Area owners attest their areas ("ownership and contacts confirmed") or ask for a change; managers may do either
for any area. Who owns an area: its roster's product manager and lead engineer, its owner team's leads and
managers — not the on-call responder on its roster."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from notifications.models import Notification
from reviews.matrix_reviews.access import area_owners
from reviews.matrix_reviews.services import (
    ReviewInputError,
    ReviewStateError,
    matrix_review_attest,
    matrix_review_request_change,
    matrix_review_sign_off,
    matrix_review_withdraw,
)
from reviews.models import AreaAttestation, MatrixReviewItemKind

from .support import START, attest_all

pytestmark = pytest.mark.django_db

WHEN = START + dt.timedelta(days=20)


def test_an_areas_owners_are_its_product_manager_lead_engineer_and_owner_teams_leads_and_managers(mx):
    mx["vera"].memberships.create(team=mx["payments"], role="manager")
    mx["quinn"].area_roles.create(area=mx["checkout"], role="lead_engineer")
    mx["olly"].area_roles.create(area=mx["search"], role="customer_success")

    owners = area_owners([mx["checkout"], mx["search"], mx["onboarding"]])

    assert [u.username for u in owners[mx["checkout"].pk]] == ["lena", "nora", "quinn", "vera"]
    assert [u.username for u in owners[mx["search"].pk]] == ["pete"]  # not Olly, its customer-success seat
    assert owners[mx["onboarding"].pk] == []


def test_an_area_owner_attests_their_area(mx, review):
    attestation = matrix_review_attest(review=review, area="checkout", user=mx["nora"],
                                       comment=" Roster checked with Lena. ", now=WHEN)

    assert (attestation.area, attestation.area_name, attestation.attested_by, attestation.attested_at,
            attestation.comment) == (mx["checkout"], "Checkout", mx["nora"], WHEN, "Roster checked with Lena.")


def test_the_owner_teams_lead_may_attest_too(mx, review):
    matrix_review_attest(review=review, area="checkout", user=mx["lena"])

    assert AreaAttestation.objects.get().attested_by == mx["lena"]


@pytest.mark.parametrize("who", ["pete", "pat", "agent", "sam"])
def test_others_may_not_attest_an_area(mx, review, who):
    # Pete owns Search, not Checkout; Pat is Checkout's on-call responder; Sam leads the triage team.
    with pytest.raises(PermissionDenied):
        matrix_review_attest(review=review, area="checkout", user=mx[who])

    assert not AreaAttestation.objects.exists()


def test_a_manager_attests_an_area_nobody_owns(mx, review):
    matrix_review_attest(review=review, area="onboarding", user=mx["vera"], comment="Triage keeps it for now.")

    assert AreaAttestation.objects.get().attested_by == mx["vera"]


def test_the_first_attestation_stands(mx, review):
    matrix_review_attest(review=review, area="checkout", user=mx["nora"], comment="First", now=WHEN)
    again = matrix_review_attest(review=review, area="checkout", user=mx["lena"], comment="Second")

    assert (again.attested_by, again.comment, again.attested_at) == (mx["nora"], "First", WHEN)
    assert AreaAttestation.objects.count() == 1


def test_an_unknown_area_is_a_clear_error(mx, review):
    with pytest.raises(ReviewInputError) as error:
        matrix_review_attest(review=review, area="nope", user=mx["max"])

    assert error.value.errors == {"area": ["No such product area."]}


def test_a_signed_off_review_takes_no_more_attestations_nor_changes(mx, review):
    attest_all(review, mx)
    matrix_review_sign_off(review=review, user=mx["max"], now=WHEN)
    AreaAttestation.objects.filter(area=mx["checkout"]).delete()

    with pytest.raises(ReviewStateError, match="signed off on Sun 25 Jan 2026; it is read-only now"):
        matrix_review_attest(review=review, area="checkout", user=mx["lena"])
    with pytest.raises(ReviewStateError):
        matrix_review_request_change(review=review, area="checkout", user=mx["lena"], text="Anything")


def test_whoever_attested_may_withdraw_it_and_the_area_is_to_attest_again(mx, review):
    matrix_review_attest(review=review, area="checkout", user=mx["nora"])

    with pytest.raises(PermissionDenied):
        matrix_review_withdraw(review=review, area="checkout", user=mx["lena"])  # an owner, but not who attested
    assert matrix_review_withdraw(review=review, area="checkout", user=mx["nora"]) is True
    assert matrix_review_withdraw(review=review, area="checkout", user=mx["nora"]) is False  # nothing to withdraw

    assert not AreaAttestation.objects.exists()


def test_a_manager_may_withdraw_any_attestation(mx, review):
    matrix_review_attest(review=review, area="checkout", user=mx["nora"])

    matrix_review_withdraw(review=review, area="checkout", user=mx["vera"])

    assert not AreaAttestation.objects.exists()


# --- asking for a change --------------------------------------------------------------------------

def test_an_area_owner_asks_for_a_change_it_joins_the_checklist_and_the_owner_is_told(mx, review):
    item = matrix_review_request_change(review=review, area="checkout", user=mx["nora"],
                                        text="Quinn is the lead engineer now.")

    assert (item.kind, item.subject_type, item.subject_key, item.raised_by, item.text) == (
        MatrixReviewItemKind.CHANGE_NEEDED, "area", "checkout", mx["nora"], "Quinn is the lead engineer now.")
    note = Notification.objects.get(payload__event="matrix_review_change_needed")
    assert note.user == mx["max"]  # who runs the review
    assert note.subject == "Matrix change asked for: Area Checkout"
    assert "Nora North asks for a change" in note.body and f"#item-{item.pk}" in note.body


def test_two_changes_asked_for_one_area_are_two_items(mx, review):
    matrix_review_request_change(review=review, area="checkout", user=mx["nora"], text="One")
    matrix_review_request_change(review=review, area="checkout", user=mx["lena"], text="Two")

    assert list(review.items.filter(kind=MatrixReviewItemKind.CHANGE_NEEDED).values_list("text", flat=True)) == [
        "One", "Two"]


def test_asking_for_nothing_is_refused(mx, review):
    with pytest.raises(ReviewInputError) as error:
        matrix_review_request_change(review=review, area="checkout", user=mx["nora"], text="   ")

    assert error.value.errors == {"text": ["Say what should change."]}


def test_only_owners_and_managers_ask_for_changes_to_an_area(mx, review):
    with pytest.raises(PermissionDenied):
        matrix_review_request_change(review=review, area="checkout", user=mx["pete"], text="Not mine")

    assert not review.items.filter(kind=MatrixReviewItemKind.CHANGE_NEEDED).exists()
