"""The routing simulator over a known history: exact decisions changed and first-time-right rates, nothing saved."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from incidents import simulator
from incidents.services import incident_acknowledge, incident_contain, incident_flag_misroute
from incidents.tests.factories import IncidentFactory, after
from matrix import models as m
from matrix.governance import Draft, change_request_submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(mx):
    """Five real incidents, newest last: two CDN refund incidents the cdn rule (→ platform) misrouted to
    payments, one CDN incident platform rightly got, a checkout one (its owner payments) and an onboarding
    one (the triage team); and a misrouted drill, which never counts."""
    made = {}
    for n, (name, kwargs) in enumerate([
        ("refund1", {"title": "CDN refund page times out"}),
        ("refund2", {"title": "Refund stuck behind CDN cache"}),
        ("cdn", {"title": "CDN page times out"}),
        ("checkout", {}),
        ("onboarding", {"product_area": "onboarding", "details": {}}),
        ("drill", {"title": "CDN refund drill", "is_drill": True}),
    ]):
        made[name] = IncidentFactory(now=after(n), **kwargs)
    for name in ("refund1", "refund2", "drill"):
        incident_flag_misroute(incident=made[name], user=mx["pat"], team="payments", reason="Refunds.", now=after(9))
    return made


def refund_rule_request(mx) -> m.ChangeRequest:
    """A pending request adding "refund → payments" just before the cdn rule."""
    draft = Draft(author=mx["max"], reason="Refunds belong to payments")
    draft.record(m.RoutingRule(key="refunds", name="Refunds", order=5, keywords="refund", team=mx["payments"]))
    return change_request_submit(draft=draft)


def run(draft: simulator.DraftMatrix, last: int = 200) -> simulator.Simulation:
    today = simulator.today()
    return simulator.simulate(draft=draft, today=today, last=last)


def test_a_change_request_adding_a_rule_fixes_the_two_misroutes(mx, history):
    change_request = refund_rule_request(mx)

    result = run(simulator.draft_from_change_request(change_request, simulator.today()))

    assert (result.replayed, result.scored, result.right_now, result.right_draft) == (5, 5, 3, 5)
    assert (result.rate_now, result.rate_draft) == (0.6, 1.0)
    assert [r.incident.pk for r in result.changed] == [history["refund2"].pk, history["refund1"].pk]
    row = result.changed[0]
    assert (row.now.team.key, row.draft.team.key, row.right_team.key, row.verdict) == (
        "platform", "payments", "payments", "better")
    assert row.now.rule == "rule #10 “CDN problems”" and row.draft.rule == "rule #5 “Refunds”"
    assert (result.better, result.worse) == (2, 0)


def test_sending_the_whole_rule_elsewhere_is_better_for_two_and_worse_for_one(mx, history):
    text = simulator.draft_yaml().replace("team: platform", "team: payments")

    result = run(simulator.draft_from_yaml(text, simulator.today()))

    assert (result.right_now, result.right_draft, len(result.changed)) == (3, 4, 3)
    verdicts = {r.incident.pk: r.verdict for r in result.changed}
    assert verdicts == {history["refund1"].pk: "better", history["refund2"].pk: "better", history["cdn"].pk: "worse"}


def test_removing_every_rule_sends_cdn_incidents_to_the_area_owner(mx, history):
    result = run(simulator.draft_from_yaml("rules: []", simulator.today()))

    # checkout's owner payments gets all three CDN incidents (they were filed in checkout).
    assert (result.right_now, result.right_draft) == (3, 4)
    assert {r.draft.rule for r in result.changed} == {"the area's owner"}


def test_only_the_last_n_incidents_are_replayed(mx, history):
    result = run(simulator.draft_from_change_request(refund_rule_request(mx), simulator.today()), last=2)

    assert (result.replayed, result.changed) == (2, [])  # the onboarding and checkout incidents


def test_an_incident_judged_wrong_without_a_team_is_replayed_but_not_scored(mx, history):
    # Wrong, but no misroute says where it belonged (as when a review answers "no").
    type(history["cdn"]).objects.filter(pk=history["cdn"].pk).update(routing_correct=False)

    result = run(simulator.draft_from_yaml(simulator.draft_yaml(), simulator.today()))

    assert (result.replayed, result.scored, result.changed) == (5, 4, [])


def test_nothing_is_written_while_simulating(mx, history):
    change_request = refund_rule_request(mx)
    before = (m.RoutingRule.objects.count(), m.ChangeRequest.objects.values_list("pk", "status").get())

    with CaptureQueriesContext(connection) as queries:
        run(simulator.draft_from_change_request(change_request, simulator.today()))
        run(simulator.draft_from_yaml(simulator.draft_yaml(), simulator.today()))
        run(simulator.draft_from_yaml(CONTAINMENT_DRAFT, simulator.today()))

    writes = [q["sql"] for q in queries if q["sql"].split()[0].upper() in ("INSERT", "UPDATE", "DELETE", "SAVEPOINT")]
    assert writes == []
    assert (m.RoutingRule.objects.count(), m.ChangeRequest.objects.values_list("pk", "status").get()) == before


def test_a_change_of_an_areas_owner_is_replayed_too(mx, history):
    area = mx["checkout"]
    draft = Draft(author=mx["max"], reason="Platform owns checkout")
    area.owner_team = mx["platform"]
    draft.record(area)
    change_request = change_request_submit(draft=draft)

    result = run(simulator.draft_from_change_request(change_request, simulator.today()))

    assert [r.incident.pk for r in result.changed] == [history["checkout"].pk]
    assert result.changed[0].verdict == "worse"


def test_the_loaded_matrix_is_never_changed_by_a_draft(mx, history):
    today = simulator.today()
    simulator.simulate(draft=simulator.draft_from_change_request(refund_rule_request(mx), today), today=today)

    assert [r.key for r in today.rules] == ["cdn"] and today.rules[0].team_id == mx["platform"].pk


def test_rules_with_mistakes_are_refused_naming_each_rule_and_field(mx):
    text = """rules:
