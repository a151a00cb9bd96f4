"""The routing-accuracy dashboards over 100,000 incidents (the bar, ``BAR_MS``: ≤ 1 s, aggregated in SQL).

The data: a matrix of 20 areas × 5 tiers and 20 routing rules, and incidents filed over the last 365 days,
written in bulk (building them is not the benchmark). A few rules route most incidents, the two fallbacks
the rest; ~8% were flagged misrouted (``routing_correct=False`` and their misroute ``Handoff``, a tenth of
them moved twice), ~5% had an ordinary handoff, ~12% breached, ~1% are drills, and ~3% have a review
(published ones sometimes answer "routed wrong": the evidence the reviews app registers with the metrics).

Measured, as a manager through the test Client, after an ANALYZE (as autovacuum would after a bulk load):
- the queries of ``GET /incidents/routing/?days=365`` and of the three metrics at 10,000 incidents and at
  the full count: they must not grow;
- the median render of that page, and the median of ``rule_accuracy`` + ``tier_breach_rates`` +
  ``escalation_accuracy`` over the same 365 days, against the bar and as a ratio to the baseline: one
  plain GROUP BY of the same real incidents by rule key (the least any per-rule dashboard over these rows
  costs: one scan and a hash aggregate). Samples are interleaved, so load on the machine hits all alike;
- EXPLAIN ANALYZE of the page's slowest statement, so a figure over the bar can be diagnosed from
  latest.json alone.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
import statistics
import time

from django.db import connection
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from incidents.metrics import escalation_accuracy, rule_accuracy, tier_breach_rates
from incidents.models import Handoff, HandoffKind, HandoffState, Incident, Status
from matrix import models as m
from reviews.models import PostIncidentReview

from . import data

PAGE = "/incidents/routing/?days=365"
DAYS = 365
BAR_MS = 1000.0
RULES = 20
SMALL = 10_000
BATCH = 5000


def _shape(matrix: data.Matrix) -> dict:
    """What the incident writer needs to know of the matrix, read once."""
    rules = list(m.RoutingRule.objects.order_by("order"))
    rnd = random.Random(11)
    weights = [1 / (k + 1) for k in range(len(rules))]  # a few rules route most incidents
    rnd.shuffle(weights)
    return {
        "rules": rules, "weights": weights,
        "cells": {(c.impact_id, c.urgency_id): c.tier_id for c in m.PriorityCell.objects.all()},
        "triage": next(t for t in matrix.teams if t.is_triage),
    }


def _route(matrix: data.Matrix, shape: dict, area: m.ProductArea, rnd: random.Random) -> dict:
    """The routing decision as filing would have frozen it: a rule (80%), else the area's owner, else triage."""
    draw = rnd.random()
    if draw < 0.8:
        rule = rnd.choices(shape["rules"], weights=shape["weights"])[0]
        return {"routing_fallback": "rule", "routing_rule_id": rule.pk, "routing_rule_key": rule.key,
                "routed_team_id": rule.team_id, "routing_explanation": f"Rule #{rule.order} “{rule.name}” matched."}
    if draw < 0.95 and area.owner_team_id:
        return {"routing_fallback": "area_owner", "routed_team_id": area.owner_team_id,
                "routing_explanation": "No rule matched: the area's owner team."}
    return {"routing_fallback": "triage_team", "routed_team_id": shape["triage"].pk,
            "routing_explanation": "No rule matched and no owner: the triage team."}


def _incident(matrix: data.Matrix, shape: dict, n: int, now: dt.datetime, rnd: random.Random) -> Incident:
    area, impact, urgency = rnd.choice(matrix.areas), rnd.choice(matrix.impacts), rnd.choice(matrix.urgencies)
    filed_at = now - dt.timedelta(seconds=rnd.uniform(60, (DAYS - 1) * 86400))  # all inside ?days=365
    route = _route(matrix, shape, area, rnd)
    misrouted = rnd.random() < 0.08
    team_id = route["routed_team_id"]
    if misrouted:  # moved to another team: the right one
        team_id = rnd.choice([t.pk for t in matrix.teams if t.pk != team_id])
    done = filed_at < now - dt.timedelta(days=7) or rnd.random() < 0.5
    return Incident(
        title=f"Bench incident {n}", product_area=area, impact=impact, urgency=urgency,
        tier_id=shape["cells"][(impact.pk, urgency.pk)], team_id=team_id,
        status=rnd.choice([Status.RESOLVED, Status.CLOSED]) if done else rnd.choice(list(Status)[:3]),
        is_drill=rnd.random() < 0.01, routing_correct=False if misrouted else None,
        breached=rnd.random() < 0.12, filed_at=filed_at,
        resolved_at=filed_at + dt.timedelta(hours=rnd.uniform(1, 48)) if done else None,
        **route,
    )


