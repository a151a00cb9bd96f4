"""The timer sweep with 10,000 open incidents: the time of one ``timers_fire_due`` when ~50 timers are due,
the plan of its claim query (through the partial index ``timer_armed_due``?), against a trivial indexed
primary-key SELECT measured in the same run.

The incidents are written the way ``incident_file`` writes them, but in bulk: a few are filed through
``incident_file`` and the rest are copies of them (incident, timers, timeline) filed at other moments
of the last hour. A timer already past due is stored as fired, as a live worker would have left it.
Each sweep runs at the moment the next ~50 armed timers are due (``timers_fire_due(now=…)``), so it
fires what a real sweep would meet: escalation steps, warnings, breaches, update reminders.
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
import time

from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from incidents.models import STEP_KINDS, Incident, TimelineEntry, Timer, TimerState
from incidents.services import incident_file
from incidents.timers import timers_fire_due

from . import data

INDEX = "timer_armed_due"
BAR_MS = 50.0
DUE_PER_SWEEP = 50
TEMPLATES = 40
ANSWERS = [(impact, urgency) for impact in ("extensive", "significant", "moderate", "minor")
           for urgency in ("critical", "high", "medium", "low")]


def _templates(matrix: data.Matrix, at: dt.datetime) -> list[Incident]:
    """Incidents filed for real, across areas and tiers: the shapes the copies take."""
    rnd = random.Random(5)
    filed = []
    for n in range(TEMPLATES):
        impact, urgency = ANSWERS[n % len(ANSWERS)]
        filed.append(incident_file(reporter=None, title=f"Template incident {n}", description="Customers see errors.",
                                   product_area=rnd.choice(matrix.areas).key, impact=impact, urgency=urgency,
                                   now=at))
    return filed


def _copy(template: Incident, shift: dt.timedelta, now: dt.datetime) -> Incident:
    copy = Incident(**{f.attname: getattr(template, f.attname) for f in Incident._meta.concrete_fields
                       if not f.primary_key})
    copy.submission_key = None
    copy.filed_at = template.filed_at + shift
    copy.created_at = copy.updated_at = now
    for name in ("acknowledge_by", "contain_by", "resolve_by"):
        setattr(copy, name, getattr(template, name) + shift)
    return copy


def build(matrix: data.Matrix, count: int, now: dt.datetime) -> dict:
    """``count`` open incidents filed over the last hour, with their timers and timeline."""
    templates = _templates(matrix, now - dt.timedelta(hours=2))
    timers = {t.pk: list(t.timers.all()) for t in templates}
    entries = {t.pk: list(t.timeline.all()) for t in templates}
    rnd = random.Random(6)
    shifts, copies = [], []
    for n in range(count - len(templates)):
        template = templates[n % len(templates)]
        shift = dt.timedelta(hours=2) - dt.timedelta(seconds=rnd.uniform(0, 3600))
        shifts.append(shift)
        copies.append(_copy(template, shift, now))
    copies = Incident.objects.bulk_create(copies, batch_size=2000)
    new_timers, new_entries = [], []
    for n, copy in enumerate(copies):
        template = templates[n % len(templates)]
        for t in timers[template.pk]:
            due_at = t.due_at + shifts[n]
            # What a live worker would have done by now: everything already due has fired. Written so, not
            # updated after the insert: inside the bench's one transaction the old versions of updated
            # rows would stay in the partial index (no vacuum can remove them), and every claim would
            # step over tens of thousands of them — a cost no real sweep pays.
            fired = due_at < now
            new_timers.append(Timer(incident_id=copy.pk, kind=t.kind, step=t.step, armed_at=t.armed_at + shifts[n],
                                    due_at=due_at, data=t.data, state=TimerState.FIRED if fired else TimerState.ARMED,
                                    fired_at=now if fired else None))
        for e in entries[template.pk]:
            new_entries.append(TimelineEntry(incident_id=copy.pk, kind=e.kind, at=e.at + shifts[n], actor_id=e.actor_id,
                                             text=e.text, data=e.data))
    Timer.objects.bulk_create(new_timers, batch_size=5000)
    TimelineEntry.objects.bulk_create(new_entries, batch_size=5000)
    # The templates' own timers (a few hundred rows) are the only ones marked fired after the insert.
    Timer.objects.filter(state=TimerState.ARMED, due_at__lte=now).update(state=TimerState.FIRED, fired_at=now)
    fired_already = Timer.objects.filter(state=TimerState.FIRED).count()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # as autovacuum would, after a bulk load: the planner needs row counts
            cursor.execute("ANALYZE incidents_incident, incidents_timer")
    armed = Timer.objects.filter(state=TimerState.ARMED)
    return {"incidents": Incident.objects.count(), "timers": Timer.objects.count(), "armed": armed.count(),
            # Steps of every phase are live, as with policies that escalate containment and resolution.
            "armed_steps_by_kind": dict(armed.filter(kind__in=STEP_KINDS).values_list("kind").annotate(n=Count("id"))),
            "already_fired": fired_already}


def explain(sql: str) -> tuple[str, bool]:
    """The plan of the sweep's claim query as the sweep sent it, and whether it reads the partial index."""
    prefix = "EXPLAIN " if connection.vendor == "postgresql" else "EXPLAIN QUERY PLAN "
    with connection.cursor() as cursor:
        cursor.execute(prefix + sql)
        rows = cursor.fetchall()
    plan = "\n".join(" ".join(str(cell) for cell in row) for row in rows)
    return plan, INDEX in plan


