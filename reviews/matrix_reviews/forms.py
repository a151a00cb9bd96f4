"""The matrix review page's small forms; ``services`` decides and writes, and its ``ReviewInputError`` comes
back beside the field it names (``add_service_errors``)."""

from __future__ import annotations

from django import forms

from ..forms import ServiceErrorsMixin


class AttestForm(ServiceErrorsMixin, forms.Form):
    comment = forms.CharField(
        required=False, label="Comment", max_length=2000,
        widget=forms.TextInput(attrs={"placeholder": "Optional: what you checked"}),
    )


class ChangeNeededForm(ServiceErrorsMixin, forms.Form):
    text = forms.CharField(
        label="What should change", max_length=4000,
        error_messages={"required": "Say what should change."},
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "e.g. Mobile now owns push notifications"}),
    )


class TickForm(forms.Form):
    resolved = forms.BooleanField(required=False)
    resolution = forms.CharField(required=False, max_length=4000, label="What was done, or why it is accepted")


class SignOffForm(ServiceErrorsMixin, forms.Form):
    notes = forms.CharField(
        required=False, label="Sign-off notes", max_length=10000,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "Decisions, accepted gaps, follow-ups"}),
    )
