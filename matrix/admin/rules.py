"""Routing rules: ordered condition → team, with each rule's record of routing right the first time."""

from __future__ import annotations

from django.contrib import admin

from matrix import models as m
from matrix.hooks import rule_stats

from .base import MatrixAdmin
from .display import EMPTY, rule_conditions

PREFILL_PARAM = "prefill"  # "?prefill=1&team=3&…": a change form opened with proposed values (a system draft)


@admin.register(m.RoutingRule)
class RoutingRuleAdmin(MatrixAdmin):
    list_display = ["order", "name", "conditions", "team", "overrides", "accuracy", "active"]
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

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is not None:
            fieldsets.insert(1, ("Routing accuracy", {"fields": ["accuracy"]}))
        return fieldsets

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), "accuracy"]

    def annotate_page(self, request, rows) -> None:
        stats = rule_stats([rule.pk for rule in rows])  # the whole page at once
        for rule in rows:
            rule.accuracy_text = stats.get(rule.pk, "")

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        if obj is None or request.method != "GET" or not request.GET.get(PREFILL_PARAM):
            return form
        # A system draft being finished (see ChangeRequestAdmin): the change form opens with its proposed
        # values, which the manager reviews before saving. (The add form takes ``?field=value`` already.)
        initial = {k: v for k, v in self.get_changeform_initial_data(request).items() if k != PREFILL_PARAM}

        class Prefilled(form):
            def __init__(self, *args, **kwargs):
                kwargs["initial"] = {**initial, **(kwargs.get("initial") or {})}
                super().__init__(*args, **kwargs)

        return Prefilled

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

    @admin.display(description="Right first time")
    def accuracy(self, rule: m.RoutingRule) -> str:
        if not hasattr(rule, "accuracy_text"):  # the change form: one rule
            rule.accuracy_text = rule_stats([rule.pk]).get(rule.pk, "") if rule.pk else ""
        return rule.accuracy_text or EMPTY
