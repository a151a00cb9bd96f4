"""The incident pages' forms: filing (with the routed playbook's triage fields) and the actions.

Forms only collect and check input; the services (``incidents.services``) decide and write. A
service's ``IncidentInputError`` comes back here through ``add_service_errors`` so that it shows
beside the field it names.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Mapping

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Column, Div, Field, Layout, Row
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Model
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.html import format_html

from matrix import models as m
from matrix.snapshot import MatrixSnapshot

from .limits import (
    CUSTOMER_SEGMENT_MAX_LENGTH,
    LONG_TEXT_MAX_LENGTH,
    NOTE_MAX_LENGTH,
    REASON_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    TRIAGE_TEXT_MAX_LENGTH,
)
from .models import Incident, PauseReason, UpdateAudience

TRIAGE_PREFIX = "triage_"
DEFAULT_QUESTIONS = {"impact": "How many customers are affected?", "urgency": "How soon does it hurt?"}


def triage_field_name(key: str) -> str:
    return f"{TRIAGE_PREFIX}{key}"


class KeyedChoiceField(forms.ModelChoiceField):
    """A choice by key that, given the objects the request already loaded by key (``known``, a
    function returning them), checks the answer there instead of asking the database again: filing
    routes first, so the matrix is in memory."""

    known: Callable[[], Mapping[str, Model]] | None = None

    def to_python(self, value):
        if self.known is None or value in self.empty_values or not isinstance(value, str):
            return super().to_python(value)
        found = self.known().get(value)
        if found is None:
            raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice",
                                        params={"value": value})
        return found


class RankedRadioField(KeyedChoiceField):
    """Impact or urgency as radio buttons: each answer with what it means, in an agent's words."""

    widget = forms.RadioSelect

    def label_from_instance(self, obj) -> str:
        if not obj.description:
            return obj.name
        return format_html('<strong>{}</strong> <span class="small text-muted">— {}</span>', obj.name, obj.description)


def _with_error_slot(name: str, **kwargs) -> Div:
    # Same pattern as the route preview: errors beside the field, in a slot htmx can update.
    return Div(Field(name, **kwargs), HTML(f'{{% include "matrix/partials/field_errors.html" with name="{name}" %}}'))


def _triage_form_field(spec: m.TriageField) -> forms.Field:
    common = {"label": spec.label, "required": spec.required, "help_text": spec.help_text}
    kind = spec.field_type
    if kind == m.TriageFieldType.TEXTAREA:
        return forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=LONG_TEXT_MAX_LENGTH, **common)
    if kind == m.TriageFieldType.INTEGER:
        return forms.IntegerField(**common)
    if kind == m.TriageFieldType.CHOICE:
        options = [c.strip() for c in spec.choices.split(",") if c.strip()]
        return forms.ChoiceField(choices=[("", "—"), *[(o, o) for o in options]], **common)
    if kind == m.TriageFieldType.URL:
        return forms.URLField(assume_scheme="https", **common)
    if kind == m.TriageFieldType.EMAIL:
        return forms.EmailField(**common)
    if kind == m.TriageFieldType.DATETIME:
        return forms.DateTimeField(widget=forms.DateTimeInput(attrs={"type": "datetime-local"}), **common)
    return forms.CharField(max_length=TRIAGE_TEXT_MAX_LENGTH, **common)


