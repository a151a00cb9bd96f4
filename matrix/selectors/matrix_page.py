"""The matrix page: product areas × tiers, who is notified when, and the coverage gaps.

Everything comes from one ``MatrixSnapshot`` (plus ``lint`` over that same snapshot), so the page
costs the same number of queries at 20 areas as at 200. Today's page adds what is live: the other
apps' cell badges (open incidents) and the pending change requests touching each area, one query each.

``matrix_page_as_of(day)`` is the same page over the matrix as it stood at the end of ``day``
(``matrix.timetravel``), gaps and lint included; nothing live is shown on it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.utils import timezone

from .. import models as m
from ..hooks import CellBadge, cell_badges
from ..lint import Finding, lint
from ..routing import Router
from ..snapshot import MatrixSnapshot
from ..timetravel import HistoricalSnapshot, end_of_day
from .common import StepView, describe_steps, person_name

# Cell-level gaps are computed here; everything else the page highlights comes from lint findings.
GAP_NO_POLICY = "no escalation policy"
GAP_NO_PLAYBOOK = "no playbook"
GAP_STEP_REACHES_NOBODY = "a step reaches nobody"


@dataclass
class Cell:
    tier: m.Tier
    policy: m.EscalationPolicy | None
    steps: list[StepView]
    playbook: m.Playbook | None
    gaps: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)  # lint findings about its policy or its steps
    badges: list[CellBadge] = field(default_factory=list)  # from other apps (matrix.hooks), e.g. live incidents

    @property
    def highlighted(self) -> bool:
        return bool(self.gaps or self.findings)


@dataclass
class AreaRow:
    area: m.ProductArea
    depth: int
    owner: m.Team | None
    team: m.Team | None  # who gets its incidents when no rule matches: the owner, else the triage team
    on_call: object | None
    cells: list[Cell]
    findings: list[Finding]  # lint findings about the area
    team_findings: list[Finding]  # … and about the team its incidents go to (and that team's rotations)
    filter_text: str  # what the page's search box matches against
    pending: list[m.ChangeRequest] = field(default_factory=list)  # pending change requests touching it

    @property
    def owner_gap(self) -> bool:
        on_call_missing = self.on_call is None or not self.on_call.is_active
        return self.owner is None or on_call_missing or bool(self.team_findings)


@dataclass
class TeamOnCall:
    team: m.Team
    on_call: object | None
    rotations: int
    findings: list[Finding]  # about the team and its rotations


@dataclass
class TierColumn:
    tier: m.Tier
    cells_without_policy: int
    findings: list[Finding]


@dataclass
class MatrixPage:
    tiers: list[TierColumn]
    rows: list[AreaRow]
    teams: list[TeamOnCall]
    findings: list[Finding]
    as_of: dt.datetime | None = None  # the moment shown, when it is not today's matrix
    nothing_recorded: bool = False  # as of then, the history holds no matrix at all

    @property
    def changes_since(self) -> dt.date | None:
        """The first day after the one shown, from which "what changed since then" lists; None for today."""
        if self.as_of is None:
            return None
        day = timezone.localdate(self.as_of) + dt.timedelta(days=1)
        return day if day <= timezone.localdate() else None

    @property
    def cells_with_gaps(self) -> int:
        return sum(cell.highlighted for row in self.rows for cell in row.cells)


def areas_in_tree_order(snapshot: MatrixSnapshot) -> list[tuple[m.ProductArea, int]]:
    """Areas with their depth, each parent followed by its children, siblings by name."""
    children: dict[int | None, list[m.ProductArea]] = defaultdict(list)
    for area in snapshot.areas.values():
        parent = area.parent_id if area.parent_id in snapshot.areas else None
        children[parent].append(area)
    ordered: list[tuple[m.ProductArea, int]] = []
    seen: set[int] = set()

    def walk(parent_id: int | None, depth: int) -> None:
        for area in sorted(children.get(parent_id, []), key=lambda a: a.name.lower()):
            if area.pk in seen:  # a cycle in bad data must not hang the page
                continue
            seen.add(area.pk)
            ordered.append((area, depth))
            walk(area.pk, depth + 1)

    walk(None, 0)
    # Areas caught in a parent cycle have no root; still show them.
    ordered.extend((a, 0) for a in sorted(snapshot.areas.values(), key=lambda a: a.name) if a.pk not in seen)
    return ordered


class ScopedCandidates:
    """Policies or playbooks grouped by their area, so each cell scores only those that can apply.

    ``Router.best`` still makes the choice; this only skips candidates scoped to unrelated areas,
    which keeps 200 areas × 5 tiers fast when every area has its own policies.
    """

    def __init__(self, snapshot: MatrixSnapshot, objects) -> None:
        self.snapshot = snapshot
        self.unscoped = [o for o in objects if o.area_id is None]
        self.by_area: dict[int, list] = defaultdict(list)
        for obj in objects:
            if obj.area_id is not None:
                self.by_area[obj.area_id].append(obj)

    def for_area(self, area: m.ProductArea) -> list:
        chain = self.snapshot.ancestors.get(area.pk, (area.pk,))
        return self.unscoped + [o for area_id in chain for o in self.by_area.get(area_id, [])]


# A rotation's gaps show on its team's row, a step's on the cells that use its policy.
_FOLDED = {"rotation": "team", "step": "policy"}


def findings_by_subject(findings: list[Finding]) -> dict[tuple[str, str], list[Finding]]:
    """Findings by what the page can highlight: ("team", "<team key>"), ("policy", "<policy key>"), …

    Rotation keys are "<team key>/<rotation name>" and step keys "<policy key>/<position>" (see
    ``matrix.lint.findings``), so they are filed under the team and the policy.
    """
    grouped: dict[tuple[str, str], list[Finding]] = defaultdict(list)
    for finding in findings:
        kind, key = finding.subject_type, finding.subject_key
        if kind in _FOLDED:
            kind, key = _FOLDED[kind], key.rsplit("/", 1)[0]
        grouped[(kind, key)].append(finding)
    return grouped


def matrix_page(snapshot: MatrixSnapshot | None = None) -> MatrixPage:
    """Today's matrix, with what is live on it: open-incident badges, pending change requests."""
    snapshot = snapshot or MatrixSnapshot()
    page = _page(snapshot, badges=cell_badges(snapshot))
    pending = pending_changes_by_area(snapshot)
    for row in page.rows:
        row.pending = pending.get(row.area.pk, [])
    return page