- key: cdn
  name: CDN
  order: 10
  team: platfrom
- key: refunds
  name: Refunds
  order: 10
  team: payments
  channel: fax
"""
    with pytest.raises(simulator.SimulationInputError) as error:
        simulator.draft_from_yaml(text, simulator.today())

    assert error.value.errors == [
        "rules[0] (key 'cdn').team: unknown team 'platfrom' (line 5)",
        "rules[1] (key 'refunds').channel: unknown intake channel 'fax' (expected one of: web_form, email, "
        "phone, chat, api, monitoring) (line 10)",
        "rules[1] (key 'refunds').order: duplicate order 10 (also rules[0]) (line 8)",
    ]


@pytest.mark.parametrize("text, message", [
    ("rules: [", "invalid YAML at line 2"),
    ("key: cdn", "Write the rules as a list"),
])
def test_unreadable_rules_are_refused(mx, text, message):
    with pytest.raises(simulator.SimulationInputError) as error:
        simulator.draft_from_yaml(text, simulator.today())

    assert message in error.value.errors[0]


def test_only_open_requests_that_change_routing_are_offered(mx):
    rules = refund_rule_request(mx)
    other = Draft(author=mx["max"], reason="Rename")
    team = mx["support"]
    team.name = "Support desk"
    other.record(team)
    change_request_submit(draft=other)
    decided = refund_rule_request(mx)
    m.ChangeRequest.objects.filter(pk=decided.pk).update(status="rejected")

    assert [cr.pk for cr in simulator.simulatable_change_requests()] == [rules.pk]


def test_the_starting_rules_and_policies_are_read_alone_not_with_the_whole_matrix(mx, django_assert_num_queries):
    with django_assert_num_queries(4):  # the rules in one query; policies, their steps, the steps' people
        text = simulator.draft_yaml()

    assert text.startswith("rules:\n") and "key: cdn" in text
    assert "policies:\n" in text and "key: payments-sev1" in text and "phase: acknowledge" in text


CONTAINMENT_DRAFT = """policies:
- key: default
  name: Default
  steps:
  - {delay_minutes: 0}
  - {delay_minutes: 10, notify_on_call: false, notify_team_lead: true}
  - {phase: contain, delay_minutes: 30, notify_team_lead: true}
  - {phase: resolve, counted_from: target, delay_minutes: 0, notify_executives: true}
