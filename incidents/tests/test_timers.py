"""The sweep: what fires when, what each timer does, once only, and never under a person's move."""

import datetime as dt
import threading

import pytest
from django.db import connection, transaction

from incidents import firing
from incidents.models import Breach, Incident, Status, TimelineKind, Timer, TimerKind, TimerState
from incidents.services import incident_acknowledge, incident_pause, incident_resume
from incidents.tasks import timers_tick
from incidents.tests.factories import IncidentFactory, after, incident_matrix
from incidents.timers import timers_fire_due
from matrix import models as m
from matrix.tests import factories as mf
from notifications.models import Notification

pytestmark = pytest.mark.django_db


def past(minutes: float) -> dt.datetime:
    """A second after ``after(minutes)``: a timer fires once its due time has passed (on the second is on time)."""
    return after(minutes) + dt.timedelta(seconds=1)


def told(timer: Timer) -> list[str]:
    return sorted(n.user.username for n in Notification.objects.filter(dedupe_key__startswith=f"timer:{timer.pk}:"))


@pytest.fixture
def incident(mx):
    return IncidentFactory()  # SEV2: acknowledge 15 min (warning 11.25), steps at +0 (on-call) and +10 (lead)


def test_only_timers_that_are_due_fire(incident):
    assert timers_fire_due(now=after(0)) == 0  # escalation step 1 is due at filing: fired once that has passed
    assert timers_fire_due(now=past(0)) == 1

    fired = incident.timers.filter(state=TimerState.FIRED)
    assert [(t.kind, t.step, t.fired_at) for t in fired] == [(TimerKind.ESCALATION, 1, past(0))]
    assert incident.timers.filter(state=TimerState.ARMED).count() == 7


def test_a_timer_fires_once_however_often_the_sweep_runs(incident):
    assert timers_fire_due(now=after(12)) == 3  # step 1, the acknowledge warning, step 2
    notifications = Notification.objects.count()

    assert timers_fire_due(now=after(12)) == 0
    assert Notification.objects.count() == notifications
    assert incident.timeline.filter(kind=TimelineKind.ESCALATED).count() == 2


def test_an_escalation_step_notifies_who_is_on_call_when_it_fires_not_at_filing(mx, incident):
    rotation = m.Rotation.objects.get(team=mx["payments"])
    mf.RotationOverrideFactory(rotation=rotation, user=mx["quinn"], starts_at=after(-1), ends_at=after(60))

    timers_fire_due(now=past(0))

    step = incident.timers.get(kind=TimerKind.ESCALATION, step=1)
    assert told(step) == ["quinn"]
    assert incident.timeline.get(kind=TimelineKind.ESCALATED).text == "Escalated: step 1 notified Quinn Ray (on-call)."


def test_a_running_escalation_keeps_the_policy_it_was_filed_under(mx, incident):
    step_two = mx["default_policy"].steps.get(position=2)
    step_two.delay_minutes, step_two.notify_team_lead, step_two.notify_executives = 1, False, True
    step_two.save()
    mf.StepFactory(policy=mx["default_policy"], position=3, delay_minutes=2, notify_executives=True)

    timers_fire_due(now=after(5))
    assert not incident.timers.filter(kind=TimerKind.ESCALATION, step=2, state=TimerState.FIRED).exists()
    timers_fire_due(now=past(10))

    step = incident.timers.get(kind=TimerKind.ESCALATION, step=2)
    assert step.state == TimerState.FIRED and told(step) == ["lena"]
    assert not incident.timers.filter(kind=TimerKind.ESCALATION, step=3).exists()


def test_a_missed_target_is_a_breach_told_to_the_lead_and_the_on_call_person(mx, incident):
    timers_fire_due(now=past(15))

    timer = incident.timers.get(kind=TimerKind.ACKNOWLEDGE)
    breach = Breach.objects.get(timer=timer)
    assert (breach.target, breach.team, breach.due_at, breach.breached_at) == (
        TimerKind.ACKNOWLEDGE, mx["payments"], after(15), past(15))
    incident.refresh_from_db()
    assert incident.breached
    assert told(timer) == ["lena", "pat"]
    sent = Notification.objects.filter(dedupe_key__startswith=f"timer:{timer.pk}:")
    subjects = set(sent.values_list("subject", flat=True))
    assert subjects == {f"SEV2 #{incident.pk} missed its acknowledge target"}
    assert incident.timeline.get(kind=TimelineKind.BREACH).text == (
        "Missed its acknowledge target (due 11:15 CET). Told Pat Ng (on-call), Lena Lead (team lead).")


def test_a_warning_fires_at_75_percent_of_the_target_and_tells_the_on_call_person(incident):
    timers_fire_due(now=past(11.25))

    warning = incident.timers.get(kind=TimerKind.ACKNOWLEDGE_WARNING)
    assert warning.state == TimerState.FIRED and told(warning) == ["pat"]
    assert incident.timeline.get(kind=TimelineKind.WARNING).text == (
        "75% of the acknowledge target has passed; due at 11:15 CET. Told Pat Ng (on-call).")


def test_a_timer_the_incident_has_moved_past_is_cancelled_not_fired(incident):
    Incident.objects.filter(pk=incident.pk).update(status=Status.ACKNOWLEDGED)  # as if a move forgot its timers

    assert timers_fire_due(now=past(0)) == 0
    assert incident.timers.get(kind=TimerKind.ESCALATION, step=1).state == TimerState.CANCELLED
    assert not Notification.objects.filter(dedupe_key__startswith="timer:").exists()


