"""The top bar's "On call" menu: every team and who is on call for it now, each name leading to the person."""

import re

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from matrix.cache import forget_kept
from matrix.context_processors import on_call
from matrix.tests import factories as f


def team_on_call(key: str, name: str, person=None):
    """A team whose one-member rotation puts ``person`` (a new one when not given) on call now."""
    team = f.TeamFactory(key=key, name=name)
    rotation = f.RotationFactory(team=team)
    f.RotationMemberFactory(rotation=rotation, user=person or f.UserFactory(), position=1)
    return team


def on_call_menu(html: str) -> str:
    match = re.search(r'id="on-call-menu".*?</ul>', html, re.S)
    assert match, "no On call menu in the top bar"
    return match[0]


def page_queries(client, url: str) -> int:
    forget_kept()  # as in a process that has not loaded the matrix yet: the menu's worst case
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.django_db
def test_the_top_bar_names_who_is_on_call_for_each_team_with_a_link_to_them(agent_client):
    pat = f.UserFactory(username="pat.ng", first_name="Pat", last_name="Ng")
    olly = f.UserFactory(username="olly", first_name="Olly", last_name="Quinn")
    team_on_call("payments", "Payments", pat)
    team_on_call("platform", "Platform", olly)
    f.TeamFactory(key="mobile", name="Mobile")  # no rotation: nobody on call

    menu = on_call_menu(agent_client.get(reverse("matrix:vendor_list")).content.decode())

    assert ">On call<" in menu or ">On call " in menu
    for username, team, name in (("pat.ng", "Payments", "Pat Ng"), ("olly", "Platform", "Olly Quinn")):
        link = reverse("matrix:person_detail", args=[username])
        assert f'href="{link}"><span class="text-white-50">{team} —</span> {name}</a>' in menu
    # A team nobody covers is said so, and leads to the team page, where its rotations are.
    assert re.search(rf'href="{reverse("matrix:team_detail", args=["mobile"])}">.*Mobile —.*nobody', menu)
    # By team name.
    assert menu.index("Mobile —") < menu.index("Payments —") < menu.index("Platform —")


@pytest.mark.django_db
def test_the_menu_says_when_you_are_on_call(client):
    me = f.UserFactory(username="sam", first_name="Sam", last_name="Lee")
    team_on_call("sre", "SRE", me)
    client.force_login(me)

    menu = on_call_menu(client.get(reverse("matrix:vendor_list")).content.decode())

    assert "you: SRE" in menu
    assert "Sam Lee (you)" in menu


@pytest.mark.django_db
def test_the_menu_costs_the_same_queries_for_2_and_12_teams(agent_client):
    for i in range(2):
        team_on_call(f"team-{i}", f"Team {i}")
    few = page_queries(agent_client, reverse("matrix:vendor_list"))
    for i in range(2, 12):
        team_on_call(f"team-{i}", f"Team {i}")
    many = page_queries(agent_client, reverse("matrix:vendor_list"))

    assert on_call_menu(agent_client.get(reverse("matrix:vendor_list")).content.decode()).count("Team ") == 12
    assert many == few


@pytest.mark.django_db
def test_with_the_matrix_kept_the_menu_costs_no_query(agent):
    for i in range(3):
        team_on_call(f"team-{i}", f"Team {i}")
    request = RequestFactory().get("/")
    request.user = agent
    assert len(on_call(request)["on_call_menu"].rows) == 3  # loads the matrix once, for this process

    with CaptureQueriesContext(connection) as queries:
        rows = on_call(request)["on_call_menu"].rows

    assert len(rows) == 3
    assert len(queries) == 0


@pytest.mark.django_db
def test_signed_out_pages_have_no_menu_and_read_nothing_for_it(client):
    team_on_call("payments", "Payments")

    response = client.get(reverse("login"))

    assert response.status_code == 200
    assert 'id="on-call-menu"' not in response.content.decode()
