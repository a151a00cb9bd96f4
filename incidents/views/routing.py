"""The routing pages: each rule's record of routing right the first time, and the routing simulator.

Both only read: metrics come from ``incidents.metrics`` (drills never count), replays from
``incidents.simulator`` (nothing is saved).
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import permission_required
from django.db.models import OuterRef, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from matrix.hooks import OriginLink
from matrix.models import ChangeRequest, ChangeRequestStatus, Team

from .. import learning, simulator
from ..metrics import (
    escalation_accuracy,
    misroute_destination,
    real_incidents,
    route_key,
    rule_accuracy,
    rule_summaries,
    wrong_first_routing,
)
from .routing_forms import ChangeRequestSimulationForm, PeriodForm, RulesSimulationForm

VIEW = "incidents.view_incident"
ADMIN_STATS_DAYS = 90  # the routing rule admin's column
WRONG_LISTED = 50


@require_safe
@permission_required(VIEW, raise_exception=True)
def routing_accuracy(request: HttpRequest) -> HttpResponse:
    period = PeriodForm(request.GET or None)
    days = period.days_or_default()
    since = timezone.now() - dt.timedelta(days=days)
    records = rule_accuracy(since=since)
    selected = request.GET.get("rule", "")
    overall = escalation_accuracy(since=since)
    refinements = _open_refinements()
    context = {
        "period": period, "days": days, "overall": overall,
        "rows": [(record, refinements.get(record.key, [])) for record in records],
        "overall_percent": None if overall is None else round(overall * 100),
        "selected": next((r for r in records if r.key == selected), None),
        "wrong": _wrongly_routed(selected, since) if selected else [],
        "admin_links": request.user.is_staff and request.user.has_perm("matrix.view_routingrule"),
        # Below it, a rule's rate is shown as poor: the floor the quarterly matrix review flags rules under.
        "accuracy_floor": settings.MATRIX_REVIEW_RULE_ACCURACY_MIN,
    }
    return render(request, "incidents/routing_accuracy.html", context)


def _open_refinements() -> dict[str, list[ChangeRequest]]:
    """Rule key → its refinements drafted from misroutes still waiting for a manager."""
    drafted: dict[str, list[ChangeRequest]] = {}
    for change_request in ChangeRequest.objects.filter(
        status=ChangeRequestStatus.DRAFT, origin__startswith=f"{learning.KIND}:",
    ).order_by("pk"):
        refined = learning.refinement_of(change_request.origin)
        if refined is not None:
            drafted.setdefault(refined[0], []).append(change_request)
    return drafted


def _wrongly_routed(key: str, since: dt.datetime) -> list:
    """The rule's (or fallback's) incidents whose first routing was wrong, newest first, with where they went."""
    return list(
        real_incidents(since=since).annotate(route=route_key(), destination=misroute_destination())
        .filter(wrong_first_routing(), route=key)
        .annotate(destination_name=Subquery(Team.objects.filter(pk=OuterRef("destination")).values("name")[:1]))
        .select_related("routed_team", "team", "product_area")
        .order_by("-filed_at", "-pk")[:WRONG_LISTED]
    )


@require_http_methods(["GET", "HEAD", "POST"])
@permission_required(VIEW, raise_exception=True)
def routing_simulator(request: HttpRequest) -> HttpResponse:
    """Pick a draft (a change request from the query string, or rules posted from the page) and replay.

    Everyone who sees incidents may open the page; only ``simulator.may_simulate`` people run replays (each
    up to 2,000 incidents): the others are told who may, and asking for a replay is refused (403)."""
    if not simulator.may_simulate(request.user):
        asked = request.method == "POST" or "change_request" in request.GET
        return render(request, "incidents/routing_simulator.html", {"may_simulate": False},
                      status=403 if asked else 200)
    today = simulator.today()
    open_requests = simulator.simulatable_change_requests()
    by_request = ChangeRequestSimulationForm(
        request.GET if "change_request" in request.GET else None, change_requests=open_requests,
        initial={"last": simulator.DEFAULT_LAST},
    )
    by_rules = RulesSimulationForm(
        request.POST if request.method == "POST" else None,
        initial={"rules": simulator.draft_yaml(), "last": simulator.DEFAULT_LAST},
    )
    result, draft_label, status = None, "", 200
    if by_request.is_bound:
        if by_request.is_valid():
            change_request = ChangeRequest.objects.get(pk=by_request.cleaned_data["change_request"])
            draft = simulator.draft_from_change_request(change_request, today)
            result = simulator.simulate(draft=draft, today=today, last=by_request.cleaned_data["last"])
            draft_label = f"change request #{change_request.pk} ({change_request.reason})"
        else:
            status = 400
    elif by_rules.is_bound:
        if by_rules.is_valid():
            try:
                draft = simulator.draft_from_yaml(by_rules.cleaned_data["rules"], today)
            except simulator.SimulationInputError as exc:
                for message in exc.errors:
                    by_rules.add_error("rules", message)
                status = 400
            else:
                result = simulator.simulate(draft=draft, today=today, last=by_rules.cleaned_data["last"])
                draft_label = "the rules edited on this page"
        else:
            status = 400
    context = {"by_request": by_request, "by_rules": by_rules, "result": result, "draft_label": draft_label,
               "open_requests": open_requests, "may_simulate": True}
    return render(request, "incidents/routing_simulator.html", context, status=status)


def admin_rule_stats(rule_ids: list[int]) -> dict[int, str]:
    """The routing rule admin's column (registered through ``matrix.hooks``): one query for a page."""
    since = timezone.now() - dt.timedelta(days=ADMIN_STATS_DAYS)
    return rule_summaries(rule_ids=rule_ids, since=since, period=f" in {ADMIN_STATS_DAYS} days")


def simulator_links(change_request: ChangeRequest) -> list[OriginLink]:
    """On the page of an open change request that changes routing: replay it (through ``matrix.hooks``)."""
    if change_request.status not in (ChangeRequestStatus.PENDING, ChangeRequestStatus.DRAFT):
        return []
    if not simulator.touches_routing(change_request):
        return []
    url = reverse("incidents:routing_simulator") + "?" + urlencode({"change_request": change_request.pk})
    return [OriginLink(label="Simulate it on recent incidents", url=url)]
