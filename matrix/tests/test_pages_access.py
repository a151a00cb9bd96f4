"""Every matrix page: renders for a support agent (a view-only role) and sends anonymous users to login."""

import datetime as dt

import pytest
from django.urls import reverse

from matrix import models as m
from matrix.tests import factories as f

PAGES = [
    ("matrix:home", []),
    ("matrix:area_detail", ["checkout"]),
    ("matrix:team_list", []),
    ("matrix:team_detail", ["payments"]),
    ("matrix:vendor_list", []),
    ("matrix:vendor_detail", ["stripe"]),
    ("matrix:person_detail", ["alice"]),
    ("matrix:playbook_detail", ["card-failures"]),
    ("matrix:search", []),
    ("matrix:route_preview", []),
]


@pytest.fixture
def matrix(db):
    pm = f.standard_priority_matrix()
    payments = f.TeamFactory(key="payments", name="Payments")
    alice = f.UserFactory(username="alice")
    f.MembershipFactory(team=payments, user=alice, role=m.MembershipRole.LEAD)
    f.RotationMemberFactory(rotation=f.RotationFactory(team=payments, starts_on=dt.date(2026, 1, 5)), user=alice)
    area = f.AreaFactory(key="checkout", owner_team=payments)
    area.depends_on_vendors.add(f.VendorFactory(key="stripe", relationship_owner=alice))
    policy = f.PolicyFactory(area=area)
    f.StepFactory(policy=policy, position=1, delay_minutes=0)
    f.PlaybookFactory(key="card-failures", area=area, tier=pm["tiers"]["sev1"], scenario="*Check* the dashboard.")
    f.RuleFactory(area=area, keywords="refund", team=payments)


@pytest.mark.parametrize(("name", "args"), PAGES)
def test_page_renders_for_a_support_agent(agent_client, matrix, name, args):
    response = agent_client.get(reverse(name, args=args), {"q": "check"} if name == "matrix:search" else {})

    assert response.status_code == 200
    assert b"Escalation Matrix" in response.content  # the full layout, with the top bar


@pytest.mark.parametrize(("name", "args"), PAGES)
def test_anonymous_user_is_sent_to_login(client, matrix, name, args):
    url = reverse(name, args=args)

    response = client.get(url)

    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next={url}"


def test_pages_only_answer_get(agent_client, matrix):
    assert agent_client.post(reverse("matrix:route_preview"), {"product_area": "checkout"}).status_code == 405
