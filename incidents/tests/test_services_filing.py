"""Filing an incident: validation, routing, the frozen policy, timers, timeline and notifications."""

import datetime as dt
import threading

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext

from incidents.models import Incident, TimelineKind, Timer, TimerKind, TimerState
from incidents.services import IncidentInputError
from incidents.tests.factories import MONDAY, IncidentFactory, incident_matrix
from matrix import models as m
from matrix.tests import factories as mf
from notifications.models import Notification

pytestmark = pytest.mark.django_db


def file(**kwargs) -> Incident:
    return IncidentFactory(**kwargs)


def test_filing_routes_to_the_area_owner_and_records_why(mx):
    incident = file(reporter=mx["agent"])

    assert incident.tier == mx["tiers"]["sev2"]
    assert incident.team == incident.routed_team == mx["payments"]
    assert incident.routing_fallback == "area_owner" and incident.routing_rule is None
    assert "Checkout is owned by Payments" in incident.routing_explanation
    assert incident.playbook == mx["playbook"]
    assert incident.filed_at == MONDAY and incident.reporter == mx["agent"]
    assert incident.status == "new"


def test_a_matching_rule_is_recorded_by_key(mx):
    incident = file(title="CDN returns 503 for card images")

    assert incident.team == mx["platform"]
    assert incident.routing_rule == mx["cdn_rule"] and incident.routing_rule_key == "cdn"
    assert incident.routing_fallback == "rule"


def test_an_area_without_an_owner_goes_to_the_triage_team(mx):
    incident = file(product_area="onboarding", details={})

    assert incident.team == mx["support"]
    assert incident.routing_fallback == "triage_team"


def test_the_most_specific_escalation_policy_is_frozen_onto_the_incident(mx):
    mx["payments_sev1"].steps.get(position=2).notify_users.add(mx["max"])

    incident = file(impact="extensive", urgency="critical")

    assert incident.tier == mx["tiers"]["sev1"]
    snapshot = incident.escalation_snapshot
    assert snapshot["policy"] == "payments-sev1" and snapshot["name"] == "Payments SEV1"
    assert [s["position"] for s in snapshot["steps"]] == [1, 2, 3]
    assert snapshot["steps"][1] == {
        "phase": "acknowledge", "position": 2, "delay_minutes": 5, "counted_from": "start", "notify_team_id": None,
        "notify_on_call": False, "notify_team_lead": True, "notify_role": "",
        "notify_user_ids": [mx["max"].pk], "notify_vendor_owner": False, "notify_executives": False,
    }
    assert snapshot["steps"][2]["notify_executives"] and snapshot["steps"][2]["notify_vendor_owner"]


def test_filing_arms_every_timer_from_the_filing_time(mx):
    incident = file(impact="extensive", urgency="critical")  # SEV1: 5 / 30 / 240 min, updates every 30 min

    timers = {(t.kind, t.step): t for t in incident.timers.all()}
    minutes = {key: (t.due_at - MONDAY) / dt.timedelta(minutes=1) for key, t in timers.items()}
    assert minutes == {
        (TimerKind.ACKNOWLEDGE, 0): 5, (TimerKind.ACKNOWLEDGE_WARNING, 0): 3.75,
        (TimerKind.CONTAIN, 0): 30, (TimerKind.CONTAIN_WARNING, 0): 22.5,
        (TimerKind.RESOLVE, 0): 240, (TimerKind.RESOLVE_WARNING, 0): 180,
        (TimerKind.ESCALATION, 1): 0, (TimerKind.ESCALATION, 2): 5, (TimerKind.ESCALATION, 3): 20,
        (TimerKind.UPDATE, 1): 30,
    }
    assert all(t.state == TimerState.ARMED and t.armed_at == MONDAY for t in timers.values())
    assert timers[(TimerKind.ESCALATION, 2)].data["notify_team_lead"] is True
    assert incident.acknowledge_by == MONDAY + dt.timedelta(minutes=5)
    assert incident.contain_by == MONDAY + dt.timedelta(minutes=30)
    assert incident.resolve_by == MONDAY + dt.timedelta(minutes=240)


