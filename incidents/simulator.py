"""The routing simulator: replay recent incidents through a draft rule set and see what would change.
Nothing is saved, and nothing is written even for a moment.

A draft is today's matrix with some parts replaced in memory: its routing rules (and product areas,
whose owner team and lifecycle stage routing reads too) and its escalation policies with their steps,
as a change request's diff would leave them — a pending request, or one the system drafted — or the
rules and policies edited on the page, in the matrix file's YAML format (``docs/matrix-file.md``).

Each of the last N real incidents (drills never count) is routed twice, from the inputs it was filed
with, by the real routing engine: over today's matrix, and over the draft. Both are compared with its
*right team*: the team its last misroute moved it to, if it was flagged misrouted, else the team it
was routed to. An incident judged wrongly routed without a team named (a review said so) has no known
right team: its decisions are replayed and listed, but it is left out of the first-time-right rates.

Escalation is replayed too, phase by phase: each decision's policy is laid over what the incident really
did (when it was filed, acknowledged, contained and resolved), and a step counts as fired when its due
time — from its phase's start or target, on the tier's clock — passed before its phase was met (or
before now, for a phase still open). Pauses are not replayed: a step a pause held counts as if the
clock had run.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db.models import BooleanField, ExpressionWrapper
from django.utils import timezone

from matrix import models as m
from matrix.governance import may_approve
from matrix.matrix_file import MatrixFileError, export_policies, export_rules, yamlio
from matrix.matrix_file import schema as s
from matrix.matrix_file.errors import INVALID, Errors, Loc
from matrix.matrix_file.validate import Cleaner
from matrix.routing import Router, RouteRequest, RoutingError
from matrix.snapshot import MatrixSnapshot

from .clock import deadline
from .metrics import misroute_destination, real_incidents, wrong_first_routing
from .models import Incident
from .timers import missed

DEFAULT_LAST, MAX_LAST = 200, 2000
CHANGE_RULES = "matrix.change_routingrule"
RULE = "matrix.routingrule"
AREA = "matrix.productarea"
POLICY = "matrix.escalationpolicy"
STEP = "matrix.escalationstep"
SECTIONS = {"rules": s.RULE, "policies": s.POLICY}  # what a draft edited on the page may replace
UNIQUE = {"rules": ("key", "order"), "policies": ("key",)}
PHASES = tuple(m.Phase.values)
TARGET_FIELDS = {"acknowledge": "acknowledge_minutes", "contain": "contain_minutes", "resolve": "resolve_minutes"}
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
    """What a draft replaces in today's matrix: the whole rule list, changed areas by id, and the whole
    policy list with each policy's steps by its key (None: today's rules, or today's policies)."""

    rules: list[m.RoutingRule] | None = None
    areas: dict[int, m.ProductArea] = field(default_factory=dict)
    policies: list[m.EscalationPolicy] | None = None
    steps: dict[str, list[m.EscalationStep]] = field(default_factory=dict)


def touches_routing(change_request: m.ChangeRequest) -> bool:
    """Whether the request changes something routing or escalation reads: a routing rule, a product area,
    an escalation policy or step."""
    models = (RULE, AREA, POLICY, STEP)
    return any(entry.get("model") in models for entry in change_request.diff.get("objects", []))


def simulatable_change_requests() -> list[m.ChangeRequest]:
    """Open requests (pending, or drafted by the system) that change routing, newest first."""
    open_ = m.ChangeRequest.objects.filter(
        status__in=[m.ChangeRequestStatus.PENDING, m.ChangeRequestStatus.DRAFT]
    ).select_related("author", "target_content_type")
    return [cr for cr in open_ if touches_routing(cr)]


