"""Write a checked matrix file into the database: upsert by key, delete what the file no longer has.

Sections are written in dependency order (teams before the areas they own, playbooks before the rules
that override to them) and deleted in the reverse order once nothing in the file points at them.
Children are deleted one by one before their parent so that every history row carries the reason
(a cascade would write history rows without it).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Model, Prefetch

from .. import models as m
from . import schema as s
from .errors import Loc
from .writer import ImportResult, Writer, file_name


class MatrixImporter(Writer):
    def run(self, data: dict[str, Any]) -> ImportResult:
        self.refs: dict[str, dict[str, Model]] = {}
        self.existing: dict[str, dict[str, Model]] = {}
        self.people(data["people"])
        self.errors.raise_if_any()
        steps = [self.teams, self.vendors, self.areas, self.impacts, self.urgencies, self.tiers,
                 self.priority_matrix, self.playbooks, self.policies, self.rules]
        for step in steps:
            step(data)
            self.errors.raise_if_any()  # a later section may point at an object that failed to save
        self.delete_missing()
        self.errors.raise_if_any()
        return self.result

    def upsert(self, section: str, spec: s.Entry, loc: Loc, row: dict) -> Model | None:
        """Create or update one top-level entry; None when it failed validation."""
        obj = self.existing[section].get(row["key"]) or spec.model()
        self.save(obj, self.values(spec, row, self.refs), spec, loc)
        if obj.pk is None:
            return None
        self.refs[section][row["key"]] = obj
        return obj

    # --- people ----------------------------------------------------------------------------------
    def people(self, rows: list[tuple[Loc, dict]]) -> None:
        """Create the people the matrix mentions who have no account yet; existing accounts are left as
        they are (the account directory owns them), with a warning where the file differs."""
        User = get_user_model()
        existing = {u.username: u for u in User.objects.filter(username__in=[r["username"] for _l, r in rows])}
        self.refs["people"] = {}
        for loc, row in rows:
            values = self.values(s.PERSON, row, self.refs)
            user = existing.get(row["username"])
            if user is None:
                user = User(**values)
                user.set_unusable_password()  # the matrix names people; it does not let them log in
                self.save(user, values, s.PERSON, loc)
            else:
                differ = [file_name(s.PERSON, k) for k, v in values.items() if getattr(user, k) != v]
                if differ:
                    self.result.warnings.append(
                        f"{loc.label}: an account with this username exists and differs in {', '.join(differ)}; "
                        "it was left unchanged"
                    )
                self.result.unchanged += 1
            self.refs["people"][row["username"]] = user

    # --- teams -----------------------------------------------------------------------------------
    def teams(self, data: dict) -> None:
        rotations = m.Rotation.objects.prefetch_related("members", "overrides")
        self.existing["teams"] = {t.key: t for t in m.Team.objects.prefetch_related(
            "memberships", "channels", Prefetch("rotations", queryset=rotations))}
        self.refs["teams"] = {}
        triage = next((row["key"] for _loc, row in data["teams"] if row["is_triage"]), None)
        for team in self.existing["teams"].values():
            if team.is_triage and team.key != triage:  # at most one triage team at every moment
                m.Team.objects.filter(pk=team.pk).update(is_triage=False)
        for loc, row in data["teams"]:
            team = self.upsert("teams", s.TEAM, loc, row)
            if team is None:
                continue
            self.inline_keyed(
                s.MEMBERSHIP, team.memberships.all(), lambda ms: (ms.user_id, ms.role), row["members"],
                lambda r: (self.refs["people"][r["user"]].pk, r["role"]), lambda t=team: m.Membership(team=t), loc,
            )
            self.inline_keyed(
                s.CONTACT_CHANNEL, team.channels.all(), lambda c: (c.kind, c.target), row["channels"],
                lambda r: (r["kind"], r["target"]), lambda t=team: m.ContactChannel(team=t), loc,
            )
            pairs = self.sync_keyed(
                team.rotations.all(), lambda r: r.name, row["rotations"], lambda r: r["name"],
                lambda t=team: m.Rotation(team=t), loc.label, before_delete=self.delete_rotation_rows,
            )
            for rloc, rrow, rotation in pairs:
                self.save(rotation, self.values(s.ROTATION, rrow, self.refs), s.ROTATION, rloc)
                if rotation.pk is not None:
                    self.rotation_rows(rotation, rloc, rrow)

    def rotation_rows(self, rotation: m.Rotation, loc: Loc, row: dict) -> None:
        members = sorted(rotation.members.all(), key=lambda rm: (rm.position, rm.pk))
        pairs = self.sync_ordered(members, row["members"], lambda: m.RotationMember(rotation=rotation),
                                  loc.label, unique_position=True)
        for index, (username, member) in enumerate(pairs):
            values = {"user_id": self.refs["people"][username].pk, "position": index + 1}
            self.save(member, values, s.ROTATION, loc.child(f"members[{index}]", loc.data))
        overrides = sorted(rotation.overrides.all(), key=lambda o: o.pk)
        pairs = self.sync_ordered(overrides, row["overrides"], lambda: m.RotationOverride(rotation=rotation),
                                  loc.label, unique_position=False)
        for (oloc, orow), override in pairs:
            self.save(override, self.values(s.ROTATION_OVERRIDE, orow, self.refs), s.ROTATION_OVERRIDE, oloc)

    def delete_rotation_rows(self, rotation: m.Rotation) -> None:
        where = f"team {rotation.team.key!r}, rotation {rotation.name!r}"
        for member in rotation.members.all():
            self.delete(member, where)
        for override in rotation.overrides.all():
            self.delete(override, where)

    # --- vendors and areas -----------------------------------------------------------------------
    def vendors(self, data: dict) -> None:
        self.existing["vendors"] = {v.key: v for v in m.Vendor.objects.prefetch_related("contacts")}
        self.refs["vendors"] = {}
        for loc, row in data["vendors"]:
            vendor = self.upsert("vendors", s.VENDOR, loc, row)
            if vendor is not None:
                self.inline_keyed(s.VENDOR_CONTACT, vendor.contacts.all(), lambda c: c.name, row["contacts"],
                                  lambda r: r["name"], lambda v=vendor: m.VendorContact(vendor=v), loc)

    def areas(self, data: dict) -> None:
        self.existing["areas"] = {a.key: a for a in m.ProductArea.objects.prefetch_related(
            "roster", "depends_on_areas", "depends_on_vendors")}
        self.refs["areas"] = {}
        rows = {row["key"]: (loc, row) for loc, row in data["areas"]}
        saved: list[tuple[Loc, dict, m.ProductArea]] = []

        def write(key: str) -> None:  # parents first: a new area's parent must exist (no cycles: checked)
            if key in self.refs["areas"] or key not in rows:
                return
            loc, row = rows[key]
            if row["parent"]:
                write(row["parent"])
            area = self.upsert("areas", s.AREA, loc, row)
            if area is not None:
                saved.append((loc, row, area))

        for key in rows:
            write(key)
        people = self.refs["people"]
        for loc, row, area in saved:
            self.inline_keyed(
                s.ROSTER_ENTRY, area.roster.all(), lambda r: (r.role, r.user_id), row["roster"],
                lambda r: (r["role"], people[r["user"]].pk), lambda a=area: m.AreaRosterEntry(area=a), loc,
            )
            self.set_many(area, "depends_on_areas", [self.refs["areas"][k] for k in row["depends_on_areas"]], loc)
            self.set_many(area, "depends_on_vendors", [self.refs["vendors"][k] for k in row["depends_on_vendors"]], loc)

    # --- severity --------------------------------------------------------------------------------
    def ranked(self, section: str, spec: s.Entry, rows: list[tuple[Loc, dict]], number: str = "rank") -> None:
        """Upsert a section whose ``number`` (rank, order) is unique, moving changed numbers aside first."""
        existing = {o.key: o for o in spec.model.objects.all()}
        self.existing[section] = existing
        self.refs[section] = {}
        wanted = {row["key"]: row[number] for _loc, row in rows}
        moving = [o for key, o in existing.items() if wanted.get(key) != getattr(o, number)]
        self.vacate(spec.model, number, moving, wanted.values())
        for loc, row in rows:
            self.upsert(section, spec, loc, row)

    def impacts(self, data: dict) -> None:
        self.ranked("impacts", s.IMPACT, data["impacts"])

    def urgencies(self, data: dict) -> None:
        self.ranked("urgencies", s.URGENCY, data["urgencies"])

    def tiers(self, data: dict) -> None:
        self.ranked("tiers", s.TIER, data["tiers"])

    def priority_matrix(self, data: dict) -> None:
        existing = {(c.impact_id, c.urgency_id): c for c in m.PriorityCell.objects.select_related("impact", "urgency")}
        wanted = {}
        for impact, urgency, tier in data["priority_matrix"]:
            pair = (self.refs["impacts"][impact].pk, self.refs["urgencies"][urgency].pk)
            wanted[pair] = (impact, urgency, self.refs["tiers"][tier].pk)
        for pair, cell in existing.items():
            if pair not in wanted:
                self.delete(cell, "priority_matrix")
        for pair, (impact, urgency, tier_id) in wanted.items():
            cell = existing.get(pair) or m.PriorityCell(impact_id=pair[0], urgency_id=pair[1])
            loc = Loc(f"priority_matrix.{impact}.{urgency}")
            self.save(cell, {"impact_id": pair[0], "urgency_id": pair[1], "tier_id": tier_id}, s.TIER, loc)

    # --- what to do and where it goes ------------------------------------------------------------
    def playbooks(self, data: dict) -> None:
        playbooks = m.Playbook.objects.prefetch_related("checklist", "triage_fields")
        self.existing["playbooks"] = {p.key: p for p in playbooks}
        self.refs["playbooks"] = {}
        for loc, row in data["playbooks"]:
            playbook = self.upsert("playbooks", s.PLAYBOOK, loc, row)
            if playbook is None:
                continue
            items = sorted(playbook.checklist.all(), key=lambda i: (i.position, i.pk))
            pairs = self.sync_ordered(items, row["checklist"], lambda p=playbook: m.ChecklistItem(playbook=p),
                                      loc.label, unique_position=False)
            for index, ((iloc, irow), item) in enumerate(pairs):
                values = {**self.values(s.CHECKLIST_ITEM, irow, self.refs), "position": index + 1}
                self.save(item, values, s.CHECKLIST_ITEM, iloc)
            pairs = self.sync_keyed(playbook.triage_fields.all(), lambda f: f.key, row["triage_fields"],
                                    lambda r: r["key"], lambda p=playbook: m.TriageField(playbook=p), loc.label)
            for index, (floc, frow, field) in enumerate(pairs):
                values = {**self.values(s.TRIAGE_FIELD, frow, self.refs), "position": index + 1}
                self.save(field, values, s.TRIAGE_FIELD, floc)

    def policies(self, data: dict) -> None:
        steps = m.EscalationStep.objects.prefetch_related("notify_users")
        self.existing["policies"] = {p.key: p for p in m.EscalationPolicy.objects.prefetch_related(
            Prefetch("steps", queryset=steps))}
        self.refs["policies"] = {}
        for loc, row in data["policies"]:
            policy = self.upsert("policies", s.POLICY, loc, row)
            if policy is None:
                continue
            current = sorted(policy.steps.all(), key=m.step_order)
            pairs = self.sync_ordered(current, row["steps"], lambda p=policy: m.EscalationStep(policy=p),
                                      loc.label, unique_position=True)
            for index, ((sloc, srow), step) in enumerate(pairs):
                values = {**self.values(s.STEP, srow, self.refs), "position": index + 1}
                self.save(step, values, s.STEP, sloc)
                if step.pk is not None:
                    users = [self.refs["people"][u] for u in srow["notify_users"]]
                    self.set_many(step, "notify_users", users, sloc)

    def rules(self, data: dict) -> None:
        self.ranked("rules", s.RULE, data["rules"], number="order")

    # --- what the file no longer has -------------------------------------------------------------
    def delete_missing(self) -> None:
        def missing(section: str) -> list:
            return [obj for key, obj in sorted(self.existing[section].items()) if key not in self.refs[section]]

        for rule in missing("rules"):
            self.delete(rule, "rules")
        for policy in missing("policies"):
            for step in policy.steps.all():
                self.delete(step, f"policy {policy.key!r}")
            self.delete(policy, "policies")
        for playbook in missing("playbooks"):
            for child in [*playbook.checklist.all(), *playbook.triage_fields.all()]:
                self.delete(child, f"playbook {playbook.key!r}")
            self.delete(playbook, "playbooks")
        for section in ("tiers", "urgencies", "impacts"):
            for obj in missing(section):
                self.delete(obj, section)
        self.delete_areas(missing("areas"))
        for vendor in missing("vendors"):
            for contact in vendor.contacts.all():
                self.delete(contact, f"vendor {vendor.key!r}")
            self.delete(vendor, "vendors")
        for team in missing("teams"):
            for rotation in team.rotations.all():
                self.delete_rotation_rows(rotation)
                self.delete(rotation, f"team {team.key!r}")
            for child in [*team.channels.all(), *team.memberships.all()]:
                self.delete(child, f"team {team.key!r}")
            self.delete(team, "teams")

    def delete_areas(self, areas: list[m.ProductArea]) -> None:
        """An area's parent is protected while it has children: unhook the parent links among the areas
        being deleted first (without history — each deletion's own row still shows its parent), so the
        order does not matter, not even for a cycle someone made outside the file."""
        doomed = [a.pk for a in areas]
        m.ProductArea.objects.filter(pk__in=doomed, parent_id__in=doomed).update(parent=None)
        for area in areas:
            for entry in area.roster.all():
                self.delete(entry, f"area {area.key!r}")
            self.delete(area, "areas")

    # --- helpers ---------------------------------------------------------------------------------
    def inline_keyed(self, spec: s.Entry, existing, key_of, rows, row_key, build, loc: Loc) -> None:
        for rloc, row, obj in self.sync_keyed(existing, key_of, rows, row_key, build, loc.label):
            self.save(obj, self.values(spec, row, self.refs), spec, rloc)