def matrix_page_as_of(day: dt.date, now: dt.datetime | None = None) -> MatrixPage:
    """The matrix as it stood at the end of ``day`` (settings.TIME_ZONE), on call then included; today's
    matrix so far when ``day`` is today. Nothing live: no incident badges, no pending change requests."""
    when = min(end_of_day(day), now or timezone.now())
    snapshot = HistoricalSnapshot(when)
    if snapshot.is_empty:
        return MatrixPage(tiers=[], rows=[], teams=[], findings=[], as_of=when, nothing_recorded=True)
    page = _page(snapshot, badges={})
    page.as_of = when
    return page


def _page(snapshot: MatrixSnapshot, *, badges: dict[tuple[int, int], list[CellBadge]]) -> MatrixPage:
    router = Router(snapshot)
    findings = lint(snapshot)
    by_subject = findings_by_subject(findings)
    tiers = sorted(snapshot.tiers.values(), key=lambda t: t.rank)
    policies = ScopedCandidates(snapshot, snapshot.policies)
    playbooks = ScopedCandidates(snapshot, snapshot.playbooks)

    on_call = {team_id: snapshot.on_call(team_id) for team_id in snapshot.teams}
    teams = [
        TeamOnCall(
            team=team,
            on_call=on_call[team.pk],
            rotations=len(snapshot.rotations_by_team.get(team.pk, [])),
            findings=by_subject.get(("team", team.key), []),
        )
        for team in sorted(snapshot.teams.values(), key=lambda t: t.name.lower())
    ]

    # Many cells share a policy and a team: describe each pair once.
    described: dict[tuple[int, int | None], list[StepView]] = {}
    rows = []
    without_policy: dict[int, int] = defaultdict(int)
    for area, depth in areas_in_tree_order(snapshot):
        owner = snapshot.teams.get(area.owner_team_id) if area.owner_team_id else None
        team = owner or snapshot.triage_team
        team_id = team.pk if team else None
        area_policies, area_playbooks = policies.for_area(area), playbooks.for_area(area)
        cells = []
        for tier in tiers:
            policy = router.best(area_policies, area, tier, team)
            playbook = router.best(area_playbooks, area, tier)
            if policy is not None and (policy.pk, team_id) not in described:
                described[(policy.pk, team_id)] = describe_steps(snapshot, policy, team, on_call.get(team_id))
            cell = Cell(tier, policy, described[(policy.pk, team_id)] if policy else [], playbook,
                        badges=badges.get((area.pk, tier.pk), []))
            if policy is not None:
                cell.findings = by_subject.get(("policy", policy.key), [])
            if policy is None:
                cell.gaps.append(GAP_NO_POLICY)
                without_policy[tier.pk] += 1
            if playbook is None:
                cell.gaps.append(GAP_NO_PLAYBOOK)
            if any(step.has_gap for step in cell.steps):  # e.g. nobody on call, or no lead to escalate to
                cell.gaps.append(GAP_STEP_REACHES_NOBODY)
            cells.append(cell)
        row_on_call = on_call.get(team_id)
        filter_text = " ".join([
            area.key, area.name, area.get_lifecycle_stage_display(), team.name if team else "",
            person_name(row_on_call), *sorted({c.playbook.name for c in cells if c.playbook}),
        ]).lower()
        rows.append(AreaRow(
            area=area, depth=depth, owner=owner, team=team, on_call=row_on_call, cells=cells,
            findings=by_subject.get(("area", area.key), []),
            team_findings=by_subject.get(("team", team.key), []) if team else [], filter_text=filter_text,
        ))

    columns = [TierColumn(t, without_policy[t.pk], by_subject.get(("tier", t.key), [])) for t in tiers]
    return MatrixPage(tiers=columns, rows=rows, teams=teams, findings=findings)


