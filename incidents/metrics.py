"""Routing and severity metrics, aggregated in SQL. Drills never count: every metric reads real incidents only.

- ``rule_accuracy``: per routing rule (by its stable key, so a deleted rule keeps its record) and the two
  fallbacks ("area_owner", "triage_team") as pseudo-rules: incidents routed, how many were right the first
  time, and the flagged misroutes by the team they were moved to.
- ``escalation_accuracy``: the share of incidents whose first routing was right (docs/architecture.md §4).
- ``tier_breach_rates``: per tier, incidents and how many missed a target (``Incident.breached``).

Each costs a constant number of queries, whatever the number of incidents, rules or teams. A period is
``since <= filed_at < until`` (either end open).

When is a first routing wrong? When the incident was flagged misrouted (``routing_correct`` is False:
``incidents.services.handoffs``), or when evidence an app above registers says so. The reviews app
registers "its post-incident review answered *routed right the first time?* with no"
(``register_wrong_routing_evidence``): incidents never import reviews. Such evidence names no team, so it
lowers the rate without adding to the misroutes by team.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import Case, Count, Exists, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When

from matrix.models import RoutingRule, Team, Tier

from .models import Handoff, Incident

AREA_OWNER, TRIAGE_TEAM = "area_owner", "triage_team"
FALLBACK_NAMES = {
    AREA_OWNER: "No rule matched: the area's owner team",
    TRIAGE_TEAM: "No rule matched and no owner: the triage team",
}

# --- what counts as a wrong first routing ---------------------------------------------------------------
WrongRoutingEvidence = Callable[[], Q | Exists]  # a condition on Incident rows: "its first routing was wrong"
_evidence: list[WrongRoutingEvidence] = []


def register_wrong_routing_evidence(provider: WrongRoutingEvidence) -> WrongRoutingEvidence:
    """Add a condition that marks an incident's first routing wrong (idempotent: ``ready()`` may run twice).

    It must be a filter on ``Incident`` that the database answers (a ``Q`` or an ``Exists`` with
    ``OuterRef("pk")``), so that metrics stay one aggregate query."""
    if provider not in _evidence:
        _evidence.append(provider)
    return provider


def wrong_first_routing() -> Q:
    """The condition "this incident's first routing was wrong", for filters and aggregates."""
    condition = Q(routing_correct=False)
    for provider in _evidence:
        condition |= Q(provider())
    return condition


def misroute_destination() -> Case:
    """The team a misrouted incident was moved to by its last misroute (its right team), else NULL.

    Inside a CASE so that the subquery only runs for misrouted incidents."""
    last_move = Handoff.objects.filter(incident=OuterRef("pk"), wrong_team=True).order_by("-requested_at", "-pk")
    return Case(
        When(routing_correct=False, then=Subquery(last_move.values("to_team_id")[:1])),
        default=Value(None), output_field=IntegerField(),
    )


def route_key() -> Case:
    """The rule's key for incidents a rule routed, else the fallback's name."""
    return Case(When(routing_fallback="rule", then=F("routing_rule_key")), default=F("routing_fallback"))


def real_incidents(*, since: dt.datetime | None = None, until: dt.datetime | None = None) -> QuerySet[Incident]:
    """Incidents that count in metrics (no drills) filed in the period, unordered (for aggregates)."""
    incidents = Incident.objects.filter(is_drill=False).order_by()
    if since is not None:
        incidents = incidents.filter(filed_at__gte=since)
    if until is not None:
        incidents = incidents.filter(filed_at__lt=until)
    return incidents


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


# --- rule accuracy -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class TeamMisroutes:
    """How many of a rule's incidents were moved to one team as misroutes."""

    team_id: int
    team_key: str
    team_name: str
    count: int


@dataclass(frozen=True)
class RuleAccuracy:
    """One routing rule's record (or a fallback's), over real incidents in a period."""

    key: str  # the rule's key, or "area_owner" / "triage_team"
    name: str
    kind: str  # "rule", "area_owner" or "triage_team"
    rule_id: int | None = None  # today's rule with this key; None for a fallback or a deleted rule
    order: int | None = None
    active: bool = True
    team_key: str = ""  # where the rule sends incidents today ("" for a fallback or a deleted rule)
    team_name: str = ""
    routed: int = 0
    first_time_right: int = 0
    misroutes: tuple[TeamMisroutes, ...] = field(default_factory=tuple)  # most first

    @property
    def rate(self) -> float | None:
        """First-time-right rate (0…1), None when nothing was routed."""
        return _rate(self.first_time_right, self.routed)

    @property
    def wrong(self) -> int:
        return self.routed - self.first_time_right

    @property
    def misrouted(self) -> int:
        """Flagged misroutes (the rest of ``wrong`` was judged wrong in a review, with no team named)."""
        return sum(m.count for m in self.misroutes)

    @property
    def reviewed_wrong(self) -> int:
        """Judged wrongly routed in a review, with no misroute flagged (so no team to count it against)."""
        return self.wrong - self.misrouted

    @property
    def misroutes_by_team(self) -> dict[str, int]:
        """Team key → misroutes to it."""
        return {m.team_key: m.count for m in self.misroutes}

    @property
    def is_fallback(self) -> bool:
        return self.kind != "rule"

    @property
    def is_deleted(self) -> bool:
        return self.kind == "rule" and self.rule_id is None


@dataclass
class _Tally:
    routed: int = 0
    right: int = 0
    moved_to: dict[int, int] = field(default_factory=dict)


