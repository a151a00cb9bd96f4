"""The team pages: members by role, contact channels, rotations and their next shifts."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Prefetch
from django.utils import timezone

from .. import models as m
from ..oncall import on_call_at
from ..snapshot import MatrixSnapshot
from .common import Shift, is_stale, upcoming_shifts


@dataclass
class ChannelView:
    channel: m.ContactChannel
    stale: bool


@dataclass
class RotationView:
    rotation: m.Rotation
    members: list[m.RotationMember]
    on_call: object | None
    upcoming: list[Shift]
    overrides: list[m.RotationOverride]  # current and future
    inactive_members: list  # users who left but still take shifts


@dataclass
class TeamPage:
    team: m.Team
    members_by_role: list[tuple[str, list]]  # (role label, users)
    channels: list[ChannelView]
    rotations: list[RotationView]
    on_call: object | None
    areas: list[m.ProductArea]
    rules: list[m.RoutingRule]
    policies: list[m.EscalationPolicy]


@dataclass
class OnCallNow:
    team: m.Team
    person: object | None  # the team's primary on-call person now; None: nobody


@dataclass
class TeamRow:
    team: m.Team
    members: int
    on_call: object | None
    areas: int
    stale_channels: int
    channels: int


def _rotation_view(rotation: m.Rotation, now: dt.datetime) -> RotationView:
    members = list(rotation.members.all())
    overrides = list(rotation.overrides.all())
    return RotationView(
        rotation=rotation,
        members=members,
        on_call=on_call_at(rotation, members, overrides, now),
        upcoming=upcoming_shifts(rotation, now),
        overrides=[o for o in overrides if o.ends_at > now],
        inactive_members=[rm.user for rm in members if not rm.user.is_active],
    )


def team_page(key: str, now: dt.datetime | None = None) -> TeamPage | None:
    now = now or timezone.now()
    team = m.Team.objects.filter(key=key).first()
    if team is None:
        return None
    memberships = list(team.memberships.select_related("user").order_by("user__first_name", "user__username"))
    rotations = team.rotations.prefetch_related(
        Prefetch("members", queryset=m.RotationMember.objects.select_related("user")),
        Prefetch("overrides", queryset=m.RotationOverride.objects.select_related("user", "covers")),
    )
    rotation_views = [_rotation_view(r, now) for r in rotations]
    return TeamPage(
        team=team,
        members_by_role=[
            (label, users)
            for value, label in m.MembershipRole.choices
            if (users := [ms.user for ms in memberships if ms.role == value])
        ],
        channels=[ChannelView(c, is_stale(c.confirmed_at, now)) for c in team.channels.all()],
        rotations=rotation_views,
        # The primary on-call is the first rotation (by order) with somebody on call, as in routing.
        on_call=next((rv.on_call for rv in rotation_views if rv.on_call is not None), None),
        areas=list(team.owned_areas.order_by("name")),
        rules=list(team.rules.select_related("area").order_by("order")),
        policies=list(team.policies.select_related("area", "tier").order_by("name")),
    )


def team_list(snapshot: MatrixSnapshot | None = None) -> list[TeamRow]:
    snapshot = snapshot or MatrixSnapshot()
    areas_by_team: dict[int, int] = defaultdict(int)
    for area in snapshot.areas.values():
        if area.owner_team_id:
            areas_by_team[area.owner_team_id] += 1
    channels = snapshot.contact_channels_by_team
    return [
        TeamRow(
            team=team,
            members=len({ms.user_id for ms in snapshot.memberships_by_team.get(team.pk, [])}),
            on_call=snapshot.on_call(team.pk),
            areas=areas_by_team[team.pk],
            stale_channels=sum(is_stale(c.confirmed_at, snapshot.now) for c in channels.get(team.pk, [])),
            channels=len(channels.get(team.pk, [])),
        )
        for team in sorted(snapshot.teams.values(), key=lambda t: t.name.lower())
    ]


def on_call_now(snapshot: MatrixSnapshot) -> list[OnCallNow]:
    """Every team, by name, with who is on call for it now: the top bar's "On call" menu. Reads only the
    snapshot's teams and rotations, so its cost does not grow with the number of teams."""
    teams = sorted(snapshot.teams.values(), key=lambda t: t.name.lower())
    return [OnCallNow(team=team, person=snapshot.on_call(team.pk)) for team in teams]