def _claim_sql(queries: list[dict]) -> str | None:
    return next((q["sql"] for q in queries if q["sql"].lstrip().upper().startswith("SELECT")
                 and '"incidents_timer"' in q["sql"].split(" WHERE ")[0]), None)


def _pk_selects(incident_ids: list[int], rnd: random.Random, repeats: int = 40) -> list[float]:
    """Seconds of each of ``repeats`` trivial primary-key SELECTs (the baseline)."""
    samples = []
    for _ in range(repeats):
        pk = rnd.choice(incident_ids)
        start = time.perf_counter()
        Incident.objects.filter(pk=pk).values_list("pk", flat=True).first()
        samples.append(time.perf_counter() - start)
    return samples


def run(incidents: int = 10_000, sweeps: int = 9) -> dict:
    matrix = data.build_base(tier_count=5)
    data.add_areas(matrix, 20)
    now = timezone.now()
    started = time.perf_counter()
    built = build(matrix, incidents, now)
    built["build_seconds"] = round(time.perf_counter() - started, 1)

    # The moments at which the next DUE_PER_SWEEP armed timers are due: one warm-up sweep (whose claim
    # query is explained), then the timed ones.
    due = list(Timer.objects.filter(state=TimerState.ARMED).order_by("due_at")
               .values_list("due_at", flat=True)[:DUE_PER_SWEEP * (sweeps + 1)])
    moments = [due[min(len(due) - 1, (k + 1) * DUE_PER_SWEEP - 1)] for k in range(sweeps + 1)]

    with CaptureQueriesContext(connection) as queries:
        warm_fired = timers_fire_due(now=moments[0])
    claim = _claim_sql(queries.captured_queries)
    plan, uses_index = explain(claim) if claim else ("claim query not found", False)

    # The baseline's samples are taken between the sweeps, so that load on the machine hits both alike.
    ids, rnd = list(Incident.objects.values_list("pk", flat=True)[:1000]), random.Random(7)
    samples, fired, pk_selects = [], [], []
    for moment in moments[1:]:
        pk_selects += _pk_selects(ids, rnd)
        start = time.perf_counter()
        fired.append(timers_fire_due(now=moment))
        samples.append(time.perf_counter() - start)
    median_ms = round(statistics.median(samples) * 1000, 2)
    baseline = round(statistics.median(pk_selects) * 1000, 3)
    return {
        **built,
        "due_per_sweep": DUE_PER_SWEEP,
        "warm_up_sweep": {"fired": warm_fired, "queries": len(queries.captured_queries)},
        "sweeps": len(samples),
        "fired_per_sweep": fired,
        "sweep_ms": [round(s * 1000, 2) for s in samples],
        "sweep_median_ms": median_ms,
        "bar_ms": BAR_MS,
        "pass": median_ms <= BAR_MS and all(f > 0 for f in fired),
        "claim_query": claim,
        "claim_plan": plan,
        "uses_partial_index": uses_index,
        "baseline_pk_select_ms": baseline,
        "ratio_to_pk_select": round(median_ms / baseline, 1) if baseline else None,
    }
