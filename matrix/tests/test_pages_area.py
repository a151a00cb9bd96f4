"""The area page: owner, roster, dependencies, rules, playbooks and each tier's escalation timeline."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from matrix import models as m
from matrix.tests import factories as f

NOW = dt.datetime(2026, 3, 4, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def checkout(db):
    pm = f.standard_priority_matrix()
    payments = f.TeamFactory(key="payments", name="Payments")
    alice = f.UserFactory(username="alice", first_name="Alice", last_name="Archer")
    f.RotationMemberFactory(rotation=f.RotationFactory(team=payments, starts_on=dt.date(2026, 1, 5)), user=alice)
    f.MembershipFactory(team=payments, user=f.UserFactory(first_name="Bob", last_name="Baker"),
                        role=m.MembershipRole.LEAD)
    shop = f.AreaFactory(key="shop", name="Shop", owner_team=payments)
    area = f.AreaFactory(key="checkout", name="Checkout", owner_team=payments, parent=shop,
                         lifecycle_stage=m.LifecycleStage.MATURE)
    m.AreaRosterEntry.objects.create(area=area, role=m.RosterRole.PRODUCT_MANAGER,
                                     user=f.UserFactory(username="pam", first_name="Pam", last_name="Price"))
    area.depends_on_areas.add(f.AreaFactory(key="login", name="Login"))
    f.AreaFactory(key="mobile", name="Mobile app").depends_on_areas.add(area)
    stripe = f.VendorFactory(key="stripe", name="Stripe",
                             relationship_owner=f.UserFactory(username="vic", first_name="Vic", last_name="Vance"))
    area.depends_on_vendors.add(stripe)
    f.RuleFactory(key="refunds", name="refunds → payments", order=12, area=shop, keywords="refund", team=payments)
    f.RuleFactory(key="elsewhere", name="login issues", order=13, area=m.ProductArea.objects.get(key="login"),
                  team=payments)
    policy = f.PolicyFactory(key="checkout-sev1", name="Checkout SEV1", area=area, tier=pm["tiers"]["sev1"])
    f.StepFactory(policy=policy, position=1, delay_minutes=0)
    f.StepFactory(policy=policy, position=2, delay_minutes=20, notify_on_call=False, notify_team_lead=True,
                  notify_vendor_owner=True)
    f.StepFactory(policy=policy, position=3, delay_minutes=60, notify_on_call=False, notify_executives=True)
    f.PlaybookFactory(key="checkout-outage", name="Checkout outage", area=area,
                      scenario="Payments **fail** at the last step.")
    return area


def get_area(client, key="checkout"):
    with time_machine.travel(NOW, tick=False):
        return client.get(reverse("matrix:area_detail", args=[key]))


def test_area_page_shows_owner_roster_and_dependencies(agent_client, checkout):
    response = get_area(agent_client)

    html = response.content.decode()
    assert response.status_code == 200
    assert "Mature" in html
    assert f'href="{reverse("matrix:team_detail", args=["payments"])}">Payments</a>' in html
    assert "Product manager" in html and "Pam Price" in html
    assert f'href="{reverse("matrix:area_detail", args=["login"])}">Login</a>' in html  # depends on
    assert f'href="{reverse("matrix:area_detail", args=["mobile"])}">Mobile app</a>' in html  # depended on by
    assert f'href="{reverse("matrix:vendor_detail", args=["stripe"])}">Stripe</a>' in html
    assert f'href="{reverse("matrix:area_detail", args=["shop"])}">Shop</a>' in html  # its parent


def test_area_page_draws_each_tiers_escalation_path_as_a_timeline(agent_client, checkout):
    response = get_area(agent_client)

    sev1 = next(p for p in response.context["page"].paths if p.tier.key == "sev1")
    assert [(s.delay_minutes, s.who) for s in sev1.steps] == [
        (0, "on-call (Alice Archer)"),
        (20, "lead (Bob Baker), vendor owner (Vic Vance)"),
        (60, "executives"),
    ]
    html = response.content.decode()
    assert html.count('<ol class="timeline">') == 1  # SEV2–SEV4 have no policy
    assert "+1h" in html
    assert html.count("No escalation policy") == 3


def test_area_page_lists_rules_that_target_it_or_its_parent_and_its_playbooks(agent_client, checkout):
    response = get_area(agent_client)

    page = response.context["page"]
    assert [rule.key for rule, _ in page.rules] == ["refunds"]
    html = response.content.decode()
    assert "refunds → payments" in html and "login issues" not in html
    assert f'href="{reverse("matrix:playbook_detail", args=["checkout-outage"])}">Checkout outage</a>' in html
    assert "Payments <strong>fail</strong> at the last step." in html


def test_unknown_area_is_not_found(agent_client, checkout):
    assert get_area(agent_client, "nope").status_code == 404
