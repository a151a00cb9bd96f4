"""Reads of drills, with what their pages need loaded up front; and ``drill_results``, the public contract
the quarterly matrix review's evidence pack reads."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from incidents.models import ChecklistTick
from matrix.models import ChecklistItem

from ..models import Drill, DrillStatus


@dataclass(frozen=True)
class DrillResult:
    """One finished drill and its score, as plain data (the evidence pack of a matrix review lists these)."""

    drill_id: int
    title: str
    playbook_key: str
    playbook_name: str
    incident_id: int | None
    tier: str  # the drill incident's tier name ("SEV1"); "" when it has no incident
    started_at: dt.datetime | None
    finished_at: dt.datetime
    facilitator: str  # their full name, else username
    participants: int
    time_to_acknowledge: dt.timedelta | None  # None: never acknowledged
    acknowledged_in_time: bool | None  # None: never acknowledged
    right_team_first: bool | None
    checklist_done: int
    checklist_total: int
    debrief_published: bool
    url: str  # the drill's page (a path)

    @property
    def date(self) -> dt.date:
        """The day it finished, in the project's time zone."""
        return timezone.localdate(self.finished_at)

    @property
    def checklist_share(self) -> float | None:
        """Share of the playbook's checklist ticked (0…1); None when the playbook has no checklist."""
        return self.checklist_done / self.checklist_total if self.checklist_total else None


def _finished(since: dt.datetime | None, until: dt.datetime | None) -> QuerySet[Drill]:
    queryset = Drill.objects.filter(status=DrillStatus.FINISHED)
    if since is not None:
        queryset = queryset.filter(finished_at__gte=since)
    if until is not None:
        queryset = queryset.filter(finished_at__lt=until)
    return queryset


def drill_results(*, since: dt.datetime | None, until: dt.datetime | None, limit: int | None = None
                  ) -> list[DrillResult]:
    """Drills finished in [since, until) (either end open when None), oldest first, with their scores;
    the first ``limit`` of them when given.

    One query. Cancelled drills are not results; drills still running have no score yet.
    """
    queryset = (
        _finished(since, until).select_related("playbook", "incident__tier", "facilitator")
        .annotate(participant_count=Count("participants"))
        .order_by("finished_at", "pk")
    )
    return [_result(drill) for drill in (queryset[:limit] if limit is not None else queryset)]


def drill_result_count(*, since: dt.datetime | None, until: dt.datetime | None) -> int:
    """How many ``drill_results`` there are: one COUNT."""
    return _finished(since, until).count()


def _result(drill: Drill) -> DrillResult:
    incident = drill.incident
    seconds = drill.time_to_acknowledge
    return DrillResult(
        drill_id=drill.pk, title=drill.title, playbook_key=drill.playbook.key, playbook_name=drill.playbook.name,
        incident_id=drill.incident_id, tier=incident.tier.name if incident else "",
        started_at=drill.started_at, finished_at=drill.finished_at,
        facilitator=drill.facilitator.get_full_name() or drill.facilitator.username,
        participants=drill.participant_count,
        time_to_acknowledge=dt.timedelta(seconds=seconds) if seconds is not None else None,
        acknowledged_in_time=(not incident.acknowledged_late) if incident and seconds is not None else None,
        right_team_first=drill.right_team_first,
        checklist_done=drill.checklist_done or 0, checklist_total=drill.checklist_total or 0,
        debrief_published=drill.debrief_published_at is not None,
        url=reverse("reviews:drill_detail", args=[drill.pk]),
    )


# --- the pages ----------------------------------------------------------------------------------------

LIST_RELATED = ("playbook", "facilitator", "incident__tier", "product_area")


def drills_by_status(status: str) -> QuerySet[Drill]:
    """Drills in one status for the drill list: upcoming soonest first, the others latest first."""
    order = ("scheduled_for", "pk") if status == DrillStatus.SCHEDULED else ("-scheduled_for", "-pk")
    return (
        Drill.objects.filter(status=status).select_related(*LIST_RELATED)
        .annotate(participant_count=Count("participants")).order_by(*order)
    )


def drill_detail(pk: int) -> Drill | None:
    """One drill with its playbook (and checklist), incident, people."""
    return (
        Drill.objects.select_related(
            "playbook", "facilitator", "scheduled_by", "debrief_published_by", "product_area", "impact", "urgency",
            "incident__tier", "incident__team", "incident__routed_team", "incident__acknowledged_by",
        )
        .prefetch_related("participants")
        .filter(pk=pk)
        .first()
    )


def drill_of_incident(incident_id: int) -> Drill | None:
    return Drill.objects.select_related("playbook").filter(incident_id=incident_id).first()


def scoring_checklist(drill: Drill) -> list[ChecklistItem]:
    """The checklist the score counts: the drill incident's playbook's (what responders saw), else the drill's."""
    playbook_id = (drill.incident.playbook_id if drill.incident_id else None) or drill.playbook_id
    return list(ChecklistItem.objects.filter(playbook_id=playbook_id).order_by("position", "pk"))


def checklist_ticks(drill: Drill) -> set[int]:
    """The checklist items ticked on the drill incident (ids)."""
    if drill.incident_id is None:
        return set()
    return set(ChecklistTick.objects.filter(incident_id=drill.incident_id).values_list("item_id", flat=True))


def drills_of_person(person) -> list[Drill]:
    """The drills a person took part in or facilitated, latest first (cancelled ones left out)."""
    return list(
        Drill.objects.filter(Q(participants=person) | Q(facilitator=person))
        .exclude(status=DrillStatus.CANCELLED)
        .select_related("playbook", "facilitator", "incident__tier")
        .distinct()
        .order_by("-scheduled_for", "-pk")[:20]
    )
