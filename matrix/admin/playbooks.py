"""Playbooks with their checklist and the triage fields they require."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Count

from matrix import models as m

from .base import HiddenFromIndexMixin, MatrixAdmin, MatrixTabularInline
from .forms import TriageFieldAdminForm, TriageFieldInlineForm


class ChecklistItemInline(MatrixTabularInline):
    model = m.ChecklistItem
    fields = ["position", "kind", "text"]


class TriageFieldInline(MatrixTabularInline):
    model = m.TriageField
    form = TriageFieldInlineForm
    fields = ["position", "key", "label", "field_type", "choices", "required", "help_text"]


@admin.register(m.Playbook)
class PlaybookAdmin(MatrixAdmin):
    list_display = ["name", "key", "area_scope", "tier_scope", "checklist_count", "triage_field_count"]
    list_filter = ["tier", ("area", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["area", "tier"]
    search_fields = ["name", "key", "scenario", "area__name"]
    autocomplete_fields = ["area"]
    inlines = [ChecklistItemInline, TriageFieldInline]
    fieldsets = [
        (None, {"fields": ["name", "key", "area", "tier", "scenario"]}),
        (
            "Templates (advanced)",
            {
                "classes": ["collapse"],
                "fields": ["incident_note_template", "customer_update_template", "review_template"],
            },
        ),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(
            checklist_count=Count("checklist", distinct=True), triage_field_count=Count("triage_fields", distinct=True)
        )

    @admin.display(description="Area", ordering="area__name")
    def area_scope(self, playbook: m.Playbook) -> str:
        return str(playbook.area) if playbook.area_id else "every area"

    @admin.display(description="Tier", ordering="tier__rank")
    def tier_scope(self, playbook: m.Playbook) -> str:
        return str(playbook.tier) if playbook.tier_id else "every tier"

    @admin.display(description="Checklist items", ordering="checklist_count")
    def checklist_count(self, playbook: m.Playbook) -> int:
        return playbook.checklist_count

    @admin.display(description="Triage fields", ordering="triage_field_count")
    def triage_field_count(self, playbook: m.Playbook) -> int:
        return playbook.triage_field_count


@admin.register(m.ChecklistItem)
class ChecklistItemAdmin(HiddenFromIndexMixin, MatrixAdmin):
    list_display = ["text", "playbook", "position", "kind"]
    list_select_related = ["playbook"]
    search_fields = ["text", "playbook__name"]
    autocomplete_fields = ["playbook"]


@admin.register(m.TriageField)
class TriageFieldAdmin(HiddenFromIndexMixin, MatrixAdmin):
    form = TriageFieldAdminForm
    list_display = ["label", "key", "playbook", "field_type", "required"]
    list_select_related = ["playbook"]
    search_fields = ["label", "key", "playbook__name"]
    autocomplete_fields = ["playbook"]

