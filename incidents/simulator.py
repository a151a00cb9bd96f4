"""The routing simulator: replay recent incidents through a draft rule set and see what would change.
Nothing is saved, and nothing is written even for a moment.

A draft is today's matrix with some parts replaced in memory: its routing rules (and product areas,
whose owner team and lifecycle stage routing reads too) as a change request's diff would leave them —
a pending request, or one the system drafted — or the rule list edited on the page, in the matrix
file's YAML format (``docs/matrix-file.md``).

Each of the last N real incidents (drills never count) is routed twice, from the inputs it was filed
with, by the real routing engine: over today's matrix, and over the draft. Both are compared with its
*right team*: the team its last misroute moved it to, if it was flagged misrouted, else the team it
was routed to. An incident judged wrongly routed without a team named (a review said so) has no known
right team: its decisions are replayed and listed, but it is left out of the first-time-right rates.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import BooleanField, ExpressionWrapper
from django.utils import timezone

from matrix import models as m
from matrix.governance import may_approve
from matrix.matrix_file import MatrixFileError, export_rules, yamlio
from matrix.matrix_file import schema as s
from matrix.matrix_file.errors import INVALID, Errors, Loc
from matrix.matrix_file.validate import Cleaner
from matrix.routing import Router, RouteRequest, RoutingError
from matrix.snapshot import MatrixSnapshot

from .metrics import misroute_destination, real_incidents, wrong_first_routing
from .models import Incident

DEFAULT_LAST, MAX_LAST = 200, 2000
CHANGE_RULES = "matrix.change_routingrule"
RULE = "matrix.routingrule"
AREA = "matrix.productarea"
# Parts computed from the ones a draft replaces: rebuilt for the draft, never shared with today's matrix.
DERIVED = ("compiled_rules", "rules_by_area", "area_by_key", "ancestors", "descendants")


class SimulationInputError(Exception):
    """The draft rules cannot be read; ``errors`` says where, rule by rule."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


# --- the draft -----------------------------------------------------------------------------------------------
@dataclass
class DraftMatrix:
    """What a draft replaces in today's matrix: the whole rule list, and changed areas by id."""

    rules: list[m.RoutingRule]
    areas: dict[int, m.ProductArea] = field(default_factory=dict)


def touches_routing(change_request: m.ChangeRequest) -> bool:
    """Whether the request changes something routing reads: a routing rule, or a product area."""
    return any(entry.get("model") in (RULE, AREA) for entry in change_request.diff.get("objects", []))


def simulatable_change_requests() -> list[m.ChangeRequest]:
    """Open requests (pending, or drafted by the system) that change routing, newest first."""
    open_ = m.ChangeRequest.objects.filter(
        status__in=[m.ChangeRequestStatus.PENDING, m.ChangeRequestStatus.DRAFT]
    ).select_related("author", "target_content_type")
    return [cr for cr in open_ if touches_routing(cr)]


def draft_from_change_request(change_request: m.ChangeRequest, snapshot: MatrixSnapshot) -> DraftMatrix:
    """Today's rules and areas with the request's diff applied to copies, in memory."""
    rules = {rule.pk: _copy(rule) for rule in snapshot.rules}
    added: list[m.RoutingRule] = []
    areas: dict[int, m.ProductArea] = {}
    for entry in change_request.diff.get("objects", []):
        if entry.get("model") == RULE:
            if entry["op"] == m.ChangeOperation.DELETE:
                rules.pop(entry["id"], None)
            elif entry["op"] == m.ChangeOperation.ADD:
                added.append(_apply(m.RoutingRule(), entry))
            elif entry["id"] in rules:
                _apply(rules[entry["id"]], entry)
        elif entry.get("model") == AREA and entry["op"] == m.ChangeOperation.CHANGE:
            area = snapshot.areas.get(entry["id"])
            if area is not None:
                areas[area.pk] = _apply(_copy(area), entry)
    return DraftMatrix(rules=[*rules.values(), *added], areas=areas)


def _copy(obj):
    """A detached copy (no shared field cache): the loaded matrix must never change."""
    return type(obj)(**{f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields})


