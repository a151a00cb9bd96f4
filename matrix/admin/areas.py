"""Product areas with their roster and dependencies, and the vendors they depend on."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Count, Max

from matrix import models as m

from .base import MatrixAdmin, MatrixTabularInline
from .display import EMPTY, nobody, person
from .forms import ProductAreaAdminForm
from .teams import StaleContactFilter


class AreaRosterInline(MatrixTabularInline):
    model = m.AreaRosterEntry
    fields = ["role", "user"]
    autocomplete_fields = ["user"]


@admin.register(m.ProductArea)
class ProductAreaAdmin(MatrixAdmin):
    form = ProductAreaAdminForm
    list_display = ["name", "key", "lifecycle_stage", "owner", "parent", "rule_count", "playbook_count"]
    list_filter = [
        "lifecycle_stage",
        ("owner_team", admin.RelatedOnlyFieldListFilter),  # its "-" choice lists areas with no owner
        ("depends_on_vendors", admin.RelatedOnlyFieldListFilter),
    ]
    list_select_related = ["owner_team", "parent"]
    search_fields = ["name", "key", "description"]
    autocomplete_fields = ["parent", "owner_team", "depends_on_areas", "depends_on_vendors"]
    inlines = [AreaRosterInline]
    fieldsets = [
        (None, {"fields": ["name", "key", "description", "lifecycle_stage", "owner_team", "parent"]}),
        (
            "Dependencies",
            {
                "description": "What this area needs to work: incidents may start there.",
                "fields": ["depends_on_areas", "depends_on_vendors"],
            },
        ),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(
            rule_count=Count("rules", distinct=True), playbook_count=Count("playbooks", distinct=True)
        )

    @admin.display(description="Owner team", ordering="owner_team__name")
    def owner(self, area: m.ProductArea):
        return area.owner_team or nobody("no owner")

    @admin.display(description="Rules", ordering="rule_count")
    def rule_count(self, area: m.ProductArea) -> int:
        return area.rule_count

    @admin.display(description="Playbooks", ordering="playbook_count")
    def playbook_count(self, area: m.ProductArea) -> int:
        return area.playbook_count


@admin.register(m.AreaRosterEntry)
class AreaRosterEntryAdmin(MatrixAdmin):
    list_display = ["area", "role", "user"]
    list_filter = ["role", ("area", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["area", "user"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "area__name", "area__key"]
    autocomplete_fields = ["area", "user"]


class VendorContactInline(MatrixTabularInline):
    model = m.VendorContact
    fields = ["name", "role", "email", "phone", "confirmed_at"]


@admin.register(m.Vendor)
class VendorAdmin(MatrixAdmin):
    list_display = ["name", "key", "owner", "contact_count", "last_confirmed", "area_count"]
    list_select_related = ["relationship_owner"]
    search_fields = ["name", "key", "contract_sla"]
    autocomplete_fields = ["relationship_owner"]
    inlines = [VendorContactInline]
    fieldsets = [
        (None, {"fields": ["name", "key", "support_url", "relationship_owner"]}),
        ("Contract and engagement", {"fields": ["contract_sla", "engagement_policy", "fallback_plan"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(
            contact_count=Count("contacts", distinct=True),
            last_confirmed_at=Max("contacts__confirmed_at"),
            area_count=Count("dependent_areas", distinct=True),
        )

    @admin.display(description="Relationship owner", ordering="relationship_owner__last_name")
    def owner(self, vendor: m.Vendor):
        return person(vendor.relationship_owner) if vendor.relationship_owner_id else nobody("no owner")

    @admin.display(description="Contacts", ordering="contact_count")
    def contact_count(self, vendor: m.Vendor) -> int:
        return vendor.contact_count

    @admin.display(description="Contact last confirmed", ordering="last_confirmed_at")
    def last_confirmed(self, vendor: m.Vendor):
        return vendor.last_confirmed_at or EMPTY

    @admin.display(description="Areas depending on it", ordering="area_count")
    def area_count(self, vendor: m.Vendor) -> int:
        return vendor.area_count


@admin.register(m.VendorContact)
class VendorContactAdmin(MatrixAdmin):
    list_display = ["name", "vendor", "role", "email", "phone", "confirmed_at"]
    list_filter = [StaleContactFilter, ("vendor", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["vendor"]
    search_fields = ["name", "email", "role", "vendor__name"]
    autocomplete_fields = ["vendor"]
