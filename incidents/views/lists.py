"""The incident lists: all incidents (filtered), my team's queue, and the war room."""

from __future__ import annotations

from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from escalation_matrix.paging import page_of

from ..filters import IncidentFilter
from . import page_data

VIEW = "incidents.view_incident"
PAGE_SIZE = 25


@require_safe
@permission_required(VIEW, raise_exception=True)
def incident_list(request: HttpRequest) -> HttpResponse:
    filters = IncidentFilter(request.GET or None, queryset=page_data.incident_rows())
    page = page_of(request, filters.qs, PAGE_SIZE)
    query = request.GET.copy()
    query.pop("page", None)
    context = {"filters": filters, "page": page, "query": query.urlencode(), "now": timezone.now()}
    return render(request, "incidents/list.html", context)


@require_safe
@permission_required(VIEW, raise_exception=True)
def queue(request: HttpRequest) -> HttpResponse:
    rows = list(page_data.queue_rows(request.user))
    return render(request, "incidents/queue.html", {"rows": rows, "now": timezone.now()})


@require_safe
@permission_required(VIEW, raise_exception=True)
def war_room(request: HttpRequest) -> HttpResponse:
    rows = list(page_data.war_room_rows())
    return render(request, "incidents/war_room.html", {"rows": rows, "now": timezone.now()})