# --- pending change requests ----------------------------------------------------------------------------
# Diff entries of these models name their object by id; the snapshot knows which area each one is scoped to.
_SCOPED = ("matrix.escalationpolicy", "matrix.routingrule", "matrix.playbook", "matrix.escalationstep")


def pending_changes_by_area(snapshot: MatrixSnapshot) -> dict[int, list[m.ChangeRequest]]:
    """Area id → the pending change requests touching it, oldest first: ONE query.

    A request touches an area when its diff changes the area itself (its owner team, say), or an object
    whose ``area`` is that area before or after the change (a policy, rule, playbook, roster entry), or
    a step of a policy scoped to it. Objects not in the snapshot are known only by what their diff says."""
    pending = m.ChangeRequest.objects.filter(status=m.ChangeRequestStatus.PENDING).select_related("author")
    area_of = _scoped_areas(snapshot)
    by_area: dict[int, list[m.ChangeRequest]] = defaultdict(list)
    for change_request in pending.order_by("created_at", "id"):
        touched: set[int] = set()
        for entry in (change_request.diff or {}).get("objects", []):
            touched |= _areas_touched(entry, area_of)
        for area_id in sorted(touched & snapshot.areas.keys()):
            by_area[area_id].append(change_request)
    return by_area


def _scoped_areas(snapshot: MatrixSnapshot) -> dict[str, dict[int, int | None]]:
    """Model label → object id → the area it is scoped to, for the scoped objects the snapshot holds."""
    policies = {p.pk: p.area_id for p in snapshot.policies}
    return {
        "matrix.escalationpolicy": policies,
        "matrix.routingrule": {r.pk: r.area_id for r in snapshot.rules},
        "matrix.playbook": {p.pk: p.area_id for p in snapshot.playbooks},
        "matrix.escalationstep": {s.pk: p.area_id for p in snapshot.policies for s in p.steps.all()},
    }


def _areas_touched(entry: dict, area_of: dict[str, dict[int, int | None]]) -> set[int]:
    touched: set[int] = set()
    model, object_id, fields = entry.get("model"), entry.get("id"), entry.get("fields") or {}
    if model == "matrix.productarea" and object_id is not None:
        touched.add(object_id)
    if model in _SCOPED and object_id is not None:
        touched.add(area_of[model].get(object_id))
    for name, scoped_model in (("area", None), ("policy", "matrix.escalationpolicy"), ("playbook", "matrix.playbook")):
        change = fields.get(name) or {}
        for ref in (change.get("old"), change.get("new")):
            if isinstance(ref, dict) and ref.get("id") is not None:
                touched.add(ref["id"] if scoped_model is None else area_of[scoped_model].get(ref["id"]))
    touched.discard(None)
    return touched
