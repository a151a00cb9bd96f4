"""The top-bar search (a dropdown with htmx, a results page without) and the person page."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from matrix import models as m
from matrix.tests import factories as f

NOW = dt.datetime(2026, 3, 4, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def matrix(db):
    payments = f.TeamFactory(key="payments", name="Payments")
    alice = f.UserFactory(username="alice", first_name="Alice", last_name="Archer", email="alice@corp.example")
    f.MembershipFactory(team=payments, user=alice, role=m.MembershipRole.LEAD)
    rotation = f.RotationFactory(team=payments, starts_on=dt.date(2026, 1, 5))
    f.RotationMemberFactory(rotation=rotation, user=alice, position=1)
    checkout = f.AreaFactory(key="checkout", name="Checkout", owner_team=payments)
    m.AreaRosterEntry.objects.create(area=checkout, role=m.RosterRole.LEAD_ENGINEER, user=alice)
    f.VendorFactory(key="stripe", name="Stripe", relationship_owner=alice)
    f.PlaybookFactory(key="card-failures", name="Card failures")
    return {"alice": alice}


def search(client, q, htmx=False):
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    response = client.get(reverse("matrix:search"), {"q": q}, **headers)
    assert response.status_code == 200
    return response


@pytest.mark.parametrize(("query", "kind", "url_name", "arg"), [
    ("check", "areas", "matrix:area_detail", "checkout"),
    ("paym", "teams", "matrix:team_detail", "payments"),
    ("stri", "vendors", "matrix:vendor_detail", "stripe"),
    ("card fail", "playbooks", "matrix:playbook_detail", "card-failures"),
    ("alice arch", "people", "matrix:person_detail", "alice"),  # full name
    ("corp.example", "people", "matrix:person_detail", "alice"),  # email
])
def test_search_finds_each_kind_and_links_to_its_page(agent_client, matrix, query, kind, url_name, arg):
    response = search(agent_client, query)

    assert len(getattr(response.context["results"], kind)) == 1
    assert f'href="{reverse(url_name, args=[arg])}"' in response.content.decode()


def test_search_with_htmx_returns_only_the_dropdown(agent_client, matrix):
    response = search(agent_client, "alice", htmx=True)

    html = response.content.decode()
    assert "<html" not in html
    assert 'class="list-group shadow-sm search-dropdown"' in html
    assert f'href="{reverse("matrix:person_detail", args=["alice"])}"' in html


def test_search_without_htmx_renders_a_results_page(agent_client, matrix):
    html = search(agent_client, "alice").content.decode()

    assert "<html" in html and 'value="alice"' in html


def test_search_says_when_nothing_matches_and_ignores_a_single_letter(agent_client, matrix):
    assert "Nothing matches" in search(agent_client, "zzzz", htmx=True).content.decode()
    assert search(agent_client, "a", htmx=True).content.decode().strip() == ""


def test_person_page_shows_teams_roles_rotations_and_areas(agent_client, matrix):
    with time_machine.travel(NOW, tick=False):
        response = agent_client.get(reverse("matrix:person_detail", args=["alice"]))

    assert response.status_code == 200
    (rotation,) = response.context["page"].rotations
    assert rotation.on_call_now
    html = response.content.decode()
    assert f'href="{reverse("matrix:team_detail", args=["payments"])}">Payments</a> — Lead' in html
    assert f'href="{reverse("matrix:area_detail", args=["checkout"])}">Checkout</a> — Lead engineer' in html
    assert f'href="{reverse("matrix:vendor_detail", args=["stripe"])}">Stripe</a>' in html
    assert "on call now" in html


def test_unknown_person_is_not_found(agent_client, matrix):
    assert agent_client.get(reverse("matrix:person_detail", args=["nobody"])).status_code == 404
