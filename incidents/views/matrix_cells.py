"""The matrix page's cells link to their live incidents: a count badge per (area, tier), ONE query.

Registered with ``matrix.hooks`` in ``IncidentsConfig.ready`` — the matrix never imports incidents.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.db.models import Count, Q
from django.urls import reverse

from matrix.hooks import CellBadge
from matrix.snapshot import MatrixSnapshot

from ..filters import OPEN
from ..models import OPEN_STATUSES, Incident


def live_incident_badges(snapshot: MatrixSnapshot) -> dict[tuple[int, int], CellBadge]:
    """Open incidents (drills left out) per (area id, tier id); red when one of them has breached."""
    counts = (
        Incident.objects.filter(status__in=OPEN_STATUSES, is_drill=False)
        .order_by()
        .values_list("product_area_id", "tier_id")
        .annotate(total=Count("pk"), breached=Count("pk", filter=Q(breached=True)))
    )
    list_url = reverse("incidents:list")
    badges = {}
    for area_id, tier_id, total, breached in counts:
        area, tier = snapshot.areas.get(area_id), snapshot.tiers.get(tier_id)
        if area is None or tier is None:
            continue
        query = urlencode({"area": area.key, "tier": tier.key, "status": OPEN, "drill": "no"})
        title = f"{total} open {tier.name} incident{'s' if total != 1 else ''} in {area.name}"
        if breached:
            title += f", {breached} past a target"
        badges[(area_id, tier_id)] = CellBadge(
            label=f"{total} open", url=f"{list_url}?{query}", title=title,
            style="text-bg-danger" if breached else "text-bg-primary",
        )
    return badges
