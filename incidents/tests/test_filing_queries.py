"""Filing through the form costs a bounded number of queries, the same for a small and a large matrix.

Counts, not times: how fast filing is belongs to the benchmarks (``make bench``).
"""

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from incidents.models import Incident
from incidents.tests.factories import MONDAY, incident_matrix
from matrix import models as m
from matrix.tests import factories as mf

pytestmark = pytest.mark.django_db

BAR = 30
FORM = {
    "title": "Card payments fail", "description": "Customers see error E42 after entering their card.",
    "product_area": "checkout", "impact": "significant", "urgency": "high", "channel": "web_form",
    "affected_customers": "C-104233", "customer_segment": "enterprise", "suspected_vendor": "stripe",
    "triage_order_id": "ORD-7", "triage_region": "eu", "triage_amount": "120",
}


def grow(mx: dict, *, areas: int, rules: int) -> None:
    """More of everything filing reads: areas (with owners, rotations, policies and playbooks on some)
    and rules, none of which match the form's incident, so routing walks them all."""
    start = m.ProductArea.objects.count()
    teams = m.Team.objects.bulk_create(m.Team(key=f"grown-team-{start + n}", name=f"Grown team {start + n}")
                                       for n in range(max(1, areas // 10)))
    rotations = m.Rotation.objects.bulk_create(m.Rotation(team=t, name="Primary", time_zone="UTC", shift_hours=168,
                                                          starts_on=MONDAY.date()) for t in teams)
    m.RotationMember.objects.bulk_create(m.RotationMember(rotation=r, user=mx["olly"], position=1) for r in rotations)
    created = m.ProductArea.objects.bulk_create(
        m.ProductArea(key=f"grown-area-{start + n}", name=f"Grown area {start + n}", owner_team=teams[n % len(teams)])
        for n in range(areas)
    )
    for area in created[::10]:
        mf.StepFactory(policy=mf.PolicyFactory(key=f"policy-{area.key}", area=area), position=1)
        mf.TriageFieldFactory(playbook=mf.PlaybookFactory(key=f"playbook-{area.key}", area=area), key="ref")
    first = (m.RoutingRule.objects.order_by("-order").values_list("order", flat=True).first() or 0) + 1
    m.RoutingRule.objects.bulk_create(
        m.RoutingRule(key=f"grown-rule-{first + n}", name=f"Grown rule {first + n}", order=first + n,
                      keywords=f"zeppelin{n}", team=teams[n % len(teams)],
                      area=created[n % len(created)] if n % 2 else None)
        for n in range(rules)
    )


def file_queries(client, key: str) -> tuple[int, list[str]]:
    with time_machine.travel(MONDAY, tick=False), CaptureQueriesContext(connection) as queries:
        response = client.post(reverse("incidents:file"), {**FORM, "submission_key": key})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Incident.objects.filter(submission_key=key).exists()
    return len(queries), [q["sql"][:120] for q in queries]


def test_filing_through_the_form_costs_the_same_few_queries_at_any_matrix_size(client):
    mx = incident_matrix()
    client.force_login(mx["agent"])

    grow(mx, areas=20, rules=100)
    small, small_sql = file_queries(client, "small")
    grow(mx, areas=180, rules=900)
    large, large_sql = file_queries(client, "large")

    assert small <= BAR, "\n".join(small_sql)
    assert large == small, "\n".join(large_sql)