def test_a_failing_effect_is_retried_then_given_up_and_never_blocks_the_others(incident, monkeypatch):
    def broken(timer, incident, context):
        raise RuntimeError("boom")

    monkeypatch.setitem(firing.EFFECTS, TimerKind.ESCALATION, broken)

    assert timers_fire_due(now=after(12)) == 1  # the warning fires; both steps fail
    step = incident.timers.get(kind=TimerKind.ESCALATION, step=1)
    assert step.state == TimerState.ARMED and step.data["attempts"] == 1
    assert not incident.timeline.filter(kind=TimelineKind.ESCALATED).exists()
    timers_fire_due(now=after(12))
    timers_fire_due(now=after(12))

    step.refresh_from_db()
    assert step.state == TimerState.FIRED and step.data["attempts"] == 3
    assert timers_fire_due(now=after(12)) == 0


def test_the_sweep_fires_at_most_its_limit_oldest_first(mx):
    first, second = IncidentFactory(now=after(0)), IncidentFactory(now=after(1))

    assert timers_fire_due(now=after(2), limit=1) == 1
    assert first.timers.filter(state=TimerState.FIRED).count() == 1
    assert not second.timers.filter(state=TimerState.FIRED).exists()


def test_a_pause_over_the_weekend_moves_a_business_hours_deadline_by_working_time_only(mx):
    # SEV4 (240 min) on payments' calendar, 09:00–17:00 Berlin. Filed Friday 15:00 Berlin: 2 h on Friday,
    # 2 h on Monday → acknowledge by Monday 11:00 Berlin (10:00 UTC).
    friday = dt.datetime(2026, 3, 6, 14, 0, tzinfo=dt.UTC)
    incident = IncidentFactory(impact="minor", urgency="low", now=friday)
    assert incident.acknowledge_by == dt.datetime(2026, 3, 9, 10, 0, tzinfo=dt.UTC)

    # Paused Friday 16:00 Berlin with 3 working hours left, resumed on Saturday: the clock stood still for
    # one working hour (Friday 16:00–17:00), not for the 23 hours of the pause.
    incident_pause(incident=incident, user=mx["pat"], reason="waiting_on_customer", now=friday + dt.timedelta(hours=1))
    incident = incident_resume(incident=incident, user=mx["pat"], now=friday + dt.timedelta(days=1))

    assert incident.acknowledge_by == dt.datetime(2026, 3, 9, 11, 0, tzinfo=dt.UTC)
    assert incident.paused_seconds == 23 * 3600


def test_the_beat_task_sweeps_until_nothing_is_due(incident):
    fired = timers_tick()  # real time is long past these Monday timers: everything still relevant fires

    assert fired == incident.timers.filter(state=TimerState.FIRED).count() == 8
    assert not incident.timers.filter(state=TimerState.ARMED).exists()


# --- with real row locks (PostgreSQL) ------------------------------------------------------------------

def _in_thread(target, *args):
    errors = []

    def run():
        try:
            target(*args)
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, errors


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_an_acknowledge_waiting_on_a_sweep_that_fired_the_target_is_recorded_late():
    mx = incident_matrix()
    incident = IncidentFactory()
    swept, release = threading.Event(), threading.Event()

    def sweep_and_hold():
        with transaction.atomic():
            timers_fire_due(now=past(15))
            swept.set()
            release.wait(10)

    sweeper, errors = _in_thread(sweep_and_hold)
    assert swept.wait(10)
    result = {}
    acknowledger, ack_errors = _in_thread(
        lambda: result.update(incident=incident_acknowledge(incident=incident.pk, user=mx["pat"], now=past(15)))
    )
    acknowledger.join(0.5)
    assert acknowledger.is_alive()  # waiting for the incident's lock, which the sweep holds
    release.set()
    sweeper.join(10)
    acknowledger.join(10)

    assert errors == ack_errors == []
    assert result["incident"].acknowledged_late
    assert Breach.objects.filter(incident=incident).count() == 1


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_the_sweep_skips_an_incident_a_person_is_moving_instead_of_waiting():
    mx = incident_matrix()
    incident = IncidentFactory()
    acknowledged, release = threading.Event(), threading.Event()

    def acknowledge_and_hold():
        with transaction.atomic():
            incident_acknowledge(incident=incident.pk, user=mx["pat"], now=after(14))
            acknowledged.set()
            release.wait(10)

    person, errors = _in_thread(acknowledge_and_hold)
    assert acknowledged.wait(10)
    assert timers_fire_due(now=after(16)) == 0  # returns at once: nothing of this incident could be locked
    release.set()
    person.join(10)

    assert errors == []
    assert timers_fire_due(now=after(16)) == 0  # and now the acknowledge target is met, the steps cancelled
    incident.refresh_from_db()
    assert not incident.acknowledged_late and not incident.breached


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_two_sweepers_at_once_fire_each_timer_exactly_once():
    incident_matrix()
    incidents = [IncidentFactory(now=after(n * 0.01)) for n in range(20)]
    counts, start = [], threading.Barrier(2)

    def sweep():
        start.wait()
        total = 0
        while fired := timers_fire_due(now=after(12), limit=7):
            total += fired
        counts.append(total)

    threads = [_in_thread(sweep) for _ in range(2)]
    for thread, errors in threads:
        thread.join(30)
        assert errors == []

    assert sum(counts) == 20 * 3  # per incident: step 1, the acknowledge warning, step 2
    for incident in incidents:
        assert incident.timeline.filter(kind=TimelineKind.ESCALATED).count() == 2
        assert incident.timeline.filter(kind=TimelineKind.WARNING).count() == 1
