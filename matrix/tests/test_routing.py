"""The routing engine: which rule wins, every fallback, errors, and why it says what it says."""

import datetime as dt

import pytest

from matrix import models as m
from matrix.routing import Router, RouteRequest, RoutingError, route
from matrix.snapshot import MatrixSnapshot
from matrix.tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def pm():
    return f.standard_priority_matrix()


@pytest.fixture
def shop(pm):
    """Shop (owned by web) with child Checkout (owned by checkout-team), and a triage team."""
    web = f.TeamFactory(key="web", name="Web")
    shop = f.AreaFactory(key="shop", name="Shop", owner_team=web)
    checkout = f.AreaFactory(key="checkout", name="Checkout", parent=shop,
                             owner_team=f.TeamFactory(key="checkout-team", name="Checkout team"))
    triage = f.TeamFactory(key="triage", name="Support tier 1", is_triage=True)
    return {"web": web, "shop": shop, "checkout": checkout, "triage": triage, **pm}


def ask(area="checkout", impact="significant", urgency="high", **kwargs):
    return route(RouteRequest(area=area, impact=impact, urgency=urgency, **kwargs))


# --- rules -----------------------------------------------------------------------------------------

def test_the_matching_rule_with_the_lowest_order_wins_whatever_the_creation_order(shop):
    late = f.RuleFactory(key="late", order=20, keywords="refund")
    early = f.RuleFactory(key="early", order=10, keywords="refund")

    decision = ask(title="Refund failed")

    assert decision.rule == early
    assert decision.team == early.team != late.team
    assert decision.fallback == "rule"


def test_an_inactive_rule_is_ignored_and_the_next_match_wins(shop):
    f.RuleFactory(key="off", order=10, keywords="refund", active=False)
    on = f.RuleFactory(key="on", order=20, keywords="refund")

    assert ask(title="Refund failed").rule == on


def test_an_area_rule_covers_the_area_and_its_children_but_not_its_parent(shop):
    rule = f.RuleFactory(key="shop-rule", order=10, area=shop["shop"])
    child_rule = f.RuleFactory(key="checkout-rule", order=20, area=shop["checkout"])
    other = f.AreaFactory(key="search", name="Search")

    assert ask(area="checkout").rule == rule
    assert ask(area="shop").rule == rule
    assert ask(area="search").rule is None
    rule.delete()
    assert ask(area="shop").rule is None
    assert ask(area="checkout").rule == child_rule
    assert other.owner_team == ask(area="search").team


def test_a_lifecycle_stage_rule_matches_only_areas_at_that_stage(shop):
    rule = f.RuleFactory(key="incubating", order=10, lifecycle_stage=m.LifecycleStage.INCUBATING)
    f.AreaFactory(key="onboarding", lifecycle_stage=m.LifecycleStage.INCUBATING)

    assert ask(area="onboarding").rule == rule
    assert ask(area="checkout").rule is None


@pytest.mark.parametrize("title, description", [
    ("REFUNDS are failing", ""),
    ("Checkout broken", "Customers see a Refund error"),
])
def test_keywords_match_the_title_or_the_description_ignoring_case(shop, title, description):
    rule = f.RuleFactory(key="refunds", order=10, keywords=" Refund , chargeback")

    decision = ask(title=title, description=description)

    assert decision.rule == rule
    assert "keyword 'refund'" in decision.explanation


def test_a_keyword_rule_does_not_match_text_without_any_of_its_keywords(shop):
    f.RuleFactory(key="refunds", order=10, keywords="refund, chargeback")

    assert ask(title="Checkout is slow", description="The page takes 20 s").rule is None


def test_a_customer_segment_rule_matches_that_segment_ignoring_case_and_spaces(shop):
    rule = f.RuleFactory(key="enterprise", order=10, customer_segment="Enterprise")

    assert ask(customer_segment=" enterprise ").rule == rule
    assert ask(customer_segment="smb").rule is None
    assert ask().rule is None


