"""The admin's lists answer a manager's questions: who is on call, who owns what, what a rule matches."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from matrix import models as m
from matrix.tests import factories as f


def changelist(client, model_name: str, **params):
    return client.get(reverse(f"admin:matrix_{model_name}_changelist"), params)


def text(response) -> str:
    """The page as a reader sees it: tags dropped, whitespace squeezed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_team_list_shows_who_is_on_call_now_and_flags_a_team_with_nobody(manager_client, db):
    payments = f.TeamFactory(key="payments", name="Payments")
    olga = f.UserFactory(username="olga", first_name="Olga", last_name="Oncall")
    rotation = f.RotationFactory(team=payments, starts_on=timezone.localdate() - dt.timedelta(days=3))
    f.RotationMemberFactory(rotation=rotation, user=olga, position=1)
    f.MembershipFactory(team=payments, user=olga)
    f.MembershipFactory(team=payments, user=olga, role=m.MembershipRole.LEAD)  # one person, two roles
    f.MembershipFactory(team=payments)
    f.TeamFactory(key="mobile", name="Mobile")

    page = text(changelist(manager_client, "team"))

    assert "Payments payments Olga Oncall 2" in page
    assert "Mobile mobile nobody 0" in page


def test_team_list_follows_an_override_for_who_is_on_call(manager_client, db):
    team = f.TeamFactory(key="sre", name="SRE")
    rotation = f.RotationFactory(team=team, starts_on=timezone.localdate() - dt.timedelta(days=3))
    f.RotationMemberFactory(rotation=rotation, user=f.UserFactory(first_name="Regular", last_name="Person"))
    now = timezone.now()
    f.RotationOverrideFactory(rotation=rotation, user=f.UserFactory(first_name="Cover", last_name="Person"),
                              starts_at=now - dt.timedelta(hours=1), ends_at=now + dt.timedelta(hours=1))

    assert "Cover Person" in text(changelist(manager_client, "team"))
    assert "Cover Person" in text(changelist(manager_client, "rotation"))


def test_area_list_flags_areas_without_owner_counts_rules_and_filters_the_ownerless(manager_client, db):
    checkout = f.AreaFactory(key="checkout", name="Checkout", lifecycle_stage=m.LifecycleStage.MATURE,
                             owner_team=f.TeamFactory(key="payments", name="Payments"))
    f.AreaFactory(key="onboarding", name="Onboarding", owner_team=None, parent=checkout,
                  lifecycle_stage=m.LifecycleStage.BETA)
    f.RuleFactory(area=checkout, team=checkout.owner_team)
    f.RuleFactory(area=checkout, team=checkout.owner_team)

    page = text(changelist(manager_client, "productarea"))
    ownerless = changelist(manager_client, "productarea", owner_team__isnull="True")

    assert "Checkout checkout Mature Payments — 2" in page
    assert "Onboarding onboarding Beta no owner Checkout 0" in page
    assert [a.key for a in ownerless.context["cl"].result_list] == ["onboarding"]


def test_rule_list_says_what_each_rule_matches_in_words(manager_client, db):
    pm = f.standard_priority_matrix()
    checkout = f.AreaFactory(key="checkout", name="Checkout")
    payments = f.TeamFactory(key="payments", name="Payments")
    f.RuleFactory(order=10, name="Refunds", area=checkout, keywords="Refund, chargeback ",
                  impact=pm["impacts"]["extensive"], channel=m.IntakeChannel.EMAIL, team=payments,
                  tier_override=pm["tiers"]["sev1"])
    f.RuleFactory(order=20, name="Catch all", team=payments, active=False)

    page = text(changelist(manager_client, "routingrule"))

    assert ("10 Refunds area Checkout (and below); keywords “refund”, “chargeback”; via email; impact Extensive "
            "Payments tier SEV1") in page
    assert "20 Catch all anything Payments —" in page


def test_tier_list_shows_targets_in_plain_durations(manager_client, db):
    f.standard_priority_matrix()

    page = text(changelist(manager_client, "tier"))

    assert "SEV1 sev1 5 min · 30 min · 4 h" in page
    assert "SEV4 sev4 4 h · 1 d · 7 d" in page


def test_policy_list_shows_scope_step_count_and_the_escalation_path(manager_client, db):
    sev1 = f.TierFactory(key="sev1", name="SEV1")
    policy = f.PolicyFactory(name="Checkout SEV1", key="checkout-sev1", tier=sev1,
                             area=f.AreaFactory(key="checkout", name="Checkout"))
    f.StepFactory(policy=policy, position=1, delay_minutes=0)
    f.StepFactory(policy=policy, position=2, delay_minutes=30, notify_team_lead=True, notify_executives=True)
    f.PolicyFactory(name="Empty", key="empty")

    page = text(changelist(manager_client, "escalationpolicy"))

    assert ("Checkout SEV1 checkout-sev1 area Checkout, tier SEV1 2 "
            "+0 min: on-call → +30 min: on-call, team lead, executives") in page
    assert "Empty empty everything (default) 0 no steps" in page


def test_stale_contact_filter_lists_contacts_nobody_confirmed_recently(manager_client, db):
    team = f.TeamFactory(key="sre")
    fresh = f.ContactChannelFactory(team=team, target="fresh@example.com", confirmed_at=timezone.now())
    old = f.ContactChannelFactory(team=team, target="old@example.com",
                                  confirmed_at=timezone.now() - dt.timedelta(days=200))
    never = f.ContactChannelFactory(team=team, target="never@example.com")

    stale = changelist(manager_client, "contactchannel", confirmation="stale").context["cl"].result_list
    recent = changelist(manager_client, "contactchannel", confirmation="fresh").context["cl"].result_list

    assert {c.pk for c in stale} == {old.pk, never.pk}
    assert {c.pk for c in recent} == {fresh.pk}


@pytest.mark.parametrize(("model_name", "term", "expected"), [
    ("productarea", "check", ["checkout"]),
    ("team", "pay", ["payments"]),
    ("routingrule", "refund", ["refunds"]),
])
def test_search_finds_by_name_key_or_keywords(manager_client, db, model_name, term, expected):
    payments = f.TeamFactory(key="payments", name="Payments")
    f.TeamFactory(key="mobile", name="Mobile")
    f.AreaFactory(key="checkout", name="Checkout", owner_team=payments)
    f.AreaFactory(key="search", name="Search", owner_team=payments)
    f.RuleFactory(key="refunds", name="Money back", keywords="refund", team=payments)
    f.RuleFactory(key="crashes", name="Crashes", keywords="crash", team=payments)

    result = changelist(manager_client, model_name, q=term).context["cl"].result_list

    assert [obj.key for obj in result] == expected