def _handoffs(incidents: list[Incident], matrix: data.Matrix, rnd: random.Random) -> list[Handoff]:
    """The misroute moves of the misrouted incidents (a tenth moved twice), and some ordinary handoffs."""
    rows = []
    for incident in incidents:
        first = incident.filed_at + dt.timedelta(minutes=rnd.uniform(2, 60))
        if incident.routing_correct is False:
            hops = [incident.routed_team_id, incident.team_id]
            if rnd.random() < 0.1:  # moved to a wrong team first, then to the right one (the last move counts)
                hops.insert(1, rnd.choice([t.pk for t in matrix.teams if t.pk not in hops]))
            for k, (from_id, to_id) in enumerate(itertools.pairwise(hops)):
                at = first + dt.timedelta(minutes=30 * k)
                rows.append(Handoff(incident_id=incident.pk, kind=HandoffKind.MISROUTE, from_team_id=from_id,
                                    to_team_id=to_id, reason="Wrong team.", wrong_team=True, requested_at=at,
                                    state=HandoffState.ACCEPTED, accepted_at=at))
        elif rnd.random() < 0.05:
            to_id = rnd.choice([t.pk for t in matrix.teams if t.pk != incident.team_id])
            rows.append(Handoff(incident_id=incident.pk, kind=HandoffKind.HANDOFF, from_team_id=incident.team_id,
                                to_team_id=to_id, reason="Needs the database team.", requested_at=first,
                                state=HandoffState.ACCEPTED, accepted_at=first + dt.timedelta(minutes=5)))
    return rows


def _reviews(incidents: list[Incident], rnd: random.Random) -> list[PostIncidentReview]:
    """A review for ~3% of resolved incidents; most published, a fifth of those say "routed wrong"."""
    rows = []
    for incident in incidents:
        if incident.resolved_at is None or rnd.random() >= 0.03:
            continue
        published = rnd.random() < 0.8
        rows.append(PostIncidentReview(
            incident_id=incident.pk, due_on=(incident.resolved_at + dt.timedelta(days=5)).date(),
            routed_right=(rnd.random() >= 0.2) if published else None,
            published_at=incident.resolved_at + dt.timedelta(days=3) if published else None,
        ))
    return rows


def build(matrix: data.Matrix, shape: dict, count: int, start: int, now: dt.datetime) -> None:
    """``count`` more incidents (numbered from ``start``), with their handoffs and reviews."""
    rnd = random.Random(12 + start)
    for first in range(0, count, BATCH):
        batch = Incident.objects.bulk_create(
            [_incident(matrix, shape, start + n, now, rnd) for n in range(first, min(count, first + BATCH))]
        )
        Handoff.objects.bulk_create(_handoffs(batch, matrix, rnd), batch_size=BATCH)
        PostIncidentReview.objects.bulk_create(_reviews(batch, rnd), batch_size=BATCH)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # as autovacuum would, after a bulk load: the planner needs row counts
            cursor.execute("ANALYZE incidents_incident, incidents_handoff, reviews_postincidentreview")


def _get(client: Client) -> tuple[int | None, str, float]:
    """(status, error, seconds) of one GET of the page; status None when the view raised."""
    start = time.perf_counter()
    try:
        response = client.get(PAGE)
    except Exception as error:  # report, don't crash: the page may be mid-rewrite
        return None, f"{type(error).__name__}: {error}".splitlines()[0][:300], time.perf_counter() - start
    seconds = time.perf_counter() - start
    return response.status_code, "" if response.status_code == 200 else f"HTTP {response.status_code}", seconds


METRICS = (rule_accuracy, tier_breach_rates, escalation_accuracy)


def _metrics(since: dt.datetime) -> None:
    for metric in METRICS:
        metric(since=since)


def _baseline(since: dt.datetime) -> None:
    list(Incident.objects.filter(is_drill=False, filed_at__gte=since).order_by()
         .values("routing_rule_key").annotate(Count("id")))


def _counts(client: Client) -> dict:
    """Queries of one page render (after a first one: session, user and content types are then loaded the
    same way) and of one call of the three metrics; the page's statements with their times, slowest first."""
    _get(client)
    with CaptureQueriesContext(connection) as page:
        status, error, _ = _get(client)
    with CaptureQueriesContext(connection) as metrics:
        _metrics(timezone.now() - dt.timedelta(days=DAYS))
    slowest = sorted(page.captured_queries, key=lambda q: -float(q["time"]))
    return {"status": status, "error": error, "page_queries": len(page), "metrics_queries": len(metrics),
            "statements": [{"ms": round(float(q["time"]) * 1000, 1), "sql": q["sql"] if n < 3 else q["sql"][:140]}
                           for n, q in enumerate(slowest)]}


