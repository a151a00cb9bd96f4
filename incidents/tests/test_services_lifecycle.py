"""The lifecycle: acknowledge, contain, resolve, close, reopen, pause and resume, and their refusals."""

import datetime as dt
import threading

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection

from incidents.models import Breach, Handoff, HandoffState, Incident, Status, TimelineKind, TimerKind, TimerState
from incidents.services import (
    IncidentInputError,
    TransitionError,
    incident_acknowledge,
    incident_close,
    incident_contain,
    incident_pause,
    incident_reassign,
    incident_reopen,
    incident_resolve,
    incident_resume,
)
from incidents.tests.factories import IncidentFactory, after, incident_matrix
from incidents.timers import timers_fire_due

pytestmark = pytest.mark.django_db


def states(incident: Incident) -> dict[tuple[str, int], str]:
    return {(t.kind, t.step): t.state for t in incident.timers.all()}


@pytest.fixture
def incident(mx):
    return IncidentFactory()  # SEV2: acknowledge 15 min, contain 120, resolve 480; steps at +0 and +10


def test_acknowledge_meets_the_target_and_stops_the_escalation(mx, incident):
    incident = incident_acknowledge(incident=incident, user=mx["pat"], now=after(3))

    assert incident.status == Status.ACKNOWLEDGED
    assert incident.acknowledged_by == mx["pat"] and incident.acknowledged_at == after(3)
    assert not incident.acknowledged_late and incident.assignee == mx["pat"]
    timers = states(incident)
    assert timers[(TimerKind.ACKNOWLEDGE, 0)] == TimerState.MET
    assert timers[(TimerKind.ACKNOWLEDGE_WARNING, 0)] == TimerState.CANCELLED
    assert timers[(TimerKind.ESCALATION, 1)] == timers[(TimerKind.ESCALATION, 2)] == TimerState.CANCELLED
    assert timers[(TimerKind.CONTAIN, 0)] == timers[(TimerKind.RESOLVE, 0)] == TimerState.ARMED
    entry = incident.timeline.get(kind=TimelineKind.ACKNOWLEDGED)
    assert entry.actor == mx["pat"] and entry.at == after(3) and entry.text == "Acknowledged by Pat Ng."


def test_a_second_acknowledge_is_refused_naming_who_and_when(mx, incident):
    incident_acknowledge(incident=incident, user=mx["pat"], now=after(2))

    with pytest.raises(TransitionError, match=r"^Already acknowledged by Pat Ng at 10:02 UTC\.$"):
        incident_acknowledge(incident=incident.pk, user=mx["quinn"], now=after(3))


def test_an_acknowledge_after_the_breach_fired_is_recorded_late(mx, incident):
    timers_fire_due(now=after(16))

    incident = incident_acknowledge(incident=incident, user=mx["pat"], now=after(17))

    assert incident.acknowledged_late and incident.breached
    assert states(incident)[(TimerKind.ACKNOWLEDGE, 0)] == TimerState.FIRED
    assert Breach.objects.filter(incident=incident, target=TimerKind.ACKNOWLEDGE).count() == 1
    assert "Late: the acknowledge target had already been missed." in incident.timeline.get(
        kind=TimelineKind.ACKNOWLEDGED).text


def test_an_acknowledge_after_the_due_time_records_the_breach_even_before_the_sweep_runs(mx, incident):
    incident = incident_acknowledge(incident=incident, user=mx["pat"], now=after(15.5))

    assert incident.acknowledged_late and incident.breached
    assert Breach.objects.get(incident=incident).breached_at == after(15.5)
    assert timers_fire_due(now=after(16)) == 0  # the sweep finds nothing left to fire
    assert Breach.objects.filter(incident=incident).count() == 1


def test_contain_needs_an_acknowledge_first(mx, incident):
    with pytest.raises(TransitionError, match=r"^Acknowledge it first\.$"):
        incident_contain(incident=incident, user=mx["pat"], now=after(1))


def test_contain_meets_its_target_and_leaves_resolve_running(mx, incident):
    incident_acknowledge(incident=incident, user=mx["pat"], now=after(1))

    incident = incident_contain(incident=incident, user=mx["pat"], now=after(30))

    assert incident.status == Status.CONTAINED and incident.contained_at == after(30)
    timers = states(incident)
    assert timers[(TimerKind.CONTAIN, 0)] == TimerState.MET
    assert timers[(TimerKind.CONTAIN_WARNING, 0)] == TimerState.CANCELLED
    assert timers[(TimerKind.RESOLVE, 0)] == timers[(TimerKind.RESOLVE_WARNING, 0)] == TimerState.ARMED
    with pytest.raises(TransitionError, match=r"^Already contained at 10:30 UTC\.$"):
        incident_contain(incident=incident, user=mx["quinn"], now=after(31))