def _apply(obj, entry: dict):
    for name, change in entry.get("fields", {}).items():
        model_field = obj._meta.get_field(name)
        value = change["new"]
        if model_field.is_relation:
            # A row added in the same request has no id yet: routing cannot see it.
            setattr(obj, model_field.attname, value.get("id") if isinstance(value, dict) else None)
        else:
            setattr(obj, model_field.attname, model_field.to_python(value))
    return obj


def may_simulate(user) -> bool:
    """Who may run a replay (up to ``MAX_LAST`` incidents each): whoever may change routing rules in the admin
    (managers) or approve change requests (approvers) — the people deciding a change to routing."""
    return bool(user and user.is_active) and (user.has_perm(CHANGE_RULES) or may_approve(user))


def rules_yaml() -> str:
    """Today's rules, as the matrix file writes them: the starting point of rules edited on the page."""
    return yamlio.dump({"rules": export_rules()})


def draft_from_yaml(text: str, snapshot: MatrixSnapshot) -> DraftMatrix:
    """The rule list edited on the page (a ``rules:`` section, or just its list); raises
    ``SimulationInputError`` naming each rule and field at fault."""
    try:
        data = yamlio.load(text or "")
    except MatrixFileError as exc:
        raise SimulationInputError(exc.errors) from exc
    if isinstance(data, dict) and set(data) == {"rules"}:
        data = data["rules"]
    if not isinstance(data, list):
        raise SimulationInputError(["Write the rules as a list (each entry starting with '- key: …'), "
                                    "or as a 'rules:' section holding that list."])
    errors = Errors()
    keys = {
        "areas": set(snapshot.area_by_key), "teams": {t.key for t in snapshot.teams.values()},
        "impacts": set(snapshot.impacts), "urgencies": set(snapshot.urgencies),
        "tiers": {t.key for t in snapshot.tiers.values()}, "playbooks": {p.key for p in snapshot.playbooks},
    }
    rows = Cleaner(errors, keys).entries(data, s.RULE, "rules", Loc(""))
    for name in ("key", "order"):
        seen: dict = {}
        for loc, row in rows:
            value = row[name]
            if value is INVALID:
                continue  # already reported
            if value in seen:
                errors.add(loc, name, f"duplicate {name} {value!r} (also {seen[value]})")
            seen.setdefault(value, loc.short)
    if errors:
        raise SimulationInputError(errors.messages)
    return DraftMatrix(rules=[_rule(row, snapshot) for _loc, row in rows])


def _rule(row: dict, snapshot: MatrixSnapshot) -> m.RoutingRule:
    teams = {t.key: t.pk for t in snapshot.teams.values()}
    tiers = {t.key: t.pk for t in snapshot.tiers.values()}
    playbooks = {p.key: p.pk for p in snapshot.playbooks}

    def ref(ids: dict, key):
        return ids.get(key) if key else None

    return m.RoutingRule(
        key=row["key"], name=row["name"], order=row["order"], active=row["active"],
        area_id=snapshot.area_by_key[row["area"]].pk if row["area"] else None,
        lifecycle_stage=row["lifecycle_stage"] or "", keywords=row["keywords"] or "",
        customer_segment=row["customer_segment"] or "", channel=row["channel"] or "",
        impact_id=snapshot.impacts[row["impact"]].pk if row["impact"] else None,
        urgency_id=snapshot.urgencies[row["urgency"]].pk if row["urgency"] else None,
        team_id=teams[row["team"]], tier_override_id=ref(tiers, row["tier_override"]),
        playbook_override_id=ref(playbooks, row["playbook_override"]), description=row["description"] or "",
    )


class _DraftSnapshot(MatrixSnapshot):
    """Today's matrix with some parts replaced. The parts computed from those are its own; every other
    part is today's (loaded once for both, read-only)."""

    def __init__(self, today: MatrixSnapshot, replaced: dict) -> None:
        super().__init__(today.now)
        self._today = today
        self._own.update(replaced)  # ``shared`` reads its own parts first

    def shared(self, name: str, build):
        if name in self._own:
            return self._own[name]
        if name in DERIVED:
            self._own[name] = build()
            return self._own[name]
        return self._today.shared(name, build)


def draft_snapshot(today: MatrixSnapshot, draft: DraftMatrix) -> MatrixSnapshot:
    """Today's loaded matrix with the draft's rules (and areas) in place of its own."""
    replaced: dict = {"rules": draft.rules}
    if draft.areas:
        replaced["areas"] = {**today.areas, **draft.areas}
    return _DraftSnapshot(today, replaced)


