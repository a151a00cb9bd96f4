"""When quarterly matrix reviews open: the first a quarter after the first deploy, each next one a quarter
after the last sign-off — once, however often the daily task runs or a manager clicks "sign off"."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from notifications.models import Notification
from reviews.matrix_reviews.services import (
    ReviewInputError,
    matrix_review_attest,
    matrix_review_open,
    matrix_review_sign_off,
)
from reviews.matrix_reviews.tasks import send_matrix_review_reminders
from reviews.models import MatrixReview, MatrixReviewStatus

from .support import FIRST_DUE, START, attest_all, open_review, told

pytestmark = pytest.mark.django_db


def run_task_on(when: dt.datetime) -> dict:
    with time_machine.travel(when, tick=False):
        return send_matrix_review_reminders()


def test_the_daily_task_opens_the_first_review_a_quarter_after_the_first_deploy(mx):
    assert run_task_on(START + dt.timedelta(days=3)) == {"opened": 1}

    review = MatrixReview.objects.get()
    assert review.period_start == START  # the matrix's first recorded change
    assert review.due_on == FIRST_DUE == START.date() + dt.timedelta(days=settings.MATRIX_REVIEW_INTERVAL_DAYS)
    assert review.owner == mx["max"]  # the first manager
    assert review.previous is None and review.items.exists()  # its checklist is drawn when it opens
    assert told("matrix_review_opened") == ["max"]


def test_the_daily_task_opens_no_second_review_while_one_is_open(mx):
    run_task_on(START + dt.timedelta(days=3))
    result = run_task_on(START + dt.timedelta(days=4))
    run_task_on(START + dt.timedelta(days=4, hours=6))

    assert "opened" not in result
    assert MatrixReview.objects.count() == 1
    assert told("matrix_review_opened") == ["max"]


def test_on_an_old_matrix_the_first_review_still_gives_two_weeks_notice(mx):
    a_year_later = START + dt.timedelta(days=365)

    review = matrix_review_open(now=a_year_later)

    assert review.period_start == START
    assert review.due_on == a_year_later.date() + dt.timedelta(days=14)  # not "overdue since October"


def test_the_review_owner_can_be_set_by_username(mx, settings):
    settings.MATRIX_REVIEW_OWNER = "vera"

    assert open_review().owner == mx["vera"]


def test_the_database_refuses_a_second_open_review(mx):
    review = open_review()

    with pytest.raises(IntegrityError), transaction.atomic():
        MatrixReview.objects.create(period_start=START, due_on=review.due_on)


# --- sign-off -------------------------------------------------------------------------------------

def test_sign_off_records_who_and_when_and_opens_the_next_review_a_quarter_later(mx):
    review = open_review()
    attest_all(review, mx)
    signed_at = dt.datetime(2026, 4, 2, 15, 30, tzinfo=dt.UTC)

    matrix_review_sign_off(review=review, user=mx["vera"], notes="Onboarding stays with triage.", now=signed_at)

    review.refresh_from_db()
    assert (review.signed_off_at, review.signed_off_by, review.notes) == (signed_at, mx["vera"],
                                                                          "Onboarding stays with triage.")
    assert review.status_on(dt.date(2026, 4, 10)) == MatrixReviewStatus.SIGNED_OFF
    following = MatrixReview.objects.get(signed_off_at__isnull=True)
    assert following.previous == review
    assert following.period_start == signed_at  # its evidence starts where this review's ends
    assert following.due_on == dt.date(2026, 7, 2)  # 91 days after the sign-off
    assert following.owner == mx["max"]  # the same owner runs the next one
    assert following.items.exists()
    assert told("matrix_review_opened") == ["max", "max"]


def test_the_owner_and_every_area_owner_are_told_of_the_sign_off_once(mx):
    review = open_review()
    attest_all(review, mx)
    mx["pat"].email = ""  # a person without an address is skipped, never fatal
    mx["pat"].save()

    matrix_review_sign_off(review=review, user=mx["vera"], notes="Fine.", now=START + dt.timedelta(days=80))
    matrix_review_sign_off(review=review, user=mx["vera"], now=START + dt.timedelta(days=80, seconds=1))

    assert sorted(told("matrix_review_signed_off")) == ["lena", "max", "nora", "pete"]


def test_the_sign_off_message_names_the_day_in_the_projects_time_zone(mx):
    review = open_review()
    attest_all(review, mx)

    with timezone.override(ZoneInfo("Pacific/Auckland")):  # 2 April 23:30 UTC is 3 April 12:30 there
        matrix_review_sign_off(review=review, user=mx["vera"], now=dt.datetime(2026, 4, 2, 23, 30, tzinfo=dt.UTC))

    message = Notification.objects.filter(payload__event="matrix_review_signed_off").first()
    assert "signed off the quarterly matrix review on Fri 3 Apr 2026." in message.body


def test_signing_off_twice_opens_one_next_review(mx):
    review = open_review()
    attest_all(review, mx)

    matrix_review_sign_off(review=review, user=mx["vera"], now=START + dt.timedelta(days=80))
    again = matrix_review_sign_off(review=review, user=mx["max"], now=START + dt.timedelta(days=80, seconds=2))

    assert again.signed_off_by == mx["vera"]  # the first sign-off stands
    assert MatrixReview.objects.count() == 2
    assert MatrixReview.objects.filter(signed_off_at__isnull=True).count() == 1


def test_sign_off_is_refused_while_areas_are_unattested_and_nothing_changes(mx):
    review = open_review()
    matrix_review_attest(review=review, area="checkout", user=mx["nora"])

    with pytest.raises(ReviewInputError) as refused:
        matrix_review_sign_off(review=review, user=mx["vera"])

    assert refused.value.errors["areas"] == [
        "Not signed off: 2 areas still to attest (Onboarding, Search). Their owners attest them here, "
        "or a manager does for an owner who cannot."
    ]
    review.refresh_from_db()
    assert review.signed_off_at is None and MatrixReview.objects.count() == 1


@pytest.mark.parametrize("who", ["lena", "pete", "sam", "agent"])
def test_only_managers_sign_off(mx, who):
    review = open_review()
    attest_all(review, mx)

    with pytest.raises(PermissionDenied):
        matrix_review_sign_off(review=review, user=mx[who])

    assert MatrixReview.objects.get().signed_off_at is None


def test_after_a_sign_off_the_daily_task_keeps_the_next_review(mx):
    review = open_review()
    attest_all(review, mx)
    matrix_review_sign_off(review=review, user=mx["vera"], now=START + dt.timedelta(days=80))

    assert "opened" not in run_task_on(START + dt.timedelta(days=81))
    assert MatrixReview.objects.count() == 2


def test_a_checklist_that_cannot_be_drawn_does_not_silence_the_reminders(mx, monkeypatch):
    open_review()

    def broken(**kwargs):
        raise RuntimeError("lint crashed")

    monkeypatch.setattr("reviews.matrix_reviews.services.draw_checklist", broken)

    assert run_task_on(dt.datetime(2026, 3, 23, 8, tzinfo=dt.UTC)) == {"checklist_failed": 1, "reminder_d14": 4}


def broken_checklist(monkeypatch) -> None:
    def broken(**kwargs):
        raise RuntimeError("lint crashed")

    monkeypatch.setattr("reviews.matrix_reviews.services.draw_checklist", broken)


def test_a_checklist_that_cannot_be_drawn_does_not_stop_the_review_opening(mx, monkeypatch):
    broken_checklist(monkeypatch)

    assert run_task_on(START + dt.timedelta(days=3)) == {"opened": 1, "checklist_failed": 1}

    review = MatrixReview.objects.get()
    assert review.checklist_drawn_at is None and not review.items.exists()
    assert told("matrix_review_opened") == ["max"]
    assert run_task_on(dt.datetime(2026, 3, 23, 8, tzinfo=dt.UTC)) == {"checklist_failed": 1, "reminder_d14": 4}
    monkeypatch.undo()
    assert run_task_on(dt.datetime(2026, 3, 24, 8, tzinfo=dt.UTC)) == {}  # drawn again, nothing left to send
    assert MatrixReview.objects.get().items.exists()


def test_a_checklist_that_cannot_be_drawn_does_not_stop_a_sign_off(mx, monkeypatch):
    review = open_review()
    attest_all(review, mx)
    broken_checklist(monkeypatch)

    matrix_review_sign_off(review=review, user=mx["vera"], now=START + dt.timedelta(days=80))

    following = MatrixReview.objects.get(signed_off_at__isnull=True)
    assert following.previous == review and following.checklist_drawn_at is None
    assert told("matrix_review_signed_off")


def test_the_beat_schedule_runs_the_task_daily():
    entry = settings.CELERY_BEAT_SCHEDULE["matrix-review-reminders"]

    assert entry["task"] == send_matrix_review_reminders.name == "reviews.send_matrix_review_reminders"
