"""The sweep fires its due timers as one batch — the same few queries for five timers or fifty — and
when the batch cannot be written it fires them one by one, so one bad timer never blocks the others.

Counts, not times: how fast a sweep is belongs to the benchmarks (``make bench``).
"""

import datetime as dt
import threading

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from incidents.models import Breach, Incident, TimelineKind, TimerKind, TimerState
from incidents.services import incident_acknowledge
from incidents.tests.factories import IncidentFactory, after, incident_matrix
from incidents.timers import timers_fire_due
from notifications.models import Notification

pytestmark = pytest.mark.django_db


def sweep_queries(now: dt.datetime) -> tuple[int, int]:
    """(timers fired, queries sent) of one sweep."""
    with CaptureQueriesContext(connection) as queries:
        fired = timers_fire_due(now=now)
    return fired, len(queries.captured_queries)


def test_a_sweep_costs_the_same_queries_for_few_or_many_due_timers():
    incident_matrix()
    for start, count in ((0, 1), (100, 2), (200, 10)):
        for n in range(count):
            IncidentFactory(now=after(start + n * 0.01))
    timers_fire_due(now=after(16))  # the first incident's timers: the matrix is read and kept

    timers_fire_due(now=after(101))  # step 1 of each
    few = sweep_queries(after(116))  # per incident: the warning, step 2 and the acknowledge breach
    timers_fire_due(now=after(201))
    many = sweep_queries(after(216))

    assert (few[0], many[0]) == (2 * 3, 10 * 3)
    assert many[1] == few[1]


def test_a_batch_that_cannot_be_written_fires_one_by_one_and_only_the_bad_timer_waits():
    incident_matrix()
    good, bad, other = (IncidentFactory(now=after(n * 0.01)) for n in range(3))
    broken = bad.timers.get(kind=TimerKind.ACKNOWLEDGE)
    # A breach already recorded for a timer still armed (a hand-made fix gone wrong): the batch's INSERT
    # of breaches fails on it, and so does this timer alone afterwards.
    Breach.objects.create(incident=bad, timer=broken, target=broken.kind, team_id=bad.team_id,
                          due_at=broken.due_at, breached_at=after(1))

    assert timers_fire_due(now=after(16)) == 3 * 4 - 1  # step 1, warning, step 2 and the breach; not bad's

    for incident in (good, other):
        assert incident.timers.filter(state=TimerState.ARMED, due_at__lte=after(16)).count() == 0
        assert incident.timeline.filter(kind=TimelineKind.BREACH).count() == 1
    broken.refresh_from_db()
    assert broken.state == TimerState.ARMED and broken.data["attempts"] == 1
    assert bad.timeline.filter(kind=TimelineKind.ESCALATED).count() == 2  # its other timers fired
    assert not bad.timeline.filter(kind=TimelineKind.BREACH).exists()


def test_what_a_sweep_wrote_goes_when_its_transaction_is_rolled_back():
    incident_matrix()
    incident = IncidentFactory()
    notifications = Notification.objects.count()

    with pytest.raises(RuntimeError), transaction.atomic():
        assert timers_fire_due(now=after(16)) == 4
        raise RuntimeError("the worker died before the commit")

    assert not incident.timers.filter(state=TimerState.FIRED).exists()
    assert Notification.objects.count() == notifications
    assert not Breach.objects.exists() and not Incident.objects.filter(breached=True).exists()
    assert timers_fire_due(now=after(16)) == 4  # all of it fires on the next tick


def test_each_effect_of_a_batch_is_written():
    mx = incident_matrix()
    incident = IncidentFactory()

    assert timers_fire_due(now=after(16)) == 4

    incident.refresh_from_db()
    assert incident.breached
    timer = incident.timers.get(kind=TimerKind.ACKNOWLEDGE)
    assert (timer.state, timer.fired_at) == (TimerState.FIRED, after(16))
    assert Breach.objects.get().timer == timer
    assert list(incident.timeline.filter(kind__in=[TimelineKind.ESCALATED, TimelineKind.WARNING,
                                                   TimelineKind.BREACH]).values_list("kind", flat=True)
                .order_by("kind")) == [TimelineKind.BREACH, TimelineKind.ESCALATED, TimelineKind.ESCALATED,
                                       TimelineKind.WARNING]
    told = Notification.objects.filter(dedupe_key__startswith="timer:").values_list("user__username", flat=True)
    assert sorted(told) == ["lena", "lena", "pat", "pat", "pat"]  # step 1, warning, step 2, breach (both)
    assert mx["pat"].notifications.count() == 4  # and the filing's


# --- with real row locks (PostgreSQL) ------------------------------------------------------------------

@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_the_batch_skips_only_the_incident_a_person_is_moving():
    mx = incident_matrix()
    held, free = IncidentFactory(), IncidentFactory(now=after(0.01))
    acknowledged, release = threading.Event(), threading.Event()
    errors = []

    def acknowledge_and_hold():
        try:
            with transaction.atomic():
                incident_acknowledge(incident=held.pk, user=mx["pat"], now=after(14))
                acknowledged.set()
                release.wait(10)
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    person = threading.Thread(target=acknowledge_and_hold)
    person.start()
    assert acknowledged.wait(10)
    fired = timers_fire_due(now=after(16))
    release.set()
    person.join(10)

    assert errors == []
    assert fired == 4  # the free incident's four; the held one's wait for the next tick
    assert not held.timers.filter(state=TimerState.FIRED, fired_at=after(16)).exists()
    assert free.timers.filter(state=TimerState.FIRED).count() == 4
    assert timers_fire_due(now=after(16)) == 0  # the acknowledge met the held one's target meanwhile
    held.refresh_from_db()
    assert not held.breached