# --- the replay ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Decision:
    team: m.Team | None  # None: it cannot be routed (the matrix has no tier for its answers, say)
    rule: str  # the rule's name, or how the fallback chose

    @classmethod
    def of(cls, router: Router, request: RouteRequest) -> Decision:
        try:
            decision = router.route(request)
        except RoutingError as exc:
            return cls(None, exc.message)
        if decision.rule is not None:
            return cls(decision.team, f"rule #{decision.rule.order} “{decision.rule.name}”")
        return cls(decision.team, "the area's owner" if decision.fallback == "area_owner" else "the triage team")


@dataclass(frozen=True)
class ReplayedIncident:
    incident: Incident
    right_team: m.Team | None  # None: unknown (judged wrong in a review, no team named)
    now: Decision
    draft: Decision

    @property
    def verdict(self) -> str:
        """ "better", "worse" or "different" (neither, or the right team is unknown)."""
        if self.right_team is None:
            return "different"
        right_now = self.now.team is not None and self.now.team.pk == self.right_team.pk
        right_draft = self.draft.team is not None and self.draft.team.pk == self.right_team.pk
        return "better" if right_draft and not right_now else "worse" if right_now and not right_draft else "different"


@dataclass
class Simulation:
    replayed: int = 0  # incidents replayed
    scored: int = 0  # of them, those with a known right team, routable both ways
    right_now: int = 0
    right_draft: int = 0
    changed: list[ReplayedIncident] = field(default_factory=list)  # the incidents whose team changes

    @property
    def rate_now(self) -> float | None:
        return self.right_now / self.scored if self.scored else None

    @property
    def rate_draft(self) -> float | None:
        return self.right_draft / self.scored if self.scored else None

    @property
    def better(self) -> int:
        return sum(1 for r in self.changed if r.verdict == "better")

    @property
    def worse(self) -> int:
        return sum(1 for r in self.changed if r.verdict == "worse")


def recent_incidents(last: int) -> list[Incident]:
    """The last ``last`` real incidents, newest first, with their right team's inputs."""
    return list(
        real_incidents().select_related("product_area", "impact", "urgency", "routed_team")
        .annotate(destination=misroute_destination(),
                  judged_wrong=ExpressionWrapper(wrong_first_routing(), output_field=BooleanField()))
        .order_by("-filed_at", "-pk")[:last]
    )


def simulate(*, draft: DraftMatrix, today: MatrixSnapshot, last: int = DEFAULT_LAST) -> Simulation:
    """Replay the last ``last`` real incidents over ``today`` and over the draft. Reads only."""
    last = max(1, min(last, MAX_LAST))
    now_router, draft_router = Router(today), Router(draft_snapshot(today, draft))
    teams = today.teams
    result = Simulation()
    for incident in recent_incidents(last):
        request = RouteRequest(
            area=incident.product_area.key, impact=incident.impact.key, urgency=incident.urgency.key,
            title=incident.title, description=incident.description,
            customer_segment=incident.customer_segment, channel=incident.channel,
        )
        now, drafted = Decision.of(now_router, request), Decision.of(draft_router, request)
        right = _right_team(incident, teams)
        result.replayed += 1
        if right is not None and now.team is not None and drafted.team is not None:
            result.scored += 1
            result.right_now += now.team.pk == right.pk
            result.right_draft += drafted.team.pk == right.pk
        if _team_id(now) != _team_id(drafted):
            result.changed.append(ReplayedIncident(incident, right, now, drafted))
    return result


def _team_id(decision: Decision) -> int | None:
    return decision.team.pk if decision.team is not None else None


def _right_team(incident: Incident, teams: dict[int, m.Team]) -> m.Team | None:
    if incident.destination is not None:
        return teams.get(incident.destination)
    if incident.judged_wrong:
        return None
    return teams.get(incident.routed_team_id, incident.routed_team)


def today(now: dt.datetime | None = None) -> MatrixSnapshot:
    """A fresh snapshot of today's matrix, the simulator's own (the process's kept one is never touched)."""
    return MatrixSnapshot(now or timezone.now())
