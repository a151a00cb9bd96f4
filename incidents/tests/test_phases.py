"""Escalation through every phase: containment and resolution climb their own steps once the incident is
acknowledged or contained, each step pages whom it names, meeting a phase stops its steps, a pause holds them."""

import datetime as dt

import pytest

from incidents.models import TimelineKind, TimerKind, TimerState
from incidents.services import (
    incident_acknowledge,
    incident_contain,
    incident_flag_misroute,
    incident_pause,
    incident_reopen,
    incident_resolve,
    incident_resume,
)
from incidents.tests.factories import IncidentFactory, after
from incidents.timers import timers_fire_due
from matrix.tests import factories as mf
from notifications.models import Notification

pytestmark = pytest.mark.django_db

SECOND = dt.timedelta(seconds=1)


@pytest.fixture
def phased(mx):
    """The default policy (acknowledge: on-call at +0, lead at +10) with a containment ladder — platform's
    on-call 30 minutes after the acknowledgement, the payments lead 10 minutes after the contain target —
    and a resolution step: every payments responder an hour after containment."""
    policy = mx["default_policy"]
    mf.StepFactory(policy=policy, phase="contain", position=1, delay_minutes=30, notify_team=mx["platform"])
    mf.StepFactory(policy=policy, phase="contain", position=2, delay_minutes=10, counted_from="target",
                   notify_on_call=False, notify_team_lead=True)
    mf.StepFactory(policy=policy, phase="resolve", position=1, delay_minutes=60, notify_on_call=False,
                   notify_role="responder")
    return policy


def steps(incident, kind):
    """The incident's timers of one phase's steps by step number within the phase."""
    return {t.data["position"]: t for t in incident.timers.filter(kind=kind)}


def told(timer) -> list[str]:
    return sorted(Notification.objects.filter(dedupe_key__startswith=f"timer:{timer.pk}:")
                  .values_list("user__username", flat=True))


def test_containment_steps_climb_after_the_acknowledgement_and_page_whom_they_name(mx, phased):
    incident = IncidentFactory()  # SEV2: acknowledge 15 min, contain 120
    assert set(steps(incident, TimerKind.CONTAIN_ESCALATION)) == {2}  # counted from the target: armed at filing
    incident_acknowledge(incident=incident, user=mx["pat"], now=after(2))
    ladder = steps(incident, TimerKind.CONTAIN_ESCALATION)
    assert ladder[1].due_at == after(2 + 30) and ladder[2].due_at == after(120 + 10)

    timers_fire_due(now=after(32))
    ladder[1].refresh_from_db()
    assert ladder[1].state == TimerState.ARMED  # on its second: not yet
    timers_fire_due(now=after(32) + SECOND)
    ladder[1].refresh_from_db()
    assert ladder[1].state == TimerState.FIRED
    assert told(ladder[1]) == ["olly"]  # platform's on-call, not the routed team's
    entry = incident.timeline.filter(kind=TimelineKind.ESCALATED).latest("at")
    assert entry.text == "Escalated: step 1 of containment notified Olly Ops (Platform on-call)."
    subject = Notification.objects.filter(dedupe_key__startswith=f"timer:{ladder[1].pk}:").first().subject
    assert "escalated (contain step 1): not contained" in subject

    timers_fire_due(now=after(130) + SECOND)
    ladder[2].refresh_from_db()
    assert ladder[2].state == TimerState.FIRED and told(ladder[2]) == ["lena"]


def test_containing_cancels_the_remaining_containment_steps_and_starts_resolutions(mx, phased):
    incident = IncidentFactory()
    incident_acknowledge(incident=incident, user=mx["pat"], now=after(2))
    incident_contain(incident=incident, user=mx["pat"], now=after(20))

    assert {t.state for t in steps(incident, TimerKind.CONTAIN_ESCALATION).values()} == {TimerState.CANCELLED}
    resolution = steps(incident, TimerKind.RESOLVE_ESCALATION)[1]
    assert (resolution.state, resolution.due_at) == (TimerState.ARMED, after(20 + 60))

    timers_fire_due(now=after(81))
    resolution.refresh_from_db()
    assert resolution.state == TimerState.FIRED and told(resolution) == ["pat", "quinn"]

    incident_resolve(incident=incident, user=mx["pat"], now=after(90))
    assert not incident.timers.filter(state=TimerState.ARMED).exists()


def test_acknowledging_stops_only_the_acknowledge_ladder(mx, phased):
    incident = IncidentFactory()
    incident_acknowledge(incident=incident, user=mx["pat"], now=after(2))

    assert {t.state for t in steps(incident, TimerKind.ESCALATION).values()} == {TimerState.CANCELLED}
    assert {t.state for t in steps(incident, TimerKind.CONTAIN_ESCALATION).values()} == {TimerState.ARMED}


def test_a_pause_holds_every_phases_steps_and_resume_shifts_them(mx, phased):
    incident = IncidentFactory()
    incident_acknowledge(incident=incident, user=mx["pat"], now=after(2))
    incident_pause(incident=incident, user=mx["pat"], reason="waiting_on_vendor", now=after(10))

    timers_fire_due(now=after(200))
    ladder = steps(incident, TimerKind.CONTAIN_ESCALATION)
    assert {t.state for t in ladder.values()} == {TimerState.HELD}
    assert not incident.timeline.filter(kind=TimelineKind.ESCALATED, data__phase="contain").exists()

    incident_resume(incident=incident, user=mx["pat"], now=after(70))
    ladder = steps(incident, TimerKind.CONTAIN_ESCALATION)
    assert ladder[1].due_at == after(32 + 60) and ladder[1].state == TimerState.ARMED


def test_a_misroute_replaces_every_phases_steps_with_the_new_teams_policy(mx, phased):
    incident = IncidentFactory()
    incident_flag_misroute(incident=incident, user=mx["pat"], team="platform", reason="Search owns it", now=after(3))

    live = incident.timers.filter(state=TimerState.ARMED, kind__in=[TimerKind.CONTAIN_ESCALATION,
                                                                     TimerKind.ESCALATION])
    # The default policy applies to platform too: its containment step counted from the target is re-armed once.
    assert sorted((t.kind, t.data["position"]) for t in live) == [
        (TimerKind.CONTAIN_ESCALATION, 2), (TimerKind.ESCALATION, 1), (TimerKind.ESCALATION, 2)]


def test_a_reopened_incident_climbs_containment_again_from_the_reopening(mx, phased):
    incident = IncidentFactory()
    incident_acknowledge(incident=incident, user=mx["pat"], now=after(2))
    incident_resolve(incident=incident, user=mx["pat"], now=after(10))

    incident_reopen(incident=incident, user=mx["pat"], reason="It came back", now=after(100))

    live = incident.timers.filter(state=TimerState.ARMED, kind=TimerKind.CONTAIN_ESCALATION)
    assert sorted((t.data["position"], t.due_at) for t in live) == [(1, after(130)), (2, after(100 + 120 + 10))]


def test_an_incident_filed_before_phases_keeps_escalating_as_it_was_frozen(mx):
    incident = IncidentFactory()
    for step in incident.escalation_snapshot["steps"]:  # as frozen by an older version: no phase keys
        del step["phase"], step["counted_from"], step["notify_team_id"]
    incident.save(update_fields=["escalation_snapshot"])

    incident_acknowledge(incident=incident, user=mx["pat"], now=after(2))

    assert not incident.timers.filter(kind__in=[TimerKind.CONTAIN_ESCALATION, TimerKind.RESOLVE_ESCALATION]).exists()
