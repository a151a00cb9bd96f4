"""Matrix lint: each finding kind, from the smallest matrix that triggers it, against a clean matrix.

Every test starts from ``clean`` (a small matrix with no findings at all), breaks one thing, and checks
exactly which subjects the finding names — and, where it matters, that the nearest harmless variant
stays clean.
"""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from matrix import models as m
from matrix.lint import ERROR, WARNING, lint
from matrix.tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def clean():
    """A small, complete matrix with no findings: the base every test breaks in one place."""
    return SimpleNamespace(**f.lint_clean_matrix())


def found(code: str) -> set[tuple[str, str]]:
    """The subjects lint names under ``code`` (and checks every finding of it has one severity)."""
    findings = [x for x in lint() if x.code == code]
    assert len({x.severity for x in findings}) <= 1
    return {(x.subject_type, x.subject_key) for x in findings}


def severity_of(code: str) -> str:
    return next(x.severity for x in lint() if x.code == code)


def test_a_complete_matrix_has_no_findings(clean):
    assert lint() == []


# --- priority matrix ------------------------------------------------------------------------------------

def test_a_matrix_with_no_impacts_urgencies_or_tiers_is_an_error(db):
    assert found("priority-matrix-empty") == {("matrix", "priority")}
    assert severity_of("priority-matrix-empty") == ERROR
    f.standard_priority_matrix()
    assert found("priority-matrix-empty") == set()


def test_an_impact_urgency_pair_without_a_tier_is_an_error(clean):
    m.PriorityCell.objects.filter(impact=clean.impacts["moderate"], urgency=clean.urgencies["low"]).delete()

    assert found("priority-cell-missing") == {("cell", "moderate/low")}
    assert severity_of("priority-cell-missing") == ERROR


def test_more_impact_or_urgency_giving_a_milder_tier_is_reported_against_each_neighbour(clean):
    # Significant × high should be SEV2; SEV4 is milder than moderate × high and significant × medium (SEV3).
    m.PriorityCell.objects.filter(impact=clean.impacts["significant"], urgency=clean.urgencies["high"]).update(
        tier=clean.tiers["sev4"])

    findings = [x for x in lint() if x.code == "priority-not-monotonic"]

    assert {(x.subject_type, x.subject_key) for x in findings} == {("cell", "significant/high")}
    assert sorted(x.message for x in findings) == [
        "Impact Significant × urgency High gives SEV4, less severe than SEV3 for Moderate × High, "
        "although it has more impact.",
        "Impact Significant × urgency High gives SEV4, less severe than SEV3 for Significant × Medium, "
        "although it has more urgency.",
    ]
    assert findings[0].severity == ERROR


def test_a_mild_cell_with_a_severe_tier_names_the_cells_above_it(clean):
    m.PriorityCell.objects.filter(impact=clean.impacts["minor"], urgency=clean.urgencies["low"]).update(
        tier=clean.tiers["sev1"])

    assert found("priority-not-monotonic") == {("cell", "moderate/low"), ("cell", "minor/medium")}


def test_a_contradiction_across_a_gap_in_the_matrix_is_still_found(clean):
    # Only two diagonal cells left: nothing between them, so they are neighbours.
    m.PriorityCell.objects.exclude(
        impact=clean.impacts["extensive"], urgency=clean.urgencies["critical"]
    ).exclude(impact=clean.impacts["significant"], urgency=clean.urgencies["high"]).delete()
    m.PriorityCell.objects.filter(impact=clean.impacts["extensive"]).update(tier=clean.tiers["sev3"])

    assert found("priority-not-monotonic") == {("cell", "extensive/critical")}


# --- routing rules ------------------------------------------------------------------------------------

