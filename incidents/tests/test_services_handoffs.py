"""Handoffs (accepted in time or escalated) and misroutes (a fresh start with the right team)."""


import pytest
from django.core.exceptions import PermissionDenied

from incidents.models import Handoff, HandoffKind, HandoffState, Status, TimelineKind, TimerKind, TimerState
from incidents.services import (
    IncidentInputError,
    TransitionError,
    handoff_accept,
    incident_acknowledge,
    incident_flag_misroute,
    incident_reassign,
    incident_resolve,
)
from incidents.tests.factories import IncidentFactory, after
from incidents.timers import timers_fire_due
from matrix.tests import factories as mf
from notifications.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def incident(mx):
    incident = IncidentFactory()  # SEV2 for payments: acknowledge 15 min
    return incident_acknowledge(incident=incident, user=mx["pat"], now=after(1))


def reassign(incident, mx, minutes=5, team="platform", reason="It is the database, not payments."):
    return incident_reassign(incident=incident, user=mx["pat"], team=team, reason=reason, now=after(minutes))


def test_a_handoff_moves_the_incident_at_once_and_waits_for_acceptance(mx, incident):
    handoff = reassign(incident, mx)

    incident.refresh_from_db()
    assert incident.team == mx["platform"] and incident.status == Status.ACKNOWLEDGED
    assert handoff.kind == HandoffKind.HANDOFF and handoff.state == HandoffState.PENDING
    assert handoff.from_team == mx["payments"] and handoff.to_team == mx["platform"] and not handoff.wrong_team
    timer = incident.timers.get(kind=TimerKind.HANDOFF)
    assert timer.step == handoff.pk and timer.due_at == after(5 + 15) and timer.state == TimerState.ARMED
    assert "Platform must accept by 10:20 UTC" in incident.timeline.get(kind=TimelineKind.HANDOFF_REQUESTED).text
    told = Notification.objects.filter(dedupe_key__startswith=f"handoff:{handoff.pk}:")
    assert sorted(n.target for n in told) == ["olly@example.com", "platform@example.com"]


def test_a_member_of_the_receiving_team_accepts_and_the_timer_is_met(mx, incident):
    handoff = reassign(incident, mx)

    handoff = handoff_accept(handoff=handoff.pk, user=mx["olly"], now=after(8))

    assert handoff.state == HandoffState.ACCEPTED and handoff.accepted_by == mx["olly"]
    assert incident.timers.get(kind=TimerKind.HANDOFF).state == TimerState.MET
    incident.refresh_from_db()
    assert incident.assignee == mx["olly"]
    timers_fire_due(now=after(60))
    assert not incident.timeline.filter(kind=TimelineKind.HANDOFF_ESCALATED).exists()
    with pytest.raises(TransitionError, match=r"^Already accepted by Olly Ops at 10:08 UTC\.$"):
        handoff_accept(handoff=handoff, user=mx["pete"], now=after(9))


def test_only_the_receiving_team_or_a_manager_may_accept(mx, incident):
    handoff = reassign(incident, mx)

    with pytest.raises(PermissionDenied):
        handoff_accept(handoff=handoff, user=mx["quinn"], now=after(6))  # a payments responder

    assert handoff_accept(handoff=handoff, user=mx["max"], now=after(6)).state == HandoffState.ACCEPTED


def test_a_handoff_nobody_accepts_in_time_escalates_to_both_teams_leads(mx, incident):
    handoff = reassign(incident, mx)

    timers_fire_due(now=after(21))

    handoff.refresh_from_db()
    assert handoff.state == HandoffState.ESCALATED
    timer = incident.timers.get(kind=TimerKind.HANDOFF)
    assert timer.state == TimerState.FIRED
    told = Notification.objects.filter(dedupe_key__startswith=f"timer:{timer.pk}:")
    assert sorted(n.user.username for n in told) == ["lena", "pete"]
    assert all("handoff to Platform not accepted in time" in n.subject for n in told)
    entry = incident.timeline.get(kind=TimelineKind.HANDOFF_ESCALATED)
    assert entry.text.startswith("Platform did not accept the handoff in time.")
    # Still theirs, and they may still accept it late.
    assert handoff_accept(handoff=handoff, user=mx["olly"], now=after(30)).state == HandoffState.ACCEPTED
    assert "(after it had escalated)" in incident.timeline.get(kind=TimelineKind.HANDOFF_ACCEPTED).text


