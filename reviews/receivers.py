"""How reviews react to incidents (connected in ``ReviewsConfig.ready``): incidents never import reviews."""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef
from django.template.loader import render_to_string
from django.utils import timezone

from incidents.models import Incident

from . import selectors
from .access import may_write
from .models import PostIncidentReview
from .services import review_create


def on_incident_resolved(sender, *, incident: Incident, user=None, now: dt.datetime | None = None, **kwargs) -> None:
    """A resolved incident whose tier requires a review gets one (idempotent: resolving again adds none)."""
    review_create(incident=incident, resolved_by=user, now=now)


def review_panel(incident: Incident, user) -> str:
    """The incident page's review panel (through ``incidents.hooks``): one query; "" when there is no review."""
    review = selectors.review_of_incident(incident.pk)
    if review is None:
        return ""
    context = {"review": review, "status": review.status_on(timezone.localdate()), "can_write": may_write(review, user)}
    return render_to_string("reviews/partials/incident_panel.html", context)


def routed_wrong_in_review() -> Exists:
    """For ``incidents.metrics`` (registered as wrong-routing evidence): the incident's published review
    answered "routed right the first time?" with no — even if nobody flagged a misroute. Published only:
    a draft's answer may still change."""
    return Exists(PostIncidentReview.objects.filter(
        incident=OuterRef("pk"), routed_right=False, published_at__isnull=False,
    ))
