"""A signed-off quarterly matrix review is the record of who confirmed what: nothing about it changes, in the
admin or on its page."""

import pytest
from django.urls import reverse

from matrix.tests.test_admin import admin_form_data
from reviews.matrix_reviews.services import matrix_review_sign_off
from reviews.models import AreaAttestation, MatrixReview

from .support import attest_all, client_for

pytestmark = pytest.mark.django_db


def record(review: MatrixReview) -> tuple:
    review.refresh_from_db()
    attestations = tuple(review.attestations.values_list("area_name", "attested_by", "comment"))
    items = tuple(review.items.values_list("key", "resolved", "resolution"))
    return review.due_on, review.owner_id, review.notes, review.signed_off_at, attestations, items


@pytest.fixture
def signed_off(mx, review):
    attest_all(review, mx)
    return review


def test_an_open_review_is_fixed_in_the_admin(mx, review):
    manager = client_for(mx["max"])
    url = reverse("admin:reviews_matrixreview_change", args=[review.pk])

    response = manager.post(url, admin_form_data(manager.get(url), owner=mx["vera"].pk))

    assert response.status_code == 302 and MatrixReview.objects.get(pk=review.pk).owner == mx["vera"]


def test_a_signed_off_review_cannot_be_changed_in_the_admin(mx, signed_off):
    manager = client_for(mx["max"])
    url = reverse("admin:reviews_matrixreview_change", args=[signed_off.pk])
    data = admin_form_data(manager.get(url), owner=mx["vera"].pk, due_on="2030-01-01")  # as it was, open
    matrix_review_sign_off(review=signed_off, user=mx["max"], notes="All confirmed.")
    before = record(signed_off)

    assert manager.post(url, data).status_code == 403

    assert record(signed_off) == before
    page = manager.get(url).content.decode()
    assert 'name="_save"' not in page and 'name="owner"' not in page and "deletelink" not in page


def test_a_signed_off_reviews_attestations_cannot_be_changed_in_the_admin(mx, signed_off):
    manager = client_for(mx["max"])
    attestation = AreaAttestation.objects.get(area__key="checkout")
    url = reverse("admin:reviews_areaattestation_change", args=[attestation.pk])
    matrix_review_sign_off(review=signed_off, user=mx["max"])

    assert manager.post(url, {"_save": "Save"}).status_code == 403


def test_not_even_a_superuser_deletes_a_signed_off_review(mx, signed_off, django_user_model):
    matrix_review_sign_off(review=signed_off, user=mx["max"])
    root = client_for(django_user_model.objects.create_superuser("root", "root@example.com", "x"))

    assert root.post(reverse("admin:reviews_matrixreview_delete", args=[signed_off.pk]),
                     {"post": "yes"}).status_code == 403
    bulk = root.post(reverse("admin:reviews_matrixreview_changelist"),
                     {"action": "delete_selected", "_selected_action": [signed_off.pk], "post": "yes"})
    assert bulk.status_code == 403
    assert MatrixReview.objects.filter(pk=signed_off.pk).exists() and signed_off.attestations.count() == 3


def test_the_review_page_refuses_every_change_to_a_signed_off_review(mx, signed_off):
    matrix_review_sign_off(review=signed_off, user=mx["max"], notes="All confirmed.")
    before = record(signed_off)
    item = signed_off.items.first()
    manager = client_for(mx["max"])
    posts = [
        (reverse("reviews:matrix_review_attest", args=[signed_off.pk, "checkout"]), {"comment": "Again"}),
        (reverse("reviews:matrix_review_withdraw", args=[signed_off.pk, "checkout"]), {}),
        (reverse("reviews:matrix_review_request_change", args=[signed_off.pk, "checkout"]), {"text": "Anything"}),
        (reverse("reviews:matrix_review_refresh", args=[signed_off.pk]), {}),
        (reverse("reviews:matrix_review_sign_off", args=[signed_off.pk]), {"notes": "Rewritten notes."}),
    ]
    if item is not None:
        posts.append((reverse("reviews:matrix_review_item", args=[signed_off.pk, item.pk]),
                      {"resolved": "on", "resolution": "Ticked late."}))

    for url, data in posts:
        response = manager.post(url, data, follow=True)
        assert response.status_code == 200, url
        if "sign-off" not in url:
            assert "it is read-only now" in response.content.decode(), url

    assert record(signed_off) == before