def draft_from_change_request(change_request: m.ChangeRequest, snapshot: MatrixSnapshot) -> DraftMatrix:
    """Today's rules, areas and policies with the request's diff applied to copies, in memory."""
    entries = change_request.diff.get("objects", [])
    rules = _applied(entries, RULE, {rule.pk: _copy(rule) for rule in snapshot.rules}, m.RoutingRule)
    policies = _applied(entries, POLICY, {p.pk: _copy(p) for p in snapshot.policies}, m.EscalationPolicy)
    today_steps = {step.pk: _copy(step) for p in snapshot.policies for step in p.steps.all()}
    steps = _applied(entries, STEP, today_steps, m.EscalationStep)
    areas: dict[int, m.ProductArea] = {}
    for entry in entries:
        if entry.get("model") == AREA and entry["op"] == m.ChangeOperation.CHANGE:
            area = snapshot.areas.get(entry["id"])
            if area is not None:
                areas[area.pk] = _apply(_copy(area), entry)
    by_policy: dict[int, list[m.EscalationStep]] = {}
    for step in steps:
        by_policy.setdefault(step.policy_id, []).append(step)
    return DraftMatrix(rules=rules, areas=areas, policies=policies,
                       steps={p.key: by_policy.get(p.pk, []) for p in policies})


def _applied(entries: list[dict], model: str, rows: dict, cls) -> list:
    """``rows`` (copies by id) after the diff's entries for ``model``: deleted, changed, added."""
    added = []
    for entry in entries:
        if entry.get("model") != model:
            continue
        if entry["op"] == m.ChangeOperation.DELETE:
            rows.pop(entry["id"], None)
        elif entry["op"] == m.ChangeOperation.ADD:
            row = _apply(cls(), entry)
            row.pk = _stand_in_id(entry)  # so rows added with it (a new policy's steps) can name it
            added.append(row)
        elif entry["id"] in rows:
            _apply(rows[entry["id"]], entry)
    return [*rows.values(), *added]


def _copy(obj):
    """A detached copy (no shared field cache): the loaded matrix must never change."""
    return type(obj)(**{f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields})


def _stand_in_id(entry_or_ref: dict) -> int:
    """An id for a row the request adds (it has none yet), from its ``ref``: negative, so it is no stored row's."""
    return -1 - int(entry_or_ref["ref"])


def _apply(obj, entry: dict):
    for name, change in entry.get("fields", {}).items():
        model_field = obj._meta.get_field(name)
        value = change["new"]
        if model_field.is_relation:
            value = value if isinstance(value, dict) else {}
            value_id = value.get("id")
            if value_id is None and "ref" in value and model_field.related_model is m.EscalationPolicy:
                value_id = _stand_in_id(value)  # a step of a policy the request adds
            # Any other row added in the same request has no id yet: routing cannot see it.
            setattr(obj, model_field.attname, value_id)
        else:
            setattr(obj, model_field.attname, model_field.to_python(value))
    return obj


def may_simulate(user) -> bool:
    """Who may run a replay (up to ``MAX_LAST`` incidents each): whoever may change routing rules in the admin
    (managers) or approve change requests (approvers) — the people deciding a change to routing."""
    return bool(user and user.is_active) and (user.has_perm(CHANGE_RULES) or may_approve(user))


def draft_yaml() -> str:
    """Today's rules and escalation policies, as the matrix file writes them: the starting point of a draft
    edited on the page."""
    return yamlio.dump({"rules": export_rules(), "policies": export_policies()})