def test_a_channel_rule_matches_only_incidents_from_that_channel(shop):
    rule = f.RuleFactory(key="monitoring", order=10, channel=m.IntakeChannel.MONITORING)

    assert ask(channel="monitoring").rule == rule
    assert ask(channel="email").rule is None
    assert ask().rule is None


def test_impact_and_urgency_conditions_must_both_hold(shop):
    rule = f.RuleFactory(key="worst", order=10, impact=shop["impacts"]["extensive"],
                         urgency=shop["urgencies"]["critical"])

    assert ask(impact="extensive", urgency="critical").rule == rule
    assert ask(impact="extensive", urgency="high").rule is None
    assert ask(impact="significant", urgency="critical").rule is None


def test_every_condition_of_a_rule_must_hold(shop):
    f.RuleFactory(key="narrow", order=10, area=shop["checkout"], keywords="refund", channel="email")

    assert ask(title="refund", channel="chat").rule is None
    assert ask(title="payment", channel="email").rule is None
    assert ask(title="refund", channel="email").rule.key == "narrow"


def test_a_tier_override_replaces_the_priority_matrix_tier_and_says_so(shop):
    f.RuleFactory(key="vip", name="VIP", order=10, customer_segment="vip", tier_override=shop["tiers"]["sev1"])

    decision = ask(impact="minor", urgency="low", customer_segment="vip")

    assert decision.tier == shop["tiers"]["sev1"]
    assert decision.explanation.endswith("tier SEV1 set by the rule (the matrix said SEV4)")


def test_a_playbook_override_beats_the_playbook_the_matrix_would_choose(shop):
    f.PlaybookFactory(key="checkout-pb", area=shop["checkout"])
    refunds_pb = f.PlaybookFactory(key="refunds-pb")
    f.RuleFactory(key="refunds", order=10, keywords="refund", playbook_override=refunds_pb)

    assert ask(title="refund").playbook == refunds_pb
    assert ask(title="slow").playbook.key == "checkout-pb"


# --- fallbacks and errors --------------------------------------------------------------------------

def test_without_a_matching_rule_the_area_owner_gets_it(shop):
    decision = ask(area="checkout", impact="significant", urgency="high")

    assert (decision.team.key, decision.rule, decision.fallback) == ("checkout-team", None, "area_owner")
    assert decision.explanation == (
        "no rule matched; Checkout is owned by Checkout team; tier SEV2 from impact Significant × urgency High"
    )


def test_an_area_without_owner_falls_back_to_the_triage_team(shop):
    f.AreaFactory(key="orphan", name="Orphan", owner_team=None)

    decision = ask(area="orphan")

    assert (decision.team, decision.fallback) == (shop["triage"], "triage_team")
    assert decision.explanation.startswith(
        "no rule matched and Orphan has no owner; sent to the triage team Support tier 1;"
    )


def test_no_rule_no_owner_and_no_triage_team_is_a_routing_error(pm):
    f.AreaFactory(key="orphan", name="Orphan", owner_team=None)

    with pytest.raises(RoutingError) as error:
        ask(area="orphan")

    assert error.value.field == "product_area"
    assert error.value.message == "No rule matched, Orphan has no owner and there is no triage team."


@pytest.mark.parametrize("inputs, field_name, message", [
    ({"area": "nowhere"}, "product_area", "Unknown product area 'nowhere'."),
    ({"impact": "apocalyptic"}, "impact", "Unknown impact 'apocalyptic'."),
    ({"urgency": "yesterday"}, "urgency", "Unknown urgency 'yesterday'."),
])
def test_an_unknown_input_is_an_error_naming_its_field(shop, inputs, field_name, message):
    with pytest.raises(RoutingError) as error:
        ask(**inputs)

    assert (error.value.field, error.value.message, str(error.value)) == (field_name, message, message)


def test_input_errors_lists_every_unknown_input_at_once(shop):
    request = RouteRequest(area="nowhere", impact="apocalyptic", urgency="high")

    assert Router().input_errors(request) == {
        "product_area": "Unknown product area 'nowhere'.",
        "impact": "Unknown impact 'apocalyptic'.",
    }


