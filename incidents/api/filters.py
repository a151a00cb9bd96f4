"""The incident list's filters, by key: ``?status=new&team=payments&tier=sev1&breached=true``."""

import django_filters

from matrix.models import ProductArea, Team, Tier

from ..models import OPEN_STATUSES, Incident, Status


class IncidentFilter(django_filters.FilterSet):
    # Keys, not ids, as everywhere in the API; an unknown key is a 400 naming the filter, not an empty page.
    status = django_filters.MultipleChoiceFilter(choices=Status.choices, help_text="Repeat for several.")
    team = django_filters.ModelChoiceFilter(queryset=Team.objects.all(), to_field_name="key",
                                            help_text="The owning team's key.")
    tier = django_filters.ModelChoiceFilter(queryset=Tier.objects.all(), to_field_name="key")
    product_area = django_filters.ModelChoiceFilter(queryset=ProductArea.objects.all(), to_field_name="key")
    is_drill = django_filters.BooleanFilter()
    breached = django_filters.BooleanFilter(help_text="Missed at least one target.")
    open = django_filters.BooleanFilter(method="filter_open", help_text="New, acknowledged or contained.")

    class Meta:
        model = Incident
        fields = ["status", "team", "tier", "product_area", "is_drill", "breached", "open"]

    def filter_open(self, queryset, name: str, value: bool | None):
        if value is None:
            return queryset
        return queryset.filter(status__in=OPEN_STATUSES) if value else queryset.exclude(status__in=OPEN_STATUSES)
