"""The routing engine: who gets an incident, at what tier, under which policy and playbook, and why.

``Router(snapshot).route(request)`` is pure: it reads only the in-memory ``MatrixSnapshot``, so a
decision costs no queries. Rules are compiled once per snapshot and indexed by area, so a decision
only walks the rules that could apply to the incident's area.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

from . import models as m
from .snapshot import MatrixSnapshot


@lru_cache(maxsize=4096)
def keyword_pattern(keywords: tuple[str, ...]) -> re.Pattern | None:
    """Keywords match at the start of a word: 'refund' matches "refunds" but 'ios' not "scenarios".

    Cached by keywords: every request compiles its snapshot's rules, and with more than 512 keyword
    rules ``re``'s own cache thrashes (a cold Router with 1,000 rules spent ~30 ms compiling patterns)."""
    if not keywords:
        return None
    return re.compile(r"(?<!\w)(" + "|".join(re.escape(k) for k in keywords) + ")")


def keyword_covers(earlier: str, later: str) -> bool:
    """Every text that ``later`` matches, ``earlier`` matches too (used to find shadowed rules):
    ``earlier`` starts a word inside ``later`` ('refund' covers 'partial refund', not 'nonrefundable').
    Plain ``str.find`` rather than a regex: lint calls this for many pairs of rules."""
    start = later.find(earlier)
    while start != -1:
        if start == 0 or not (later[start - 1].isalnum() or later[start - 1] == "_"):
            return True
        start = later.find(earlier, start + 1)
    return False