def explain(sql: str) -> str:
    """EXPLAIN ANALYZE of one statement as the page sent it (run, then rolled back with everything else)."""
    prefix = "EXPLAIN (ANALYZE, BUFFERS) " if connection.vendor == "postgresql" else "EXPLAIN QUERY PLAN "
    with connection.cursor() as cursor:
        cursor.execute(prefix + sql)
        return "\n".join(" ".join(str(cell) for cell in row) for row in cursor.fetchall())


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def _medians(client: Client, renders: int) -> dict:
    """Median ms of the page, the three metrics (and each) and the baseline, sampled in turn (one warm-up each)."""
    since = timezone.now() - dt.timedelta(days=DAYS)
    _metrics(since)
    _baseline(since)
    page, baseline, status, error = [], [], 200, ""
    each: dict[str, list[float]] = {metric.__name__: [] for metric in METRICS}
    for _ in range(renders):
        baseline.append(_timed(lambda: _baseline(since)))
        for metric in METRICS:
            each[metric.__name__].append(_timed(lambda metric=metric: metric(since=since)))
        status, error, seconds = _get(client)
        if status != 200:
            break
        page.append(seconds * 1000)
    metrics = [sum(sample) for sample in zip(*each.values(), strict=True)]

    def median(samples: list[float]) -> float | None:
        return round(statistics.median(samples), 1) if samples else None

    return {"status": status, "error": error, "samples": len(page), "page_median_ms": median(page),
            "metrics_median_ms": median(metrics), "baseline_median_ms": median(baseline),
            "each_metric_median_ms": {name: median(samples) for name, samples in each.items()}}


def _without_jit(client: Client, renders: int) -> dict | None:
    """The same medians with PostgreSQL's JIT compilation off for the connection (a diagnostic: the
    metrics' correlated subqueries inflate the planner's cost estimates past ``jit_above_cost``, and
    compiling then costs more than the scan itself). None when the database has no JIT to turn off."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        if cursor.fetchone()[0] != "on":
            return None
        cursor.execute("SET jit = off")
    try:
        timed = _medians(client, renders)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET jit")
    return {key: timed[key] for key in ("page_median_ms", "metrics_median_ms", "each_metric_median_ms")}


def _ratio(value: float | None, baseline: float | None) -> float | None:
    return round(value / baseline, 1) if value and baseline else None


def run(incidents: int = 100_000, renders: int = 9) -> dict:
    matrix = data.build_base(tier_count=5)
    data.add_areas(matrix, 20)
    data.add_rules(matrix, RULES)
    shape = _shape(matrix)
    client = Client()
    client.force_login(data.make_manager())
    now = timezone.now()

    started = time.perf_counter()
    small = min(SMALL, incidents)
    build(matrix, shape, small, 0, now)
    at_small = _counts(client)
    small_page = _medians(client, 3)
    build(matrix, shape, incidents - small, small, now)
    build_seconds = round(time.perf_counter() - started, 1)
    at_full = _counts(client)
    timed = _medians(client, renders)
    jit_off = _without_jit(client, max(3, renders // 2)) if timed["status"] == 200 else None
    slowest = at_full["statements"][0] if at_full["statements"] else None

    page_ok = at_small["status"] == 200 and at_full["status"] == 200 and timed["status"] == 200
    constant = page_ok and (at_small["page_queries"], at_small["metrics_queries"]) == (
        at_full["page_queries"], at_full["metrics_queries"])
    return {
        "incidents": Incident.objects.count(),
        "drills": Incident.objects.filter(is_drill=True).count(),
        "misrouted": Incident.objects.filter(routing_correct=False).count(),
        "breached": Incident.objects.filter(breached=True).count(),
        "handoffs": Handoff.objects.count(),
        "reviews_routed_wrong": PostIncidentReview.objects.filter(routed_right=False,
                                                                  published_at__isnull=False).count(),
        "rules": len(shape["rules"]),
        "build_seconds": build_seconds,
        "page": PAGE,
        "small": small,
        "at_small": {**at_small, "page_median_ms": small_page["page_median_ms"]},
        "at_full": at_full,
        "queries_constant": constant,
        **timed,
        "bar_ms": BAR_MS,
        "page_pass": page_ok and timed["page_median_ms"] is not None and timed["page_median_ms"] <= BAR_MS,
        "metrics_pass": timed["metrics_median_ms"] is not None and timed["metrics_median_ms"] <= BAR_MS,
        "baseline": "Incident.objects.filter(is_drill=False, filed_at__gte=since).values('routing_rule_key')"
                    ".annotate(Count('id')) — one GROUP BY of the same rows",
        "page_ratio_to_baseline": _ratio(timed["page_median_ms"], timed["baseline_median_ms"]),
        "metrics_ratio_to_baseline": _ratio(timed["metrics_median_ms"], timed["baseline_median_ms"]),
        "with_jit_off": jit_off,
        "slowest_statement_plan": explain(slowest["sql"]) if slowest else None,
    }