def draft_from_yaml(text: str, snapshot: MatrixSnapshot) -> DraftMatrix:
    """The rules and/or policies edited on the page (``rules:`` and ``policies:`` sections, or just the rule
    list); a section left out stays as today. Raises ``SimulationInputError`` naming each entry and field
    at fault."""
    try:
        data = yamlio.load(text or "")
    except MatrixFileError as exc:
        raise SimulationInputError(exc.errors) from exc
    if isinstance(data, list):
        data = {"rules": data}
    if not isinstance(data, dict) or not data or not set(data) <= set(SECTIONS):
        raise SimulationInputError(["Write the rules as a list (each entry starting with '- key: …'), or write "
                                    "a 'rules:' section, a 'policies:' section or both, each holding such a list."])
    errors = Errors()
    keys = {
        "areas": set(snapshot.area_by_key), "teams": {t.key for t in snapshot.teams.values()},
        "impacts": set(snapshot.impacts), "urgencies": set(snapshot.urgencies),
        "tiers": {t.key for t in snapshot.tiers.values()}, "playbooks": {p.key for p in snapshot.playbooks},
        "people": set(get_user_model().objects.filter(is_active=True).values_list("username", flat=True))
        if "policies" in data else set(),
    }
    cleaner = Cleaner(errors, keys)
    sections = {name: cleaner.entries(data[name], SECTIONS[name], name, Loc("")) for name in data}
    for section, fields in UNIQUE.items():
        _refuse_repeats(sections.get(section, []), fields, errors)
    if errors:
        raise SimulationInputError(errors.messages)
    draft = DraftMatrix()
    if "rules" in sections:
        draft.rules = [_rule(row, snapshot) for _loc, row in sections["rules"]]
    if "policies" in sections:
        draft.policies = [_policy(row, snapshot, n) for n, (_loc, row) in enumerate(sections["policies"])]
        draft.steps = {row["key"]: [_step(step) for _l, step in row["steps"]] for _loc, row in sections["policies"]}
    return draft


def _refuse_repeats(rows: list[tuple[Loc, dict]], fields: tuple[str, ...], errors: Errors) -> None:
    for name in fields:
        seen: dict = {}
        for loc, row in rows:
            value = row[name]
            if value is INVALID:
                continue  # already reported
            if value in seen:
                errors.add(loc, name, f"duplicate {name} {value!r} (also {seen[value]})")
            seen.setdefault(value, loc.short)


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


def _policy(row: dict, snapshot: MatrixSnapshot, index: int) -> m.EscalationPolicy:
    teams = {t.key: t.pk for t in snapshot.teams.values()}
    tiers = {t.key: t.pk for t in snapshot.tiers.values()}
    return m.EscalationPolicy(
        pk=-1 - index, key=row["key"], name=row["name"], lifecycle_stage=row["lifecycle_stage"] or "",
        area_id=snapshot.area_by_key[row["area"]].pk if row["area"] else None,
        team_id=teams.get(row["team"]), tier_id=tiers.get(row["tier"]),
    )


def _step(row: dict) -> m.EscalationStep:
    """Only what decides when a step fires: the replay counts steps, it pages nobody."""
    return m.EscalationStep(phase=row["phase"], delay_minutes=row["delay_minutes"], counted_from=row["counted_from"])


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
    replaced: dict = {}
    if draft.rules is not None:
        replaced["rules"] = draft.rules
    if draft.policies is not None:
        replaced["policies"] = draft.policies
    if draft.areas:
        replaced["areas"] = {**today.areas, **draft.areas}
    return _DraftSnapshot(today, replaced)


# --- the replay ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Decision:
    team: m.Team | None  # None: it cannot be routed (the matrix has no tier for its answers, say)
    rule: str  # the rule's name, or how the fallback chose
    policy: str = ""  # the escalation policy's name; "" when none applies
    fired: tuple[int, ...] = (0,) * len(PHASES)  # the policy's steps that would have fired, phase by phase

    @classmethod
    def of(cls, router: Router, request: RouteRequest, replay: EscalationReplay) -> Decision:
        try:
            decision = router.route(request)
        except RoutingError as exc:
            return cls(None, exc.message)
        if decision.rule is not None:
            rule = f"rule #{decision.rule.order} “{decision.rule.name}”"
        else:
            rule = "the area's owner" if decision.fallback == "area_owner" else "the triage team"
        policy = decision.policy
        fired = replay.fired(decision, replay.steps.get(policy.key, []) if policy is not None else [])
        return cls(decision.team, rule, policy.name if policy is not None else "", fired)

    @property
    def fired_by_phase(self) -> list[tuple[str, int]]:
        """(phase label, steps fired) for the phases where any fired."""
        return [(m.Phase(phase).label, n) for phase, n in zip(PHASES, self.fired, strict=True) if n]