def test_a_rule_whose_stage_no_area_in_its_subtree_has_is_unreachable(clean):
    child = f.AreaFactory(key="checkout-mobile", parent=clean.checkout, owner_team=clean.payments)
    f.RuleFactory(key="incubating-checkout", order=20, area=clean.checkout,
                  lifecycle_stage=m.LifecycleStage.INCUBATING, team=clean.payments)

    assert found("rule-unreachable") == {("rule", "incubating-checkout")}
    assert severity_of("rule-unreachable") == ERROR

    child.lifecycle_stage = m.LifecycleStage.INCUBATING  # a child at that stage makes it reachable
    child.save()
    assert found("rule-unreachable") == set()


def test_a_rule_on_an_impact_urgency_pair_without_a_tier_is_unreachable(clean):
    m.PriorityCell.objects.filter(impact=clean.impacts["minor"], urgency=clean.urgencies["low"]).delete()
    f.RuleFactory(key="minor-low", order=20, impact=clean.impacts["minor"], urgency=clean.urgencies["low"],
                  team=clean.payments)
    f.RuleFactory(key="minor-any", order=30, impact=clean.impacts["minor"], team=clean.payments)

    assert found("rule-unreachable") == {("rule", "minor-low")}


def test_a_rule_for_a_stage_no_area_has_yet_is_a_warning(clean):
    f.RuleFactory(key="deprecated", order=20, lifecycle_stage=m.LifecycleStage.DEPRECATED, team=clean.payments)

    assert found("rule-stage-unused") == {("rule", "deprecated")}
    assert severity_of("rule-stage-unused") == WARNING
    assert found("rule-unreachable") == set()

    f.AreaFactory(key="legacy", lifecycle_stage=m.LifecycleStage.DEPRECATED, owner_team=clean.payments)
    assert found("rule-stage-unused") == set()


SHADOWING_PAIRS = {
    # name: (earlier rule's conditions, later rule's conditions)
    "a rule with no conditions": ({}, {"keywords": "timeout", "channel": "email"}),
    "the same conditions": ({"keywords": "refund"}, {"keywords": "refund"}),
    "an ancestor area": ({"area": "checkout"}, {"area": "child"}),
    "a keyword starting a word in later ones": ({"keywords": "refund"}, {"keywords": "refunds, partial refund"}),
    "fewer conditions": ({"channel": "email"}, {"channel": "email", "customer_segment": "Enterprise"}),
    "a segment in other case": ({"customer_segment": " enterprise"}, {"customer_segment": "Enterprise "}),
    "a stage every area of the later rule has": ({"lifecycle_stage": "ga"}, {"area": "checkout"}),
}
NOT_SHADOWING_PAIRS = {
    "a later keyword without an earlier one": ({"keywords": "refund"}, {"keywords": "refunds, chargeback"}),
    "keywords only on the earlier rule": ({"keywords": "refund"}, {}),
    "a keyword inside, not starting, a later word": ({"keywords": "fund"}, {"keywords": "refund"}),
    "a child area": ({"area": "child"}, {"area": "checkout"}),
    "another channel": ({"channel": "email"}, {"channel": "phone"}),
    "another customer segment": ({"customer_segment": "enterprise"}, {"customer_segment": "smb"}),
    "an impact condition the later rule lacks": ({"impact": "minor"}, {"urgency": "low"}),
    "an inactive earlier rule": ({"active": False}, {"keywords": "refund"}),
    "a stage some area of the later rule lacks": ({"lifecycle_stage": "ga"}, {"area": None}),
}


def _shadow_case(clean, earlier: dict, later: dict) -> None:
    child = f.AreaFactory(key="child", parent=clean.checkout, owner_team=clean.payments)
    f.AreaFactory(key="beta-area", lifecycle_stage=m.LifecycleStage.BETA, owner_team=clean.payments)
    lookups = {
        "area": {"checkout": clean.checkout, "child": child, None: None}.get,
        "impact": clean.impacts.get,
        "urgency": clean.urgencies.get,
    }
    m.RoutingRule.objects.all().delete()
    for key, order, conditions in (("earlier", 20, earlier), ("later", 30, later)):
        conditions = {name: lookups[name](v) if name in lookups else v for name, v in conditions.items()}
        f.RuleFactory(key=key, order=order, team=clean.payments, **conditions)


