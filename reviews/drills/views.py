"""The drill pages. Thin: each view reads through ``selectors`` or calls one service (two for "save and publish")."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from escalation_matrix.paging import page_of

from ..models import Drill, DrillStatus
from ..services import ReviewInputError, ReviewStateError
from . import selectors, services
from .access import VIEW, may_run, may_schedule, may_write_debrief
from .forms import DebriefForm, DrillForm

PAGE_SIZE = 20


@require_safe
@permission_required(VIEW, raise_exception=True)
def drill_list(request: HttpRequest) -> HttpResponse:
    """Running, upcoming and finished drills (with scores). Only drills: they never appear in real metrics."""
    finished = page_of(request, selectors.drills_by_status(DrillStatus.FINISHED), PAGE_SIZE)
    context = {
        "running": list(selectors.drills_by_status(DrillStatus.RUNNING)),
        "upcoming": list(selectors.drills_by_status(DrillStatus.SCHEDULED)),
        "finished": finished,
        "cancelled": list(selectors.drills_by_status(DrillStatus.CANCELLED)[:10]),
        "can_schedule": may_schedule(request.user),
    }
    return render(request, "reviews/drills/list.html", context)


def _drill(pk: int) -> Drill:
    drill = selectors.drill_detail(pk)
    if drill is None:
        raise Http404("No such drill.")
    return drill


@require_http_methods(["GET", "HEAD", "POST"])
def drill_schedule(request: HttpRequest) -> HttpResponse:
    if not may_schedule(request.user):
        raise PermissionDenied("Managers and Incident leads schedule drills.")
    form = DrillForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            drill = services.drill_schedule(user=request.user, **form.service_kwargs())
        except ReviewInputError as error:
            form.add_service_errors(error.errors)
        else:
            messages.success(request, f"Scheduled for {timezone.localtime(drill.scheduled_for):%a %d %b %H:%M}. "
                                      "The participants are told.")
            return redirect("reviews:drill_detail", drill.pk)
    return render(request, "reviews/drills/form.html", {"form": form, "drill": None},
                  status=400 if form.is_bound else 200)


@require_http_methods(["GET", "HEAD", "POST"])
@permission_required(VIEW, raise_exception=True)
def drill_edit(request: HttpRequest, pk: int) -> HttpResponse:
    drill = _drill(pk)
    if not may_run(drill, request.user):
        raise PermissionDenied("Only the drill's facilitator, Incident leads and Managers may change it.")
    if drill.status != DrillStatus.SCHEDULED:
        messages.error(request, f"It is {drill.get_status_display().lower()}: only a scheduled drill changes.")
        return redirect("reviews:drill_detail", pk)
    form = DrillForm(request.POST or None, drill=drill)
    if request.method == "POST" and form.is_valid():
        try:
            services.drill_update(drill=drill, user=request.user, **form.service_kwargs())
        except ReviewStateError as error:
            messages.error(request, error.message)
            return redirect("reviews:drill_detail", pk)
        except ReviewInputError as error:
            form.add_service_errors(error.errors)
        else:
            messages.success(request, "Drill saved.")
            return redirect("reviews:drill_detail", pk)
    return render(request, "reviews/drills/form.html", {"form": form, "drill": drill},
                  status=400 if form.is_bound else 200)


def _page(request: HttpRequest, drill: Drill, *, form: DebriefForm | None = None, status: int = 200) -> HttpResponse:
    writable = may_write_debrief(drill, request.user)
    context = {
        "drill": drill,
        "incident": drill.incident,
        "can_run": may_run(drill, request.user),
        "can_write": writable,
        "form": form or (DebriefForm(drill=drill) if writable else None),
        "checklist": selectors.scoring_checklist(drill),
        "ticked": selectors.checklist_ticks(drill),
        "participants": sorted(drill.participants.all(), key=lambda u: (u.get_full_name() or u.username).lower()),
    }
    return render(request, "reviews/drills/detail.html", context, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
@permission_required(VIEW, raise_exception=True)
def drill_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The drill; once it has finished, its facilitator (and Incident leads, Managers) write the debrief here."""
    drill = _drill(pk)
    if request.method != "POST":
        return _page(request, drill)
    if not may_write_debrief(drill, request.user):
        raise PermissionDenied("Only the facilitator, Incident leads and Managers write the debrief of a finished "
                               "drill, until it is published.")
    form = DebriefForm(request.POST, drill=drill)
    if not form.is_valid():
        return _page(request, drill, form=form, status=400)
    saved = False
    try:
        services.drill_debrief_save(drill=drill, user=request.user, sections=form.sections())
        saved = True
        if "publish" not in request.POST:
            messages.success(request, "Debrief saved.")
            return redirect("reviews:drill_detail", pk)
        services.drill_debrief_publish(drill=drill, user=request.user)
    except ReviewStateError as error:  # published by someone else meanwhile
        messages.error(request, error.message)
        return redirect("reviews:drill_detail", pk)
    except ReviewInputError as error:
        form.add_service_errors(error.errors)
        if saved:
            messages.warning(request, "Debrief saved, not published yet: fill in what is marked.")
        return _page(request, _drill(pk), form=form, status=400)
    messages.success(request, "Debrief published. The participants are told.")
    return redirect("reviews:drill_detail", pk)


def _act(request: HttpRequest, pk: int, action, done: str) -> HttpResponse:
    drill = _drill(pk)
    if not may_run(drill, request.user):
        raise PermissionDenied("Only the drill's facilitator, Incident leads and Managers may run it.")
    try:
        action(drill=drill, user=request.user)
    except ReviewStateError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done)
    return redirect("reviews:drill_detail", pk)


@require_POST
@permission_required(VIEW, raise_exception=True)
def drill_start(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, services.drill_start, "Started: the drill incident is filed and routed. Over to the team.")


@require_POST
@permission_required(VIEW, raise_exception=True)
def drill_end(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, services.drill_end, "Ended and scored. Write the debrief below.")


@require_POST
@permission_required(VIEW, raise_exception=True)
def drill_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, services.drill_cancel, "Cancelled. The participants are told.")
