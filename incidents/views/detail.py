"""The incident page, and its live part that htmx refreshes every few seconds."""

from __future__ import annotations

from django.contrib.auth.decorators import permission_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from .. import selectors
from ..forms import fill_template
from ..hooks import incident_panels
from ..matrix_version import incident_matrix_version
from ..models import Incident, UpdateAudience
from ..notify import business_hours_note
from . import page_data
from .actions import ACTIONS, CHANGE, ONE_CLICK, TICK, available, make_form

VIEW = "incidents.view_incident"


def _incident(pk: int) -> Incident:
    incident = selectors.incident_detail(pk)
    if incident is None:
        raise Http404("No such incident.")
    return incident


def live_context(request: HttpRequest, incident: Incident) -> dict:
    """What the refreshing part shows: status, deadlines, one-click actions, timeline."""
    actions = available(incident, request.user)
    return {
        "incident": incident,
        "now": timezone.now(),
        "deadlines": page_data.deadlines(incident),
        "next_step": page_data.next_step(incident),
        "clock_note": business_hours_note(incident).strip(),
        "one_click": [actions[name] for name in ONE_CLICK if name in actions],
        "on_call": page_data.on_call_now(incident),
        "can_change": request.user.has_perm(CHANGE),  # accepting a handoff
    }


def _update_forms(incident: Incident, action, bound) -> list:
    """A stakeholder form and a customer form, each starting from its playbook template."""
    playbook = incident.playbook
    starts = {
        UpdateAudience.STAKEHOLDERS: playbook.incident_note_template if playbook else "",
        UpdateAudience.CUSTOMERS: playbook.customer_update_template if playbook else "",
    }
    forms = []
    for audience, text in starts.items():
        if bound is not None and bound.data.get("audience") == audience:
            forms.append((audience, bound))
            continue
        initial = {"audience": audience, "body": fill_template(text, incident)}
        forms.append((audience, make_form(action, incident, initial=initial, auto_id=f"id_update_{audience}_%s")))
    return forms


def detail_context(request: HttpRequest, pk: int, bound: dict | None = None) -> dict:
    """The whole page; ``bound`` holds an action's form that came back with errors."""
    bound = bound or {}
    incident = _incident(pk)
    context = live_context(request, incident)
    actions = available(incident, request.user)
    # A form that came back with errors is shown even if its action is no longer offered.
    actions.update({name: ACTIONS[name] for name in bound if name not in actions})
    forms = {}
    for name, action in actions.items():
        if action.form is None:
            continue
        if name == "update":
            forms[name] = _update_forms(incident, action, bound.get(name))
        elif name == "vendor":
            initial = {"vendor": incident.suspected_vendor}
            forms[name] = bound.get(name) or make_form(action, incident, initial=initial)
        else:
            forms[name] = bound.get(name) or make_form(action, incident)
    context.update({
        "actions": actions,
        "forms": forms,
        "checklist": page_data.checklist(incident),
        "can_tick": request.user.has_perm(TICK),
        "vendor_panel": page_data.vendor_panel(incident, context["now"]),
        "triage_details": page_data.triage_details(incident),
        "matrix_version": incident_matrix_version(incident),
        "panels": incident_panels(incident, request.user),  # what apps above add (the review), through a hook
    })
    return context


def checklist_context(request: HttpRequest, pk: int, error: str = "") -> dict:
    incident = _incident(pk)
    return {
        "incident": incident,
        "checklist": page_data.checklist(incident),
        "can_tick": request.user.has_perm(TICK),
        "checklist_error": error,
    }


@require_safe
@permission_required(VIEW, raise_exception=True)
def incident_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "incidents/detail.html", detail_context(request, pk))


@require_safe
@permission_required(VIEW, raise_exception=True)
def incident_live(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "incidents/partials/live.html", live_context(request, _incident(pk)))
