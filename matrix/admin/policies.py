"""Escalation policies and their ordered steps."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Count, Prefetch, prefetch_related_objects

from matrix import models as m

from .base import HiddenFromIndexMixin, MatrixAdmin, MatrixTabularInline
from .display import duration, nobody, policy_scope


class EscalationStepInline(MatrixTabularInline):
    model = m.EscalationStep
    fields = ["phase", "position", "delay_minutes", "counted_from", "notify_team", "notify_on_call",
              "notify_team_lead", "notify_role", "notify_users", "notify_vendor_owner", "notify_executives"]
    autocomplete_fields = ["notify_team", "notify_users"]


@admin.register(m.EscalationPolicy)
class EscalationPolicyAdmin(MatrixAdmin):
    list_display = ["name", "key", "scope", "step_count", "path"]
    list_filter = ["tier", "lifecycle_stage", ("area", admin.RelatedOnlyFieldListFilter),
                   ("team", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["area", "team", "tier"]
    search_fields = ["name", "key", "description", "area__name", "team__name"]
    autocomplete_fields = ["area", "team"]
    inlines = [EscalationStepInline]
    fieldsets = [
        (None, {"fields": ["name", "key", "description"]}),
        (
            "Scope",
            {
                "description": "Empty fields match anything; the most specific policy wins "
                "(area, then team, then tier, then lifecycle stage).",
                "fields": ["area", "team", "tier", "lifecycle_stage"],
            },
        ),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(step_count=Count("steps"))

    def annotate_page(self, request, rows):
        steps = m.EscalationStep.objects.prefetch_related("notify_users")
        prefetch_related_objects(list(rows), Prefetch("steps", queryset=steps))

    @admin.display(description="Applies to")
    def scope(self, policy: m.EscalationPolicy) -> str:
        return policy_scope(policy)

    @admin.display(description="Steps", ordering="step_count")
    def step_count(self, policy: m.EscalationPolicy) -> int:
        return policy.step_count

    @admin.display(description="Escalation path")
    def path(self, policy: m.EscalationPolicy):
        steps = sorted(policy.steps.all(), key=m.step_order)
        if not steps:
            return nobody("no steps")
        return " → ".join(
            f"{'' if step.phase == m.Phase.ACKNOWLEDGE else step.phase + ' '}+{duration(step.delay_minutes)}: "
            f"{', '.join(step.recipient_labels()) or 'nobody'}" for step in steps
        )


@admin.register(m.EscalationStep)
class EscalationStepAdmin(HiddenFromIndexMixin, MatrixAdmin):
    list_display = ["policy", "phase", "position", "delay_minutes", "counted_from"]
    list_select_related = ["policy"]
    search_fields = ["policy__name", "policy__key"]
    autocomplete_fields = ["policy", "notify_users"]
