"""Incidents in the admin: for looking things up, not for moving them.

Status, team, deadlines and timers change only through the services (the incident page, the API),
which keep timers, timeline and notifications in step; here they are read-only. Integrations are
managed here: their secret can be set but is never displayed.
"""

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from escalation_matrix.admin_lists import SafeChangeListMixin
from matrix.admin.secrets import SecretAdminMixin, WriteOnlySecretForm

from .models import Breach, Handoff, Incident, Integration, TimelineEntry, Timer


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class TimelineInline(ReadOnlyInline):
    """Never edited nor deleted, open or closed: the timeline is the incident's record (reviews, metrics and the
    quarterly evidence pack read it; incidents.tests.test_admin_closed_timeline). Notes are added on the page."""

    model = TimelineEntry
    fields = ["at", "kind", "actor", "text"]
    readonly_fields = fields
    ordering = ["at", "id"]


class TimerInline(ReadOnlyInline):
    model = Timer
    fields = ["kind", "step", "due_at", "state", "fired_at", "closed_at"]
    readonly_fields = fields
    ordering = ["due_at", "id"]


EDITABLE_INCIDENT_FIELDS = ["title", "description", "affected_customers", "external_ref"]


@admin.register(Incident)
class IncidentAdmin(SafeChangeListMixin, admin.ModelAdmin):
    list_display = ["id", "title", "tier", "team", "status", "breached", "is_drill", "filed_at"]
    list_display_links = ["id", "title"]
    list_filter = ["status", "tier", "team", "breached", "is_drill", "routing_correct"]
    list_select_related = ["tier", "team"]
    search_fields = ["=id", "title", "external_ref"]
    date_hierarchy = "filed_at"
    ordering = ["-filed_at"]
    show_full_result_count = False  # incidents only grow: no COUNT(*) of them on every page
    inlines = [TimelineInline, TimerInline]
    fieldsets = [
        (None, {"fields": ["title", "description", "status", "tier", "team", "assignee", "is_drill"]}),
        ("Triage", {"fields": ["reporter", "product_area", "impact", "urgency", "customer_segment", "channel",
                               "affected_customers", "suspected_vendor", "details", "external_ref"]}),
        ("Clocks", {"fields": ["filed_at", "acknowledge_by", "contain_by", "resolve_by", "acknowledged_at",
                               "acknowledged_by", "acknowledged_late", "contained_at", "resolved_at", "closed_at",
                               "paused_at", "pause_reason", "paused_seconds", "breached"]}),
        ("Routing", {"fields": ["routed_team", "routing_rule", "routing_rule_key", "routing_fallback",
                                "routing_explanation", "routing_correct", "playbook", "escalation_snapshot"],
                     "classes": ["collapse"]}),
        ("War room", {"fields": ["commander", "war_room_channel"], "classes": ["collapse"]}),
    ]

    def get_readonly_fields(self, request: HttpRequest, obj=None) -> list[str]:
        every = [field for _, options in self.fieldsets for field in options["fields"]]
        return [field for field in every if field not in EDITABLE_INCIDENT_FIELDS]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # filed through the form, the API or a hook, so that it is routed and timed

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Timer)
class TimerAdmin(ReadOnlyAdmin):
    list_display = ["id", "incident", "kind", "step", "due_at", "state", "fired_at", "closed_at"]
    list_filter = ["state", "kind"]
    list_select_related = ["incident"]
    search_fields = ["=incident__id"]
    raw_id_fields = ["incident"]
    ordering = ["-due_at"]


@admin.register(Breach)
class BreachAdmin(SafeChangeListMixin, ReadOnlyAdmin):
    list_display = ["id", "incident", "target", "team", "due_at", "breached_at"]
    list_filter = ["target", "team"]
    list_select_related = ["incident", "team"]
    search_fields = ["=incident__id"]
    raw_id_fields = ["incident", "timer"]
    date_hierarchy = "breached_at"


@admin.register(Handoff)
class HandoffAdmin(ReadOnlyAdmin):
    list_display = ["id", "incident", "kind", "from_team", "to_team", "state", "wrong_team", "requested_at",
                    "accepted_at"]
    list_filter = ["kind", "state", "wrong_team", "to_team"]
    list_select_related = ["incident", "from_team", "to_team"]
    search_fields = ["=incident__id", "reason"]
    raw_id_fields = ["incident"]


class IntegrationForm(WriteOnlySecretForm, forms.ModelForm):
    secret_required = True  # hooks are refused without a signature

    class Meta:
        model = Integration
        fields = ["key", "name", "active", "secret", "mapping", "default_area", "default_impact", "default_urgency"]


@admin.register(Integration)
class IntegrationAdmin(SecretAdminMixin, SimpleHistoryAdmin):
    form = IntegrationForm
    list_display = ["key", "name", "active", "default_area", "updated_at"]
    list_filter = ["active"]
    search_fields = ["key", "name"]
    list_select_related = ["default_area"]
    fieldsets = [
        (None, {"fields": ["key", "name", "active", "secret"]}),
        ("Mapping", {"fields": ["mapping", "default_area", "default_impact", "default_urgency"]}),
    ]
