"""The review's evidence pack: what happened since the previous sign-off (or the first deploy).

Misroutes, breaches and handoffs of real incidents (a drill's appear only under drill results, never
here), the drills' results, what the published post-incident reviews found, and every change made to the
matrix in the span.

``evidence_pack`` is the whole of it, for the evidence page: each section costs one query (the matrix
changes: what ``matrix_changes`` costs, which reads and diffs a quarter of history), whatever the number
of rows. ``evidence_summary`` is what the review page shows, rendered on every visit: each section's
count and first rows (a COUNT and a LIMITed query each), and the matrix changes counted, not described.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone

from incidents.models import Breach, Handoff, HandoffKind
from matrix.selectors.changes import matrix_change_count, matrix_changes

from ..drills.selectors import drill_result_count, drill_results
from ..models import MatrixReview, PostIncidentReview

SUMMARY_ROWS = 5  # per section, on the review page
HEADINGS = [
    ("misroutes", "Misroutes"), ("breaches", "Breaches"), ("handoffs", "Handoffs"), ("drills", "Drill results"),
    ("findings", "Post-incident review findings"), ("changes", "Matrix changes"),
]


@dataclass
class EvidencePack:
    since: dt.datetime
    until: dt.datetime
    misroutes: list[Handoff]
    breaches: list[Breach]
    handoffs: list[Handoff]
    drills: list
    findings: list[PostIncidentReview]
    changes: list

    @property
    def counts(self) -> dict[str, int]:
        """Section → its rows; for the matrix changes, the changes (not the objects changed)."""
        return {"misroutes": len(self.misroutes), "breaches": len(self.breaches), "handoffs": len(self.handoffs),
                "drills": len(self.drills), "findings": len(self.findings),
                "changes": sum(len(item.changes) for item in self.changes)}

    @property
    def sections(self) -> list[tuple[str, str, int]]:
        """(anchor, heading, count) for the pack's table of contents."""
        counts = self.counts
        return [(anchor, heading, counts[anchor]) for anchor, heading in HEADINGS]


@dataclass
class EvidenceSummary:
    """The review page's evidence: the first rows of each section and every section's full count. The matrix
    changes are only counted (history records, so a save that changed nothing counts too); the evidence
    page describes them."""

    since: dt.datetime
    until: dt.datetime
    misroutes: list[Handoff]
    breaches: list[Breach]
    handoffs: list[Handoff]
    drills: list
    findings: list[PostIncidentReview]
    counts: dict[str, int]
    changes: tuple = ()


def _moves(kind: str, since: dt.datetime, until: dt.datetime) -> QuerySet[Handoff]:
    return (
        Handoff.objects.filter(kind=kind, requested_at__gte=since, requested_at__lt=until, incident__is_drill=False)
        .select_related("incident__tier", "incident__product_area", "from_team", "to_team", "requested_by")
        .order_by("requested_at", "pk")
    )


def breaches(since: dt.datetime, until: dt.datetime) -> QuerySet[Breach]:
    return (
        Breach.objects.filter(breached_at__gte=since, breached_at__lt=until, incident__is_drill=False)
        .select_related("incident__tier", "incident__product_area", "team")
        .order_by("breached_at", "pk")
    )


def review_findings(since: dt.datetime, until: dt.datetime) -> QuerySet[PostIncidentReview]:
    """Reviews published in the span that found something: factors, lessons, a wrong routing or tier."""
    found = (~Q(contributing_factors=[]) | ~Q(to_improve="") | Q(routed_right=False) | Q(tier_right=False))
    return (
        PostIncidentReview.objects.filter(found, published_at__gte=since, published_at__lt=until)
        .select_related("incident__tier", "incident__team", "incident__product_area", "right_tier")
        .order_by("published_at", "pk")
    )


def evidence_span(review: MatrixReview, now: dt.datetime | None = None) -> tuple[dt.datetime, dt.datetime]:
    """From the period's start to the sign-off (or now, while it is open)."""
    return review.period_start, review.signed_off_at or now or timezone.now()


def evidence_pack(review: MatrixReview, *, now: dt.datetime | None = None) -> EvidencePack:
    since, until = evidence_span(review, now)
    return EvidencePack(
        since=since, until=until,
        misroutes=list(_moves(HandoffKind.MISROUTE, since, until)),
        breaches=list(breaches(since, until)),
        handoffs=list(_moves(HandoffKind.HANDOFF, since, until)),
        drills=drill_results(since=since, until=until),
        findings=list(review_findings(since, until)),
        changes=matrix_changes(since, until),
    )


def evidence_summary(review: MatrixReview, *, now: dt.datetime | None = None, rows: int = SUMMARY_ROWS
                     ) -> EvidenceSummary:
    """Each section's first ``rows`` and its count: eleven queries, whatever the span holds."""
    since, until = evidence_span(review, now)
    sections = {
        "misroutes": _moves(HandoffKind.MISROUTE, since, until), "breaches": breaches(since, until),
        "handoffs": _moves(HandoffKind.HANDOFF, since, until), "findings": review_findings(since, until),
    }
    counts = {name: queryset.count() for name, queryset in sections.items()}
    counts["drills"] = drill_result_count(since=since, until=until)
    counts["changes"] = matrix_change_count(since, until)
    return EvidenceSummary(
        since=since, until=until, counts=counts, drills=drill_results(since=since, until=until, limit=rows),
        **{name: list(queryset[:rows]) for name, queryset in sections.items()},
    )
