"""The sweep: re-dispatches what a lost broker message left pending, and frees claims of dead workers."""

import datetime as dt

import pytest
from django.conf import settings

from escalation_matrix.models import Heartbeat
from notifications.delivery import DIED_ON_LAST_ATTEMPT, LOST_AFTER, STALE_CLAIM_AFTER, notifications_sweep
from notifications.models import Status
from notifications.tasks import deliver_notifications, sweep_notifications

from .factories import NotificationFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)


def test_pending_rows_past_due_are_re_dispatched(broker):
    lost = NotificationFactory(next_attempt_at=NOW - LOST_AFTER - dt.timedelta(seconds=1))

    result = notifications_sweep(now=NOW)

    assert broker.ids() == [lost.pk]
    assert result == {"freed": 0, "dead": 0, "lost": 1, "dispatched": 1}


def test_rows_whose_message_may_still_be_on_its_way_are_left_alone(broker):
    NotificationFactory(next_attempt_at=NOW - dt.timedelta(seconds=1))  # just filed: its task is in flight
    NotificationFactory(next_attempt_at=NOW + dt.timedelta(minutes=2))  # backing off
    for status in (Status.SENT, Status.DEAD, Status.SENDING):
        NotificationFactory(status=status, next_attempt_at=NOW - dt.timedelta(hours=1), claimed_at=NOW)

    notifications_sweep(now=NOW)

    assert broker.ids() == []


def test_a_re_dispatched_row_is_not_re_dispatched_by_the_next_sweep(broker):
    lost = NotificationFactory(next_attempt_at=NOW - dt.timedelta(hours=1))

    notifications_sweep(now=NOW)
    notifications_sweep(now=NOW + dt.timedelta(seconds=10))
    assert broker.ids() == [lost.pk]

    # Its message was lost too: a later sweep tries again.
    notifications_sweep(now=NOW + LOST_AFTER)
    assert broker.ids() == [lost.pk, lost.pk]


def test_oldest_lost_rows_go_first_and_a_sweep_is_bounded(broker):
    rows = [NotificationFactory(next_attempt_at=NOW - dt.timedelta(hours=1, minutes=m)) for m in range(3)]

    notifications_sweep(now=NOW, limit=2)

    assert broker.ids() == [rows[2].pk, rows[1].pk]


def beating(name: str, *, last: dt.datetime) -> str:
    Heartbeat.objects.create(name=name, kind="worker", beat_at=last)
    return name


def test_a_claim_whose_worker_stopped_beating_is_taken_back_within_seconds(broker):
    dead = beating("host:1:dead", last=NOW - dt.timedelta(seconds=11))
    orphan = NotificationFactory(status=Status.SENDING, attempts=1, claimed_by=dead,
                                 claimed_at=NOW - dt.timedelta(seconds=11))

    result = notifications_sweep(now=NOW)

    orphan.refresh_from_db()
    assert (orphan.status, orphan.claimed_at, orphan.claimed_by, orphan.attempts) == (Status.PENDING, None, "", 1)
    assert broker.ids() == [orphan.pk]
    assert result["freed"] == 1


def test_a_claim_of_a_live_worker_is_left_to_it_until_the_last_resort(broker):
    live = beating("host:2:live", last=NOW - dt.timedelta(seconds=1))
    slow = NotificationFactory(status=Status.SENDING, attempts=1, claimed_by=live,
                               claimed_at=NOW - STALE_CLAIM_AFTER + dt.timedelta(seconds=1))
    stuck = NotificationFactory(status=Status.SENDING, attempts=1, claimed_by=live,
                                claimed_at=NOW - STALE_CLAIM_AFTER - dt.timedelta(seconds=1))

    notifications_sweep(now=NOW)

    slow.refresh_from_db()
    stuck.refresh_from_db()
    assert slow.status == Status.SENDING  # its worker is alive: a second send would be a repeat
    assert stuck.status == Status.PENDING  # no send takes five minutes: that worker is stuck
    assert broker.ids() == [stuck.pk]


def test_a_claim_made_this_instant_is_not_taken_for_a_dead_workers(broker):
    """A claim a few seconds old whose process has no heartbeat row yet (another host's clock, a row not yet
    visible) is left alone until the dead-after window has passed."""
    fresh = NotificationFactory(status=Status.SENDING, attempts=1, claimed_by="host:3:unknown",
                                claimed_at=NOW - dt.timedelta(seconds=3))

    notifications_sweep(now=NOW)

    fresh.refresh_from_db()
    assert fresh.status == Status.SENDING and broker.ids() == []


def test_a_stale_claim_on_the_last_attempt_is_dead_lettered(broker):
    stale = NotificationFactory(
        status=Status.SENDING, attempts=getattr(settings, "NOTIFICATION_MAX_ATTEMPTS", 6),
        claimed_at=NOW - STALE_CLAIM_AFTER - dt.timedelta(seconds=1),
    )

    notifications_sweep(now=NOW)

    stale.refresh_from_db()
    assert (stale.status, stale.last_error) == (Status.DEAD, DIED_ON_LAST_ATTEMPT)
    assert broker.ids() == []


def test_the_tasks_are_thin_doors_to_delivery(broker, mailoutbox):
    lost = NotificationFactory(next_attempt_at=NOW - dt.timedelta(days=1))

    assert sweep_notifications.run()["dispatched"] == 1
    assert deliver_notifications.run([lost.pk]) == {lost.pk: "sent"}
    assert len(mailoutbox) == 1


def test_beat_runs_the_sweep_every_few_seconds_and_lets_old_ones_expire():
    entry = settings.CELERY_BEAT_SCHEDULE["notifications-sweep"]

    assert entry["task"] == sweep_notifications.name
    assert entry["schedule"] <= 30 and entry["options"]["expires"] <= entry["schedule"]