class IncidentFilingForm(forms.Form):
    """What a support agent answers to file an incident; ``triage_fields`` are the routed playbook's."""

    title = forms.CharField(max_length=TITLE_MAX_LENGTH, help_text="What is broken, in a few words.")
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), max_length=LONG_TEXT_MAX_LENGTH,
                                  help_text="What the customer sees.")
    product_area = KeyedChoiceField(
        queryset=m.ProductArea.objects.order_by("name"), to_field_name="key", label="Product area",
        empty_label="Pick the area the customer is having trouble with",
    )
    impact = RankedRadioField(queryset=m.Impact.objects.order_by("rank"), to_field_name="key", empty_label=None)
    urgency = RankedRadioField(queryset=m.Urgency.objects.order_by("rank"), to_field_name="key", empty_label=None)
    affected_customers = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=LONG_TEXT_MAX_LENGTH,
        help_text="Customer IDs or names, one per line.",
    )
    suspected_vendor = KeyedChoiceField(
        queryset=m.Vendor.objects.order_by("name"), to_field_name="key", required=False,
        empty_label="None suspected", help_text="A third party you think is behind it.",
    )
    customer_segment = forms.CharField(required=False, max_length=CUSTOMER_SEGMENT_MAX_LENGTH,
                                       help_text="e.g. enterprise, self-serve.")
    channel = forms.ChoiceField(choices=m.IntakeChannel.choices, initial=m.IntakeChannel.WEB_FORM,
                                label="Came in by")
    submission_key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args, triage_fields: list[m.TriageField] | tuple = (),
                 snapshot: MatrixSnapshot | None = None, **kwargs) -> None:
        kwargs.setdefault("initial", {}).setdefault("submission_key", uuid.uuid4().hex)
        super().__init__(*args, **kwargs)
        if snapshot is not None:
            # Checked against the matrix the request already read (the same rows the querysets list).
            self.fields["product_area"].known = lambda: snapshot.area_by_key
            self.fields["impact"].known = lambda: snapshot.impacts
            self.fields["urgency"].known = lambda: snapshot.urgencies
            self.fields["suspected_vendor"].known = lambda: snapshot.vendor_by_key  # read only when one is named
        self.triage_specs = list(triage_fields)
        for spec in self.triage_specs:
            self.fields[triage_field_name(spec.key)] = _triage_form_field(spec)
        # Asked only when the form is drawn: a successful POST never needs them.
        self.fields["impact"].label = lazy(_question, str)(m.Impact, "impact")
        self.fields["urgency"].label = lazy(_question, str)(m.Urgency, "urgency")
        self.helper = FormHelper()
        self.helper.form_tag = False  # the template adds the htmx attributes to the <form>
        self.helper.disable_csrf = True  # … and the token
        self.helper.form_show_errors = False  # shown in the error slots, which the live preview updates
        self.helper.layout = Layout(
            _with_error_slot("title", autocomplete="off"),
            _with_error_slot("description"),
            Div(Field("product_area", wrapper_class="mb-1"),
                HTML('{% include "incidents/partials/area_filter.html" %}'),
                HTML('{% include "matrix/partials/field_errors.html" with name="product_area" %}')),
            Row(Column(_with_error_slot("impact")), Column(_with_error_slot("urgency"))),
            _with_error_slot("affected_customers"),
            Row(Column(_with_error_slot("suspected_vendor")), Column(_with_error_slot("customer_segment")),
                Column(_with_error_slot("channel"))),
            "submission_key",
        )

    @property
    def triage_field_names(self) -> list[str]:
        return [triage_field_name(spec.key) for spec in self.triage_specs]

    @property
    def triage_helper(self) -> FormHelper:
        """Renders only the triage fields (the live preview swaps them on their own)."""
        helper = FormHelper()
        helper.form_tag = False
        helper.disable_csrf = True
        helper.form_show_errors = False
        helper.layout = Layout(*[_with_error_slot(name) for name in self.triage_field_names])
        return helper

    def details(self) -> dict:
        """The triage answers by key, as JSON values (empty optional answers left out)."""
        details = {}
        for spec in self.triage_specs:
            value = self.cleaned_data.get(triage_field_name(spec.key))
            if value in (None, ""):
                continue
            details[spec.key] = value.isoformat() if hasattr(value, "isoformat") else value
        return details

    def filing_kwargs(self) -> dict:
        """``incident_file`` keyword arguments (everything but the reporter)."""
        data = self.cleaned_data
        vendor = data.get("suspected_vendor")
        return {
            "title": data["title"],
            "description": data["description"],
            "product_area": data["product_area"].key,
            "impact": data["impact"].key,
            "urgency": data["urgency"].key,
            "customer_segment": data["customer_segment"],
            "channel": data["channel"],
            "affected_customers": data["affected_customers"],
            "suspected_vendor": vendor.key if vendor else None,
            "details": self.details(),
            "submission_key": data["submission_key"],
        }

    def add_service_errors(self, errors: dict[str, list[str]]) -> None:
        """A service's per-field errors: "details.<key>" goes to that triage field, unknown names to the form."""
        for name, messages in errors.items():
            field = name
            if name.startswith("details."):
                field = triage_field_name(name.removeprefix("details."))
            for message in messages:
                if field in self.fields:
                    self.add_error(field, message)
                else:
                    label = name.removeprefix("details.").replace("_", " ")
                    self.add_error(None, f"{label}: {message}" if name not in ("__all__", "non_field_errors")
                                   else message)

    def errors_by_field(self, *, skip_required: bool = False) -> dict[str, list[str]]:
        return {
            name: messages
            for name, errors in self.errors.as_data().items()
            if (messages := [msg for e in errors if not (skip_required and e.code == "required") for msg in e.messages])
        }


