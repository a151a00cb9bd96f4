"""The area page: who owns it, what it depends on, what routes to it and each tier's escalation path."""

from __future__ import annotations

from dataclasses import dataclass

from .. import models as m
from ..lint import Finding, lint
from ..routing import Router
from ..snapshot import MatrixSnapshot
from .common import StepView, describe_steps, person_name
from .matrix_page import ScopedCandidates


@dataclass
class TierPath:
    tier: m.Tier
    policy: m.EscalationPolicy | None
    steps: list[StepView]
    playbook: m.Playbook | None


@dataclass
class AreaPage:
    area: m.ProductArea
    parent: m.ProductArea | None
    children: list[m.ProductArea]
    owner: m.Team | None
    team: m.Team | None  # the owner, else the triage team: who gets incidents no rule claims
    on_call: object | None
    roster: list[tuple[str, list]]  # (role label, users)
    depends_on_areas: list[m.ProductArea]
    dependents: list[m.ProductArea]
    vendors: list[m.Vendor]
    rules: list[tuple[m.RoutingRule, m.Team]]  # rules scoped to this area or an ancestor, in order
    rules_for_every_area: int
    playbooks: list[tuple[m.Playbook, m.Tier | None]]  # scoped to this area or an ancestor, with their tier
    paths: list[TierPath]
    findings: list[Finding]


def area_page(key: str, snapshot: MatrixSnapshot | None = None) -> AreaPage | None:
    snapshot = snapshot or MatrixSnapshot()
    area = snapshot.area_by_key.get(key)
    if area is None:
        return None
    router = Router(snapshot)
    chain = snapshot.ancestors.get(area.pk, (area.pk,))
    owner = snapshot.teams.get(area.owner_team_id) if area.owner_team_id else None
    team = owner or snapshot.triage_team
    on_call = snapshot.on_call(team.pk) if team else None

    entries = m.AreaRosterEntry.objects.filter(area=area).select_related("user")
    roster = [
        (label, [e.user for e in entries if e.role == value]) for value, label in m.RosterRole.choices
    ]
    vendors = list(area.depends_on_vendors.select_related("relationship_owner"))
    vendor_owners = sorted({person_name(v.relationship_owner) for v in vendors if v.relationship_owner})

    policies = ScopedCandidates(snapshot, snapshot.policies).for_area(area)
    playbooks = ScopedCandidates(snapshot, snapshot.playbooks).for_area(area)
    paths = []
    for tier in sorted(snapshot.tiers.values(), key=lambda t: t.rank):
        policy = router.best(policies, area, tier, team)
        steps = describe_steps(snapshot, policy, team, on_call, vendor_owners)
        paths.append(TierPath(tier, policy, steps, router.best(playbooks, area, tier)))

    rules = sorted((r for r in snapshot.rules if r.area_id in chain), key=lambda r: r.order)
    return AreaPage(
        area=area,
        parent=snapshot.areas.get(area.parent_id) if area.parent_id else None,
        children=sorted((a for a in snapshot.areas.values() if a.parent_id == area.pk), key=lambda a: a.name),
        owner=owner,
        team=team,
        on_call=on_call,
        roster=roster,
        depends_on_areas=[snapshot.areas[pk] for pk in area.depends_on_areas.values_list("pk", flat=True)],
        dependents=[snapshot.areas[pk] for pk in area.dependents.values_list("pk", flat=True)],
        vendors=vendors,
        rules=[(r, snapshot.teams[r.team_id]) for r in rules],
        rules_for_every_area=sum(1 for r in snapshot.rules if r.area_id is None and r.active),
        playbooks=[
            (p, snapshot.tiers.get(p.tier_id))
            for p in sorted((p for p in playbooks if p.area_id is not None), key=lambda p: p.name)
        ],
        paths=paths,
        findings=[f for f in lint(snapshot) if f.subject_type == "area" and f.subject_key == area.key],
    )
