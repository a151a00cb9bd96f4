"""The matrix version an incident was routed under, and whether today's matrix would route it the same way.

The version is the filing time: the matrix as it stood then is ``matrix.timetravel`` at ``filed_at``, and
its routing decision (team, rule, tier, the frozen escalation steps) is kept on the incident. To tell
whether the matrix has moved under it, its own inputs are routed again through today's matrix (the
process's kept one, ``matrix.cache``: usually no query) and the two decisions compared, field by field.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone

from matrix.cache import current_snapshot
from matrix.routing import RouteRequest, RoutingDecision, RoutingError
from matrix.selectors.changes import matrix_change_count
from matrix.snapshot import MatrixSnapshot

from .models import Incident, TimelineKind
from .services.filing import STEP_DEFAULTS, freeze_policy

FALLBACK_WORDS = {"area_owner": "as the area's owner", "triage_team": "as the triage team"}


@dataclass
class MatrixVersion:
    filed_at: dt.datetime  # the version: the matrix as it stood at this moment
    changes_since: int  # history records the matrix gained since then
    today: RoutingDecision | None  # how today's matrix routes the same inputs (None: it cannot)
    differences: list[str] = field(default_factory=list)  # "Team: Payments → Platform", in words
    error: str = ""  # why today's matrix cannot route it

    @property
    def filed_day(self) -> dt.date:
        """The day to open the matrix page on (``?as_of=``: the end of that day) and to list changes from (the
        whole day): those pages work in days, so the page names the day, while ``changes_since`` is exact."""
        return timezone.localdate(self.filed_at)

    @property
    def same_today(self) -> bool:
        return self.today is not None and not self.differences

    @property
    def today_route(self) -> str:
        """ "via rule “CDN problems”", "as the area's owner": how today's decision was reached."""
        if self.today is None:
            return ""
        if self.today.rule is not None:
            return f"via rule “{self.today.rule.name}”"
        return FALLBACK_WORDS.get(self.today.fallback, "")


def incident_matrix_version(incident: Incident, *, snapshot: MatrixSnapshot | None = None) -> MatrixVersion:
    """The version ``incident`` was routed under, compared with today's matrix; one query (the change
    count) when the process's matrix is current. ``incident.timeline`` is read (prefetch it)."""
    snapshot = snapshot or current_snapshot()
    version = MatrixVersion(filed_at=incident.filed_at, changes_since=matrix_change_count(incident.filed_at),
                            today=None)
    try:
        version.today = snapshot.router.route(_inputs(incident, snapshot))
    except RoutingError as exc:
        version.error = exc.message
        return version
    version.differences = _differences(incident, version.today, snapshot)
    return version


def _inputs(incident: Incident, snapshot: MatrixSnapshot) -> RouteRequest:
    """The incident's triage answers as today's matrix names them (keys may have been renamed since)."""
    area = snapshot.areas.get(incident.product_area_id)
    impact = next((i for i in snapshot.impacts.values() if i.pk == incident.impact_id), None)
    urgency = next((u for u in snapshot.urgencies.values() if u.pk == incident.urgency_id), None)
    if area is None:
        raise RoutingError("product_area", f"its area {incident.product_area.name} is no longer in the matrix.")
    if impact is None or urgency is None:
        raise RoutingError("impact", "its impact or urgency is no longer in the matrix.")
    return RouteRequest(area=area.key, impact=impact.key, urgency=urgency.key, title=incident.title,
                        description=incident.description, customer_segment=incident.customer_segment,
                        channel=incident.channel)


def _first_routing(incident: Incident) -> dict:
    """The decision as recorded at filing: the ROUTED timeline entry (the incident's columns may have
    moved since: a handoff changes its team, a re-triage its tier)."""
    routed = next((e for e in incident.timeline.all() if e.kind == TimelineKind.ROUTED), None)
    data = routed.data if routed is not None else {}
    return {"team": data.get("team") or incident.routed_team.key, "tier": data.get("tier") or incident.tier.key,
            "rule": incident.routing_rule_key or data.get("rule") or ""}


def _differences(incident: Incident, today: RoutingDecision, snapshot: MatrixSnapshot) -> list[str]:
    then = _first_routing(incident)
    teams = {t.key: t.name for t in snapshot.teams.values()}
    tiers = {t.key: t.name for t in snapshot.tiers.values()}
    rules = {r.key: r.name for r in snapshot.rules}
    differences = []
    if today.team.key != then["team"]:
        differences.append(f"Team: {teams.get(then['team'], then['team'])} → {today.team.name}")
    today_rule = today.rule.key if today.rule else ""
    if today_rule != then["rule"]:
        before = rules.get(then["rule"], then["rule"]) if then["rule"] else "no rule"
        differences.append(f"Rule: {before} → {today.rule.name if today.rule else 'no rule'}")
    if today.tier.key != then["tier"]:
        differences.append(f"Tier: {tiers.get(then['tier'], then['tier'])} → {today.tier.name}")
    frozen, current = incident.escalation_snapshot or {}, freeze_policy(today.policy)
    if frozen.get("policy") != current["policy"]:
        differences.append(f"Escalation policy: {frozen.get('name') or 'none'} → {current['name'] or 'none'}")
    elif [STEP_DEFAULTS | step for step in frozen.get("steps", [])] != current["steps"]:
        differences.append(f"Escalation steps of {current['name']}: changed since filing")
    return differences