def test_a_tier_without_an_update_cadence_gets_no_update_timer(mx):
    incident = file()

    assert not incident.timers.filter(kind=TimerKind.UPDATE).exists()


def test_business_hours_tiers_take_their_due_times_from_the_owning_teams_calendar(mx):
    # SEV4 runs on business hours; payments works 09:00–17:00 Berlin time. Friday 16:00 Berlin + 240 min
    # = 1 h on Friday and 3 h from Monday 09:00 → Monday 12:00 Berlin (11:00 UTC).
    friday_4pm_berlin = dt.datetime(2026, 3, 6, 15, 0, tzinfo=dt.UTC)

    incident = file(impact="minor", urgency="low", now=friday_4pm_berlin)

    assert incident.tier == mx["tiers"]["sev4"]
    assert incident.acknowledge_by == dt.datetime(2026, 3, 9, 11, 0, tzinfo=dt.UTC)


def test_filing_writes_the_timeline_with_the_routing_explanation_and_who_is_on_call(mx):
    incident = file(reporter=mx["agent"])

    filed, routed = incident.timeline.order_by("id")
    assert filed.kind == TimelineKind.FILED and filed.actor == mx["agent"] and filed.at == MONDAY
    assert "Filed by Alex Agent (web form)" in filed.text
    assert routed.kind == TimelineKind.ROUTED
    assert incident.routing_explanation in routed.text and "On call now: Pat Ng" in routed.text


def test_filing_notifies_the_teams_channels_and_the_on_call_person(mx):
    incident = file()

    sent = Notification.objects.filter(dedupe_key__startswith=f"incident:{incident.pk}:filed")
    assert sorted((n.channel, n.target) for n in sent) == [
        ("email", "pat@example.com"), ("email", "payments@example.com"),
        ("slack", "https://hooks.example.com/payments"),
    ]
    assert all(not n.is_drill and f"SEV2 #{incident.pk}" in n.subject for n in sent)
    channel = m.ContactChannel.objects.get(team=mx["payments"], kind="email")
    assert sent.filter(dedupe_key=f"incident:{incident.pk}:filed:{channel.pk}").exists()


def test_a_tier_that_notifies_executives_tells_them_at_filing(mx):
    incident = file(impact="extensive", urgency="critical")

    assert Notification.objects.filter(user=mx["eve"], dedupe_key__startswith=f"incident:{incident.pk}:filed").exists()
    ordinary = file()
    assert not Notification.objects.filter(user=mx["eve"], dedupe_key__startswith=f"incident:{ordinary.pk}:").exists()


def test_a_drill_is_routed_and_notified_like_any_incident_but_marked(mx):
    incident = file(is_drill=True)

    sent = Notification.objects.filter(dedupe_key__startswith=f"incident:{incident.pk}:filed")
    assert incident.is_drill and sent.count() == 3
    assert all(n.is_drill and n.subject.startswith("DRILL") for n in sent)


def test_every_input_problem_is_reported_at_once_by_field(mx):
    with pytest.raises(IncidentInputError) as caught:
        file(title="  ", product_area="nowhere", impact="huge", urgency="high", channel="pigeon",
             suspected_vendor="acme")

    assert set(caught.value.errors) == {"title", "product_area", "impact", "channel", "suspected_vendor"}
    assert caught.value.errors["product_area"] == ["Unknown product area 'nowhere'."]
    assert not Incident.objects.exists() and not Notification.objects.exists()


def test_required_and_malformed_triage_fields_are_errors_under_their_detail_key(mx):
    with pytest.raises(IncidentInputError) as caught:
        file(details={"region": "asia", "amount": "ten"})

    assert caught.value.errors == {
        "details.order_id": ["Order ID is required."],
        "details.region": ["Region must be one of: eu, us."],
        "details.amount": ["Amount must be a whole number."],
    }


