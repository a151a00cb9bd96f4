"""The daily training reminders: once in the week before the due day (caught up when a day's run is missed), on
it, and every day once overdue; the same for a refresher; one message per person per day listing all of theirs;
nothing for the done, the retired, the gone."""

import datetime as dt

import pytest
import time_machine

from notifications.models import Notification
from reviews.tasks import send_training_reminders
from reviews.training.services import training_assign, training_complete

from .factories import TrainingModuleFactory

pytestmark = pytest.mark.django_db

ASSIGNED = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)


def on(day: int, month: int = 3) -> dt.datetime:
    """A morning of 2026 (UTC, the project's time zone in tests)."""
    return dt.datetime(2026, month, day, 8, 10, tzinfo=dt.UTC)


def run_task_on(day: int, month: int = 3) -> dict:
    with time_machine.travel(on(day, month), tick=False):
        return send_training_reminders()


def reminders(user) -> list[Notification]:
    return list(Notification.objects.filter(user=user, payload__event="training_reminder").order_by("pk"))


@pytest.fixture
def filing(mx):
    """"Filing well", assigned to Pat on 2 March, due 20 March."""
    module = TrainingModuleFactory(key="filing", title="Filing well")
    training_assign(module=module, assigned_by=mx["max"], users=[mx["pat"]], due_on=dt.date(2026, 3, 20),
                    now=ASSIGNED)
    return module


def test_nothing_is_sent_before_the_week_before_the_due_day(mx, filing):
    assert run_task_on(12) == {}
    assert reminders(mx["pat"]) == []


def test_a_week_before_the_due_day_the_person_is_reminded_once(mx, filing):
    assert run_task_on(13) == {"people": 1, "soon": 1}
    assert run_task_on(13) == {}  # the task run twice that day tells nobody twice

    [reminder] = reminders(mx["pat"])
    assert reminder.subject == "Training reminder: 1 module"
    assert "- Filing well: due Fri 20 Mar 2026" in reminder.body
    assert "/reviews/training/modules/filing/" in reminder.body
    assert run_task_on(14) == {}  # and not again on the days in between


def test_a_missed_week_before_reminder_is_caught_up_once(mx, filing):
    assert run_task_on(15) == {"people": 1, "soon": 1}  # the runs of 13 and 14 March did not happen
    assert run_task_on(16) == {}
    assert run_task_on(19) == {}

    assert "- Filing well: due Fri 20 Mar 2026" in reminders(mx["pat"])[0].body
    assert run_task_on(20) == {"people": 1, "due": 1}


def test_the_refreshers_early_reminder_is_sent_again_for_its_own_day(mx):
    module = TrainingModuleFactory(key="war-room", title="Running a war room", refresher_months=6)
    training_assign(module=module, assigned_by=mx["max"], users=[mx["pat"]], due_on=dt.date(2026, 3, 20),
                    now=ASSIGNED)
    assert run_task_on(14) == {"people": 1, "soon": 1}
    training_complete(module=module, user=mx["pat"], now=on(16))  # refresher due 16 September

    assert run_task_on(12, 9) == {"people": 1, "refresher_soon": 1}
    assert run_task_on(13, 9) == {}


def test_on_the_due_day_and_every_day_after_until_completed(mx, filing):
    assert run_task_on(20) == {"people": 1, "due": 1}
    assert run_task_on(21) == {"people": 1, "overdue": 1}
    assert run_task_on(22) == {"people": 1, "overdue": 1}
    assert reminders(mx["pat"])[-1].subject == "Training overdue: 1 module"
    assert "overdue since Fri 20 Mar 2026" in reminders(mx["pat"])[-1].body

    training_complete(module=filing, user=mx["pat"], now=on(22) + dt.timedelta(hours=2))
    assert run_task_on(23) == {}


def test_one_message_a_day_lists_everything_of_a_persons(mx, filing):
    review = TrainingModuleFactory(key="review", title="Writing a review")
    training_assign(module=review, assigned_by=mx["max"], users=[mx["pat"]], due_on=dt.date(2026, 3, 27),
                    now=ASSIGNED)

    assert run_task_on(20) == {"people": 1, "due": 1, "soon": 1}

    [reminder] = reminders(mx["pat"])
    assert "Filing well: due today" in reminder.body and "Writing a review: due Fri 27 Mar 2026" in reminder.body


def test_a_refresher_is_reminded_like_a_due_day(mx):
    module = TrainingModuleFactory(key="war-room", title="Running a war room", refresher_months=6)
    training_assign(module=module, assigned_by=mx["max"], users=[mx["pat"]], due_on=dt.date(2026, 3, 20),
                    now=ASSIGNED)
    training_complete(module=module, user=mx["pat"], now=ASSIGNED)  # refresher due 2 September

    assert run_task_on(26, 8) == {"people": 1, "refresher_soon": 1}
    assert run_task_on(2, 9) == {"people": 1, "refresher_due": 1}
    assert run_task_on(3, 9) == {"people": 1, "refresher_overdue": 1}
    assert "refresher overdue since Wed 2 Sep 2026" in reminders(mx["pat"])[-1].body


def test_retired_modules_and_inactive_people_are_not_reminded(mx, filing):
    other = TrainingModuleFactory(key="other", title="Other")
    training_assign(module=other, assigned_by=mx["max"], users=[mx["quinn"]], due_on=dt.date(2026, 3, 20),
                    now=ASSIGNED)
    filing.active = False
    filing.save()
    mx["quinn"].is_active = False
    mx["quinn"].save()

    assert run_task_on(21) == {}
