"""The actions' POST views: check the permission and the form, call the service, say what happened."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from .. import services
from ..models import Handoff, Incident
from .actions import ACTIONS, CHANGE, TICK, Action, make_form
from .detail import checklist_context, detail_context


def _detail_url(incident_id: int, anchor: str = "") -> str:
    return reverse("incidents:detail", args=[incident_id]) + (f"#{anchor}" if anchor else "")


def _require(request: HttpRequest, permission: str) -> None:
    # The service checks too; asking first keeps a refused user from even reaching a form's errors.
    if not request.user.has_perm(permission):
        raise PermissionDenied("Your role may not do that.")


@require_POST
def incident_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    spec = ACTIONS.get(action)
    if spec is None:
        raise Http404("No such action.")
    _require(request, spec.permission)
    incident = get_object_or_404(Incident.objects.select_related("team", "tier", "product_area"), pk=pk)
    form = make_form(spec, incident, request.POST) if spec.form else None
    if form is not None and not form.is_valid():
        return _form_errors(request, incident, spec, form)
    try:
        message = spec.run(incident, request.user, form.cleaned_data if form else {})
    except services.TransitionError as error:
        messages.error(request, error.message)
    except services.IncidentInputError as error:
        if form is None:
            messages.error(request, " ".join(m for msgs in error.errors.values() for m in msgs))
        else:
            for name, msgs in error.errors.items():
                for msg in msgs:
                    form.add_error(name if name in form.fields else None, msg)
            return _form_errors(request, incident, spec, form)
    else:
        messages.success(request, message)
    return redirect(_detail_url(pk))


def _form_errors(request: HttpRequest, incident: Incident, spec: Action, form: forms.Form) -> HttpResponse:
    """The incident page again, with this action's form showing what to fix (nothing was done)."""
    context = detail_context(request, incident.pk, bound={spec.name: form})
    context["open_action"] = spec.name
    return render(request, "incidents/detail.html", context, status=400)


@require_POST
def checklist_tick(request: HttpRequest, pk: int) -> HttpResponse:
    """Tick or untick a playbook checklist item (htmx swaps the checklist in place)."""
    _require(request, TICK)
    try:
        item_id = int(request.POST.get("item_id", ""))
    except ValueError as error:
        raise Http404("No such checklist item.") from error
    done = request.POST.get("done", "1") not in ("0", "false", "")
    incident = get_object_or_404(Incident, pk=pk)
    error = ""
    try:
        services.checklist_tick(incident=incident, user=request.user, item_id=item_id, done=done)
    except services.TransitionError as refused:
        error = refused.message
    except services.IncidentInputError as refused:
        error = " ".join(msg for msgs in refused.errors.values() for msg in msgs)
    if request.htmx:
        return render(request, "incidents/partials/checklist.html", checklist_context(request, pk, error))
    if error:
        messages.error(request, error)
    return redirect(_detail_url(pk, "checklist"))


@require_POST
def handoff_accept(request: HttpRequest, pk: int, handoff_id: int) -> HttpResponse:
    _require(request, CHANGE)
    handoff = get_object_or_404(Handoff.objects.select_related("to_team"), pk=handoff_id, incident_id=pk)
    try:
        services.handoff_accept(handoff=handoff, user=request.user)
    except services.TransitionError as error:
        messages.error(request, error.message)
    except PermissionDenied as error:  # not a member of the receiving team: say so on the page
        messages.error(request, str(error))
    else:
        messages.success(request, f"{handoff.to_team.name} accepted the handoff.")
    return redirect(_detail_url(pk))