def test_resolve_meets_contain_and_resolve_and_cancels_everything_else(mx):
    incident = IncidentFactory(impact="extensive", urgency="critical")  # SEV1, with update reminders
    incident_acknowledge(incident=incident, user=mx["pat"], now=after(1))
    handoff = incident_reassign(incident=incident, user=mx["pat"], team="platform", reason="DB", now=after(2))

    incident = incident_resolve(incident=incident, user=mx["pat"], summary="Rolled back.", now=after(20))

    assert incident.status == Status.RESOLVED and incident.resolved_at == incident.contained_at == after(20)
    timers = states(incident)
    assert timers[(TimerKind.CONTAIN, 0)] == timers[(TimerKind.RESOLVE, 0)] == TimerState.MET
    assert timers[(TimerKind.UPDATE, 1)] == timers[(TimerKind.HANDOFF, handoff.pk)] == TimerState.CANCELLED
    assert not incident.timers.filter(state__in=(TimerState.ARMED, TimerState.HELD)).exists()
    assert Handoff.objects.get(pk=handoff.pk).state == HandoffState.CANCELLED
    assert "Rolled back." in incident.timeline.get(kind=TimelineKind.RESOLVED).text


def test_resolve_and_close_refuse_moves_out_of_order(mx, incident):
    with pytest.raises(TransitionError, match=r"^Acknowledge it first\.$"):
        incident_resolve(incident=incident, user=mx["pat"], now=after(1))
    with pytest.raises(TransitionError, match=r"^Resolve it first\.$"):
        incident_close(incident=incident, user=mx["pat"], now=after(1))

    incident_acknowledge(incident=incident, user=mx["pat"], now=after(1))
    incident_resolve(incident=incident, user=mx["pat"], now=after(2))
    incident = incident_close(incident=incident, user=mx["lena"], now=after(3))

    assert incident.status == Status.CLOSED and incident.closed_at == after(3)
    with pytest.raises(TransitionError, match=r"^Already closed at 10:03 UTC\.$"):
        incident_close(incident=incident, user=mx["lena"], now=after(4))
    with pytest.raises(TransitionError, match=r"^Already resolved at 10:02 UTC\.$"):
        incident_resolve(incident=incident, user=mx["lena"], now=after(4))


def test_reopen_goes_back_to_acknowledged_with_fresh_contain_and_resolve_targets(mx):
    incident = IncidentFactory(impact="extensive", urgency="critical")  # SEV1: contain 30, resolve 240, updates 30
    incident_acknowledge(incident=incident, user=mx["pat"], now=after(1))
    incident_resolve(incident=incident, user=mx["pat"], now=after(10))
    incident_close(incident=incident, user=mx["pat"], now=after(11))

    incident = incident_reopen(incident=incident, user=mx["quinn"], reason="It came back.", now=after(60))

    assert incident.status == Status.ACKNOWLEDGED
    assert incident.contained_at is incident.resolved_at is incident.closed_at is None
    armed = {(t.kind, t.step): t.due_at for t in incident.timers.filter(state=TimerState.ARMED)}
    assert armed == {
        (TimerKind.CONTAIN, 1): after(90), (TimerKind.CONTAIN_WARNING, 1): after(82.5),
        (TimerKind.RESOLVE, 1): after(300), (TimerKind.RESOLVE_WARNING, 1): after(240),
        (TimerKind.UPDATE, 2): after(90),
    }
    assert incident.contain_by == after(90) and incident.resolve_by == after(300)
    assert incident.timeline.get(kind=TimelineKind.REOPENED).text == "Reopened by Quinn Ray: It came back."


def test_reopen_needs_a_resolved_incident_and_a_reason(mx, incident):
    with pytest.raises(TransitionError, match="still open"):
        incident_reopen(incident=incident, user=mx["pat"], reason="x", now=after(1))
    incident_acknowledge(incident=incident, user=mx["pat"], now=after(1))
    incident_resolve(incident=incident, user=mx["pat"], now=after(2))

    with pytest.raises(IncidentInputError) as caught:
        incident_reopen(incident=incident, user=mx["pat"], reason="  ", now=after(3))
    assert list(caught.value.errors) == ["reason"]


