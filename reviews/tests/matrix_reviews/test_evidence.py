"""The evidence pack: misroutes, breaches, handoffs, drill results, review findings and matrix changes since the
previous sign-off — drills only under drill results — at a cost that does not grow with the evidence."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from incidents.services import incident_flag_misroute, incident_reassign
from incidents.tests.factories import MONDAY, IncidentFactory
from incidents.timers import timers_fire_due
from matrix.models import ProductArea
from reviews.drills.services import drill_end, drill_start
from reviews.matrix_reviews.evidence import evidence_pack, evidence_summary
from reviews.matrix_reviews.services import matrix_review_sign_off
from reviews.models import PostIncidentReview
from reviews.services import review_publish, review_save
from reviews.tests.factories import scheduled_drill

from .support import attest_all, client_for, open_review

pytestmark = pytest.mark.django_db

NOW = MONDAY + dt.timedelta(days=7)


def at(minutes: float) -> dt.datetime:
    return MONDAY + dt.timedelta(minutes=minutes)


def misroute(mx, title: str, when: dt.datetime):
    incident = IncidentFactory(title=title, product_area="search", now=when)
    return incident_flag_misroute(incident=incident, user=mx["olly"], team="payments", reason="Card payments",
                                  now=when + dt.timedelta(minutes=2))


def published_review(mx, resolve, **answers) -> PostIncidentReview:
    incident = resolve(responder=mx["pat"], filed_at=MONDAY)
    review = PostIncidentReview.objects.get(incident=incident)
    review_save(review=review, user=mx["lena"], sections={"summary": "Payments failed."}, **answers)
    return review_publish(review=review, user=mx["lena"], now=at(120))


@pytest.fixture
def evidence(mx, resolve):
    """One of each kind of evidence in the period, and a drill that misroutes and breaches."""
    review = open_review()
    misroute(mx, "CDN returns 502", at(0))
    handed = IncidentFactory(title="Search is slow", product_area="checkout", now=at(5))
    incident_reassign(incident=handed, user=mx["lena"], team="platform", reason="It is search", now=at(6))
    IncidentFactory(title="Checkout fails", now=at(10))
    timers_fire_due(now=at(30))  # every open incident missed its acknowledge target
    drill = drill_start(drill=scheduled_drill(mx, at=at(40)), user=mx["lena"], now=at(40))
    incident_flag_misroute(incident=drill.incident, user=mx["pat"], team="platform", reason="Drill", now=at(41))
    timers_fire_due(now=at(90))  # the drill incident misses its targets too
    drill_end(drill=drill, user=mx["lena"], now=at(95))
    with_findings = published_review(mx, resolve, routed_right=False, tier_right=True,
                                     contributing_factors=["No canary"], to_improve="Canary every deploy.")
    published_review(mx, resolve, routed_right=True, tier_right=True)  # found nothing: not evidence
    with time_machine.travel(at(200), tick=False):
        search = ProductArea.objects.get(key="search")
        search.name = "Product search"
        search._change_reason = "Clearer name"
        search.save()
    return {"review": review, "handed": handed, "drill": drill, "with_findings": with_findings}


def test_misroutes_and_breaches_are_of_real_incidents_only(mx, evidence):
    pack = evidence_pack(evidence["review"], now=NOW)

    assert [(m.incident.title, m.from_team.key, m.to_team.key) for m in pack.misroutes] == [
        ("CDN returns 502", "platform", "payments")]
    breached = {b.incident.title for b in pack.breaches}
    assert "CDN returns 502" in breached and "Checkout fails" in breached
    assert not any(b.incident.is_drill for b in pack.breaches)  # the drill's breaches are not evidence here


def test_handoffs_are_listed_with_their_teams(evidence):
    pack = evidence_pack(evidence["review"], now=NOW)

    assert [(h.incident_id, h.from_team.key, h.to_team.key, h.reason) for h in pack.handoffs] == [
        (evidence["handed"].pk, "payments", "platform", "It is search")]


def test_drills_appear_as_drill_results(evidence):
    pack = evidence_pack(evidence["review"], now=NOW)

    assert [d.drill_id for d in pack.drills] == [evidence["drill"].pk]
    assert pack.drills[0].right_team_first is False


def test_published_reviews_that_found_something_are_listed(evidence):
    pack = evidence_pack(evidence["review"], now=NOW)

    assert [r.pk for r in pack.findings] == [evidence["with_findings"].pk]
    assert pack.findings[0].contributing_factors == ["No canary"]


def test_every_matrix_change_in_the_span_is_listed(evidence):
    pack = evidence_pack(evidence["review"], now=NOW)

    renamed = next(o for o in pack.changes if o.model == "product area" and o.key == "search")
    assert renamed.changes[-1].reason == "Clearer name"
    assert any("Product search" in line for line in renamed.changes[-1].diffs)


def test_a_signed_off_reviews_evidence_ends_at_its_sign_off(mx, evidence):
    review = evidence["review"]
    attest_all(review, mx)
    review = matrix_review_sign_off(review=review, user=mx["max"], now=at(300))
    misroute(mx, "CDN again", at(400))

    pack = evidence_pack(review, now=NOW)

    assert pack.until == at(300)
    assert [m.incident.title for m in pack.misroutes] == ["CDN returns 502"]
    following = evidence_pack(review.next_review, now=NOW)
    assert [m.incident.title for m in following.misroutes] == ["CDN again"]
    assert following.changes == []  # the rename was before this period


def test_the_packs_cost_does_not_grow_with_the_evidence(mx):
    review = open_review()
    misroute(mx, "CDN one", at(0))
    timers_fire_due(now=at(30))
    with CaptureQueriesContext(connection) as small:
        evidence_pack(review, now=NOW)
    for n in range(4):
        misroute(mx, f"CDN {n}", at(60 + n))
        handed = IncidentFactory(title=f"Slow {n}", product_area="checkout", now=at(70 + n))
        incident_reassign(incident=handed, user=mx["lena"], team="platform", reason="Search", now=at(71 + n))
    timers_fire_due(now=at(200))

    with CaptureQueriesContext(connection) as large:
        pack = evidence_pack(review, now=NOW)

    assert len(pack.misroutes) == 5 and len(pack.handoffs) == 4 and len(pack.breaches) > 5
    assert len(large.captured_queries) == len(small.captured_queries)


# --- the review page's summary ------------------------------------------------------------------------

def test_the_summary_has_each_sections_first_rows_and_full_counts(mx, evidence):
    for n in range(6):
        misroute(mx, f"CDN {n}", at(210 + n))

    summary = evidence_summary(evidence["review"], now=NOW, rows=5)
    pack = evidence_pack(evidence["review"], now=NOW)

    assert [m.pk for m in summary.misroutes] == [m.pk for m in pack.misroutes[:5]]
    assert summary.counts["misroutes"] == len(pack.misroutes) == 7
    for section in ["breaches", "handoffs", "drills", "findings", "changes"]:
        assert summary.counts[section] == pack.counts[section], section
    assert [d.drill_id for d in summary.drills] == [evidence["drill"].pk]


def test_the_review_page_counts_the_matrix_changes_without_describing_them(mx, evidence, monkeypatch):
    def not_here(*args, **kwargs):
        raise AssertionError("the review page must not build the full evidence pack")

    monkeypatch.setattr("reviews.matrix_reviews.evidence.matrix_changes", not_here)
    with time_machine.travel(NOW, tick=False):
        page = client_for(mx["agent"]).get(reverse("reviews:matrix_review_detail", args=[evidence["review"].pk]))

    html = page.content.decode()
    changes = html[html.index('id="evidence-changes"'):]
    assert page.status_code == 200 and "1 change: what, who and why in the evidence pack" in changes


def test_the_summarys_cost_does_not_grow_with_the_evidence(mx):
    review = open_review()
    with CaptureQueriesContext(connection) as small:
        evidence_summary(review, now=NOW)
    for n in range(7):
        misroute(mx, f"CDN {n}", at(60 + n))
    timers_fire_due(now=at(200))

    with CaptureQueriesContext(connection) as large:
        summary = evidence_summary(review, now=NOW)

    assert len(summary.misroutes) == 5 and summary.counts["misroutes"] == 7
    assert len(large.captured_queries) == len(small.captured_queries) <= 11