@pytest.mark.parametrize(("earlier", "later"), SHADOWING_PAIRS.values(), ids=SHADOWING_PAIRS.keys())
def test_a_rule_an_earlier_rule_always_matches_first_is_shadowed(clean, earlier, later):
    _shadow_case(clean, earlier, later)

    assert found("rule-shadowed") == {("rule", "later")}
    assert severity_of("rule-shadowed") == ERROR


@pytest.mark.parametrize(("earlier", "later"), NOT_SHADOWING_PAIRS.values(), ids=NOT_SHADOWING_PAIRS.keys())
def test_a_rule_that_can_still_match_first_is_not_shadowed(clean, earlier, later):
    _shadow_case(clean, earlier, later)

    assert found("rule-shadowed") == set()


def test_a_shadowed_rule_names_the_first_rule_that_hides_it_and_ignores_rule_order_of_creation(clean):
    f.RuleFactory(key="late", name="Late refunds", order=50, keywords="refund request", team=clean.payments)
    f.RuleFactory(key="any", name="Anything", order=5, team=clean.payments)

    messages = {x.subject_key: x.message for x in lint() if x.code == "rule-shadowed"}

    assert set(messages) == {"refunds", "late"}
    assert messages["late"] == "Rule #50 'Late refunds' never fires: the earlier rule #5 'Anything' matches every " \
        "incident it matches."


def test_a_rule_routing_to_a_team_nobody_is_ever_on_call_for_is_a_warning(clean):
    sre = f.TeamFactory(key="sre", name="SRE")
    f.RuleFactory(key="outage", order=20, keywords="outage", team=sre)
    f.RuleFactory(key="old-outage", order=30, keywords="outage", team=sre, active=False)

    assert found("rule-team-never-on-call") == {("rule", "outage")}
    assert severity_of("rule-team-never-on-call") == WARNING

    # An empty rotation with a cover arranged for next week: somebody will be on call.
    rotation = f.RotationFactory(team=sre, starts_on=timezone.localdate())
    start = timezone.now() + dt.timedelta(days=7)
    f.RotationOverrideFactory(rotation=rotation, starts_at=start, ends_at=start + dt.timedelta(days=1))
    assert found("rule-team-never-on-call") == set()


# --- escalation ---------------------------------------------------------------------------------------

def test_a_policy_without_steps_is_a_warning(clean):
    f.PolicyFactory(key="empty")

    assert found("policy-no-steps") == {("policy", "empty")}
    assert severity_of("policy-no-steps") == WARNING


def test_a_step_due_at_or_after_its_tiers_resolve_target_can_never_fire(clean):
    sev1 = f.PolicyFactory(key="sev1-policy", tier=clean.tiers["sev1"])  # resolve target 240 minutes
    f.StepFactory(policy=sev1, position=1, delay_minutes=239)
    f.StepFactory(policy=sev1, position=2, delay_minutes=240)

    assert found("step-never-fires") == {("step", "sev1-policy/2")}
    assert severity_of("step-never-fires") == ERROR


def test_a_step_of_a_policy_for_any_tier_is_measured_against_the_longest_resolve_target(clean):
    f.StepFactory(policy=clean.policy, position=2, delay_minutes=10079)  # SEV4 resolves in 10080 minutes
    f.StepFactory(policy=clean.policy, position=3, delay_minutes=10080)

    assert found("step-never-fires") == {("step", "default/3")}


def test_a_step_that_notifies_nobody_is_an_error(clean):
    f.StepFactory(policy=clean.policy, position=2, delay_minutes=30, notify_on_call=False)
    named = f.StepFactory(policy=clean.policy, position=3, delay_minutes=60, notify_on_call=False)
    named.notify_users.add(f.UserFactory())

    assert found("step-no-recipients") == {("step", "default/2")}
    assert severity_of("step-no-recipients") == ERROR


