"""The matrix loaded into memory once, for routing, the matrix page and lint.

Each part is loaded on first use with one query (plus its prefetches), so a reader pays only for
what it touches, and the number of queries never grows with the size of the matrix.

The loaded parts do not depend on the time; who is on call does. ``at(now)`` gives another snapshot
sharing the loaded parts (and the compiled rules) with a time and an on-call memo of its own: that is
how ``matrix.cache`` keeps one loaded matrix per process and hands each request its own moment. Shared
parts are only ever read by the code here and in ``routing``: nothing may change a loaded row.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from functools import cached_property
from typing import Any, Generic, TypeVar

from django.db.models import Prefetch, Value
from django.utils import timezone

from . import models as m
from .oncall import on_call_at

T = TypeVar("T")


class part(Generic[T]):  # lower case: used like ``cached_property``
    """A cached property stored in the snapshot's shared parts, not on the instance, so that every
    snapshot made with ``at()`` from one loaded matrix reads it once. Parts never depend on ``now``."""

    def __init__(self, func: Callable[[Any], T]) -> None:
        self.func = func
        self.name = func.__name__
        self.__doc__ = func.__doc__

    def __get__(self, snapshot: MatrixSnapshot | None, owner=None):
        if snapshot is None:
            return self
        return snapshot.shared(self.name, lambda: self.func(snapshot))


class MatrixSnapshot:
    def __init__(self, now: dt.datetime | None = None, *, parts: dict | None = None,
                 may_share: Callable[[], bool] | None = None) -> None:
        """``parts`` and ``may_share`` are for ``at()`` and ``matrix.cache``: the loaded parts to share,
        and whether a part loaded now may join them (no, while this connection has uncommitted matrix
        writes that the shared parts must not see: such a part is kept by this snapshot alone)."""
        self.now = now or timezone.now()
        self._parts: dict[str, Any] = {} if parts is None else parts
        self._may_share = may_share
        self._own: dict[str, Any] = {}
        # Who is on call depends on the moment: memoised per snapshot, never shared (a filing asks for
        # the same on-call person several times).
        self._on_call: dict[tuple[int, dt.datetime], object] = {}

    def at(self, now: dt.datetime | None = None) -> MatrixSnapshot:
        """The same loaded matrix at another moment (no query): its own ``now`` and on-call answers."""
        return MatrixSnapshot(now, parts=self._parts, may_share=self._may_share)

    def shared(self, name: str, build: Callable[[], T]) -> T:
        """A loaded part, or something computed from them (compiled rules, say), kept with the parts."""
        if name in self._own:  # first: what this snapshot read alone must not change under it
            return self._own[name]
        try:
            return self._parts[name]
        except KeyError:
            pass
        # Two threads may both build a missing part; both read the same matrix, and the last one stays.
        value = build()
        if self._may_share is None or self._may_share():
            self._parts[name] = value
        else:
            self._own[name] = value
        return value

    # --- areas and teams -------------------------------------------------------------------------
    @part
    def areas(self) -> dict[int, m.ProductArea]:
        return {a.pk: a for a in m.ProductArea.objects.select_related("owner_team")}

    @part
    def area_by_key(self) -> dict[str, m.ProductArea]:
        return {a.key: a for a in self.areas.values()}

    @part
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

    @part
    def descendants(self) -> dict[int, frozenset[int]]:
        """Area id → itself and every area below it."""
        below: dict[int, set[int]] = defaultdict(set)
        for area_id, chain in self.ancestors.items():
            for ancestor in chain:
                below[ancestor].add(area_id)
        return {area_id: frozenset(below[area_id]) for area_id in self.areas}

    @part
    def teams(self) -> dict[int, m.Team]:
        return {t.pk: t for t in m.Team.objects.all()}

    @part
    def triage_team(self) -> m.Team | None:
        return next((t for t in self.teams.values() if t.is_triage), None)

    @part
    def memberships_by_team(self) -> dict[int, list[m.Membership]]:
        by_team: dict[int, list[m.Membership]] = defaultdict(list)
        for membership in m.Membership.objects.select_related("user"):
            by_team[membership.team_id].append(membership)
        return by_team

    @cached_property
    def router(self):
        """The routing engine over this snapshot. Its compiled rules are kept with the loaded parts, so
        every request served from one kept matrix compiles a thousand rules once; and a request routed
        twice at this moment (the filing form, then ``incident_file``) is decided once."""
        from .routing import RememberingRouter  # routing reads snapshots: a top-level import would be circular

        return RememberingRouter(self)

    def leads(self, team_id: int) -> list:
        return [ms.user for ms in self.memberships_by_team.get(team_id, []) if ms.role == m.MembershipRole.LEAD]

    # --- on call ---------------------------------------------------------------------------------
    @part
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
        key = (team_id, at or self.now)
        if key not in self._on_call:
            self._on_call[key] = self._first_on_call(team_id, key[1])
        return self._on_call[key]

    def _first_on_call(self, team_id: int, at: dt.datetime):
        for rotation in self.rotations_by_team.get(team_id, []):
            user = on_call_at(rotation, rotation.members.all(), rotation.overrides.all(), at)
            if user is not None:
                return user
        return None

    # --- severity --------------------------------------------------------------------------------
    @part
    def _tiers_and_cells(self) -> tuple[dict[int, m.Tier], dict[tuple[int, int], int]]:
        """Tiers and the priority matrix in ONE query: each tier LEFT JOINed to the cells that point at it
        (every cell has a tier, so every cell comes back once; a tier no cell uses comes back alone).
        The matrix page pays for every query here and keeps within a budget of 20."""
        names = [f.attname for f in m.Tier._meta.concrete_fields]
        rows = m.Tier.objects.order_by("rank").values_list(*names, "cells__impact_id", "cells__urgency_id")
        tiers: dict[int, m.Tier] = {}
        cells: dict[tuple[int, int], int] = {}
        pk_at = names.index(m.Tier._meta.pk.attname)
        for *values, impact_id, urgency_id in rows:
            tier = tiers.get(values[pk_at])
            if tier is None:
                tier = tiers[values[pk_at]] = m.Tier.from_db(rows.db, names, values)
            if impact_id is not None:
                cells[(impact_id, urgency_id)] = tier.pk
        return tiers, cells

    @part
    def tiers(self) -> dict[int, m.Tier]:
        return self._tiers_and_cells[0]

    @part
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

    @part
    def impacts(self) -> dict[str, m.Impact]:
        return dict(sorted(self._ranked_choices[0].items(), key=lambda item: item[1].rank))

    @part
    def urgencies(self) -> dict[str, m.Urgency]:
        return dict(sorted(self._ranked_choices[1].items(), key=lambda item: item[1].rank))

    @part
    def cells(self) -> dict[tuple[int, int], int]:
        """(impact id, urgency id) → tier id."""
        return self._tiers_and_cells[1]

    # --- what to do and where it goes -----------------------------------------------------------
    @part
    def rules(self) -> list[m.RoutingRule]:
        return list(m.RoutingRule.objects.all())

    @part
    def policies(self) -> list[m.EscalationPolicy]:
        steps = m.EscalationStep.objects.prefetch_related("notify_users")
        return list(m.EscalationPolicy.objects.prefetch_related(Prefetch("steps", queryset=steps)))

    @part
    def playbooks(self) -> list[m.Playbook]:
        return list(m.Playbook.objects.all())

    def triage_fields(self, playbook_id: int | None) -> list[m.TriageField]:
        """The triage fields a playbook asks for, in order: one query per playbook asked about (a filing
        asks about one, from the form and then from the service), never one for every playbook."""
        if playbook_id is None:
            return []
        return self.shared(
            f"triage_fields:{playbook_id}",
            lambda: list(m.TriageField.objects.filter(playbook_id=playbook_id).order_by("position", "id")),
        )

    # --- contacts --------------------------------------------------------------------------------
    @part
    def contact_channels_by_team(self) -> dict[int, list[m.ContactChannel]]:
        by_team: dict[int, list[m.ContactChannel]] = defaultdict(list)
        for channel in m.ContactChannel.objects.all():
            by_team[channel.team_id].append(channel)
        return by_team

    @part
    def vendor_by_key(self) -> dict[str, m.Vendor]:
        """Every vendor with its relationship owner (filing checks the suspected vendor here)."""
        return {v.key: v for v in m.Vendor.objects.select_related("relationship_owner")}

    @part
    def vendor_contacts(self) -> list[m.VendorContact]:
        """Every vendor's support contacts, with their vendor."""
        return list(m.VendorContact.objects.select_related("vendor"))
