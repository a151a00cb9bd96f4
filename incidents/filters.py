"""The incident list's filters (django-filter): status, team, tier, area, breached, drill. Drills are hidden
unless the drill filter asks for them (they have their own page, and they are not real work).

Every choice is by key, so a filtered list has a readable, stable URL — the matrix page links its
cells to ``/incidents/?area=checkout&tier=sev1&status=open``.
"""

import django_filters
from django import forms
from django.db.models import QuerySet
from django.http import QueryDict

from matrix import models as m

from .models import OPEN_STATUSES, Incident, Status

OPEN = "open"
YES_NO = [("", "Any"), ("yes", "Yes"), ("no", "No")]
DRILL_CHOICES = [("no", "Hidden"), ("yes", "Only drills"), ("any", "Shown too")]


class IncidentFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        choices=[(OPEN, "Open (new, acknowledged, contained)"), *Status.choices], method="filter_status",
        empty_label="Any status",
    )
    team = django_filters.ModelChoiceFilter(
        queryset=m.Team.objects.order_by("name"), to_field_name="key", empty_label="Any team"
    )
    tier = django_filters.ModelChoiceFilter(
        queryset=m.Tier.objects.order_by("rank"), to_field_name="key", empty_label="Any tier"
    )
    area = django_filters.ModelChoiceFilter(
        field_name="product_area", queryset=m.ProductArea.objects.order_by("name"), to_field_name="key",
        empty_label="Any area", label="Area",
    )
    breached = django_filters.ChoiceFilter(choices=YES_NO[1:], method="filter_yes_no", empty_label="Any")
    drill = django_filters.ChoiceFilter(
        field_name="is_drill", choices=DRILL_CHOICES, method="filter_drill", empty_label=None, label="Drills",
    )

    class Meta:
        model = Incident
        fields = ["status", "team", "tier", "area", "breached", "drill"]

    def __init__(self, data=None, *args, **kwargs) -> None:
        data = (data or QueryDict()).copy()
        data.setdefault("drill", "no")  # the default: real incidents only
        super().__init__(data, *args, **kwargs)

    def filter_drill(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset if value == "any" else queryset.filter(is_drill=value == "yes")

    def filter_status(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == OPEN:
            return queryset.filter(status__in=OPEN_STATUSES)
        return queryset.filter(status=value)

    def filter_yes_no(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(**{name: value == "yes"})

    @property
    def form(self) -> forms.Form:
        form = super().form
        for field in form.fields.values():
            field.widget.attrs.setdefault("class", "form-select form-select-sm")
        return form