def test_pause_holds_the_clocks_so_nothing_fires_while_waiting(mx, incident):
    incident = incident_pause(incident=incident, user=mx["pat"], reason="waiting_on_customer", now=after(1))

    assert incident.paused_at == after(1) and incident.pause_reason == "waiting_on_customer"
    assert set(states(incident).values()) == {TimerState.HELD}
    assert timers_fire_due(now=after(600)) == 0
    assert not incident.breaches.exists()
    assert incident.timeline.get(kind=TimelineKind.PAUSED).text == "Clocks paused by Pat Ng: waiting on customer."


def test_resume_shifts_every_held_timer_by_the_paused_time(mx, incident):
    before = {(t.kind, t.step): t.due_at for t in incident.timers.all()}
    incident_pause(incident=incident, user=mx["pat"], reason="waiting_on_vendor", now=after(5))

    incident = incident_resume(incident=incident, user=mx["pat"], now=after(5 + 90))

    after_resume = {(t.kind, t.step): t.due_at for t in incident.timers.all()}
    assert after_resume == {key: due + dt.timedelta(minutes=90) for key, due in before.items()}
    assert set(states(incident).values()) == {TimerState.ARMED}
    assert incident.paused_seconds == 90 * 60 and incident.paused_at is None and incident.pause_reason == ""
    assert incident.acknowledge_by == after(15 + 90)
    assert incident.timeline.get(kind=TimelineKind.RESUMED).text == "Clocks resumed by Pat Ng after 1 h 30 min."


def test_paused_time_adds_up_over_several_pauses(mx, incident):
    incident_pause(incident=incident, user=mx["pat"], reason="waiting_on_vendor", now=after(1))
    incident_resume(incident=incident, user=mx["pat"], now=after(11))
    incident_pause(incident=incident, user=mx["pat"], reason="waiting_on_customer", now=after(12))
    incident = incident_resume(incident=incident, user=mx["pat"], now=after(17))

    assert incident.paused_seconds == 15 * 60
    assert incident.acknowledge_by == after(15 + 15)


def test_moves_that_need_running_clocks_are_refused_while_paused(mx, incident):
    incident_pause(incident=incident, user=mx["pat"], reason="waiting_on_vendor", now=after(1))

    with pytest.raises(TransitionError, match=r"^The clocks are paused \(waiting on vendor\); resume first\.$"):
        incident_acknowledge(incident=incident, user=mx["pat"], now=after(2))
    with pytest.raises(TransitionError, match=r"^Already paused \(waiting on vendor\) since 10:01 UTC\.$"):
        incident_pause(incident=incident, user=mx["pat"], reason="waiting_on_customer", now=after(2))


def test_pause_and_resume_refuse_what_makes_no_sense(mx, incident):
    with pytest.raises(IncidentInputError) as caught:
        incident_pause(incident=incident, user=mx["pat"], reason="lunch", now=after(1))
    assert list(caught.value.errors) == ["reason"]
    with pytest.raises(TransitionError, match=r"^The clocks are not paused\.$"):
        incident_resume(incident=incident, user=mx["pat"], now=after(1))


def test_only_roles_that_may_change_incidents_may_move_them(mx, incident):
    for user in (mx["agent"], mx["eve"]):
        with pytest.raises(PermissionDenied):
            incident_acknowledge(incident=incident, user=user, now=after(1))

    assert incident_acknowledge(incident=incident, user=mx["max"], now=after(1)).status == Status.ACKNOWLEDGED


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_acknowledgements_one_wins_the_others_are_told_who_did():
    mx = incident_matrix()
    incident = IncidentFactory()
    responders = [mx["pat"], mx["quinn"], mx["lena"], mx["max"]]
    barrier = threading.Barrier(20)
    won, refused, other = [], [], []

    def acknowledge(n: int):
        try:
            barrier.wait()
            won.append(incident_acknowledge(incident=incident.pk, user=responders[n % 4], now=after(1)))
        except TransitionError as exc:
            refused.append(exc.message)
        except Exception as exc:
            other.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=acknowledge, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert other == []
    assert len(won) == 1 and len(refused) == 19
    winner = won[0].acknowledged_by
    assert set(refused) == {f"Already acknowledged by {winner.get_full_name()} at 10:01 UTC."}
    incident.refresh_from_db()
    assert incident.acknowledged_by == winner
    assert incident.timeline.filter(kind=TimelineKind.ACKNOWLEDGED).count() == 1
