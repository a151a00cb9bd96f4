"""Reads of incidents, with what their pages and API representations need loaded up front."""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet

from matrix.models import Membership

from .models import OPEN_STATUSES, Breach, Handoff, Incident, TimelineEntry, Timer

LIST_RELATED = ("tier", "team", "product_area", "assignee", "routed_team", "impact", "urgency")


def incidents_for_list(
    *,
    status: str | list[str] | None = None,
    team: str | None = None,
    tier: str | None = None,
    product_area: str | None = None,
    breached: bool | None = None,
    is_drill: bool | None = None,
    open_only: bool = False,
) -> QuerySet[Incident]:
    """Incidents newest first, with what a list row shows; filters take keys (None = any)."""
    queryset = Incident.objects.select_related(*LIST_RELATED).order_by("-filed_at", "-pk")
    if status:
        queryset = queryset.filter(status__in=[status] if isinstance(status, str) else status)
    if open_only:
        queryset = queryset.filter(status__in=OPEN_STATUSES)
    if team:
        queryset = queryset.filter(team__key=team)
    if tier:
        queryset = queryset.filter(tier__key=tier)
    if product_area:
        queryset = queryset.filter(product_area__key=product_area)
    if breached is not None:
        queryset = queryset.filter(breached=breached)
    if is_drill is not None:
        queryset = queryset.filter(is_drill=is_drill)
    return queryset


def incidents_for_teams_of(user) -> QuerySet[Incident]:
    """"My team's queue": open incidents owned by any team the user belongs to, or assigned to them."""
    teams = Membership.objects.filter(user=user).values("team_id")
    return (
        incidents_for_list(open_only=True)
        .filter(Q(team_id__in=teams) | Q(assignee=user))
        .order_by("acknowledge_by", "filed_at")
    )


def incident_detail(incident_id: int) -> Incident | None:
    """One incident with its timeline, timers, handoffs, breaches, checklist ticks and updates; None if unknown."""
    return (
        Incident.objects.select_related(
            *LIST_RELATED, "reporter", "acknowledged_by", "commander", "routing_rule", "playbook",
            "suspected_vendor__relationship_owner",
        )
        .prefetch_related(
            Prefetch("timeline", queryset=TimelineEntry.objects.select_related("actor").order_by("at", "id")),
            Prefetch("timers", queryset=Timer.objects.order_by("due_at", "id")),
            Prefetch("handoffs", queryset=Handoff.objects.select_related(
                "from_team", "to_team", "requested_by", "accepted_by")),
            Prefetch("breaches", queryset=Breach.objects.select_related("team")),
            "checklist_ticks__ticked_by",
            "updates__author",
        )
        .filter(pk=incident_id)
        .first()
    )
