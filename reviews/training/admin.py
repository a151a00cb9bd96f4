"""Training in the admin: writing modules (their Markdown body) and looking up or fixing assignments.

Completing goes through the module's page (the person themselves); here completions are read-only history.
"""

from django.contrib import admin

from ..models import TrainingAssignment, TrainingCompletion, TrainingModule
from .access import may_assign


@admin.register(TrainingModule)
class TrainingModuleAdmin(admin.ModelAdmin):
    list_display = ["title", "key", "role", "refresher_months", "active"]
    list_filter = ["active", "role"]
    search_fields = ["title", "key", "summary"]
    prepopulated_fields = {"key": ["title"]}
    fieldsets = [
        (None, {"fields": ["title", "key", "role", "summary", "refresher_months", "active"]}),
        ("Body", {"fields": ["body"], "description": "Markdown. Scripts, event handlers and javascript: links are "
                                                      "removed when it is shown."}),
    ]


class CompletionInline(admin.TabularInline):
    model = TrainingCompletion
    extra = 0
    can_delete = False
    fields = ["completed_at", "refresher_due_on"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(TrainingAssignment)
class TrainingAssignmentAdmin(admin.ModelAdmin):
    list_display = ["person", "module", "due_on", "completed_at", "refresher_due_on", "assigned_by"]
    list_filter = ["module", ("completed_at", admin.EmptyFieldListFilter), "due_on"]
    list_select_related = ["user", "module", "assigned_by"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "module__title"]
    raw_id_fields = ["user", "assigned_by"]
    readonly_fields = ["completed_at", "refresher_due_on", "created_at", "updated_at"]
    show_full_result_count = False
    inlines = [CompletionInline]

    # Someone's training status is theirs and their assigners' to see (docs/guide.md, "Training"). The
    # model's view permission comes with every role's read access to reviews, so on its own it would show
    # every staff user (an Approver) everyone's status: the list, each assignment and its history are for
    # those who assign training. The person sees their own on the Training page.
    def has_view_permission(self, request, obj=None) -> bool:
        return may_assign(request.user) and super().has_view_permission(request, obj)

    def has_change_permission(self, request, obj=None) -> bool:
        return may_assign(request.user) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return may_assign(request.user) and super().has_delete_permission(request, obj)

    @admin.display(description="person", ordering="user__last_name")
    def person(self, obj: TrainingAssignment) -> str:
        return obj.user.get_full_name() or obj.user.username
