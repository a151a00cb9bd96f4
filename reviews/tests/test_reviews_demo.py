"""The demo's post-incident reviews (``reviews.demo``): written and published in the past through the services,
their action items' days counted in the project's time zone."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from incidents.tests.factories import MONDAY
from reviews.demo import load_reviews
from reviews.models import ActionItem, ActionItemStatus, PostIncidentReview

pytestmark = pytest.mark.django_db

NOW = MONDAY + dt.timedelta(days=90)
KIRITIMATI = ZoneInfo("Pacific/Kiritimati")  # UTC+14: most UTC times fall on another day there


@pytest.fixture
def demo_reviews(mx, resolve):
    """Eight demo incidents resolved long ago, each with its review still a draft."""
    for number in range(1, 9):
        resolve(responder=mx["pat"], filed_at=MONDAY + dt.timedelta(hours=7 * number), submission_key=f"demo:{number}")
    return PostIncidentReview.objects.all()


def test_demo_action_items_are_due_and_done_on_days_of_the_projects_time_zone(demo_reviews):
    with timezone.override(KIRITIMATI):
        load_reviews(now=NOW)

    published = demo_reviews.filter(published_at__isnull=False)
    done = ActionItem.objects.filter(review__in=published, status=ActionItemStatus.DONE)
    assert published.exists() and done.exists()
    for item in ActionItem.objects.filter(review__in=published).select_related("review"):
        written = item.review.published_at
        assert item.due_on >= timezone.localdate(written, KIRITIMATI) + dt.timedelta(days=10)
    for item in done:
        finished = timezone.localtime(item.finished_at, KIRITIMATI)
        assert (finished.date(), finished.hour) == (item.due_on, 15)  # 15:00 on its due day, there
