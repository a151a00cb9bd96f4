"""The daily reminder task: reviews remind their lead two days before the due day, on it, and daily once
overdue, until published; action items remind their owner on the due day and daily once overdue."""

import datetime as dt

import pytest
import time_machine

from notifications.models import Notification
from reviews.models import ActionItemStatus, PostIncidentReview
from reviews.reminders import reminder_kind
from reviews.services import action_item_add, action_item_set_status, review_publish, review_save
from reviews.tasks import send_review_reminders

pytestmark = pytest.mark.django_db


def on(day: int, hour: int = 8) -> dt.datetime:
    """A morning of March 2026 (UTC, the project's time zone in tests)."""
    return dt.datetime(2026, 3, day, hour, 0, tzinfo=dt.UTC)


def run_task_on(day: int, hour: int = 8) -> dict:
    with time_machine.travel(on(day, hour), tick=False):
        return send_review_reminders()


def reminders(user) -> list[str]:
    return list(
        Notification.objects.filter(user=user, payload__event__in=[
            "review_soon", "review_due", "review_overdue", "action_item_due", "action_item_overdue"])
        .order_by("pk").values_list("subject", flat=True)
    )


@pytest.fixture
def review(mx, resolve):
    resolve(responder=mx["pat"])  # resolved Monday 2 March: due Monday 9 March, led by Lena
    return PostIncidentReview.objects.get()


def test_nothing_is_sent_more_than_two_days_before_the_due_day(mx, review):
    assert run_task_on(6) == {}  # Friday 6: three days before
    assert reminders(mx["lena"]) == []


def test_two_days_before_the_due_day_the_lead_is_reminded_once(mx, review):
    assert run_task_on(7) == {"review_soon": 1}  # Saturday 7
    run_task_on(7, hour=20)  # the task again that day
    run_task_on(8)  # and the day before: the early reminder is sent once

    assert reminders(mx["lena"]) == [f"Review due in 2 days: SEV1 #{review.incident_id} {review.incident.title}"]


def test_a_missed_run_two_days_before_is_caught_up_the_day_before(mx, review):
    assert run_task_on(8) == {"review_soon": 1}

    assert reminders(mx["lena"])[0].startswith("Review due in 1 days")


def test_on_the_due_day_the_lead_is_reminded(mx, review):
    run_task_on(7)

    assert run_task_on(9) == {"review_due": 1}
    assert reminders(mx["lena"])[-1].startswith("Review due today")
    body = Notification.objects.get(payload__event="review_due").body
    assert "is due today" in body and f"/reviews/{review.pk}/" in body


def test_once_overdue_the_lead_is_reminded_every_day(mx, review):
    for day in (10, 11, 12):
        run_task_on(day)
        run_task_on(day, hour=18)  # twice a day still tells once a day

    overdue = Notification.objects.filter(payload__event="review_overdue", user=mx["lena"])
    assert overdue.count() == 3
    assert all(s.startswith("Review overdue") for s in overdue.values_list("subject", flat=True))
    assert "was due Mon 9 Mar 2026 and is not published yet" in overdue.first().body


def test_a_moved_due_day_is_reminded_afresh(mx, review):
    assert run_task_on(7) == {"review_soon": 1}
    PostIncidentReview.objects.filter(pk=review.pk).update(due_on=dt.date(2026, 3, 12))  # moved in the admin

    assert run_task_on(10) == {"review_soon": 1}  # the reminder of the new due day, not a duplicate of the old
    assert run_task_on(11) == {}


@pytest.mark.parametrize(("days_left", "soon_days", "kind"), [
    (8, 7, None), (7, 7, "soon"), (3, 7, "soon"), (1, 7, "soon"), (0, 7, "due"), (-1, 7, "overdue"),
    (1, 0, None), (0, 0, "due"), (-5, 0, "overdue"),
])
def test_every_reminder_follows_one_rule_with_a_window_before_the_due_day(days_left, soon_days, kind):
    today = dt.date(2026, 3, 9)

    assert reminder_kind(today + dt.timedelta(days=days_left), today, soon_days=soon_days) == kind


def test_no_reminder_once_published(mx, review):
    review_save(review=review, user=mx["lena"], sections={"summary": "Card payments failed for an hour."},
                routed_right=True, tier_right=True)
    review_publish(review=review, user=mx["lena"], now=on(5))

    for day in (7, 9, 10, 11):
        assert run_task_on(day) == {}
    assert reminders(mx["lena"]) == []


# --- action items -----------------------------------------------------------------------------------

@pytest.fixture
def item(mx, review):
    return action_item_add(review=review, user=mx["lena"], title="Add a canary to payment deploys",
                           owner=mx["pat"], due_on=dt.date(2026, 3, 20), now=on(3))


def test_an_action_item_is_not_reminded_before_its_due_day(mx, item):
    run_task_on(19)

    assert reminders(mx["pat"]) == []


def test_an_action_item_reminds_its_owner_on_the_due_day(mx, item):
    assert run_task_on(20)["action_item_due"] == 1  # (the review itself is overdue too by then)
    run_task_on(20, hour=18)

    assert reminders(mx["pat"]) == ["Action item due today: Add a canary to payment deploys"]


def test_an_overdue_action_item_reminds_its_owner_every_day(mx, item):
    for day in (20, 21, 22, 23):
        run_task_on(day)

    assert reminders(mx["pat"]) == ["Action item due today: Add a canary to payment deploys"] + [
        "Action item overdue: Add a canary to payment deploys"] * 3


def test_a_finished_action_item_is_not_reminded(mx, item):
    action_item_set_status(item=item, user=mx["pat"], status=ActionItemStatus.IN_PROGRESS)
    run_task_on(21)
    action_item_set_status(item=item, user=mx["pat"], status=ActionItemStatus.DONE)
    run_task_on(22)
    run_task_on(23)

    assert reminders(mx["pat"]) == ["Action item overdue: Add a canary to payment deploys"]  # only while in progress
