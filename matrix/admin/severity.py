"""How bad is bad: impacts, urgencies, tiers and the priority matrix."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Count

from matrix import models as m

from .base import MatrixAdmin
from .display import duration


class RankedChoiceAdmin(MatrixAdmin):
    list_display = ["rank", "name", "key", "question"]
    list_display_links = ["name"]
    ordering = ["rank"]
    search_fields = ["name", "key", "question", "description"]
    fields = ["name", "key", "rank", "question", "description"]


@admin.register(m.Impact)
class ImpactAdmin(RankedChoiceAdmin):
    pass


@admin.register(m.Urgency)
class UrgencyAdmin(RankedChoiceAdmin):
    pass


@admin.register(m.Tier)
class TierAdmin(MatrixAdmin):
    list_display = ["rank", "name", "key", "targets", "update_cadence", "opens_war_room", "notifies_executives",
                    "requires_review", "clock", "cell_count"]
    list_display_links = ["name"]
    list_filter = ["clock", "opens_war_room", "notifies_executives", "requires_review"]
    ordering = ["rank"]
    search_fields = ["name", "key", "description"]
    fieldsets = [
        (None, {"fields": ["name", "key", "rank", "description"]}),
        (
            "Targets",
            {
                "description": "Minutes after filing. Acknowledge ≤ contain ≤ resolve.",
                "fields": [
                    ("acknowledge_minutes", "contain_minutes", "resolve_minutes"), "update_cadence_minutes", "clock"
                ],
            },
        ),
        ("Response", {"fields": ["opens_war_room", "notifies_executives", "requires_review"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(cell_count=Count("cells"))

    @admin.display(description="Targets (ack · contain · resolve)")
    def targets(self, tier: m.Tier) -> str:
        return " · ".join(duration(x) for x in (tier.acknowledge_minutes, tier.contain_minutes, tier.resolve_minutes))

    @admin.display(description="Updates every", ordering="update_cadence_minutes")
    def update_cadence(self, tier: m.Tier) -> str:
        return duration(tier.update_cadence_minutes)

    @admin.display(description="Matrix cells", ordering="cell_count")
    def cell_count(self, tier: m.Tier) -> int:
        return tier.cell_count


@admin.register(m.PriorityCell)
class PriorityCellAdmin(MatrixAdmin):
    list_display = ["impact", "urgency", "tier"]
    list_filter = ["impact", "urgency", "tier"]
    list_select_related = ["impact", "urgency", "tier"]
    search_fields = ["impact__name", "urgency__name", "tier__name", "tier__key"]
    fields = ["impact", "urgency", "tier"]
