"""The demo's matrix reviews: last quarter's signed off, this quarter's open with a few attestations; loaded
again, nothing changes. (Built on the matrix's demo organisation alone: the incidents' 90 days are not
needed to show a review, and take far longer to load.)"""

import datetime as dt

import pytest
from django.utils import timezone

from matrix.demo import load_demo
from matrix.hooks import demo_extensions
from matrix.models import ProductArea
from notifications.models import Notification
from reviews.matrix_reviews.demo import load_matrix_reviews
from reviews.models import AreaAttestation, MatrixReview, MatrixReviewItemKind

pytestmark = pytest.mark.django_db


def test_loaddemo_runs_the_matrix_reviews_demo():
    assert load_matrix_reviews in demo_extensions()


def test_the_demo_has_a_signed_off_review_and_an_open_one_inside_the_reminder_window():
    load_demo()
    told_before = Notification.objects.count()

    summary = load_matrix_reviews()

    last, current = MatrixReview.objects.order_by("period_start")
    areas = ProductArea.objects.count()
    assert last.signed_off_by.username == "manager" and last.attestations.count() == areas
    assert not last.items.filter(resolved=False).exists()
    assert current.previous == last and current.signed_off_at is None and current.period_start == last.signed_off_at
    assert current.due_on - timezone.localdate() == dt.timedelta(days=11)
    assert set(current.attestations.values_list("area__key", flat=True)) == {
        "checkout", "payments", "mobile-app", "data-exports"}
    assert current.items.filter(kind=MatrixReviewItemKind.AREA_NO_OWNER, subject_key="legacy-onboarding").exists()
    assert current.items.filter(kind=MatrixReviewItemKind.CHANGE_NEEDED, raised_by__username="sarah.kim").exists()
    assert summary == (f"Matrix reviews: last quarter's signed off; this quarter's due {current.due_on:%d %b %Y}, "
                       f"4 of {areas} areas attested.")
    assert Notification.objects.count() == told_before  # history, not news


def test_loading_the_demo_again_changes_nothing():
    load_demo()
    load_matrix_reviews()
    counts = (MatrixReview.objects.count(), AreaAttestation.objects.count())

    assert load_matrix_reviews() == "Matrix reviews: already loaded."
    assert (MatrixReview.objects.count(), AreaAttestation.objects.count()) == counts
