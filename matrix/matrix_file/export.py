"""The whole matrix as plain data: every object by its stable key, in a deterministic order.

The same dict is the YAML file (``export_yaml``) and the body of ``GET /api/v1/matrix/``. The number of
queries is constant in the size of the matrix.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Model, Prefetch

from .. import models as m
from ..credentials import shown_target
from . import schema as s


def format_time(value: dt.time) -> str:
    return value.strftime("%H:%M") if not (value.second or value.microsecond) else value.isoformat()


def format_datetime(value: dt.datetime | None) -> str | None:
    return None if value is None else value.astimezone(dt.UTC).isoformat()


class _Exporter:
    def __init__(self, include_secrets: bool, reveal_urls: bool = True) -> None:
        self.include_secrets = include_secrets
        self.reveal_urls = reveal_urls
        self.people: dict[str, Any] = {}  # username → user, for every user the matrix mentions

    def username(self, user) -> str | None:
        if user is None:
            return None
        self.people[user.username] = user
        return user.username

    def fields(self, spec: s.Entry, obj: Model, **given: Any) -> dict[str, Any]:
        """The entry's fields in the schema's order; ``given`` supplies lists and anything not read off ``obj``."""
        out: dict[str, Any] = {}
        for field in spec.fields:
            if field.name in given:
                out[field.name] = given[field.name]
                continue
            value = getattr(obj, field.model_field or field.name)
            if field.type == s.CHOICE and field.nullable:
                value = value or None
            elif field.type == s.TIME:
                value = format_time(value)
            elif field.type == s.DATE:
                value = value.isoformat()
            elif field.type == s.DATETIME:
                value = format_datetime(value)
            elif field.type == s.REF:
                value = None if value is None else value.key
            elif field.type == s.USER:
                value = self.username(value)
            out[field.name] = value
        return out

    # --- sections --------------------------------------------------------------------------------
    def teams(self) -> list[dict]:
        rotations = m.Rotation.objects.prefetch_related(
            Prefetch("members", queryset=m.RotationMember.objects.select_related("user")),
            Prefetch("overrides", queryset=m.RotationOverride.objects.select_related("user", "covers")),
        )
        teams = m.Team.objects.prefetch_related(
            Prefetch("memberships", queryset=m.Membership.objects.select_related("user")),
            "channels",
            Prefetch("rotations", queryset=rotations),
        )
        return [
            self.fields(
                s.TEAM, team,
                members=[
                    self.fields(s.MEMBERSHIP, ms)
                    for ms in sorted(team.memberships.all(), key=lambda ms: (ms.user.username, ms.role))
                ],
                channels=[
                    self.channel(c) for c in sorted(team.channels.all(), key=lambda c: (c.kind, c.target, c.pk))
                ],
                rotations=[self.rotation(r) for r in sorted(team.rotations.all(), key=lambda r: (r.order, r.name))],
            )
            for team in sorted(teams, key=lambda t: t.key)
        ]

    def channel(self, channel: m.ContactChannel) -> dict:
        data = self.fields(s.CONTACT_CHANNEL, channel)
        if not self.include_secrets:
            del data["secret"]
        data["target"] = shown_target(data["target"], reveal=self.reveal_urls)
        return data

    def rotation(self, rotation: m.Rotation) -> dict:
        members = sorted(rotation.members.all(), key=lambda rm: (rm.position, rm.pk))
        return self.fields(
            s.ROTATION, rotation,
            members=[self.username(rm.user) for rm in members],
            # Creation order: when two overrides overlap, the later one wins (see matrix.oncall).
            overrides=[
                self.fields(s.ROTATION_OVERRIDE, o) for o in sorted(rotation.overrides.all(), key=lambda o: o.pk)
            ],
        )

    def vendors(self) -> list[dict]:
        vendors = m.Vendor.objects.select_related("relationship_owner").prefetch_related("contacts")
        return [
            self.fields(
                s.VENDOR, vendor,
                contacts=[
                    self.fields(s.VENDOR_CONTACT, c) for c in sorted(vendor.contacts.all(), key=lambda c: c.name)
                ],
            )
            for vendor in sorted(vendors, key=lambda v: v.key)
        ]

    def areas(self) -> list[dict]:
        areas = m.ProductArea.objects.select_related("parent", "owner_team").prefetch_related(
            Prefetch("roster", queryset=m.AreaRosterEntry.objects.select_related("user")),
            "depends_on_areas",
            "depends_on_vendors",
        )
        return [
            self.fields(
                s.AREA, area,
                roster=[
                    self.fields(s.ROSTER_ENTRY, r)
                    for r in sorted(area.roster.all(), key=lambda r: (r.role, r.user.username))
                ],
                depends_on_areas=sorted(a.key for a in area.depends_on_areas.all()),
                depends_on_vendors=sorted(v.key for v in area.depends_on_vendors.all()),
            )
            for area in sorted(areas, key=lambda a: a.key)
        ]

    def ranked(self, spec: s.Entry) -> list[dict]:
        return [self.fields(spec, obj) for obj in sorted(spec.model.objects.all(), key=lambda o: o.rank)]

    def priority_matrix(self) -> dict[str, dict[str, str]]:
        cells = m.PriorityCell.objects.select_related("impact", "urgency", "tier")
        grid: dict[str, dict[str, str]] = {}
        for cell in sorted(cells, key=lambda c: (c.impact.rank, c.urgency.rank)):
            grid.setdefault(cell.impact.key, {})[cell.urgency.key] = cell.tier.key
        return grid

    def policies(self) -> list[dict]:
        steps = m.EscalationStep.objects.prefetch_related("notify_users")
        policies = m.EscalationPolicy.objects.select_related("area", "team", "tier").prefetch_related(
            Prefetch("steps", queryset=steps)
        )
        return [
            self.fields(
                s.POLICY, policy,
                steps=[
                    self.fields(s.STEP, step, notify_users=sorted(self.username(u) for u in step.notify_users.all()))
                    for step in sorted(policy.steps.all(), key=m.step_order)
                ],
            )
            for policy in sorted(policies, key=lambda p: p.key)
        ]

    def rules(self) -> list[dict]:
        rules = m.RoutingRule.objects.select_related(
            "area", "impact", "urgency", "team", "tier_override", "playbook_override"
        )
        return [self.fields(s.RULE, rule) for rule in sorted(rules, key=lambda r: r.order)]

    def playbooks(self) -> list[dict]:
        playbooks = m.Playbook.objects.select_related("area", "tier").prefetch_related("checklist", "triage_fields")
        return [
            self.fields(
                s.PLAYBOOK, playbook,
                checklist=[
                    self.fields(s.CHECKLIST_ITEM, item)
                    for item in sorted(playbook.checklist.all(), key=lambda i: (i.position, i.pk))
                ],
                triage_fields=[
                    self.fields(s.TRIAGE_FIELD, tf)
                    for tf in sorted(playbook.triage_fields.all(), key=lambda tf: (tf.position, tf.pk))
                ],
            )
            for playbook in sorted(playbooks, key=lambda p: p.key)
        ]

    def export(self) -> dict[str, Any]:
        sections = {
            "teams": self.teams(),
            "vendors": self.vendors(),
            "areas": self.areas(),
            "impacts": self.ranked(s.IMPACT),
            "urgencies": self.ranked(s.URGENCY),
            "tiers": self.ranked(s.TIER),
            "priority_matrix": self.priority_matrix(),
            "policies": self.policies(),
            "rules": self.rules(),
            "playbooks": self.playbooks(),
        }
        # People last to collect, first to read: the users every other section mentions.
        people = [self.fields(s.PERSON, self.people[name]) for name in sorted(self.people)]
        return {"version": s.FORMAT_VERSION, "people": people, **sections}


def export_rules() -> list[dict]:
    """Only the routing rules, as ``export_data()["rules"]`` holds them (one query)."""
    return _Exporter(include_secrets=False).rules()


def export_policies() -> list[dict]:
    """Only the escalation policies with their steps, as ``export_data()["policies"]`` holds them."""
    return _Exporter(include_secrets=False).policies()


def export_data(*, include_secrets: bool = True, reveal_urls: bool = True) -> dict[str, Any]:
    """The whole matrix as a JSON-serialisable dict (the matrix file's content).

    ``include_secrets=False`` leaves out contact channels' webhook secrets (for read-only views such as
    the API); an import of such a data set clears them, so keep them for a full backup.
    ``reveal_urls=False`` masks chat and webhook URLs (credentials) to their scheme and host, for people who
    may not edit contact channels.
    """
    return _Exporter(include_secrets, reveal_urls).export()