class RoutingError(ValueError):
    """The inputs cannot be routed (unknown area, impact or urgency; no tier for the pair)."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field = field_name
        self.message = message


@dataclass(frozen=True)
class RouteRequest:
    area: str
    impact: str
    urgency: str
    title: str = ""
    description: str = ""
    customer_segment: str = ""
    channel: str = ""


@dataclass
class RoutingDecision:
    area: m.ProductArea
    impact: m.Impact
    urgency: m.Urgency
    tier: m.Tier
    team: m.Team
    rule: m.RoutingRule | None
    fallback: str  # "rule", "area_owner" or "triage_team"
    policy: m.EscalationPolicy | None
    playbook: m.Playbook | None
    on_call: object | None
    explanation: str
    reasons: list[str] = field(default_factory=list)

    @property
    def steps(self) -> list[m.EscalationStep]:
        return list(self.policy.steps.all()) if self.policy else []

    def deadlines(self, filed_at: dt.datetime) -> dict[str, dt.datetime]:
        """Round-the-clock deadlines; business-hours tiers are computed by the incident timers."""
        return {
            "acknowledge": filed_at + dt.timedelta(minutes=self.tier.acknowledge_minutes),
            "contain": filed_at + dt.timedelta(minutes=self.tier.contain_minutes),
            "resolve": filed_at + dt.timedelta(minutes=self.tier.resolve_minutes),
        }


@dataclass(frozen=True)
class CompiledRule:
    rule: m.RoutingRule
    area_ids: frozenset[int] | None
    stage: str
    keywords: tuple[str, ...]
    segment: str
    channel: str
    impact_id: int | None
    urgency_id: int | None
    impact_name: str = ""
    urgency_name: str = ""
    keyword_pattern: re.Pattern | None = None

    def match(self, area: m.ProductArea, impact_id: int, urgency_id: int, text: str,
              segment: str, channel: str) -> list[str] | None:
        """The reasons it matched, or None. Cheapest checks first: this runs for every candidate rule."""
        if self.impact_id is not None and self.impact_id != impact_id:
            return None
        if self.urgency_id is not None and self.urgency_id != urgency_id:
            return None
        if self.stage and self.stage != area.lifecycle_stage:
            return None
        if self.segment and self.segment != segment:
            return None
        if self.channel and self.channel != channel:
            return None
        reasons = []
        if self.keyword_pattern is not None:
            # A plain substring test first: it rejects most rules far faster than the word-start regex.
            for keyword in self.keywords:
                if keyword in text:
                    break
            else:
                return None
            found = self.keyword_pattern.search(text)
            if found is None:
                return None
            reasons.append(f"keyword '{found.group(1)}'")
        if self.area_ids is not None:
            reasons.append(f"area {self.rule.area.name if self.rule.area else area.name}")
        if self.stage:
            reasons.append(f"lifecycle stage {self.stage}")
        if self.segment:
            reasons.append(f"customer segment {self.segment}")
        if self.channel:
            reasons.append(f"channel {self.channel}")
        if self.impact_id is not None:
            reasons.append(f"impact {self.impact_name}".rstrip())
        if self.urgency_id is not None:
            reasons.append(f"urgency {self.urgency_name}".rstrip())
        return reasons or ["any incident"]


def _scope_score(snapshot: MatrixSnapshot, obj, area: m.ProductArea, tier: m.Tier,
                 team: m.Team | None = None) -> tuple | None:
    """How specifically a policy or playbook fits (higher wins), or None when it does not apply.

    Area beats team beats tier beats lifecycle stage; a nearer ancestor area beats a farther one.
    """
    chain = snapshot.ancestors.get(area.pk, (area.pk,))
    area_score = 0
    if obj.area_id is not None:
        if obj.area_id not in chain:
            return None
        area_score = len(chain) + 1 - chain.index(obj.area_id)
    team_id = getattr(obj, "team_id", None)
    if team_id is not None and (team is None or team_id != team.pk):
        return None
    if obj.tier_id is not None and obj.tier_id != tier.pk:
        return None
    stage = getattr(obj, "lifecycle_stage", "")
    if stage and stage != area.lifecycle_stage:
        return None
    return (area_score, team_id is not None, obj.tier_id is not None, bool(stage), -obj.pk)


class Router:
    def __init__(self, snapshot: MatrixSnapshot | None = None) -> None:
        self.snapshot = snapshot or MatrixSnapshot()
        # Compiled once per loaded matrix, not per Router: the snapshots ``at()`` makes from one cached
        # matrix (one per request) share them.
        self._rules_by_area: dict[int, list[CompiledRule]] = self.snapshot.shared("rules_by_area", dict)

    @cached_property
    def compiled_rules(self) -> list[CompiledRule]:
        return self.snapshot.shared("compiled_rules", self._compile)

    def _compile(self) -> list[CompiledRule]:
        descendants = self.snapshot.descendants
        areas = self.snapshot.areas
        impact_names = {i.pk: i.name for i in self.snapshot.impacts.values()}
        urgency_names = {u.pk: u.name for u in self.snapshot.urgencies.values()}
        compiled = []
        for rule in sorted(self.snapshot.rules, key=lambda r: r.order):
            if not rule.active:
                continue
            if rule.area_id is not None:
                rule.area = areas.get(rule.area_id)
            compiled.append(CompiledRule(
                rule=rule,
                area_ids=descendants.get(rule.area_id, frozenset()) if rule.area_id else None,
                stage=rule.lifecycle_stage,
                keywords=tuple(rule.keyword_list),
                keyword_pattern=keyword_pattern(tuple(rule.keyword_list)),
                segment=rule.customer_segment.strip().lower(),
                channel=rule.channel,
                impact_id=rule.impact_id,
                urgency_id=rule.urgency_id,
                impact_name=impact_names.get(rule.impact_id, ""),
                urgency_name=urgency_names.get(rule.urgency_id, ""),
            ))
        return compiled

    def rules_for_area(self, area_id: int) -> list[CompiledRule]:
        """The active rules that could match an incident in this area, in order (cached).

        The area fixes the lifecycle stage too, so rules for other stages are left out here once.
        """
        rules = self._rules_by_area.get(area_id)
        if rules is None:
            area = self.snapshot.areas.get(area_id)
            stage = area.lifecycle_stage if area is not None else None
            rules = [c for c in self.compiled_rules
                     if (c.area_ids is None or area_id in c.area_ids) and (not c.stage or c.stage == stage)]
            self._rules_by_area[area_id] = rules
        return rules

    def input_errors(self, request: RouteRequest) -> dict[str, str]:
        """Every unknown input at once, by field (empty when all are known), so a form can show them all."""
        snap = self.snapshot
        errors = {}
        if request.area not in snap.area_by_key:
            errors["product_area"] = f"Unknown product area '{request.area}'."
        if request.impact not in snap.impacts:
            errors["impact"] = f"Unknown impact '{request.impact}'."
        if request.urgency not in snap.urgencies:
            errors["urgency"] = f"Unknown urgency '{request.urgency}'."
        return errors

    def resolve_inputs(self, request: RouteRequest) -> tuple[m.ProductArea, m.Impact, m.Urgency]:
        snap = self.snapshot
        errors = self.input_errors(request)
        if errors:
            field_name, message = next(iter(errors.items()))
            raise RoutingError(field_name, message)
        return snap.area_by_key[request.area], snap.impacts[request.impact], snap.urgencies[request.urgency]

    def first_match(self, area, impact, urgency, request: RouteRequest) -> tuple[CompiledRule | None, list[str]]:
        text = f"{request.title}\n{request.description}".lower()
        segment = request.customer_segment.strip().lower()
        channel = request.channel.strip().lower()
        impact_id, urgency_id = impact.pk, urgency.pk  # once: ``.pk`` is a property, and this loop is hot
        for compiled in self.rules_for_area(area.pk):
            reasons = compiled.match(area, impact_id, urgency_id, text, segment, channel)
            if reasons is not None:
                return compiled, reasons
        return None, []

    def best(self, candidates, area, tier, team=None):
        scored = [(s, obj) for obj in candidates if (s := _scope_score(self.snapshot, obj, area, tier, team))]
        return max(scored, key=lambda pair: pair[0])[1] if scored else None

    def route(self, request: RouteRequest) -> RoutingDecision:
        snap = self.snapshot
        area, impact, urgency = self.resolve_inputs(request)
        tier_id = snap.cells.get((impact.pk, urgency.pk))
        if tier_id is None:
            raise RoutingError("urgency", f"The priority matrix has no tier for {impact.name} × {urgency.name}.")
        tier = snap.tiers[tier_id]
        tier_reason = f"tier {tier.name} from impact {impact.name} × urgency {urgency.name}"

        compiled, reasons = self.first_match(area, impact, urgency, request)
        playbook = None
        if compiled is not None:
            rule = compiled.rule
            team = snap.teams[rule.team_id]
            fallback = "rule"
            why = f"rule {rule.order} '{rule.name}' matched {', '.join(reasons)}"
            if rule.tier_override_id:
                tier = snap.tiers[rule.tier_override_id]
                tier_reason = f"tier {tier.name} set by the rule (the matrix said {snap.tiers[tier_id].name})"
            if rule.playbook_override_id:
                playbook = next((p for p in snap.playbooks if p.pk == rule.playbook_override_id), None)
        elif area.owner_team_id:
            rule, team, fallback = None, snap.teams[area.owner_team_id], "area_owner"
            why = f"no rule matched; {area.name} is owned by {team.name}"
        elif snap.triage_team is not None:
            rule, team, fallback = None, snap.triage_team, "triage_team"
            why = f"no rule matched and {area.name} has no owner; sent to the triage team {team.name}"
        else:
            raise RoutingError(
                "product_area", f"No rule matched, {area.name} has no owner and there is no triage team."
            )

        policy = self.best(snap.policies, area, tier, team)
        playbook = playbook or self.best(snap.playbooks, area, tier)
        return RoutingDecision(
            area=area, impact=impact, urgency=urgency, tier=tier, team=team, rule=rule, fallback=fallback,
            policy=policy, playbook=playbook, on_call=snap.on_call(team.pk),
            explanation=f"{why}; {tier_reason}", reasons=reasons,
        )


class RememberingRouter(Router):
    """A Router that gives a request it has already routed the same decision again: the one behind
    ``MatrixSnapshot.router``, so one moment. Filing routes the same answers twice (the form, then
    ``incident_file``'s own check); at 1,000 rules the second walk is worth skipping."""

    def __init__(self, snapshot: MatrixSnapshot | None = None) -> None:
        super().__init__(snapshot)
        self._decisions: dict[RouteRequest, RoutingDecision] = {}

    def route(self, request: RouteRequest) -> RoutingDecision:
        if request not in self._decisions:
            self._decisions[request] = super().route(request)
        return self._decisions[request]


def route(request: RouteRequest, snapshot: MatrixSnapshot | None = None) -> RoutingDecision:
    """Route one incident against the current matrix (or the given snapshot)."""
    return Router(snapshot).route(request)