def test_a_team_policy_step_naming_a_lead_or_role_the_team_lacks_is_a_warning(clean):
    policy = f.PolicyFactory(key="payments-policy", team=clean.payments)
    f.StepFactory(policy=policy, position=1, delay_minutes=5, notify_team_lead=True)
    f.StepFactory(policy=policy, position=2, delay_minutes=10, notify_role=m.MembershipRole.PRODUCT_MANAGER)

    assert found("step-recipients-missing") == {("step", "payments-policy/1"), ("step", "payments-policy/2")}
    assert severity_of("step-recipients-missing") == WARNING

    f.MembershipFactory(team=clean.payments, role=m.MembershipRole.LEAD)
    f.MembershipFactory(team=clean.payments, role=m.MembershipRole.PRODUCT_MANAGER,
                        user=f.UserFactory(is_active=False))  # an inactive product manager reaches nobody
    assert found("step-recipients-missing") == {("step", "payments-policy/2")}


def test_steps_sharing_a_delay_are_a_warning_on_the_later_one(clean):
    f.StepFactory(policy=clean.policy, position=2, delay_minutes=15)
    f.StepFactory(policy=clean.policy, position=3, delay_minutes=15)
    f.StepFactory(policy=f.PolicyFactory(key="other"), position=1, delay_minutes=15)

    assert found("step-duplicate-delay") == {("step", "default/3")}
    assert severity_of("step-duplicate-delay") == WARNING


def test_a_tier_no_policy_can_apply_to_is_a_warning(clean):
    clean.policy.delete()
    f.StepFactory(policy=f.PolicyFactory(key="sev1-policy", tier=clean.tiers["sev1"]), delay_minutes=5)
    f.StepFactory(policy=f.PolicyFactory(key="sev2-checkout", tier=clean.tiers["sev2"], area=clean.checkout),
                  delay_minutes=5)

    assert found("tier-no-policy") == {("tier", "sev3"), ("tier", "sev4")}
    assert severity_of("tier-no-policy") == WARNING


# --- areas, triage, contacts --------------------------------------------------------------------------

def test_an_area_without_owner_is_an_error(clean):
    f.AreaFactory(key="orphan", owner_team=None)

    assert found("area-no-owner") == {("area", "orphan")}
    assert severity_of("area-no-owner") == ERROR


def test_an_area_no_playbook_applies_to_is_a_warning(clean):
    m.Playbook.objects.all().delete()
    child = f.AreaFactory(key="checkout-mobile", parent=clean.checkout, owner_team=clean.payments)
    f.AreaFactory(key="search", owner_team=clean.payments)
    f.PlaybookFactory(key="checkout-playbook", area=clean.checkout)  # covers its child too

    assert found("area-no-playbook") == {("area", "search")}
    assert severity_of("area-no-playbook") == WARNING
    assert child.key not in {key for _, key in found("area-no-playbook")}


def test_no_triage_team_is_a_warning(clean):
    m.Team.objects.filter(pk=clean.triage.pk).update(is_triage=False)

    assert found("no-triage-team") == {("matrix", "triage")}
    assert severity_of("no-triage-team") == WARNING


