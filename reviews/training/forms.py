"""The training pages' forms: collect and check input; ``reviews.training.services`` decides and writes."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone

from escalation_matrix.roles import ROLES

from ..forms import PeopleField, ServiceErrorsMixin, active_people
from ..models import TrainingModule

DEFAULT_DAYS = 30  # the due day offered: a month from today


class AssignForm(ServiceErrorsMixin, forms.Form):
    module = forms.ModelChoiceField(queryset=TrainingModule.objects.filter(active=True).order_by("title"),
                                    empty_label="Choose the module", to_field_name="key")
    people = PeopleField(queryset=active_people(), required=False,
                         widget=forms.SelectMultiple(attrs={"size": 10}),
                         help_text="Hold Ctrl (⌘) to pick several.")
    role = forms.ChoiceField(
        required=False, choices=[("", "Nobody by role")] + [(r, f"Everyone in {r}") for r in ROLES],
        label="Or a whole role", help_text="Its active members; those who have it already keep theirs.",
    )
    due_on = forms.DateField(label="Due", widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs) -> None:
        initial = kwargs.setdefault("initial", {})
        initial.setdefault("due_on", timezone.localdate() + dt.timedelta(days=DEFAULT_DAYS))
        super().__init__(*args, **kwargs)

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {"module": data["module"], "users": list(data["people"]), "role": data["role"], "due_on": data["due_on"]}
