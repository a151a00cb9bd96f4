"""Filing an incident: the form, its live preview and triage fields (htmx), and the POST that files it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from matrix import models as m
from matrix.cache import current_snapshot
from matrix.routing import RoutingError

from .. import services
from ..forms import IncidentFilingForm
from .page_data import FilingPreview, filing_preview, filing_success_message, route_filing, triage_fields_of

ADD = "incidents.add_incident"


def _has_key_answers(data: QueryDict) -> bool:
    return all(data.get(name) for name in ("product_area", "impact", "urgency"))


def _preview_for(data: QueryDict) -> tuple[FilingPreview | None, RoutingError | None]:
    """The preview of what the form holds so far; (None, None) while the three key answers are missing."""
    if not _has_key_answers(data):
        return None, None
    try:
        return filing_preview(data), None
    except RoutingError as error:
        return None, error


def _triage_fields(preview: FilingPreview | None) -> list:
    return preview.triage_fields if preview else []


@require_http_methods(["GET", "HEAD", "POST"])
@permission_required(ADD, raise_exception=True)
def file_incident(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _filing_page(request, IncidentFilingForm(), preview=None)
    # Only the decision is needed to file (its playbook's triage fields, its on-call for the message);
    # the full preview is drawn only when the page comes back with errors. One snapshot serves the
    # routing here, the form's checks and incident_file: the matrix is read once per filing.
    snapshot = current_snapshot()  # the process's kept matrix while it is current: no query (matrix.cache)
    decision, routing_error = None, None
    if _has_key_answers(request.POST):
        try:
            decision = route_filing(request.POST, snapshot=snapshot)
        except RoutingError as error:
            routing_error = error
    shown_key = request.POST.get("triage_playbook")  # whose triage fields the agent had on the page
    kept_playbook = None
    if decision is None and shown_key:
        # Routing fails now (an answer changed): the triage answers already typed come back all the same,
        # in the fields they were typed into, rather than vanishing with the playbook.
        kept_playbook = m.Playbook.objects.filter(key=shown_key).first()
        triage_fields = snapshot.triage_fields(kept_playbook.pk) if kept_playbook else []
    else:
        triage_fields = triage_fields_of(decision, snapshot=snapshot)
    form = IncidentFilingForm(request.POST, triage_fields=triage_fields, snapshot=snapshot)
    valid = form.is_valid()
    if routing_error is not None:
        form.add_error(routing_error.field if routing_error.field in form.fields else None, routing_error.message)
        valid = False
    unseen = _unseen_required_triage(form, decision, shown_key)
    if valid:
        try:
            incident = services.incident_file(reporter=request.user, snapshot=snapshot, **form.filing_kwargs())
        except services.IncidentInputError as error:
            form.add_service_errors(error.errors)
        else:
            messages.success(request, filing_success_message(incident, decision, snapshot=snapshot))
            return redirect("incidents:detail", incident.pk)
    preview = filing_preview(request.POST, snapshot=snapshot) if decision is not None else None
    return _filing_page(request, form, preview, status=400, kept_playbook=kept_playbook, unseen=unseen)


def _unseen_required_triage(form: IncidentFilingForm, decision, shown_key: str | None) -> list[str]:
    """The required triage fields left empty that the agent never saw: submitted before the live preview
    swapped in the routed playbook's fields. Explained at the top rather than shouted at as mistakes."""
    playbook = decision.playbook if decision is not None else None
    if playbook is None or shown_key is None or playbook.key == shown_key:  # None: no page posted it (a script)
        return []
    return [spec.label for spec, name in zip(form.triage_specs, form.triage_field_names, strict=True)
            if spec.required and any(e.code == "required" for e in form.errors.as_data().get(name, []))]


def _filing_page(request: HttpRequest, form: IncidentFilingForm, preview: FilingPreview | None,
                 status: int = 200, *, kept_playbook=None, unseen: list[str] = ()) -> HttpResponse:
    field_errors = form.errors_by_field() if form.is_bound else {}
    if unseen:
        form.add_error(None, f"The “{preview.decision.playbook.name}” playbook needs "
                             f"{' and '.join(unseen)} too: fill {'it' if len(unseen) == 1 else 'them'} in below "
                             "(marked *) and file again.")
        # Not "This field is required." beside fields the agent has only just been shown.
        unseen_names = {name for spec, name in zip(form.triage_specs, form.triage_field_names, strict=True)
                        if spec.label in unseen}
        skipped = form.errors_by_field(skip_required=True)
        field_errors = {name: skipped[name] if name in unseen_names else messages
                        for name, messages in form.errors_by_field().items()
                        if name not in unseen_names or name in skipped}
    context = {
        "form": form,
        "preview": preview,
        "field_errors": field_errors,
        "triage_playbook": preview.decision.playbook if preview else kept_playbook,
    }
    return render(request, "incidents/file.html", context, status=status)


@require_safe
@permission_required(ADD, raise_exception=True)
def file_preview(request: HttpRequest) -> HttpResponse:
    """The htmx answer while the agent fills the form in: the preview, the field errors beside their
    fields, and the triage fields of the playbook routing picks (only when that playbook changed, so a
    field the agent is typing in is never replaced under them)."""
    preview, routing_error = _preview_for(request.GET)
    form = IncidentFilingForm(request.GET, triage_fields=_triage_fields(preview))
    form.is_valid()
    if routing_error is not None:
        form.add_error(routing_error.field if routing_error.field in form.fields else None, routing_error.message)
    playbook = preview.decision.playbook if preview else None
    shown = request.GET.get("triage_playbook", "")
    context = {
        "form": form,
        "preview": preview,
        # While typing, a field not filled in yet is not an error worth shouting about.
        "field_errors": form.errors_by_field(skip_required=True),
        "triage_playbook": playbook,
        "swap_triage": (playbook.key if playbook else "") != shown,
        # Fresh triage fields are drawn unbound (keeping what was typed): not red before they are touched.
        "triage_form": IncidentFilingForm(initial=request.GET.dict(), triage_fields=_triage_fields(preview)),
    }
    return render(request, "incidents/partials/file_preview_answer.html", context)
