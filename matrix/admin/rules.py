"""Routing rules: ordered condition → team."""

from __future__ import annotations

from django.contrib import admin

from matrix import models as m

from .base import MatrixAdmin
from .display import EMPTY, rule_conditions


@admin.register(m.RoutingRule)
class RoutingRuleAdmin(MatrixAdmin):
    list_display = ["order", "name", "conditions", "team", "overrides", "active"]
    list_display_links = ["name"]
    list_filter = ["active", ("team", admin.RelatedOnlyFieldListFilter), "lifecycle_stage", "channel",
                   ("area", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["area", "impact", "urgency", "team", "tier_override", "playbook_override"]
    ordering = ["order"]
    search_fields = ["name", "key", "keywords", "customer_segment", "description", "team__name", "area__name"]
    autocomplete_fields = ["area", "team", "playbook_override"]
    fieldsets = [
        (None, {"fields": ["order", "name", "key", "active", "team", "description"]}),
        (
            "Conditions",
            {
                "description": "Every condition that is set must match; an empty one matches anything. "
                "Rules are tried from the lowest order up and the first match wins.",
                "fields": ["area", "lifecycle_stage", "keywords", "customer_segment", "channel", "impact", "urgency"],
            },
        ),
        ("Overrides (advanced)", {"classes": ["collapse"], "fields": ["tier_override", "playbook_override"]}),
    ]

    @admin.display(description="Matches")
    def conditions(self, rule: m.RoutingRule) -> str:
        return rule_conditions(rule)

    @admin.display(description="Overrides")
    def overrides(self, rule: m.RoutingRule) -> str:
        parts = []
        if rule.tier_override_id:
            parts.append(f"tier {rule.tier_override}")
        if rule.playbook_override_id:
            parts.append(f"playbook {rule.playbook_override}")
        return ", ".join(parts) or EMPTY