def rule_accuracy(*, since: dt.datetime | None = None, until: dt.datetime | None = None) -> list[RuleAccuracy]:
    """Every rule of today's matrix (in order, even those that routed nothing), then deleted rules that
    routed incidents in the period, then the two fallbacks. Three queries."""
    tallies: dict[str, _Tally] = defaultdict(_Tally)
    rows = (
        real_incidents(since=since, until=until)
        .annotate(route=route_key(), destination=misroute_destination())
        .values("route", "destination")
        .annotate(routed=Count("pk"), right=Count("pk", filter=~wrong_first_routing()))
    )
    for row in rows:
        tally = tallies[row["route"]]
        tally.routed += row["routed"]
        tally.right += row["right"]
        if row["destination"] is not None:
            tally.moved_to[row["destination"]] = row["routed"] - row["right"]
    destination_ids = {team_id for tally in tallies.values() for team_id in tally.moved_to}
    teams = {t.pk: t for t in Team.objects.filter(pk__in=destination_ids).only("key", "name")}

    def record(key: str, name: str, kind: str, **extra) -> RuleAccuracy:
        tally = tallies.pop(key, _Tally())
        misroutes = sorted(
            (TeamMisroutes(team_id, teams[team_id].key, teams[team_id].name, count)
             for team_id, count in tally.moved_to.items() if count and team_id in teams),
            key=lambda m: (-m.count, m.team_name),
        )
        return RuleAccuracy(key=key, name=name, kind=kind, routed=tally.routed, first_time_right=tally.right,
                            misroutes=tuple(misroutes), **extra)

    result = [
        record(rule.key, rule.name, "rule", rule_id=rule.pk, order=rule.order, active=rule.active,
               team_key=rule.team.key, team_name=rule.team.name)
        for rule in RoutingRule.objects.select_related("team").order_by("order")
    ]
    fallbacks = [record(key, name, key) for key, name in FALLBACK_NAMES.items()]
    deleted = [record(key, f"{key} (deleted rule)", "rule") for key in sorted(tallies)]
    return result + deleted + fallbacks


def rule_summaries(*, rule_ids: list[int], since: dt.datetime | None = None, period: str = "") -> dict[int, str]:
    """Rule id → "83% of 12{period} (misroutes 2→SRE)": right the first time, of how many incidents, and
    where the misrouted ones went; for a page of rules, in one query. Rules that routed nothing are left out.

    Counted by the rule's key, as ``rule_accuracy`` counts (the accuracy page and this column agree): each
    rule id is mapped to its key today in the same query."""
    rules = RoutingRule.objects.filter(pk__in=rule_ids)
    rows = (
        real_incidents(since=since)
        .filter(routing_fallback="rule", routing_rule_key__in=Subquery(rules.values("key")))
        .annotate(rule_id=Subquery(rules.filter(key=OuterRef("routing_rule_key")).values("pk")[:1]))
        .annotate(destination=misroute_destination())
        .annotate(destination_name=Subquery(Team.objects.filter(pk=OuterRef("destination")).values("name")[:1]))
        .values("rule_id", "destination_name")
        .annotate(routed=Count("pk"), right=Count("pk", filter=~wrong_first_routing()))
    )
    tallies: dict[int, _Tally] = defaultdict(_Tally)
    names: dict[int, dict[str, int]] = defaultdict(dict)
    for row in rows:
        tally = tallies[row["rule_id"]]
        tally.routed += row["routed"]
        tally.right += row["right"]
        if row["destination_name"] is not None and row["routed"] > row["right"]:
            names[row["rule_id"]][row["destination_name"]] = row["routed"] - row["right"]
    return {rule_id: _summary(tally, names[rule_id], period) for rule_id, tally in tallies.items()}


def _summary(tally: _Tally, moved_to: dict[str, int], period: str) -> str:
    text = f"{tally.right * 100 // tally.routed}% of {tally.routed}{period}"
    if moved_to:
        parts = ", ".join(f"{count}→{name}" for name, count in sorted(moved_to.items(), key=lambda i: (-i[1], i[0])))
        text += f" (misroutes {parts})"
    return text


# --- overall -----------------------------------------------------------------------------------------------
def escalation_accuracy(*, since: dt.datetime | None = None, until: dt.datetime | None = None) -> float | None:
    """The share (0…1) of real incidents whose first routing was right; None when there are none. One query."""
    totals = real_incidents(since=since, until=until).aggregate(
        routed=Count("pk"), right=Count("pk", filter=~wrong_first_routing())
    )
    return _rate(totals["right"], totals["routed"])


# --- tiers -------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class TierBreachRate:
    key: str
    name: str
    incidents: int
    breached: int

    @property
    def rate(self) -> float | None:
        """Share (0…1) of the tier's incidents that missed a target; None when it had none."""
        return _rate(self.breached, self.incidents)


def tier_breach_rates(*, since: dt.datetime | None = None, until: dt.datetime | None = None) -> list[TierBreachRate]:
    """Every tier (most severe first), with its real incidents in the period and how many breached. One query."""
    period = Q(incidents__is_drill=False)
    if since is not None:
        period &= Q(incidents__filed_at__gte=since)
    if until is not None:
        period &= Q(incidents__filed_at__lt=until)
    tiers = Tier.objects.order_by("rank").annotate(
        counted=Count("incidents", filter=period),
        breached_count=Count("incidents", filter=period & Q(incidents__breached=True)),
    )
    return [TierBreachRate(t.key, t.name, t.counted, t.breached_count) for t in tiers]