@dataclass
class EscalationReplay:
    """One incident's real history (filed, acknowledged, contained, resolved), against which a decision's
    escalation policy is laid; ``steps`` are each policy's steps by its key, on one side of the replay."""

    incident: Incident
    steps: dict[str, list[m.EscalationStep]]
    now: dt.datetime

    def fired(self, decision, steps: list[m.EscalationStep]) -> tuple[int, ...]:
        """How many of ``steps`` would have fired, per phase: due (from the phase's start or target, on the
        tier's clock over the decision's team's calendar) before the phase was met, or before now."""
        incident = self.incident
        over = (incident.resolved_at, incident.closed_at)
        ends = {"acknowledge": self._first(incident.acknowledged_at, *over),
                "contain": self._first(incident.contained_at, *over), "resolve": self._first(*over)}
        starts = {"acknowledge": incident.filed_at, "contain": incident.acknowledged_at,
                  "resolve": incident.contained_at}
        counts = dict.fromkeys(PHASES, 0)
        for step in steps:
            if step.counted_from == m.CountedFrom.TARGET:
                minutes = getattr(decision.tier, TARGET_FIELDS[step.phase])
                anchor = self._due(decision, incident.filed_at, minutes)
            else:
                anchor = starts[step.phase]
            if anchor is not None and missed(self._due(decision, anchor, step.delay_minutes), ends[step.phase]):
                counts[step.phase] += 1
        return tuple(counts[phase] for phase in PHASES)

    def _first(self, *moments: dt.datetime | None) -> dt.datetime:
        return min((moment for moment in moments if moment is not None), default=self.now)

    @staticmethod
    def _due(decision, start: dt.datetime, minutes: float) -> dt.datetime:
        return deadline(team=decision.team, start=start, minutes=minutes, clock=decision.tier.clock)


@dataclass(frozen=True)
class ReplayedIncident:
    incident: Incident
    right_team: m.Team | None  # None: unknown (judged wrong in a review, no team named)
    now: Decision
    draft: Decision

    @property
    def team_changed(self) -> bool:
        return _team_id(self.now) != _team_id(self.draft)

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
    changed: list[ReplayedIncident] = field(default_factory=list)  # the incidents whose team or escalation changes
    fired_now: list[int] = field(default_factory=lambda: [0] * len(PHASES))  # steps fired, per phase
    fired_draft: list[int] = field(default_factory=lambda: [0] * len(PHASES))

    @property
    def phases(self) -> list[tuple[str, int, int]]:
        """(phase label, steps fired today, with the draft), for every phase."""
        return [(m.Phase(phase).label, self.fired_now[i], self.fired_draft[i]) for i, phase in enumerate(PHASES)]

    @property
    def rerouted(self) -> int:
        return sum(1 for r in self.changed if r.team_changed)

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
    steps_now = {policy.key: list(policy.steps.all()) for policy in today.policies}
    steps_draft = draft.steps if draft.policies is not None else steps_now
    teams = today.teams
    result = Simulation()
    for incident in recent_incidents(last):
        request = RouteRequest(
            area=incident.product_area.key, impact=incident.impact.key, urgency=incident.urgency.key,
            title=incident.title, description=incident.description,
            customer_segment=incident.customer_segment, channel=incident.channel,
        )
        now = Decision.of(now_router, request, EscalationReplay(incident, steps_now, today.now))
        drafted = Decision.of(draft_router, request, EscalationReplay(incident, steps_draft, today.now))
        for i in range(len(PHASES)):
            result.fired_now[i] += now.fired[i]
            result.fired_draft[i] += drafted.fired[i]
        right = _right_team(incident, teams)
        result.replayed += 1
        if right is not None and now.team is not None and drafted.team is not None:
            result.scored += 1
            result.right_now += now.team.pk == right.pk
            result.right_draft += drafted.team.pk == right.pk
        if _team_id(now) != _team_id(drafted) or now.fired != drafted.fired:
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