def test_a_missing_priority_cell_is_an_error(shop):
    m.PriorityCell.objects.filter(impact__key="minor", urgency__key="low").delete()

    with pytest.raises(RoutingError) as error:
        ask(impact="minor", urgency="low")

    assert error.value.field == "urgency"
    assert error.value.message == "The priority matrix has no tier for Minor × Low."


# --- escalation policy -----------------------------------------------------------------------------

def test_an_area_policy_beats_a_team_policy_which_beats_the_tier_default(shop):
    sev2 = shop["tiers"]["sev2"]
    default = f.PolicyFactory(key="default", tier=sev2)
    team_policy = f.PolicyFactory(key="team", tier=sev2, team=m.Team.objects.get(key="checkout-team"))
    area_policy = f.PolicyFactory(key="area", tier=sev2, area=shop["checkout"])

    assert ask().policy == area_policy
    area_policy.delete()
    assert ask().policy == team_policy
    team_policy.delete()
    assert ask().policy == default


def test_a_team_policy_applies_only_to_incidents_routed_to_that_team(shop):
    f.PolicyFactory(key="web-only", team=shop["web"])
    default = f.PolicyFactory(key="default")

    assert ask(area="checkout").policy == default
    assert ask(area="shop").policy.key == "web-only"


def test_a_nearer_ancestor_area_policy_beats_a_farther_one(shop):
    f.PolicyFactory(key="shop-policy", area=shop["shop"])
    payments = f.AreaFactory(key="payments", parent=shop["checkout"], owner_team=shop["web"])
    f.PolicyFactory(key="checkout-policy", area=shop["checkout"])

    assert ask(area=payments.key).policy.key == "checkout-policy"
    assert ask(area="shop").policy.key == "shop-policy"


def test_a_policy_for_another_tier_or_another_area_never_applies(shop):
    f.PolicyFactory(key="sev1-only", tier=shop["tiers"]["sev1"])
    f.AreaFactory(key="search")
    f.PolicyFactory(key="search-only", area=m.ProductArea.objects.get(key="search"))

    assert ask(impact="significant", urgency="high").policy is None


@pytest.mark.parametrize("stage, expected", [
    (m.LifecycleStage.INCUBATING, "incubating"),
    (m.LifecycleStage.MATURE, "mature"),
    (m.LifecycleStage.BETA, "default"),
    (m.LifecycleStage.GA, "default"),
])
def test_a_lifecycle_variant_policy_applies_to_areas_at_its_stage(shop, stage, expected):
    sev2 = shop["tiers"]["sev2"]
    f.PolicyFactory(key="default", tier=sev2)
    f.PolicyFactory(key="incubating", tier=sev2, lifecycle_stage=m.LifecycleStage.INCUBATING)
    f.PolicyFactory(key="mature", tier=sev2, lifecycle_stage=m.LifecycleStage.MATURE)
    f.AreaFactory(key="subject", lifecycle_stage=stage)

    assert ask(area="subject").policy.key == expected


def test_the_policy_follows_the_tier_set_by_a_tier_override(shop):
    f.PolicyFactory(key="sev1-policy", tier=shop["tiers"]["sev1"])
    f.RuleFactory(key="vip", order=10, customer_segment="vip", tier_override=shop["tiers"]["sev1"])

    assert ask(impact="minor", urgency="low", customer_segment="vip").policy.key == "sev1-policy"


def test_the_decision_lists_the_policy_steps_in_order(shop):
    policy = f.PolicyFactory(key="default")
    second = f.StepFactory(policy=policy, position=2, delay_minutes=30)
    first = f.StepFactory(policy=policy, position=1, delay_minutes=0)

    assert ask().steps == [first, second]


# --- playbook --------------------------------------------------------------------------------------

