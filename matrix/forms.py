"""The matrix pages' forms: the route preview (the filing questions, asked to see who would get an
incident), and the dates of time travel: the matrix as of a day, what changed between two days."""

import datetime as dt

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Column, Div, Field, Layout, Row
from django import forms
from django.utils import timezone

from . import models as m
from .routing import RouteRequest


class RankedChoiceField(forms.ModelChoiceField):
    """Impact and urgency by key, labelled with the plain words an agent understands."""

    def label_from_instance(self, obj) -> str:
        return f"{obj.name} — {obj.description}" if obj.description else obj.name


def _with_error_slot(name: str, **kwargs) -> Div:
    # Errors go in a slot of their own beside the field, so the live preview can update them
    # (htmx out-of-band swap) without re-rendering an input the user is typing in.
    return Div(Field(name, **kwargs), HTML(f'{{% include "matrix/partials/field_errors.html" with name="{name}" %}}'))


class RoutePreviewForm(forms.Form):
    product_area = forms.ModelChoiceField(
        queryset=m.ProductArea.objects.order_by("name"), to_field_name="key", label="Product area",
        empty_label="Pick the area the customer is having trouble with",
    )
    impact = RankedChoiceField(
        queryset=m.Impact.objects.order_by("rank"), to_field_name="key", empty_label="How many are affected?"
    )
    urgency = RankedChoiceField(
        queryset=m.Urgency.objects.order_by("rank"), to_field_name="key", empty_label="How soon does it hurt?"
    )
    title = forms.CharField(required=False, max_length=200)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    customer_segment = forms.CharField(required=False, max_length=60)
    channel = forms.ChoiceField(required=False, choices=[("", "—"), *m.IntakeChannel.choices], label="Came in by")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True  # a GET form: a token would only leak into the URL
        self.helper.form_show_errors = False  # shown in the error slots instead
        self.helper.layout = Layout(
            _with_error_slot("product_area"),
            Row(Column(_with_error_slot("impact")), Column(_with_error_slot("urgency"))),
            _with_error_slot("title", autocomplete="off"),
            _with_error_slot("description"),
            Row(Column(_with_error_slot("customer_segment")), Column(_with_error_slot("channel"))),
        )

    def route_request(self) -> RouteRequest:
        data = self.cleaned_data
        return RouteRequest(
            area=data["product_area"].key,
            impact=data["impact"].key,
            urgency=data["urgency"].key,
            title=data["title"],
            description=data["description"],
            customer_segment=data["customer_segment"],
            channel=data["channel"],
        )

    def errors_by_field(self, *, skip_required: bool = False) -> dict[str, list[str]]:
        """Messages per field; ``skip_required`` hides "this field is required" while the user is still typing."""
        return {
            name: messages
            for name, errors in self.errors.as_data().items()
            if (messages := [msg for e in errors if not (skip_required and e.code == "required") for msg in e.messages])
        }


# --- time travel ---------------------------------------------------------------------------------------
DATE_FORMAT = "%Y-%m-%d"
NOT_A_DATE = "Not a date: write it as YYYY-MM-DD, e.g. 2026-03-02."


def _date_field(label: str) -> forms.DateField:
    return forms.DateField(
        required=False, label=label, input_formats=[DATE_FORMAT], error_messages={"invalid": NOT_A_DATE},
        widget=forms.DateInput(attrs={"type": "date"}, format=DATE_FORMAT),
    )


def _not_future(day: dt.date | None, what: str) -> dt.date | None:
    today = timezone.localdate()
    if day is not None and day > today:
        raise forms.ValidationError(
            f"{day:%Y-%m-%d} is in the future: {what} can only be shown up to today ({today:%Y-%m-%d})."
        )
    return day


class AsOfForm(forms.Form):
    """``?as_of=YYYY-MM-DD`` on the matrix page: the matrix as it stood at the end of that day."""

    as_of = _date_field("As it stood on")

    def clean_as_of(self) -> dt.date | None:
        return _not_future(self.cleaned_data.get("as_of"), "the matrix")


class ChangesForm(forms.Form):
    """``?since=…&until=…`` on the "what changed" page; by default the last ``DEFAULT_DAYS`` days."""

    DEFAULT_DAYS = 30

    since = _date_field("From")
    until = _date_field("To")

    def clean_since(self) -> dt.date | None:
        return _not_future(self.cleaned_data.get("since"), "changes")

    def clean(self) -> dict:
        data = super().clean()
        if self.errors:
            return data
        until = data.get("until") or timezone.localdate()
        since = data.get("since") or until - dt.timedelta(days=self.DEFAULT_DAYS)
        if since > until:
            raise forms.ValidationError(f"The period starts ({since:%Y-%m-%d}) after it ends ({until:%Y-%m-%d}).")
        data["since"], data["until"] = since, until
        return data

    def period(self) -> tuple[dt.date, dt.date]:
        """The days asked for, first and last included (call after ``is_valid()``)."""
        return self.cleaned_data["since"], self.cleaned_data["until"]