"""


@pytest.fixture
def acted(mx, history):
    """The cdn incident acknowledged at +4 and contained at +20; checkout acknowledged at +10, never contained;
    the other three never acknowledged."""
    incident_acknowledge(incident=history["cdn"], user=mx["olly"], now=after(4))
    incident_contain(incident=history["cdn"], user=mx["olly"], now=after(20))
    incident_acknowledge(incident=history["checkout"], user=mx["pat"], now=after(10))
    return history


def test_a_policy_edited_with_later_phases_shows_the_steps_it_would_have_fired(mx, acted):
    result = run(simulator.draft_from_yaml(CONTAINMENT_DRAFT, simulator.today()))

    # Acknowledgement, the same both ways: +0 for all five, +10 for the three never acknowledged.
    # Containment from the start: only checkout, acknowledged and left uncontained past +30.
    # Resolution from its target: all five are unresolved long after it.
    assert result.phases == [("Acknowledgement", 8, 8), ("Containment", 0, 1), ("Resolution", 0, 5)]
    assert result.rerouted == 0 and len(result.changed) == 5
    checkout = next(r for r in result.changed if r.incident == acted["checkout"])
    assert not checkout.team_changed and checkout.now.policy == checkout.draft.policy == "Default"
    assert checkout.now.fired_by_phase == [("Acknowledgement", 1)]
    assert checkout.draft.fired_by_phase == [("Acknowledgement", 1), ("Containment", 1), ("Resolution", 1)]


def test_a_change_request_adding_a_containment_step_is_replayed(mx, acted):
    draft = Draft(author=mx["max"], reason="Climb when containment slips")
    draft.record(m.EscalationStep(policy=mx["default_policy"], phase=m.Phase.CONTAIN, position=1,
                                  delay_minutes=30, notify_on_call=False, notify_team_lead=True))
    change_request = change_request_submit(draft=draft)

    assert [cr.pk for cr in simulator.simulatable_change_requests()] == [change_request.pk]
    result = run(simulator.draft_from_change_request(change_request, simulator.today()))

    assert result.phases == [("Acknowledgement", 8, 8), ("Containment", 0, 1), ("Resolution", 0, 0)]
    assert [r.incident for r in result.changed] == [acted["checkout"]]


def test_a_step_counted_from_its_target_waits_for_the_target_on_the_draft_tier(mx, acted):
    # Containment counted from the SEV2 contain target: none of the five was contained in time but cdn.
    text = CONTAINMENT_DRAFT.replace("{phase: contain, delay_minutes: 30,",
                                     "{phase: contain, counted_from: target, delay_minutes: 0,")

    result = run(simulator.draft_from_yaml(text, simulator.today()))

    assert result.phases[1] == ("Containment", 0, 4)


def test_policies_with_mistakes_are_refused_naming_each_policy_and_step(mx):
    text = """policies:
- key: default
  name: Default
  team: nobody
  steps:
  - {phase: contian, delay_minutes: 5}
- key: default
  name: Again
"""
    with pytest.raises(simulator.SimulationInputError) as error:
        simulator.draft_from_yaml(text, simulator.today())

    assert error.value.errors == [
        "policies[0] (key 'default').team: unknown team 'nobody' (line 4)",
        "policies[0] (key 'default').steps[0].phase: unknown phase 'contian' (expected one of: acknowledge, "
        "contain, resolve) (line 6)",
        "policies[1] (key 'default').key: duplicate key 'default' (also policies[0]) (line 7)",
    ]
