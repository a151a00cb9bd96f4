"""Teams, their members and contact channels, and their on-call rotations."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib import admin
from django.db.models import Count, Prefetch, Q, prefetch_related_objects
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html_join

from matrix import models as m
from matrix.oncall import on_call_at
from matrix.snapshot import MatrixSnapshot

from .base import HiddenFromIndexMixin, MatrixAdmin, MatrixTabularInline
from .display import EMPTY, nobody, person, shift
from .forms import ContactChannelAdminForm, ContactChannelInlineForm, RotationAdminForm, TeamAdminForm
from .secrets import MaskedTargetInlineMixin, SecretAdminMixin


class StaleContactFilter(admin.SimpleListFilter):
    """Contacts nobody confirmed within MATRIX_CONTACT_STALE_DAYS: a gap of the quarterly review."""

    title = "confirmation"
    parameter_name = "confirmation"

    def lookups(self, request, model_admin):
        days = settings.MATRIX_CONTACT_STALE_DAYS
        return [("stale", f"Not confirmed in {days} days"), ("fresh", "Recently confirmed")]

    def queryset(self, request, queryset):
        since = timezone.now() - dt.timedelta(days=settings.MATRIX_CONTACT_STALE_DAYS)
        if self.value() == "stale":
            return queryset.filter(Q(confirmed_at__isnull=True) | Q(confirmed_at__lt=since))
        if self.value() == "fresh":
            return queryset.filter(confirmed_at__gte=since)
        return queryset


class MembershipInline(MatrixTabularInline):
    model = m.Membership
    fields = ["user", "role"]
    autocomplete_fields = ["user"]
    show_change_link = False  # memberships have their own list; the row has nothing more to show


class ContactChannelInline(MaskedTargetInlineMixin, MatrixTabularInline):
    model = m.ContactChannel
    form = ContactChannelInlineForm
    fields = ["kind", "label", "target", "confirmed_at"]
    show_change_link = True  # the secret is edited on the channel's own page


@admin.register(m.Team)
class TeamAdmin(MatrixAdmin):
    form = TeamAdminForm
    list_display = ["name", "key", "is_triage", "on_call_now", "member_count", "area_count"]
    list_filter = ["is_triage", "time_zone"]
    search_fields = ["name", "key", "description"]
    readonly_fields = ["on_call_now", "rotation_links"]
    inlines = [MembershipInline, ContactChannelInline]
    fieldsets = [
        (None, {"fields": ["name", "key", "description", "is_triage"]}),
        ("On call", {"fields": ["on_call_now", "rotation_links"]}),
        (
            "Business-hours calendar (advanced)",
            {
                "classes": ["collapse"],
                "description": "Used by tiers whose clock is the owning team's business hours.",
                "fields": ["time_zone", ("workday_start", "workday_end"), "working_days", "holiday_country"],
            },
        ),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(
            member_count=Count("memberships__user", distinct=True),
            area_count=Count("owned_areas", distinct=True),
        )

    def annotate_page(self, request, rows):
        # One snapshot answers "who is on call" for the whole page with a constant number of queries.
        snapshot = MatrixSnapshot()
        for team in rows:
            team._on_call_now = snapshot.on_call(team.pk)

    @admin.display(description="On call now")
    def on_call_now(self, team: m.Team):
        if team.pk is None:
            return EMPTY
        if not hasattr(team, "_on_call_now"):
            team._on_call_now = MatrixSnapshot().on_call(team.pk)
        return person(team._on_call_now) if team._on_call_now else nobody()

    @admin.display(description="Members", ordering="member_count")
    def member_count(self, team: m.Team) -> int:
        return team.member_count

    @admin.display(description="Areas owned", ordering="area_count")
    def area_count(self, team: m.Team) -> int:
        return team.area_count

    @admin.display(description="Rotations")
    def rotation_links(self, team: m.Team):
        if team.pk is None:
            return EMPTY
        rotations = list(team.rotations.all())
        if not rotations:
            return nobody("no rotation")
        return format_html_join(
            ", ", '<a href="{}">{}</a>',
            ((reverse("admin:matrix_rotation_change", args=[r.pk]), r.name) for r in rotations),
        )


@admin.register(m.Membership)
class MembershipAdmin(MatrixAdmin):
    list_display = ["user", "team", "role"]
    list_filter = ["role", ("team", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["user", "team"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "user__email", "team__name", "team__key"]
    autocomplete_fields = ["user", "team"]


@admin.register(m.ContactChannel)
class ContactChannelAdmin(SecretAdminMixin, MatrixAdmin):
    form = ContactChannelAdminForm
    list_display = ["team", "kind", "label", "target", "confirmed_at"]
    list_filter = ["kind", StaleContactFilter, ("team", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["team"]
    search_fields = ["label", "target", "team__name", "team__key"]
    autocomplete_fields = ["team"]
    fieldsets = [
        (None, {"fields": ["team", "kind", "label", "target", "confirmed_at"]}),
        ("Signing (advanced)", {"classes": ["collapse"], "fields": ["secret"]}),
    ]


class RotationMemberInline(MatrixTabularInline):
    model = m.RotationMember
    fields = ["position", "user"]
    autocomplete_fields = ["user"]


class RotationOverrideInline(MatrixTabularInline):
    model = m.RotationOverride
    fk_name = "rotation"
    fields = ["user", "covers", "starts_at", "ends_at", "reason"]
    autocomplete_fields = ["user", "covers"]


def _prefetch_shifts(rotations: list[m.Rotation]) -> None:
    prefetch_related_objects(
        rotations,
        Prefetch("members", queryset=m.RotationMember.objects.select_related("user")),
        Prefetch("overrides", queryset=m.RotationOverride.objects.select_related("user")),
    )


@admin.register(m.Rotation)
class RotationAdmin(MatrixAdmin):
    form = RotationAdminForm
    list_display = ["__str__", "order", "on_call_now", "shift_length", "handoff_time", "time_zone", "member_count"]
    list_filter = [("team", admin.RelatedOnlyFieldListFilter), "shift_hours", "time_zone"]
    list_select_related = ["team"]
    search_fields = ["name", "team__name", "team__key", "members__user__username", "members__user__last_name"]
    autocomplete_fields = ["team"]
    readonly_fields = ["on_call_now"]
    inlines = [RotationMemberInline, RotationOverrideInline]
    fieldsets = [
        (None, {"fields": ["team", "name", "order", "on_call_now"]}),
        ("Shifts", {"fields": ["shift_hours", "handoff_time", "time_zone", "starts_on"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(member_count=Count("members", distinct=True))

    def annotate_page(self, request, rows):
        rows = list(rows)
        _prefetch_shifts(rows)
        now = timezone.now()
        for rotation in rows:
            rotation._on_call_now = on_call_at(rotation, rotation.members.all(), rotation.overrides.all(), now)

    @admin.display(description="On call now")
    def on_call_now(self, rotation: m.Rotation):
        if rotation.pk is None:
            return EMPTY
        if not hasattr(rotation, "_on_call_now"):
            self.annotate_page(None, [rotation])
        return person(rotation._on_call_now) if rotation._on_call_now else nobody()

    @admin.display(description="Shift", ordering="shift_hours")
    def shift_length(self, rotation: m.Rotation) -> str:
        return shift(rotation.shift_hours)

    @admin.display(description="Members", ordering="member_count")
    def member_count(self, rotation: m.Rotation) -> int:
        return rotation.member_count


@admin.register(m.RotationMember)
class RotationMemberAdmin(HiddenFromIndexMixin, MatrixAdmin):
    list_display = ["rotation", "position", "user"]
    list_select_related = ["rotation__team", "user"]
    search_fields = ["user__username", "rotation__name", "rotation__team__name"]
    autocomplete_fields = ["rotation", "user"]


@admin.register(m.RotationOverride)
class RotationOverrideAdmin(MatrixAdmin):
    list_display = ["rotation", "user", "covers", "starts_at", "ends_at", "reason"]
    list_filter = [("rotation__team", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["rotation__team", "user", "covers"]
    search_fields = ["user__username", "user__last_name", "covers__username", "rotation__name", "rotation__team__name"]
    autocomplete_fields = ["rotation", "user", "covers"]
    date_hierarchy = "starts_at"

