"""The matrix loaded into memory once, for routing, the matrix page and lint.

Each part is loaded on first use with one query (plus its prefetches), so a reader pays only for
what it touches, and the number of queries never grows with the size of the matrix.
"""

import datetime as dt
from collections import defaultdict
from functools import cached_property

from django.db.models import Prefetch, Value
from django.utils import timezone

from . import models as m
from .oncall import on_call_at


class MatrixSnapshot:
    def __init__(self, now: dt.datetime | None = None) -> None:
        self.now = now or timezone.now()

    # --- areas and teams -------------------------------------------------------------------------
    @cached_property
    def areas(self) -> dict[int, m.ProductArea]:
        return {a.pk: a for a in m.ProductArea.objects.select_related("owner_team")}

    @cached_property
    def area_by_key(self) -> dict[str, m.ProductArea]:
        return {a.key: a for a in self.areas.values()}

    @cached_property
    def ancestors(self) -> dict[int, tuple[int, ...]]:
        """Area id → (itself, its parent, …, its root)."""
        result: dict[int, tuple[int, ...]] = {}
        for area_id in self.areas:
            chain, seen, current = [], set(), area_id
            while current is not None and current not in seen:
                chain.append(current)
                seen.add(current)
                current = self.areas[current].parent_id if current in self.areas else None
            result[area_id] = tuple(chain)
        return result

    @cached_property
    def descendants(self) -> dict[int, frozenset[int]]:
        """Area id → itself and every area below it."""
        below: dict[int, set[int]] = defaultdict(set)
        for area_id, chain in self.ancestors.items():
            for ancestor in chain:
                below[ancestor].add(area_id)
        return {area_id: frozenset(below[area_id]) for area_id in self.areas}

    @cached_property
    def teams(self) -> dict[int, m.Team]:
        return {t.pk: t for t in m.Team.objects.all()}

    @cached_property
    def triage_team(self) -> m.Team | None:
        return next((t for t in self.teams.values() if t.is_triage), None)

    @cached_property
    def memberships_by_team(self) -> dict[int, list[m.Membership]]:
        by_team: dict[int, list[m.Membership]] = defaultdict(list)
        for membership in m.Membership.objects.select_related("user"):
            by_team[membership.team_id].append(membership)
        return by_team

    def leads(self, team_id: int) -> list:
        return [ms.user for ms in self.memberships_by_team.get(team_id, []) if ms.role == m.MembershipRole.LEAD]

    # --- on call ---------------------------------------------------------------------------------
    @cached_property
    def rotations_by_team(self) -> dict[int, list[m.Rotation]]:
        rotations = m.Rotation.objects.prefetch_related(
            Prefetch("members", queryset=m.RotationMember.objects.select_related("user")),
            Prefetch("overrides", queryset=m.RotationOverride.objects.select_related("user", "covers")),
        )
        by_team: dict[int, list[m.Rotation]] = defaultdict(list)
        for rotation in rotations:
            by_team[rotation.team_id].append(rotation)
        return by_team

    def on_call(self, team_id: int, at: dt.datetime | None = None):
        """The primary on-call person of a team (its first rotation with somebody on call), or None."""
        for rotation in self.rotations_by_team.get(team_id, []):
            user = on_call_at(rotation, rotation.members.all(), rotation.overrides.all(), at or self.now)
            if user is not None:
                return user
        return None

    # --- severity --------------------------------------------------------------------------------
    @cached_property
    def tiers(self) -> dict[int, m.Tier]:
        return {t.pk: t for t in m.Tier.objects.all()}

    @cached_property
    def _ranked_choices(self) -> tuple[dict[str, m.Impact], dict[str, m.Urgency]]:
        """Impacts and urgencies, two tiny tables of one shape, read together in ONE query (UNION ALL):
        the matrix page pays for every query here and keeps within a budget of 20."""
        names = [f.attname for f in m.Impact._meta.concrete_fields]
        impacts = m.Impact.objects.order_by().annotate(kind=Value(0)).values_list(*names, "kind")
        urgencies = m.Urgency.objects.order_by().annotate(kind=Value(1)).values_list(*names, "kind")
        found: tuple[dict, dict] = ({}, {})
        for *values, kind in impacts.union(urgencies, all=True):
            obj = (m.Urgency if kind else m.Impact).from_db(impacts.db, names, values)
            found[1 if kind else 0][obj.key] = obj
        return found

    @cached_property
    def impacts(self) -> dict[str, m.Impact]:
        return dict(sorted(self._ranked_choices[0].items(), key=lambda item: item[1].rank))

    @cached_property
    def urgencies(self) -> dict[str, m.Urgency]:
        return dict(sorted(self._ranked_choices[1].items(), key=lambda item: item[1].rank))

    @cached_property
    def cells(self) -> dict[tuple[int, int], int]:
        """(impact id, urgency id) → tier id."""
        return {(c.impact_id, c.urgency_id): c.tier_id for c in m.PriorityCell.objects.all()}

    # --- what to do and where it goes -----------------------------------------------------------
    @cached_property
    def rules(self) -> list[m.RoutingRule]:
        return list(m.RoutingRule.objects.all())

    @cached_property
    def policies(self) -> list[m.EscalationPolicy]:
        steps = m.EscalationStep.objects.prefetch_related("notify_users")
        return list(m.EscalationPolicy.objects.prefetch_related(Prefetch("steps", queryset=steps)))

    @cached_property
    def playbooks(self) -> list[m.Playbook]:
        return list(m.Playbook.objects.all())

    # --- contacts --------------------------------------------------------------------------------
    @cached_property
    def contact_channels_by_team(self) -> dict[int, list[m.ContactChannel]]:
        by_team: dict[int, list[m.ContactChannel]] = defaultdict(list)
        for channel in m.ContactChannel.objects.all():
            by_team[channel.team_id].append(channel)
        return by_team

    @cached_property
    def vendor_contacts(self) -> list[m.VendorContact]:
        """Every vendor's support contacts, with their vendor."""
        return list(m.VendorContact.objects.select_related("vendor"))