def test_a_new_handoff_supersedes_one_still_pending(mx, incident):
    first = reassign(incident, mx)
    second = reassign(incident, mx, minutes=6, team="support", reason="Needs the customer first.")

    first.refresh_from_db()
    assert first.state == HandoffState.CANCELLED and second.state == HandoffState.PENDING
    assert incident.timers.get(kind=TimerKind.HANDOFF, step=first.pk).state == TimerState.CANCELLED
    with pytest.raises(TransitionError, match="superseded"):
        handoff_accept(handoff=first, user=mx["olly"], now=after(7))


def test_a_handoff_needs_another_known_team_and_a_reason(mx, incident):
    with pytest.raises(IncidentInputError) as caught:
        reassign(incident, mx, team="payments", reason="")
    assert caught.value.errors == {"team": ["It is already with Payments."], "reason": ["Say why it should move."]}
    with pytest.raises(IncidentInputError) as caught:
        reassign(incident, mx, team="nobody")
    assert caught.value.errors == {"team": ["Unknown team 'nobody'."]}


def test_a_resolved_incident_cannot_be_handed_off(mx, incident):
    incident_resolve(incident=incident, user=mx["pat"], now=after(2))

    with pytest.raises(TransitionError, match="reopen it first"):
        reassign(incident, mx)


def test_a_handoff_saying_wrong_team_is_not_a_misroute(mx, incident):
    handoff = reassign(incident, mx, reason="wrong team")

    incident.refresh_from_db()
    assert handoff.kind == HandoffKind.HANDOFF and not handoff.wrong_team
    assert incident.routing_correct is None


def test_a_misroute_starts_over_as_new_for_the_right_team(mx):
    platform_policy = mf.PolicyFactory(key="platform", name="Platform", team=mx["platform"])
    mf.StepFactory(policy=platform_policy, position=1, delay_minutes=3, notify_on_call=True)
    incident = IncidentFactory()
    incident = incident_acknowledge(incident=incident, user=mx["pat"], now=after(2))

    handoff = incident_flag_misroute(incident=incident, user=mx["pat"], team="platform", reason="Search index.",
                                     now=after(10))

    incident.refresh_from_db()
    assert incident.team == mx["platform"] and incident.routed_team == mx["payments"]
    assert incident.status == Status.NEW and incident.routing_correct is False
    assert incident.acknowledged_at is incident.acknowledged_by is incident.assignee is None
    assert handoff.kind == HandoffKind.MISROUTE and handoff.wrong_team and handoff.state == HandoffState.ACCEPTED
    assert incident.escalation_snapshot["policy"] == "platform"
    armed = {(t.kind, t.step): t.due_at for t in incident.timers.filter(state=TimerState.ARMED)
             if t.kind in (TimerKind.ACKNOWLEDGE, TimerKind.ACKNOWLEDGE_WARNING, TimerKind.ESCALATION)}
    assert armed == {
        (TimerKind.ACKNOWLEDGE, 1): after(25), (TimerKind.ACKNOWLEDGE_WARNING, 1): after(10 + 11.25),
        (TimerKind.ESCALATION, 4): after(13),  # after the first round's steps 1 and 2 (offset 3)
    }
    assert incident.acknowledge_by == after(25)
    assert incident.timers.get(kind=TimerKind.ACKNOWLEDGE, step=0).state == TimerState.MET
    assert incident.timers.get(kind=TimerKind.CONTAIN, step=0).state == TimerState.ARMED
    entry = incident.timeline.get(kind=TimelineKind.MISROUTE)
    assert entry.text.startswith("Misroute flagged by Pat Ng: moved from Payments to Platform (Search index.).")
    assert Notification.objects.filter(dedupe_key__startswith=f"handoff:{handoff.pk}:", target="olly@example.com")


def test_a_misroute_cancels_the_old_teams_escalation(mx):
    incident = IncidentFactory()

    incident_flag_misroute(incident=incident, user=mx["pat"], team="support", reason="Billing question.",
                           now=after(1))

    old_steps = incident.timers.filter(kind=TimerKind.ESCALATION, step__in=[1, 2])
    assert {t.state for t in old_steps} == {TimerState.CANCELLED}
    assert incident.timers.get(kind=TimerKind.ACKNOWLEDGE, step=0).state == TimerState.CANCELLED
    timers_fire_due(now=after(12))
    step = incident.timers.get(kind=TimerKind.ESCALATION, step=4)  # the default policy's step 1, again
    assert step.state == TimerState.FIRED
    assert Notification.objects.filter(dedupe_key__startswith=f"timer:{step.pk}:", target="sid@example.com")
    assert not Handoff.objects.filter(state=HandoffState.PENDING).exists()