@pytest.mark.parametrize("field_type, bad, good, stored", [
    (m.TriageFieldType.URL, "not a url", "https://status.example.com/x", "https://status.example.com/x"),
    (m.TriageFieldType.EMAIL, "ann@", "ann@example.com", "ann@example.com"),
    (m.TriageFieldType.DATETIME, "yesterday", "2026-03-02 09:30", "2026-03-02T09:30:00+00:00"),
    (m.TriageFieldType.INTEGER, "1.5", "42", 42),
])
def test_each_triage_field_type_is_checked_and_cleaned(mx, field_type, bad, good, stored):
    mf.TriageFieldFactory(playbook=mx["playbook"], key="extra", label="Extra", field_type=field_type, position=9)

    with pytest.raises(IncidentInputError) as caught:
        file(details={"order_id": "A-1", "extra": bad})
    assert list(caught.value.errors) == ["details.extra"]

    assert file(details={"order_id": "A-1", "extra": good}).details["extra"] == stored


def test_triage_values_are_stored_cleaned_and_unknown_keys_are_kept(mx):
    incident = file(details={"order_id": " ORD-7 ", "region": "EU", "amount": "12", "browser": "Firefox"})

    assert incident.details == {"order_id": "ORD-7", "region": "eu", "amount": 12, "browser": "Firefox"}


def test_a_double_submit_files_one_incident(mx):
    first = file(submission_key="form-123")
    second = file(submission_key="form-123", title="Something else")

    assert second.pk == first.pk
    assert Incident.objects.count() == 1
    assert Notification.objects.count() == 3


def test_nothing_is_saved_when_a_later_step_of_filing_fails(mx, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("outbox down")

    monkeypatch.setattr("incidents.notify.notify_filed", broken)
    with pytest.raises(RuntimeError):
        file()

    assert not Incident.objects.exists() and not Timer.objects.exists()


def test_a_broken_team_contact_does_not_stop_filing(mx):
    m.ContactChannel.objects.create(team=mx["payments"], kind=m.ChannelKind.WEBHOOK, target="not a url")

    incident = file()

    assert Notification.objects.filter(dedupe_key__startswith=f"incident:{incident.pk}:filed").count() == 3


def test_support_agents_may_file_but_executives_may_not(mx):
    assert file(reporter=mx["agent"]).pk

    with pytest.raises(PermissionDenied):
        file(reporter=mx["eve"])


def test_filing_costs_the_same_number_of_queries_whatever_the_size_of_the_matrix(mx):
    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            file(reporter=mx["agent"])
        return len(ctx.captured_queries)

    queries()  # warm: permissions are cached per user object, content types per process
    small_cold = queries_after_a_matrix_change(queries)
    small = queries()  # the matrix kept from the filing before (matrix.cache)
    for n in range(30):
        team = mf.TeamFactory(key=f"extra-team-{n}")
        area = mf.AreaFactory(key=f"extra-area-{n}", owner_team=team)
        mf.RuleFactory(key=f"extra-rule-{n}", order=1000 + n, area=area, team=team, keywords=f"word{n}")
        policy = mf.PolicyFactory(key=f"extra-policy-{n}", area=area)
        mf.StepFactory(policy=policy, position=1)
        mf.RotationMemberFactory(rotation=mf.RotationFactory(team=team))

    assert queries() == small_cold <= 30  # the first filing after the matrix grew reads it again
    assert queries() == small < small_cold


def queries_after_a_matrix_change(queries) -> int:
    """The queries of a filing that must read the matrix afresh (it changed since the last one)."""
    mf.TeamFactory(key="a-change")
    return queries()


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_concurrent_double_submit_files_one_incident():
    incident_matrix()
    results, errors = [], []
    barrier = threading.Barrier(5)

    def submit():
        try:
            barrier.wait()
            results.append(file(submission_key="same-form").pk)
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert len(set(results)) == 1 and Incident.objects.count() == 1
