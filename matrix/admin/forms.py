"""Admin forms: validation that belongs to the form (time zones, contact targets, area cycles).

Forms of edited objects derive from ``ReasonModelForm`` (they ask for the reason); inline rows are saved
with their parent's reason and use plain ``ModelForm``s.
"""

from __future__ import annotations

import zoneinfo
from functools import cache

from django import forms
from django.core.validators import URLValidator, validate_email

from matrix import models as m

from .base import ReasonModelForm
from .secrets import WriteOnlySecretForm

WEEKDAYS = [("0", "Mon"), ("1", "Tue"), ("2", "Wed"), ("3", "Thu"), ("4", "Fri"), ("5", "Sat"), ("6", "Sun")]


@cache
def time_zone_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in sorted(zoneinfo.available_timezones())]


class TimeZoneField(forms.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=time_zone_choices, **kwargs)


class TeamAdminForm(ReasonModelForm):
    time_zone = TimeZoneField(initial="UTC", help_text="Business hours are counted in this time zone.")
    working_days = forms.MultipleChoiceField(
        choices=WEEKDAYS, widget=forms.CheckboxSelectMultiple, help_text="Days with business hours."
    )

    class Meta:
        model = m.Team
        fields = ["key", "name", "description", "is_triage", "time_zone", "workday_start", "workday_end",
                  "working_days", "holiday_country"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        stored = self.initial.get("working_days")
        if isinstance(stored, str):  # the model keeps "0,1,2,3,4"
            self.initial["working_days"] = [d for d in stored.split(",") if d]

    def clean_working_days(self) -> str:
        return ",".join(sorted(set(self.cleaned_data["working_days"])))

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("workday_start"), cleaned.get("workday_end")
        if start and end and end <= start:
            self.add_error("workday_end", "The working day must end after it starts.")
        return cleaned


class RotationAdminForm(ReasonModelForm):
    time_zone = TimeZoneField(initial="UTC", help_text="Handoffs happen at the handoff time in this time zone.")

    class Meta:
        model = m.Rotation
        fields = ["team", "name", "order", "time_zone", "shift_hours", "handoff_time", "starts_on"]


class ContactTargetValidation:
    """A contact channel's target must fit its kind: an email address, or a webhook URL."""

    def clean(self):
        cleaned = super().clean()
        kind, target = cleaned.get("kind"), cleaned.get("target")
        if kind and target:
            try:
                if kind == m.ChannelKind.EMAIL:
                    validate_email(target)
                else:
                    URLValidator(schemes=["http", "https"])(target)
            except forms.ValidationError:
                expected = "an email address" if kind == m.ChannelKind.EMAIL else "an http(s) webhook URL"
                self.add_error("target", f"For this kind of channel the target must be {expected}.")
        return cleaned


class ContactChannelInlineForm(ContactTargetValidation, forms.ModelForm):
    class Meta:
        model = m.ContactChannel
        fields = ["team", "kind", "label", "target", "secret", "confirmed_at"]


class ContactChannelAdminForm(WriteOnlySecretForm, ContactTargetValidation, ReasonModelForm):
    class Meta:
        model = m.ContactChannel
        fields = ["team", "kind", "label", "target", "secret", "confirmed_at"]


class ProductAreaAdminForm(ReasonModelForm):
    class Meta:
        model = m.ProductArea
        fields = ["key", "name", "description", "parent", "lifecycle_stage", "owner_team", "depends_on_areas",
                  "depends_on_vendors"]

    def clean_parent(self):
        parent = self.cleaned_data.get("parent")
        if parent is None or self.instance.pk is None:
            return parent
        # Walk up from the new parent: meeting this area again means the hierarchy would loop.
        seen, current = set(), parent
        while current is not None and current.pk not in seen:
            if current.pk == self.instance.pk:
                raise forms.ValidationError("An area cannot sit below itself or one of its own children.")
            seen.add(current.pk)
            current = current.parent
        return parent


class TriageFieldValidation:
    def clean(self):
        cleaned = super().clean()
        if cleaned.get("field_type") == m.TriageFieldType.CHOICE and not (cleaned.get("choices") or "").strip():
            self.add_error("choices", "A choice field needs its choices (comma-separated).")
        return cleaned


class TriageFieldInlineForm(TriageFieldValidation, forms.ModelForm):
    class Meta:
        model = m.TriageField
        fields = ["playbook", "position", "key", "label", "field_type", "choices", "required", "help_text"]


class TriageFieldAdminForm(TriageFieldValidation, ReasonModelForm):
    class Meta:
        model = m.TriageField
        fields = ["playbook", "position", "key", "label", "field_type", "choices", "required", "help_text"]
