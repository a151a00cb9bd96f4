"""Routing rule checks: rules that can never match, rules an earlier rule hides, and unanswered targets.

Inactive rules are ignored throughout: they neither fire nor shadow.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

from .. import models as m
from ..routing import keyword_covers
from ..snapshot import MatrixSnapshot
from .findings import ERROR, WARNING, Finding
from .rotations import team_ever_on_call


@dataclass(frozen=True)
class _Rule:
    """A rule's conditions, normalised the way the router compares them."""

    rule: m.RoutingRule
    order: int
    areas: frozenset[int]  # every area it can match: its area's subtree, narrowed by its lifecycle stage
    everywhere: bool  # no area and no stage condition: matches in any area, present or future
    keywords: tuple[str, ...]
    conditions: tuple  # (impact id, urgency id, channel, customer segment); empty = any
    has_tier: bool  # the priority matrix gives a tier for some impact × urgency it accepts

    def covers(self, later: _Rule) -> bool:
        """Every incident ``later`` matches, this rule matches too (checked cheapest condition first)."""
        for mine, theirs in zip(self.conditions, later.conditions, strict=True):
            if mine and mine != theirs:
                return False
        if self.keywords and not (
            later.keywords
            and all(any(keyword_covers(k, theirs) for k in self.keywords) for theirs in later.keywords)
        ):
            return False
        return self.everywhere or later.areas <= self.areas

    @property
    def reachable(self) -> bool:
        return bool(self.areas) and self.has_tier


def _compile(snapshot: MatrixSnapshot) -> list[_Rule]:
    all_areas = frozenset(snapshot.areas)
    by_stage: dict[str, set[int]] = defaultdict(set)
    for area in snapshot.areas.values():
        by_stage[area.lifecycle_stage].add(area.pk)
    impact_ids = [o.pk for o in snapshot.impacts.values()]
    urgency_ids = [o.pk for o in snapshot.urgencies.values()]
    compiled = []
    for rule in sorted(snapshot.rules, key=lambda r: r.order):
        if not rule.active:
            continue
        areas = snapshot.descendants.get(rule.area_id, frozenset()) if rule.area_id else all_areas
        if rule.lifecycle_stage:
            areas = areas & by_stage[rule.lifecycle_stage]
        has_tier = True
        if rule.impact_id or rule.urgency_id:
            has_tier = any(
                (i, u) in snapshot.cells
                for i in ([rule.impact_id] if rule.impact_id else impact_ids)
                for u in ([rule.urgency_id] if rule.urgency_id else urgency_ids)
            )
        compiled.append(_Rule(
            rule=rule, order=rule.order, areas=areas, everywhere=not rule.area_id and not rule.lifecycle_stage,
            keywords=tuple(rule.keyword_list), has_tier=has_tier,
            conditions=(rule.impact_id, rule.urgency_id, rule.channel, rule.customer_segment.strip().lower()),
        ))
    return compiled


def _label(rule: m.RoutingRule) -> str:
    return f"Rule #{rule.order} '{rule.name}'"


def check_rules_unreachable(snapshot: MatrixSnapshot) -> Iterator[Finding]:
    for compiled in _compile(snapshot):
        rule = compiled.rule
        if not compiled.areas and rule.area_id:
            area = snapshot.areas[rule.area_id]
            yield Finding(
                "rule-unreachable", ERROR,
                f"{_label(rule)} can never match: it requires lifecycle stage '{rule.lifecycle_stage}', but "
                f"neither {area.name} nor any area below it is at that stage.",
                "rule", rule.key,
            )
        elif not compiled.areas and snapshot.areas:
            # No contradiction inside the rule itself: it waits for an area to reach that stage.
            yield Finding(
                "rule-stage-unused", WARNING,
                f"{_label(rule)} never matches: no area is at lifecycle stage '{rule.lifecycle_stage}'.",
                "rule", rule.key,
            )
        if not compiled.has_tier:
            impact = next((o.name for o in snapshot.impacts.values() if o.pk == rule.impact_id), "any impact")
            urgency = next((o.name for o in snapshot.urgencies.values() if o.pk == rule.urgency_id), "any urgency")
            yield Finding(
                "rule-unreachable", ERROR,
                f"{_label(rule)} can never match: the priority matrix gives no tier for {impact} × {urgency}, "
                "so such incidents cannot be filed.",
                "rule", rule.key,
            )


def check_rules_shadowed(snapshot: MatrixSnapshot) -> Iterator[Finding]:
    """A rule is shadowed when an earlier active rule matches everything it matches (first match wins).

    Comparing every pair is quadratic, so rules are indexed by area and then by keyword: only a rule on
    an ancestor of the later rule's areas (or on no area) can cover it, and only if it has no keyword or
    one that covers the later rule's first keyword. Each index list is in rule order, so a scan stops
    at the later rule's own position.
    """
    compiled = [c for c in _compile(snapshot) if c.reachable]
    index: dict[int | None, dict[str, list[_Rule]]] = defaultdict(lambda: defaultdict(list))
    for c in compiled:
        for keyword in c.keywords or ("",):
            index[c.rule.area_id][keyword].append(c)
    for later in compiled:
        anchor = next(iter(later.areas))  # a coverer's area is an ancestor of each of them, this one too
        first_keyword = later.keywords[0] if later.keywords else None
        shadow: _Rule | None = None
        for area_id in (None, *snapshot.ancestors.get(anchor, ())):
            by_keyword = index.get(area_id)
            if not by_keyword:
                continue
            groups = [by_keyword.get("", [])]
            if first_keyword is not None:
                groups += [rules for keyword, rules in by_keyword.items()
                           if keyword and keyword_covers(keyword, first_keyword)]
            for rules in groups:
                for c in rules:
                    if c.order >= later.order or (shadow is not None and c.order >= shadow.order):
                        break
                    if c.covers(later):
                        shadow = c
                        break
        if shadow is not None:
            yield Finding(
                "rule-shadowed", ERROR,
                f"{_label(later.rule)} never fires: the earlier rule #{shadow.order} "
                f"'{shadow.rule.name}' matches every incident it matches.",
                "rule", later.rule.key,
            )


def check_rules_target_team_on_call(snapshot: MatrixSnapshot) -> Iterator[Finding]:
    for rule in sorted(snapshot.rules, key=lambda r: r.order):
        if rule.active and not team_ever_on_call(snapshot, rule.team_id):
            team = snapshot.teams[rule.team_id]
            yield Finding(
                "rule-team-never-on-call", WARNING,
                f"{_label(rule)} routes to {team.name}, which never has anybody on call "
                "(no rotation members and no upcoming override).",
                "rule", rule.key,
            )
