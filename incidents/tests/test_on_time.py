"""On time means on time, and paused means paused: one rule for met and missed (at or before the deadline,
to the second), and a pause that holds every clock — updates and handoff acceptance included."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from incidents.models import Breach, HandoffState, TimelineKind, TimerKind, TimerState
from incidents.services import (
    incident_acknowledge,
    incident_contain,
    incident_pause,
    incident_reassign,
    incident_resolve,
    incident_resume,
)
from incidents.tests.factories import MONDAY, IncidentFactory, after
from incidents.timers import timers_fire_due
from notifications.models import Notification

pytestmark = pytest.mark.django_db

SECOND = dt.timedelta(seconds=1)


def sev1():
    return IncidentFactory(impact="extensive", urgency="critical")  # acknowledge 5 min, updates every 30


def test_an_acknowledge_on_the_deadlines_second_is_met(mx):
    incident = IncidentFactory()  # SEV2: acknowledge within 15 minutes

    incident = incident_acknowledge(incident=incident, user=mx["pat"], now=incident.acknowledge_by)

    assert not incident.acknowledged_late and not incident.breached
    assert incident.timers.get(kind=TimerKind.ACKNOWLEDGE).state == TimerState.MET
    assert not Breach.objects.exists()


def test_an_acknowledge_one_second_after_the_deadline_is_late(mx):
    incident = IncidentFactory()

    incident = incident_acknowledge(incident=incident, user=mx["pat"], now=incident.acknowledge_by + SECOND)

    assert incident.acknowledged_late and incident.breached
    assert Breach.objects.get().target == TimerKind.ACKNOWLEDGE


def test_the_sweep_fires_a_target_one_second_after_its_deadline_not_on_it(mx):
    incident = IncidentFactory()
    target = incident.timers.get(kind=TimerKind.ACKNOWLEDGE)

    timers_fire_due(now=target.due_at)
    target.refresh_from_db()
    assert target.state == TimerState.ARMED

    timers_fire_due(now=target.due_at + SECOND)
    target.refresh_from_db()
    assert target.state == TimerState.FIRED


def test_resolving_on_the_contain_deadlines_second_meets_containment(mx):
    incident = IncidentFactory()
    incident_acknowledge(incident=incident, user=mx["pat"], now=after(1))

    incident = incident_resolve(incident=incident, user=mx["pat"], now=incident.contain_by)

    assert incident.timers.get(kind=TimerKind.CONTAIN).state == TimerState.MET
    assert not incident.breached


def test_containing_one_second_late_is_a_missed_containment(mx):
    incident = IncidentFactory()
    incident_acknowledge(incident=incident, user=mx["pat"], now=after(1))

    incident = incident_contain(incident=incident, user=mx["pat"], now=incident.contain_by + SECOND)

    assert Breach.objects.get().target == TimerKind.CONTAIN


def test_a_paused_incidents_stakeholder_update_is_held_not_breached(mx):
    incident = sev1()
    incident_acknowledge(incident=incident, user=mx["pat"], now=after(1))
    incident_pause(incident=incident, user=mx["pat"], reason="waiting_on_vendor", now=after(5))
    told = Notification.objects.count()

    timers_fire_due(now=after(40))  # the update was due at +30

    incident.refresh_from_db()
    update = incident.timers.get(kind=TimerKind.UPDATE)
    assert update.state == TimerState.HELD
    assert not incident.breached and not Breach.objects.exists()
    assert Notification.objects.count() == told

    incident_resume(incident=incident, user=mx["pat"], now=after(65))
    update.refresh_from_db()
    assert (update.state, update.due_at) == (TimerState.ARMED, after(30 + 60))


def test_a_paused_incidents_handoff_waits_for_acceptance_without_escalating(mx):
    incident = IncidentFactory()
    incident_acknowledge(incident=incident, user=mx["pat"], now=after(1))
    incident_reassign(incident=incident, user=mx["pat"], team="platform", reason="Search owns it", now=after(2))
    incident_pause(incident=incident, user=mx["pat"], reason="waiting_on_customer", now=after(3))

    timers_fire_due(now=after(60))  # acceptance was due within 15 minutes of the handoff

    handoff = incident.handoffs.get()
    assert handoff.state == HandoffState.PENDING
    assert incident.timers.get(kind=TimerKind.HANDOFF).state == TimerState.HELD
    assert not incident.timeline.filter(kind=TimelineKind.HANDOFF_ESCALATED).exists()


def test_a_timer_armed_during_the_pause_moves_only_by_the_pause_after_it(mx):
    incident = IncidentFactory()
    incident_acknowledge(incident=incident, user=mx["pat"], now=after(1))
    incident_pause(incident=incident, user=mx["pat"], reason="waiting_on_customer", now=after(2))
    incident_reassign(incident=incident, user=mx["pat"], team="platform", reason="Search owns it", now=after(32))
    timers_fire_due(now=after(50))  # due at +47: held by the sweep

    incident_resume(incident=incident, user=mx["pat"], now=after(62))

    handoff = incident.timers.get(kind=TimerKind.HANDOFF)
    assert (handoff.state, handoff.due_at) == (TimerState.ARMED, after(32 + 15 + 30))


def test_resuming_a_business_hours_tier_says_the_wall_clock_and_the_credited_working_time(mx):
    incident = IncidentFactory(impact="minor", urgency="low")  # SEV4, on payments' working hours (09–17 UTC)
    incident_pause(incident=incident, user=mx["pat"], reason="waiting_on_vendor", now=MONDAY.replace(hour=16))

    incident = incident_resume(incident=incident, user=mx["pat"], now=MONDAY.replace(hour=10) + dt.timedelta(days=1))

    assert incident.paused_seconds == 18 * 3600  # Monday 16:00 to Tuesday 10:00
    assert incident.paused_credited_seconds == 2 * 3600  # 16–17 on Monday, 9–10 on Tuesday
    assert incident.timeline.get(kind=TimelineKind.RESUMED).text == (
        "Clocks resumed by Pat Ng after 18 h 0 min; the deadlines moved by 2 h 0 min of working time on the "
        "Payments calendar (nights, weekends and holidays do not count on SEV4)."
    )


BERLIN = ZoneInfo("Europe/Berlin")


@pytest.mark.parametrize("filed, shown", [
    # Two working hours left on Maundy Thursday; Good Friday, the weekend and Easter Monday are not working days.
    (dt.datetime(2026, 4, 2, 15, 0, tzinfo=BERLIN), "Tue 7 Apr 11:00 CEST · 09:00 UTC here"),
    # Summer time starts on Sunday 29 March: filed in CET, due in CEST.
    (dt.datetime(2026, 3, 27, 16, 0, tzinfo=BERLIN), "Mon 30 Mar 12:00 CEST · 10:00 UTC here"),
    # Summer time ends on Sunday 25 October: filed in CEST, due in CET.
    (dt.datetime(2026, 10, 23, 16, 0, tzinfo=BERLIN), "Mon 26 Oct 12:00 CET · 11:00 UTC here"),
])
def test_a_business_hours_deadline_is_shown_with_its_date_in_the_teams_zone_and_the_viewers(mx, client, filed, shown):
    incident = IncidentFactory(impact="minor", urgency="low", now=filed)  # SEV4: acknowledge within 4 working hours
    client.force_login(mx["pat"])

    page = client.get(f"/incidents/{incident.pk}/").content.decode()

    row = page[page.index('id="deadline-acknowledge"'):]
    assert shown in row[:row.index("</tr>")]
    assert ("SEV4 counts working hours only, on the Payments calendar (09:00–17:00 Europe/Berlin): nights, "
            "weekends and holidays do not count.") in page
