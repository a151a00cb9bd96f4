"""The team pages: members by role, contact channels (stale flagged), rotations and their next shifts."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from matrix import models as m
from matrix.tests import factories as f

NOW = dt.datetime(2026, 3, 4, 12, 0, tzinfo=dt.UTC)  # Wednesday of the 9th weekly shift since 5 January


@pytest.fixture
def payments(db):
    team = f.TeamFactory(key="payments", name="Payments")
    people = {
        name: f.UserFactory(username=name, first_name=name.title(), last_name="Smith")
        for name in ("alice", "bob", "carol", "dave")
    }
    f.MembershipFactory(team=team, user=people["bob"], role=m.MembershipRole.LEAD)
    f.MembershipFactory(team=team, user=people["alice"], role=m.MembershipRole.RESPONDER)
    rotation = f.RotationFactory(team=team, name="Primary", starts_on=dt.date(2026, 1, 5))  # weekly, Monday 09:00 UTC
    for position, name in enumerate(("alice", "bob", "carol"), start=1):
        f.RotationMemberFactory(rotation=rotation, user=people[name], position=position)
    f.RotationOverrideFactory(rotation=rotation, user=people["dave"], covers=people["bob"], reason="Bob on leave",
                              starts_at=dt.datetime(2026, 3, 16, 8, tzinfo=dt.UTC),
                              ends_at=dt.datetime(2026, 3, 17, 8, tzinfo=dt.UTC))
    m.ContactChannel.objects.create(team=team, kind=m.ChannelKind.EMAIL, label="Team inbox",
                                    target="payments@example.com", confirmed_at=NOW - dt.timedelta(days=5))
    m.ContactChannel.objects.create(team=team, kind=m.ChannelKind.SLACK, label="Old Slack hook",
                                    target="https://hooks.example.com/x", confirmed_at=NOW - dt.timedelta(days=120))
    f.AreaFactory(key="checkout", name="Checkout", owner_team=team)
    f.RuleFactory(key="refunds", name="refunds → payments", order=12, keywords="refund", team=team)
    return team


def get(client, url):
    with time_machine.travel(NOW, tick=False):
        response = client.get(url)
    assert response.status_code == 200
    return response


def test_team_page_shows_members_by_role(agent_client, payments):
    response = get(agent_client, reverse("matrix:team_detail", args=["payments"]))

    assert [(label, [u.username for u in users]) for label, users in response.context["page"].members_by_role] == [
        ("Lead", ["bob"]), ("Responder", ["alice"]),
    ]


def test_team_page_flags_contact_channels_not_confirmed_recently(agent_client, payments, settings):
    settings.MATRIX_CONTACT_STALE_DAYS = 90

    response = get(agent_client, reverse("matrix:team_detail", args=["payments"]))

    assert [(c.channel.label, c.stale) for c in response.context["page"].channels] == [
        ("Team inbox", False), ("Old Slack hook", True),
    ]
    html = response.content.decode()
    assert "confirmed 2026-02-27" in html
    assert html.count(">stale</span>") == 1


def test_team_page_shows_who_is_on_call_now_and_the_next_shifts(agent_client, payments):
    response = get(agent_client, reverse("matrix:team_detail", args=["payments"]))

    page = response.context["page"]
    assert page.on_call.username == "carol"
    (rotation,) = page.rotations
    assert [(s.starts_at, s.user.username) for s in rotation.upcoming] == [
        (dt.datetime(2026, 3, 9, 9, tzinfo=dt.UTC), "alice"),
        (dt.datetime(2026, 3, 16, 9, tzinfo=dt.UTC), "dave"),  # covering for Bob
        (dt.datetime(2026, 3, 23, 9, tzinfo=dt.UTC), "carol"),
        (dt.datetime(2026, 3, 30, 9, tzinfo=dt.UTC), "alice"),
    ]
    html = response.content.decode()
    assert "Mon 2026-03-09 09:00" in html
    assert "Bob on leave" in html


def test_team_page_lists_areas_owned_and_rules_routing_to_it(agent_client, payments):
    html = get(agent_client, reverse("matrix:team_detail", args=["payments"])).content.decode()

    assert f'href="{reverse("matrix:area_detail", args=["checkout"])}">Checkout</a>' in html
    assert "#12 refunds → payments" in html


def test_team_list_shows_each_team_with_who_is_on_call_now(agent_client, payments):
    f.TeamFactory(key="mobile", name="Mobile")

    response = get(agent_client, reverse("matrix:team_list"))

    rows = {row.team.key: row for row in response.context["rows"]}
    assert rows["payments"].on_call.username == "carol"
    assert rows["payments"].members == 2 and rows["payments"].areas == 1
    assert rows["payments"].stale_channels == 1
    assert rows["mobile"].on_call is None
    html = response.content.decode()
    assert f'href="{reverse("matrix:team_detail", args=["mobile"])}">Mobile</a>' in html
    assert "Carol Smith" in html


def test_unknown_team_is_not_found(agent_client, payments):
    assert agent_client.get(reverse("matrix:team_detail", args=["nope"])).status_code == 404