def _question(model, kind: str) -> str:
    # Every answer row carries the question; the demo gives them all the same one.
    question = model.objects.exclude(question="").values_list("question", flat=True).first()
    return question or DEFAULT_QUESTIONS[kind]


# --- actions on an incident --------------------------------------------------------------------------
class ReasonForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=REASON_MAX_LENGTH)


class PauseForm(forms.Form):
    reason = forms.ChoiceField(choices=PauseReason.choices, widget=forms.RadioSelect, label="Why stop the clocks?")


class TeamReasonForm(forms.Form):
    """A handoff or a misroute: the team it goes to and why."""

    team = forms.ModelChoiceField(queryset=m.Team.objects.order_by("name"), to_field_name="key",
                                  empty_label="Pick the team")
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=REASON_MAX_LENGTH)

    def __init__(self, *args, incident: Incident | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if incident is not None:
            self.fields["team"].queryset = self.fields["team"].queryset.exclude(pk=incident.team_id)


class NoteForm(forms.Form):
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=NOTE_MAX_LENGTH, label="Note")


class UpdateForm(forms.Form):
    audience = forms.ChoiceField(choices=UpdateAudience.choices, widget=forms.HiddenInput)
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 6}), max_length=NOTE_MAX_LENGTH)


class VendorForm(forms.Form):
    vendor = forms.ModelChoiceField(queryset=m.Vendor.objects.order_by("name"), to_field_name="key",
                                    empty_label="Pick the vendor")


class WarRoomForm(forms.Form):
    commander = forms.ModelChoiceField(
        queryset=get_user_model().objects.filter(is_active=True).order_by("first_name", "last_name", "username"),
        required=False, empty_label="Me", help_text="The incident commander; you unless you name someone.",
    )
    channel = forms.CharField(required=False, max_length=300, help_text="The war room's chat channel or bridge.")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["commander"].label_from_instance = lambda u: u.get_full_name() or u.username


# --- update templates -------------------------------------------------------------------------------
_PLACEHOLDER = re.compile(r"{{\s*([a-z_]+)\s*}}")


def template_values(incident: Incident) -> dict[str, str]:
    """What a playbook template may say about the incident: {{ title }}, {{ tier }}, {{ team }}, …"""
    def when(value) -> str:
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M %Z") if value else ""

    return {
        "id": str(incident.pk),
        "title": incident.title,
        "description": incident.description,
        "tier": incident.tier.name,
        "team": incident.team.name,
        "area": incident.product_area.name,
        "product_area": incident.product_area.name,
        "status": incident.get_status_display(),
        "impact": incident.impact.name,
        "urgency": incident.urgency.name,
        "assignee": (incident.assignee.get_full_name() or incident.assignee.username) if incident.assignee else "",
        "vendor": incident.suspected_vendor.name if incident.suspected_vendor else "",
        "filed_at": when(incident.filed_at),
        "acknowledge_by": when(incident.acknowledge_by),
        "contain_by": when(incident.contain_by),
        "resolve_by": when(incident.resolve_by),
    }


def fill_template(text: str, incident: Incident) -> str:
    """Replace the known ``{{ name }}`` placeholders; anything else stays as written.

    Deliberately not the Django template engine: playbook templates are written by matrix editors,
    and a template language would let them reach attributes and tags we never meant to expose.
    """
    values = template_values(incident)
    return _PLACEHOLDER.sub(lambda match: values.get(match.group(1), match.group(0)), text or "")
