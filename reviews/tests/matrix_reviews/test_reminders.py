"""The review's reminders: 14, 7 and 1 days before it is due and daily once overdue, to its owner and every
area owner who still has an area to attest — once per person per day, however often the task runs.

The review opens on 6 January 2026 due Monday 6 April (``support``): its reminders fall on
23 March (14 days), 30 March (7 days), 5 April (1 day), and every day from 7 April.
"""

import datetime as dt

import pytest
import time_machine

from notifications.models import Notification
from reviews.matrix_reviews.reminders import reminder_kind
from reviews.matrix_reviews.services import matrix_review_attest, matrix_review_sign_off
from reviews.matrix_reviews.tasks import send_matrix_review_reminders

from .support import FIRST_DUE, attest_all

pytestmark = pytest.mark.django_db

EVERYONE = ["lena", "max", "nora", "pete"]  # the owner (Max) and the owners of Checkout and Search


def on(month: int, day: int, hour: int = 8) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, 5, tzinfo=dt.UTC)


def run_task_on(month: int, day: int, hour: int = 8) -> dict:
    with time_machine.travel(on(month, day, hour), tick=False):
        return send_matrix_review_reminders()


def reminded(kind: str) -> list[str]:
    """Usernames reminded with this kind (d14, d7, d1, overdue), sorted."""
    rows = Notification.objects.filter(payload__event=f"matrix_review_{kind}")
    return sorted(rows.values_list("user__username", flat=True))


def subjects_of(username: str) -> list[str]:
    rows = Notification.objects.filter(user__username=username, payload__event__startswith="matrix_review_")
    return list(rows.exclude(payload__event="matrix_review_opened").order_by("pk").values_list("subject", flat=True))


@pytest.mark.parametrize(("today", "kind"), [
    (dt.date(2026, 3, 22), None), (dt.date(2026, 3, 23), "d14"), (dt.date(2026, 3, 29), "d14"),
    (dt.date(2026, 3, 30), "d7"), (dt.date(2026, 4, 4), "d7"), (dt.date(2026, 4, 5), "d1"),
    (dt.date(2026, 4, 6), "d1"), (dt.date(2026, 4, 7), "overdue"), (dt.date(2026, 6, 1), "overdue"),
])
def test_the_reminder_due_on_each_day(today, kind):
    assert reminder_kind(FIRST_DUE, today) == kind


def test_nothing_is_sent_more_than_14_days_before(review):
    assert run_task_on(3, 22) == {}
    assert not Notification.objects.filter(payload__event__in=["matrix_review_d14", "matrix_review_d7"]).exists()


def test_14_days_before_the_owner_and_every_area_owner_are_reminded_once(mx, review):
    assert run_task_on(3, 23) == {"reminder_d14": 4}
    assert run_task_on(3, 23, hour=17) == {}  # the task again that day tells nobody twice
    run_task_on(3, 24)  # nor does the next day's run

    assert reminded("d14") == EVERYONE
    lena = Notification.objects.get(user=mx["lena"], payload__event="matrix_review_d14")
    assert lena.subject == "Quarterly matrix review due in 14 days (Mon 6 Apr 2026)"
    assert "- Checkout" in lena.body and "Search" not in lena.body
    assert f"/reviews/matrix-reviews/{review.pk}/#areas" in lena.body
    assert lena.payload["areas"] == ["Checkout"]


def test_a_missed_14_day_reminder_is_caught_up_by_the_next_run(review):
    assert run_task_on(3, 25) == {"reminder_d14": 4}

    assert Notification.objects.filter(payload__event="matrix_review_d14").first().subject.startswith(
        "Quarterly matrix review due in 12 days")


def test_7_days_and_1_day_before_everyone_is_reminded_again(review):
    run_task_on(3, 23)
    assert run_task_on(3, 30) == {"reminder_d7": 4}
    run_task_on(3, 31)
    assert run_task_on(4, 5) == {"reminder_d1": 4}
    assert run_task_on(4, 6) == {}  # the due day itself: the one-day reminder was sent yesterday

    assert reminded("d7") == reminded("d1") == EVERYONE
    assert subjects_of("pete") == [
        "Quarterly matrix review due in 14 days (Mon 6 Apr 2026)",
        "Quarterly matrix review due in 7 days (Mon 6 Apr 2026)",
        "Quarterly matrix review due tomorrow (Mon 6 Apr 2026)",
    ]


def test_once_overdue_everyone_is_reminded_every_day_once(review):
    for day in (7, 8, 9):
        run_task_on(4, day)
        run_task_on(4, day, hour=20)

    overdue = Notification.objects.filter(payload__event="matrix_review_overdue")
    assert overdue.count() == 3 * 4
    assert reminded("overdue") == sorted(EVERYONE * 3)
    assert set(overdue.values_list("subject", flat=True)) == {
        "Quarterly matrix review overdue (was due Mon 6 Apr 2026)"}


def test_owners_whose_areas_are_all_attested_are_still_reminded_and_told_they_are_done(mx, review):
    matrix_review_attest(review=review, area="search", user=mx["pete"])

    run_task_on(3, 30)

    assert reminded("d7") == EVERYONE  # every area owner, as the issue asks: Pete attested Search, his only area
    pete = Notification.objects.get(payload__event="matrix_review_d7", user=mx["pete"])
    assert pete.payload["areas"] == [] and "Your areas are attested" in pete.body
    nora = Notification.objects.get(payload__event="matrix_review_d7", user=mx["nora"])
    assert "Your areas are attested" not in nora.body and "- Checkout" in nora.body


def test_the_owner_is_reminded_until_sign_off_even_when_every_area_is_attested(mx, review):
    attest_all(review, mx)

    run_task_on(4, 5)

    assert reminded("d1") == EVERYONE
    assert "You run this review" in Notification.objects.get(payload__event="matrix_review_d1", user=mx["max"]).body


def test_on_call_responders_and_managers_who_own_nothing_are_not_reminded(mx, review):
    run_task_on(3, 23)

    told = reminded("d14")
    assert "pat" not in told  # on Checkout's roster, as its on-call responder: not an owner
    assert "vera" not in told  # a manager, but neither the review's owner nor an area's


def test_a_person_owning_several_areas_gets_one_message_listing_them(mx, review):
    mx["pete"].memberships.create(team=mx["payments"], role="manager")

    run_task_on(3, 23)

    pete = Notification.objects.filter(user=mx["pete"], payload__event="matrix_review_d14")
    assert pete.count() == 1
    assert pete.get().payload["areas"] == ["Checkout", "Search"]


def test_no_reminder_after_sign_off(mx, review):
    attest_all(review, mx)
    matrix_review_sign_off(review=review, user=mx["vera"], now=on(3, 20))

    for day in (23, 30):
        run_task_on(3, day)
    run_task_on(4, 7)

    assert not Notification.objects.filter(payload__matrix_review=review.pk,
                                            payload__event__in=["matrix_review_d14", "matrix_review_d7",
                                                                "matrix_review_overdue"]).exists()


def test_a_person_without_an_email_address_is_skipped(mx, review):
    mx["pete"].email = ""
    mx["pete"].save()

    assert run_task_on(3, 23) == {"reminder_d14": 3}
    assert "pete" not in reminded("d14")