def test_an_area_playbook_beats_a_tier_only_playbook_and_a_nearer_area_beats_a_farther_one(shop):
    f.PlaybookFactory(key="sev2-generic", tier=shop["tiers"]["sev2"])
    assert ask().playbook.key == "sev2-generic"

    f.PlaybookFactory(key="shop-pb", area=shop["shop"])
    assert ask().playbook.key == "shop-pb"

    f.PlaybookFactory(key="checkout-pb", area=shop["checkout"])
    assert ask().playbook.key == "checkout-pb"
    assert ask(area="shop").playbook.key == "shop-pb"


def test_an_area_and_tier_playbook_beats_the_area_playbook_for_that_tier_only(shop):
    f.PlaybookFactory(key="checkout-pb", area=shop["checkout"])
    f.PlaybookFactory(key="checkout-sev1", area=shop["checkout"], tier=shop["tiers"]["sev1"])

    assert ask(impact="extensive", urgency="critical").playbook.key == "checkout-sev1"
    assert ask(impact="minor", urgency="low").playbook.key == "checkout-pb"


def test_without_a_fitting_playbook_the_decision_has_none(shop):
    f.PlaybookFactory(key="sev1-only", tier=shop["tiers"]["sev1"])

    assert ask(impact="minor", urgency="low").playbook is None


# --- explanation, on-call, deadlines, cost ---------------------------------------------------------

def test_the_explanation_names_the_rule_and_each_condition_that_matched(shop):
    f.RuleFactory(
        key="everything", name="big enterprise refunds", order=7, area=shop["shop"], keywords="refund",
        lifecycle_stage=m.LifecycleStage.GA, customer_segment="enterprise", channel="email",
        impact=shop["impacts"]["significant"], urgency=shop["urgencies"]["high"],
    )

    decision = ask(title="Refund", customer_segment="Enterprise", channel="email")

    assert decision.explanation == (
        "rule 7 'big enterprise refunds' matched keyword 'refund', area Shop, lifecycle stage ga, "
        "customer segment enterprise, channel email, impact Significant, urgency High; "
        "tier SEV2 from impact Significant × urgency High"
    )


def test_a_rule_without_conditions_matches_any_incident_and_says_so(shop):
    f.RuleFactory(key="catch-all", name="catch all", order=99)

    assert ask().explanation.startswith("rule 99 'catch all' matched any incident;")


def test_the_decision_names_who_is_on_call_now_in_the_routed_team(shop):
    team = m.Team.objects.get(key="checkout-team")
    alice = f.RotationMemberFactory(rotation=f.RotationFactory(team=team, starts_on=dt.date(2026, 1, 5)),
                                    position=1).user
    monday = dt.datetime(2026, 1, 5, 10, tzinfo=dt.UTC)

    decision = Router(MatrixSnapshot(now=monday)).route(RouteRequest("checkout", "significant", "high"))

    assert decision.on_call == alice
    assert Router(MatrixSnapshot(now=monday - dt.timedelta(days=1))).route(
        RouteRequest("checkout", "significant", "high")).on_call is None


def test_deadlines_count_the_tier_targets_from_the_filing_time(shop):
    filed = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)

    assert ask().deadlines(filed) == {  # SEV2: 15 min / 120 min / 480 min
        "acknowledge": dt.datetime(2026, 3, 2, 12, 15, tzinfo=dt.UTC),
        "contain": dt.datetime(2026, 3, 2, 14, 0, tzinfo=dt.UTC),
        "resolve": dt.datetime(2026, 3, 2, 20, 0, tzinfo=dt.UTC),
    }


def test_a_warm_router_decides_without_any_query(shop, django_assert_num_queries):
    policy = f.PolicyFactory(key="default")
    f.StepFactory(policy=policy, position=1).notify_users.add(f.UserFactory())
    f.RuleFactory(key="refunds", order=10, keywords="refund")
    f.RotationMemberFactory(rotation=f.RotationFactory(team=shop["web"]))
    router = Router()
    router.route(RouteRequest("checkout", "significant", "high", title="refund"))

    with django_assert_num_queries(0):
        for area in ("checkout", "shop"):
            decision = router.route(RouteRequest(area, "minor", "low", title="slow"))
            [step.recipient_labels() for step in decision.steps]
