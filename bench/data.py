"""A believable matrix at any size, written with bulk inserts so that building it is not the benchmark.

Deterministic (fixed seeds): two runs measure the same matrix. Bulk inserts send no signals, so each
builder ends with ``matrix_changed()``: no process may keep routing with the matrix it had before.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from escalation_matrix.roles import MANAGERS
from matrix import models as m
from matrix.cache import matrix_changed

User = get_user_model()

STAGES = [s.value for s in m.LifecycleStage]
CHANNELS = [c.value for c in m.IntakeChannel]
SEGMENTS = ["enterprise", "smb", "self-serve", "partner", "public-sector"]


@dataclass
class Matrix:
    tiers: list[m.Tier]
    impacts: list[m.Impact]
    urgencies: list[m.Urgency]
    teams: list[m.Team]
    users: list
    vendors: list[m.Vendor]
    areas: list[m.ProductArea] = field(default_factory=list)


def build_base(tier_count: int = 5, team_count: int = 10, seed: int = 1) -> Matrix:
    """Severity scales, teams with members, rotations and contacts, vendors, and a policy and playbook per tier."""
    rnd = random.Random(seed)
    impact_keys = ["extensive", "significant", "moderate", "minor"]
    impacts = m.Impact.objects.bulk_create(
        m.Impact(key=k, name=k.title(), rank=i + 1) for i, k in enumerate(impact_keys)
    )
    urgencies = m.Urgency.objects.bulk_create(
        m.Urgency(key=k, name=k.title(), rank=i + 1) for i, k in enumerate(["critical", "high", "medium", "low"])
    )
    tiers = m.Tier.objects.bulk_create(
        m.Tier(key=f"sev{i + 1}", name=f"SEV{i + 1}", rank=i + 1, acknowledge_minutes=5 * (i + 1),
               contain_minutes=60 * (i + 1), resolve_minutes=480 * (i + 1), update_cadence_minutes=30 * (i + 1),
               opens_war_room=i == 0, notifies_executives=i == 0, requires_review=i < 2)
        for i in range(tier_count)
    )
    m.PriorityCell.objects.bulk_create(
        m.PriorityCell(impact=impact, urgency=urgency, tier=tiers[min(tier_count - 1, i + j)])
        for i, impact in enumerate(impacts) for j, urgency in enumerate(urgencies)
    )

    users = User.objects.bulk_create(
        User(username=f"person{n}", first_name=f"First{n}", last_name=f"Last{n}", email=f"person{n}@example.com")
        for n in range(team_count * 4)
    )
    teams = m.Team.objects.bulk_create(
        m.Team(key=f"team-{n}", name=f"Team {n}", is_triage=n == 0) for n in range(team_count)
    )
    roles = [m.MembershipRole.LEAD, m.MembershipRole.RESPONDER, m.MembershipRole.RESPONDER, m.MembershipRole.MANAGER]
    m.Membership.objects.bulk_create(
        m.Membership(team=team, user=users[t * 4 + k], role=roles[k]) for t, team in enumerate(teams) for k in range(4)
    )
    m.ContactChannel.objects.bulk_create(
        m.ContactChannel(team=team, kind=m.ChannelKind.EMAIL, target=f"{team.key}@example.com",
                         confirmed_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC) if rnd.random() < 0.7 else None)
        for team in teams
    )
    rotations = m.Rotation.objects.bulk_create(
        m.Rotation(team=team, name="Primary", shift_hours=rnd.choice([168, 24, 12]), time_zone="Europe/London",
                   handoff_time=dt.time(9, 0), starts_on=dt.date(2026, 1, 5))
        for team in teams
    )
    m.RotationMember.objects.bulk_create(
        m.RotationMember(rotation=rotation, user=users[r * 4 + k], position=k + 1)
        for r, rotation in enumerate(rotations) for k in range(3)
    )
    vendors = m.Vendor.objects.bulk_create(
        m.Vendor(key=f"vendor-{n}", name=f"Vendor {n}", relationship_owner=users[n]) for n in range(3)
    )
    m.VendorContact.objects.bulk_create(
        m.VendorContact(vendor=vendor, name=f"Support {vendor.name}", email=f"support@{vendor.key}.example")
        for vendor in vendors
    )
    matrix = Matrix(tiers=tiers, impacts=impacts, urgencies=urgencies, teams=teams, users=users, vendors=vendors)
    for tier in tiers:
        add_policy(matrix, key=f"default-{tier.key}", tier=tier)
        add_playbook(matrix, key=f"playbook-{tier.key}", tier=tier)
    add_policy(matrix, key="incubating-sev1", tier=tiers[0], lifecycle_stage=m.LifecycleStage.INCUBATING)
    matrix_changed()  # bulk inserts send no signals: say so, as any bulk writer of the matrix must
    return matrix


def add_policy(matrix: Matrix, key: str, steps: int = 3, **scope) -> m.EscalationPolicy:
    """``steps`` acknowledge steps 15 minutes apart, and a step in each later phase paging the lead when its
    target is missed (armed at filing, so every phase has live step timers)."""
    policy = m.EscalationPolicy.objects.create(key=key, name=key.replace("-", " ").title(), **scope)
    later = [m.EscalationStep(policy=policy, phase=phase, position=1, delay_minutes=0, counted_from="target",
                              notify_on_call=False, notify_team_lead=True) for phase in ("contain", "resolve")]
    created = m.EscalationStep.objects.bulk_create([
        *(m.EscalationStep(policy=policy, position=n + 1, delay_minutes=15 * n, notify_on_call=True,
                           notify_team_lead=n >= 1, notify_executives=n >= 2,
                           notify_role=m.MembershipRole.MANAGER if n >= 2 else "")
          for n in range(steps)),
        *later,
    ])
    Through = m.EscalationStep.notify_users.through
    Through.objects.bulk_create(Through(escalationstep_id=step.pk, user_id=matrix.users[step.position].pk)
                                for step in created)
    return policy


def add_playbook(matrix: Matrix, key: str, **scope) -> m.Playbook:
    playbook = m.Playbook.objects.create(key=key, name=key.replace("-", " ").title(), scenario="# What to do", **scope)
    m.ChecklistItem.objects.bulk_create(
        m.ChecklistItem(playbook=playbook, position=n + 1, kind=kind, text=f"{kind} item")
        for n, kind in enumerate(m.ChecklistKind.values)
    )
    return playbook


def add_areas(matrix: Matrix, count: int, seed: int = 2) -> list[m.ProductArea]:
    """``count`` more areas: roots with up to four children each, owners, rosters, dependencies, and
    an area policy and playbook on every tenth."""
    rnd = random.Random(seed + len(matrix.areas))
    start = len(matrix.areas)
    created: list[m.ProductArea] = []
    for n in range(start, start + count):
        root = next((a for a in reversed(matrix.areas) if a.parent_id is None), None)
        parent = root if root is not None and n % 5 else None
        owner = None if n % 17 == 3 else matrix.teams[n % len(matrix.teams)]
        area = m.ProductArea(key=f"area-{n}", name=f"Area {n:04d}", parent=parent, owner_team=owner,
                             lifecycle_stage=STAGES[n % len(STAGES)])
        area.save()
        matrix.areas.append(area)
        created.append(area)
    m.AreaRosterEntry.objects.bulk_create(
        m.AreaRosterEntry(area=area, role=role, user=rnd.choice(matrix.users))
        for area in created for role in (m.RosterRole.PRODUCT_MANAGER, m.RosterRole.LEAD_ENGINEER)
    )
    VendorThrough = m.ProductArea.depends_on_vendors.through
    VendorThrough.objects.bulk_create(
        VendorThrough(productarea_id=area.pk, vendor_id=matrix.vendors[i % len(matrix.vendors)].pk)
        for i, area in enumerate(created) if i % 3 == 0
    )
    for area in created[::10]:
        add_policy(matrix, key=f"policy-{area.key}", area=area, tier=matrix.tiers[0])
        add_playbook(matrix, key=f"playbook-{area.key}", area=area)
    matrix_changed()
    return created


def add_rules(matrix: Matrix, count: int, seed: int = 3) -> None:
    """``count`` routing rules with varied conditions. Almost all need a rare keyword, so most incidents
    walk far down the list; a few well-known rules sit early, late, and at the very end."""
    rnd = random.Random(seed)
    rules = []
    for order in range(1, count + 1):
        kind = order % 5
        rule = m.RoutingRule(key=f"rule-{order}", name=f"Rule {order}", order=order, team=rnd.choice(matrix.teams),
                             active=order % 50 != 0, keywords=f"kw{order:04d}, other{order:04d}")
        if kind == 0:
            rule.area = rnd.choice(matrix.areas)
        elif kind == 2:
            rule.customer_segment, rule.channel = rnd.choice(SEGMENTS), rnd.choice(CHANNELS)
        elif kind == 3:
            rule.impact, rule.urgency = rnd.choice(matrix.impacts), rnd.choice(matrix.urgencies)
        elif kind == 4:
            rule.lifecycle_stage = rnd.choice(STAGES)
        rules.append(rule)
    # Well-known rules that requests aim at, for every area: one early, two late.
    for index, conditions in ((4, {"keywords": "refund, chargeback"}), (count - 11, {"keywords": "zeppelin"}),
                              (count - 6, {"customer_segment": "vip", "channel": "phone"})):
        rule = rules[index]
        rule.active, rule.area, rule.impact, rule.urgency = True, None, None, None
        rule.keywords = rule.customer_segment = rule.channel = rule.lifecycle_stage = ""
        for name, value in conditions.items():
            setattr(rule, name, value)
    m.RoutingRule.objects.bulk_create(rules)
    matrix_changed()


def make_manager(username: str = "bench-manager"):
    user = User.objects.create_user(username, password="bench-password", is_staff=True)
    user.groups.add(Group.objects.get(name=MANAGERS))
    return user
