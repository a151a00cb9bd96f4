"""The matrix pages' forms: the route preview (the filing questions, asked to see who would get an
incident), and the dates of time travel: the matrix as of a day, what changed between two days."""

import copy
import datetime as dt

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Column, Div, Field, Layout, Row
from django import forms
from django.utils import timezone

from . import models as m
from .hooks import filing_questions
from .routing import RouteRequest


class RankedChoiceField(forms.ModelChoiceField):
    """Impact and urgency by key, labelled with the plain words an agent understands."""

    def label_from_instance(self, obj) -> str:
        return f"{obj.name} — {obj.description}" if obj.description else obj.name


def _with_error_slot(name: str, **kwargs) -> Div:
    # Errors go in a slot of their own beside the field, so the live preview can update them
    # (htmx out-of-band swap) without re-rendering an input the user is typing in.
    return Div(Field(name, **kwargs), HTML(f'{{% include "matrix/partials/field_errors.html" with name="{name}" %}}'))


KEY_ANSWERS = ("product_area", "impact", "urgency")
# Asked with the filing form's own fields (``matrix.hooks.filing_questions``): its checks, messages and
# initial values, so the preview refuses what filing refuses. The key answers keep the preview's selects:
# the same check (a key the matrix knows) as the filing form's, more compact than its radio buttons.
ASKED_AS_FILING = ("title", "description", "customer_segment", "channel")


class RoutePreviewForm(forms.Form):
    """The filing questions routing reads; ``route_request()`` is what routing gets from the answers."""

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

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        filing_form = filing_questions().form
        for name in ASKED_AS_FILING:
            self.fields[name] = copy.deepcopy(filing_form.base_fields[name])  # as Form copies its own
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

    def route_request(self) -> RouteRequest | None:
        """What routing reads, from the answers that passed their checks (call after ``is_valid()``); None
        until the area, the impact and the urgency have. An answer refused or not given yet routes as empty:
        routing errors then show at once beside the other errors, but the decision is not shown while there
        are any (see the view)."""
        data = self.cleaned_data
        if any(data.get(name) is None for name in KEY_ANSWERS):
            return None
        return RouteRequest(
            area=data["product_area"].key,
            impact=data["impact"].key,
            urgency=data["urgency"].key,
            title=data.get("title", ""),
            description=data.get("description", ""),
            customer_segment=data.get("customer_segment", ""),
            channel=data.get("channel", ""),
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
# Long before any matrix here was recorded. A floor keeps the days asked for inside what the pages compute
# from them (the day before, the end of the day): 0001-01-01 would overflow ``datetime`` and answer a 500.
EARLIEST_DAY = dt.date(2000, 1, 1)


def _date_field(label: str) -> forms.DateField:
    return forms.DateField(
        required=False, label=label, input_formats=[DATE_FORMAT], error_messages={"invalid": NOT_A_DATE},
        widget=forms.DateInput(attrs={"type": "date"}, format=DATE_FORMAT),
    )


def _shown_day(day: dt.date | None, what: str) -> dt.date | None:
    """``day`` if ``what`` can be shown for it: from ``EARLIEST_DAY`` to today."""
    today = timezone.localdate()
    # isoformat(), not strftime: strftime writes year 1 as "1", not "0001".
    if day is not None and day > today:
        raise forms.ValidationError(
            f"{day.isoformat()} is in the future: {what} can only be shown up to today ({today.isoformat()})."
        )
    if day is not None and day < EARLIEST_DAY:
        raise forms.ValidationError(
            f"{day.isoformat()} is too far back: {what} can only be shown from {EARLIEST_DAY.isoformat()} on."
        )
    return day


class AsOfForm(forms.Form):
    """``?as_of=YYYY-MM-DD`` on the matrix page: the matrix as it stood at the end of that day."""

    as_of = _date_field("As it stood on")

    def clean_as_of(self) -> dt.date | None:
        return _shown_day(self.cleaned_data.get("as_of"), "the matrix")


class ChangesForm(forms.Form):
    """``?since=…&until=…`` on the "what changed" page; by default the last ``DEFAULT_DAYS`` days."""

    DEFAULT_DAYS = 30

    since = _date_field("From")
    until = _date_field("To")

    def clean_since(self) -> dt.date | None:
        return _shown_day(self.cleaned_data.get("since"), "changes")

    def clean_until(self) -> dt.date | None:
        return _shown_day(self.cleaned_data.get("until"), "changes")

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