def test_team_contacts_not_confirmed_within_the_stale_period_are_a_warning(clean, settings):
    settings.MATRIX_CONTACT_STALE_DAYS = 30
    now = timezone.now()
    m.ContactChannel.objects.create(team=clean.payments, kind=m.ChannelKind.SLACK, target="https://hooks.example/a",
                                    confirmed_at=now - dt.timedelta(days=29))
    m.ContactChannel.objects.create(team=clean.payments, kind=m.ChannelKind.SLACK, target="https://hooks.example/b",
                                    confirmed_at=now - dt.timedelta(days=31))
    m.ContactChannel.objects.create(team=clean.triage, kind=m.ChannelKind.WEBHOOK, target="https://hooks.example/c")

    findings = [x for x in lint() if x.code == "team-contact-stale"]

    assert sorted((x.subject_key, x.severity) for x in findings) == [("payments", WARNING), ("support", WARNING)]
    assert "https://hooks.example/b" in next(x.message for x in findings if x.subject_key == "payments")
    assert "never been confirmed" in next(x.message for x in findings if x.subject_key == "support")


def test_vendor_contacts_not_confirmed_within_the_stale_period_are_a_warning(clean):
    m.VendorContact.objects.create(vendor=clean.vendor, name="Account manager",
                                   confirmed_at=timezone.now() - dt.timedelta(days=91))
    adyen = f.VendorFactory(key="adyen")
    m.VendorContact.objects.create(vendor=adyen, name="Escalations")

    assert found("vendor-contact-stale") == {("vendor", "stripe"), ("vendor", "adyen")}
    assert severity_of("vendor-contact-stale") == WARNING


# --- rotations and on-call ----------------------------------------------------------------------------

def test_a_rotation_with_an_unknown_time_zone_is_an_error(clean):
    f.RotationFactory(team=clean.payments, name="Night", time_zone="Mars/Olympus_Mons")

    assert found("rotation-bad-time-zone") == {("rotation", "payments/Night")}
    assert severity_of("rotation-bad-time-zone") == ERROR


def test_a_rotation_without_members_is_a_warning(clean):
    f.RotationFactory(team=clean.payments, name="Secondary", order=2)

    assert found("rotation-no-members") == {("rotation", "payments/Secondary")}
    assert severity_of("rotation-no-members") == WARNING
    assert found("team-no-on-call-now") == set()  # the primary still covers the team


def test_a_rotation_that_has_not_started_is_a_warning(clean):
    later = f.RotationFactory(team=clean.payments, name="Next quarter", order=2,
                              starts_on=timezone.localdate() + dt.timedelta(days=30))
    f.RotationMemberFactory(rotation=later, position=1)

    assert found("rotation-not-started") == {("rotation", "payments/Next quarter")}
    assert severity_of("rotation-not-started") == WARNING


def test_an_inactive_user_in_a_rotation_is_a_warning(clean):
    rotation = clean.payments.rotations.get()
    f.RotationMemberFactory(rotation=rotation, position=2, user=f.UserFactory(username="gone", is_active=False))

    findings = [x for x in lint() if x.code == "rotation-inactive-member"]

    assert [(x.subject_type, x.subject_key, x.severity) for x in findings] == [
        ("rotation", "payments/Primary", WARNING)]
    assert "gone" in findings[0].message


def test_a_team_that_receives_incidents_with_nobody_active_on_call_now_is_an_error(clean):
    get_user_model().objects.filter(username="payments-oncall").update(is_active=False)

    assert found("team-no-on-call-now") == {("team", "payments")}
    assert severity_of("team-no-on-call-now") == ERROR

    # Somebody covering right now closes the gap.
    now = timezone.now()
    f.RotationOverrideFactory(rotation=clean.payments.rotations.get(), starts_at=now - dt.timedelta(hours=1),
                              ends_at=now + dt.timedelta(hours=1))
    assert found("team-no-on-call-now") == set()


def test_an_area_owner_without_a_rotation_is_an_error_and_an_idle_team_without_one_a_warning(clean):
    mobile = f.TeamFactory(key="mobile", name="Mobile")
    f.AreaFactory(key="app", owner_team=mobile)
    f.TeamFactory(key="product", name="Product")  # routes nothing

    assert found("team-no-on-call-now") == {("team", "mobile")}
    assert found("team-no-rotation") == {("team", "product")}
    assert severity_of("team-no-rotation") == WARNING
