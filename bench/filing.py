"""Filing an incident through the form, as a support agent: queries at a small and a large matrix, and the
median time of the POST against a bare ModelForm create through the same client (the baseline).

Also the query count of the same filing through ``POST /api/v1/incidents/`` (reported, no bar). Only the
POST is measured: the incident page the agent is redirected to is another request.

Each process keeps the matrix it read until the matrix changes (``matrix.cache``): the usual filing
reads none of it; the first one after a change reads it all. Both are counted against the bar.
"""

from __future__ import annotations

import itertools
import json
import statistics
import time

from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from escalation_matrix.roles import SUPPORT_AGENTS
from incidents.models import Incident, TimelineKind
from matrix import models as m
from matrix.cache import matrix_changed

from . import data
from .baseline_urls import BASELINE

FORM_URL = "/incidents/new/"
API_URL = "/api/v1/incidents/"
BAR_QUERIES = 30
BAR_RATIO = 3.0
SMALL, LARGE = (20, 100), (200, 1000)  # (areas, rules)

# An incident in an area with a playbook of its own (every tenth area has one), whose title matches no
# rule's keywords: routing walks every candidate rule before falling back to the area's owner.
ANSWERS = {
    "title": "Checkout is slow", "description": "Customers wait a minute for the payment page.",
    "product_area": "area-10", "impact": "significant", "urgency": "high", "channel": "web_form",
    "affected_customers": "C-1001", "customer_segment": "enterprise", "suspected_vendor": "vendor-1",
}
TRIAGE = {"order_id": "ORD-7", "region": "eu"}
_keys = itertools.count()


def _ask_triage_fields() -> None:
    """Every playbook asks for an order id (required) and a region, as real playbooks do."""
    asked = set(m.TriageField.objects.values_list("playbook_id", flat=True))
    m.TriageField.objects.bulk_create(
        field for playbook in m.Playbook.objects.exclude(pk__in=asked) for field in (
            m.TriageField(playbook=playbook, key="order_id", label="Order ID", position=1, required=True),
            m.TriageField(playbook=playbook, key="region", label="Region", position=2,
                          field_type=m.TriageFieldType.CHOICE, choices="eu, us"),
        )
    )
    matrix_changed()


def _agent():
    user = data.User.objects.create_user("bench-agent", password="bench-password", email="agent@example.com")
    user.groups.add(Group.objects.get(name=SUPPORT_AGENTS))
    return user


def _form_post(client: Client) -> tuple[int, float]:
    body = {**ANSWERS, "submission_key": f"bench-{next(_keys)}", **{f"triage_{k}": v for k, v in TRIAGE.items()}}
    start = time.perf_counter()
    response = client.post(FORM_URL, body)
    return response.status_code, time.perf_counter() - start


def _api_post(client: Client) -> int:
    body = {k: ANSWERS[k] for k in ("title", "description", "product_area", "impact", "urgency")}
    response = client.post(API_URL, json.dumps({**body, "details": TRIAGE}), content_type="application/json")
    return response.status_code


def _baseline_post(client: Client, incident_id: int) -> tuple[int, float]:
    body = {"incident": incident_id, "kind": TimelineKind.NOTE, "text": "A note."}
    start = time.perf_counter()
    response = client.post(BASELINE, body)
    return response.status_code, time.perf_counter() - start


def _count(post, *args, after_a_change: bool = False) -> dict:
    """The queries of one POST, made after another (the same caches — content types, compiled templates —
    warm for both sizes). ``after_a_change``: the matrix changes in between, so this POST reads it."""
    post(*args)
    if after_a_change:
        matrix_changed()
    with CaptureQueriesContext(connection) as queries:
        result = post(*args)
    status = result[0] if isinstance(result, tuple) else result
    return {"status": status, "queries": len(queries), "statements": [q["sql"][:140] for q in queries]}


def _median_ms(samples: list[float]) -> float | None:
    return round(statistics.median(samples) * 1000, 2) if samples else None


def _timed(client: Client, filings: int) -> dict:
    """Median of the filing POST and of the baseline POST, taking turns so that drift hits both alike."""
    incident_id = Incident.objects.values_list("pk", flat=True).first()
    filing_s, baseline_s, failures = [], [], []
    for _ in range(filings):
        for name, samples, (status, seconds) in (("baseline", baseline_s, _baseline_post(client, incident_id)),
                                                 ("filing", filing_s, _form_post(client))):
            if status == 302:
                samples.append(seconds)
            else:
                failures.append(f"{name}: HTTP {status}")
    filing_ms, baseline_ms = _median_ms(filing_s), _median_ms(baseline_s)
    ratio = round(filing_ms / baseline_ms, 2) if filing_ms and baseline_ms else None
    return {"filings": len(filing_s), "failures": failures[:5], "filing_median_ms": filing_ms,
            "baseline_modelform_median_ms": baseline_ms, "ratio_to_baseline": ratio,
            "pass": ratio is not None and ratio <= BAR_RATIO and not failures}


def run(filings: int = 30) -> dict:
    matrix = data.build_base(tier_count=5)
    data.add_areas(matrix, SMALL[0])
    data.add_rules(matrix, SMALL[1])
    _ask_triage_fields()
    client = Client()
    client.force_login(_agent())

    with override_settings(ROOT_URLCONF="bench.baseline_urls"):
        form_small = _count(_form_post, client)
        form_small_cold = _count(_form_post, client, after_a_change=True)
        api_small = _count(_api_post, client)
        latency_small = _timed(client, filings)

        m.RoutingRule.objects.all().delete()
        data.add_areas(matrix, LARGE[0] - SMALL[0])
        data.add_rules(matrix, LARGE[1])
        _ask_triage_fields()
        form_large = _count(_form_post, client)
        form_large_cold = _count(_form_post, client, after_a_change=True)
        api_large = _count(_api_post, client)
        latency_large = _timed(client, filings)

    counts = (form_small, form_large, form_small_cold, form_large_cold)
    counts_ok = all(c["status"] == 302 for c in counts)
    return {
        "sizes": {"small": {"areas": SMALL[0], "rules": SMALL[1]}, "large": {"areas": LARGE[0], "rules": LARGE[1]}},
        "form_queries_small": form_small,
        "form_queries_large": form_large,
        "form_queries_small_after_a_change": form_small_cold,
        "form_queries_large_after_a_change": form_large_cold,
        "bar_queries": BAR_QUERIES,
        "queries_pass": counts_ok and all(c["queries"] <= BAR_QUERIES for c in counts)
        and form_small["queries"] == form_large["queries"]
        and form_small_cold["queries"] == form_large_cold["queries"],
        "api_queries_small": api_small,
        "api_queries_large": api_large,
        "latency_small": latency_small,
        "latency_large": latency_large,
        "bar_ratio": BAR_RATIO,
    }
