"""Route preview: "who would get this?" for inputs typed into the preview form. Nothing is saved."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from .. import models as m
from ..cache import current_snapshot
from ..routing import RouteRequest, RoutingDecision
from ..snapshot import MatrixSnapshot
from .common import StepView, describe_steps, person_name


@dataclass
class RoutePreview:
    decision: RoutingDecision
    filed_at: dt.datetime
    deadlines: dict[str, dt.datetime]
    steps: list[StepView]
    checklist: list[m.ChecklistItem]


def route_preview(request: RouteRequest, now: dt.datetime | None = None, *,
                  snapshot: MatrixSnapshot | None = None) -> RoutePreview:
    """Route as if filed now; raises ``RoutingError`` naming the field at fault. Reads the process's kept
    matrix (``matrix.cache``) unless given one: the preview runs on every change to the filing form."""
    now = now or timezone.now()
    snapshot = snapshot or current_snapshot(now)
    decision = snapshot.router.route(request)
    # The suspected vendor is not asked here, so every vendor of the area is a candidate.
    owners = m.Vendor.objects.filter(dependent_areas=decision.area, relationship_owner__isnull=False)
    vendor_owners = sorted({person_name(v.relationship_owner) for v in owners.select_related("relationship_owner")})
    return RoutePreview(
        decision=decision,
        filed_at=now,
        deadlines=decision.deadlines(now),
        steps=describe_steps(snapshot, decision.policy, decision.team, decision.on_call, vendor_owners),
        checklist=list(decision.playbook.checklist.all()) if decision.playbook else [],
    )
