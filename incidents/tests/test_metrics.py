"""Routing accuracy per rule, escalation accuracy and tier breach rates, over a known history; drills never count."""

import datetime as dt

import pytest

from incidents.metrics import escalation_accuracy, rule_accuracy, rule_summaries, tier_breach_rates
from incidents.services import incident_acknowledge, incident_flag_misroute
from incidents.tests.factories import MONDAY, IncidentFactory, after
from incidents.timers import timers_fire_due
from matrix.tests import factories as mf

pytestmark = pytest.mark.django_db


def cdn_incident(n: int, **kwargs):
    return IncidentFactory(title=f"CDN edge returns 502 ({n})", **kwargs)


def misroute(incident, mx, team: str, minutes: float = 5):
    return incident_flag_misroute(incident=incident, user=mx["pat"], team=team, reason="Not ours.", now=after(minutes))


@pytest.fixture
def history(mx):
    """cdn routed 3 (1 right, 1 misrouted to payments, 1 to support); one area-owner and one triage routing,
    both right; every one acknowledged in time except the one misrouted to support."""
    first, second, third = (cdn_incident(n) for n in (1, 2, 3))
    misroute(first, mx, "payments")
    misroute(third, mx, "support")
    owned = IncidentFactory()  # checkout → payments, its owner
    triaged = IncidentFactory(product_area="onboarding", details={})  # no owner → support
    for incident in (first, second, owned, triaged):
        incident_acknowledge(incident=incident, user=mx["sam"] if incident == triaged else mx["pat"], now=after(6))
    timers_fire_due(now=after(30))  # sev2 acknowledge target is 15 min: only the third breaches
    return {"cdn": [first, second, third], "owned": owned, "triaged": triaged}


def by_key(records):
    return {r.key: r for r in records}


def test_each_rule_shows_its_first_time_right_rate_and_misroutes_by_destination_team(mx, history):
    records = by_key(rule_accuracy())

    cdn = records["cdn"]
    assert (cdn.routed, cdn.first_time_right, cdn.wrong, cdn.misrouted) == (3, 1, 2, 2)
    assert cdn.rate == pytest.approx(1 / 3)
    assert cdn.misroutes_by_team == {"payments": 1, "support": 1}
    assert [m.team_name for m in cdn.misroutes] == ["Payments", "Support"]
    assert (cdn.team_key, cdn.rule_id, cdn.is_fallback) == ("platform", mx["cdn_rule"].pk, False)


def test_the_fallbacks_are_listed_as_pseudo_rules_after_the_rules(mx, history):
    records = rule_accuracy()

    assert [r.key for r in records] == ["cdn", "area_owner", "triage_team"]
    owner, triage = records[1], records[2]
    assert (owner.routed, owner.first_time_right, owner.rate, owner.is_fallback) == (1, 1, 1.0, True)
    assert (triage.routed, triage.first_time_right, triage.misroutes) == (1, 1, ())


def test_a_rule_that_routed_nothing_is_listed_with_no_rate(mx):
    mf.RuleFactory(key="quiet", order=20, keywords="never-said", team=mx["payments"])

    quiet = by_key(rule_accuracy())["quiet"]

    assert (quiet.routed, quiet.rate, quiet.team_name) == (0, None, "Payments")


def test_a_deleted_rule_keeps_its_record_under_its_key(mx, history):
    mx["cdn_rule"].delete()

    records = by_key(rule_accuracy())

    assert records["cdn"].is_deleted and records["cdn"].routed == 3 and records["cdn"].first_time_right == 1


def test_escalation_accuracy_is_the_share_of_right_first_routings(mx, history):
    assert escalation_accuracy() == pytest.approx(3 / 5)


def test_metrics_with_no_incidents_have_no_rate(mx):
    assert escalation_accuracy() is None
    assert all(r.rate is None for r in rule_accuracy())
    assert all(t.rate is None and t.incidents == 0 for t in tier_breach_rates())


def test_tier_breach_rates_count_the_incidents_that_missed_a_target(mx, history):
    rates = {t.key: t for t in tier_breach_rates()}

    assert [t.key for t in tier_breach_rates()] == ["sev1", "sev2", "sev3", "sev4"]
    assert (rates["sev2"].incidents, rates["sev2"].breached) == (5, 1)
    assert rates["sev2"].rate == pytest.approx(1 / 5)
    assert rates["sev1"].incidents == 0 and rates["sev1"].rate is None


def test_a_drill_misroute_and_breach_change_no_metric(mx, history):
    before = (rule_accuracy(), escalation_accuracy(), tier_breach_rates())

    drill = cdn_incident(9, is_drill=True)
    misroute(drill, mx, "payments")
    timers_fire_due(now=after(90))
    drill.refresh_from_db()
    assert drill.breached and drill.routing_correct is False  # it did count as a real one would have

    assert (rule_accuracy(), escalation_accuracy(), tier_breach_rates()) == before


def test_the_period_counts_incidents_filed_in_it(mx, history):
    later = cdn_incident(7, now=MONDAY + dt.timedelta(days=10))
    misroute(later, mx, "payments", minutes=10 * 24 * 60 + 5)
    since = MONDAY + dt.timedelta(days=1)

    assert by_key(rule_accuracy(since=since))["cdn"].misroutes_by_team == {"payments": 1}
    assert by_key(rule_accuracy(until=since))["cdn"].routed == 3
    assert escalation_accuracy(since=since) == 0.0
    assert {t.key: t.incidents for t in tier_breach_rates(since=since)}["sev2"] == 1


def test_a_second_misroute_counts_once_against_the_team_it_ended_with(mx):
    incident = cdn_incident(1)
    misroute(incident, mx, "payments")
    misroute(incident, mx, "support", minutes=8)

    cdn = by_key(rule_accuracy())["cdn"]

    assert (cdn.routed, cdn.wrong, cdn.misroutes_by_team) == (1, 1, {"support": 1})


def test_rule_accuracy_costs_the_same_few_queries_whatever_the_history(mx, history, django_assert_num_queries):
    with django_assert_num_queries(3):
        rule_accuracy()
    for n in range(4):
        misroute(cdn_incident(10 + n), mx, "payments")
    mf.RuleFactory(key="more", order=30, keywords="more", team=mx["support"])
    with django_assert_num_queries(3):
        rule_accuracy()
    with django_assert_num_queries(1):
        escalation_accuracy()
    with django_assert_num_queries(1):
        tier_breach_rates()


def test_rule_summaries_are_one_query_for_a_page_of_rules(mx, history, django_assert_num_queries):
    quiet = mf.RuleFactory(key="quiet", order=20, keywords="never-said", team=mx["payments"])

    with django_assert_num_queries(1):
        summaries = rule_summaries(rule_ids=[mx["cdn_rule"].pk, quiet.pk])

    assert summaries == {mx["cdn_rule"].pk: "33% of 3 (misroutes 1→Payments, 1→Support)"}


def test_the_admin_column_counts_by_rule_key_as_the_accuracy_page_does(mx, history, django_assert_num_queries):
    # The rule is deleted and added again under the same key: its incidents keep the key, not the old id.
    mx["cdn_rule"].delete()
    again = mf.RuleFactory(key="cdn", name="CDN problems", order=10, keywords="cdn", team=mx["platform"])

    with django_assert_num_queries(1):
        summaries = rule_summaries(rule_ids=[again.pk])
    record = by_key(rule_accuracy())["cdn"]

    assert summaries == {again.pk: "33% of 3 (misroutes 1→Payments, 1→Support)"}
    assert (record.rule_id, record.routed, record.first_time_right) == (again.pk, 3, 1)
