"""The matrix page costs a constant, small number of queries, whatever the size of the matrix."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from matrix import models as m
from matrix.governance import Draft, change_request_submit
from matrix.tests import factories as f

TEAMS = 10


def build_teams() -> list[m.Team]:
    now = timezone.now()
    teams = []
    for i in range(TEAMS):
        team = f.TeamFactory(key=f"team-{i}", is_triage=(i == 0))
        f.MembershipFactory(team=team, role=m.MembershipRole.LEAD)
        f.MembershipFactory(team=team, role=m.MembershipRole.MANAGER)
        rotation = f.RotationFactory(team=team, starts_on=dt.date(2025, 1, 6))
        members = [f.RotationMemberFactory(rotation=rotation, position=p) for p in (1, 2, 3)]
        f.RotationOverrideFactory(rotation=rotation, user=members[0].user, starts_at=now - dt.timedelta(hours=1))
        m.ContactChannel.objects.create(team=team, kind=m.ChannelKind.EMAIL, target=f"team{i}@example.com")
        teams.append(team)
    vendor = f.VendorFactory(key="processor", relationship_owner=f.UserFactory())
    m.VendorContact.objects.create(vendor=vendor, name="Support desk")
    return teams


def add_areas(first: int, last: int, teams: list[m.Team], tiers: list[m.Tier]) -> None:
    """Areas ``first``…``last - 1``, each with its own policy (with steps), playbook and rule."""
    vendor = m.Vendor.objects.get(key="processor")
    named = f.UserFactory()
    for i in range(first, last):
        team = teams[i % TEAMS]
        parent = m.ProductArea.objects.get(key=f"area-{i - 1}") if i % 5 else None
        area = f.AreaFactory(key=f"area-{i}", owner_team=None if i % 7 == 3 else team, parent=parent)
        area.depends_on_vendors.add(vendor)
        policy = f.PolicyFactory(key=f"policy-area-{i}", area=area, tier=tiers[i % len(tiers)])
        f.StepFactory(policy=policy, position=1, delay_minutes=0)
        step = f.StepFactory(policy=policy, position=2, delay_minutes=15, notify_team_lead=True)
        step.notify_users.add(named)
        f.PlaybookFactory(key=f"playbook-area-{i}", area=area, tier=tiers[i % len(tiers)] if i % 2 else None)
        f.RuleFactory(key=f"rule-area-{i}", area=area, keywords=f"word{i}", team=teams[(i + 1) % TEAMS])
        if i % 10 == 0:  # a pending change request: the page shows it on the area
            area.owner_team = teams[(i + 2) % TEAMS]
            draft = Draft(author=named, reason=f"Reorg {i}")
            draft.record(area)
            change_request_submit(draft=draft)


def build_shared(tiers: list[m.Tier]) -> None:
    """Policies and a playbook for every area, per tier (one tier left without, to show its gap)."""
    for tier in tiers[:-1]:
        policy = f.PolicyFactory(key=f"policy-{tier.key}", tier=tier)
        f.StepFactory(policy=policy, position=1, delay_minutes=0)
        f.StepFactory(policy=policy, position=2, delay_minutes=30, notify_on_call=False, notify_executives=True)
    f.PlaybookFactory(key="general", name="General")


def count_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("matrix:home"))
    assert response.status_code == 200
    return len(queries)


@pytest.mark.django_db
def test_matrix_page_costs_the_same_few_queries_at_20_and_200_areas(manager_client):
    pm = f.standard_priority_matrix()
    tiers = [*pm["tiers"].values(), f.TierFactory(key="sev5", name="SEV5", rank=5,
                                                  acknowledge_minutes=480, contain_minutes=2880, resolve_minutes=20160)]
    teams = build_teams()
    build_shared(tiers)

    add_areas(0, 20, teams, tiers)
    small = count_queries(manager_client)
    add_areas(20, 200, teams, tiers)
    large = count_queries(manager_client)

    assert m.ProductArea.objects.count() == 200
    assert m.ChangeRequest.objects.filter(status=m.ChangeRequestStatus.PENDING).count() == 20
    assert large == small
    assert large <= 20
