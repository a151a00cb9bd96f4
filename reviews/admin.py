"""Reviews in the admin: for looking things up and fixing a lead or a due day.

Publishing, answering and feedback go through the review page (``reviews.services``), which tells the
people concerned; here the published fields and the feedback are read-only.
"""

from django.contrib import admin

from escalation_matrix.admin_lists import SafeChangeListMixin

from .models import ActionItem, PostIncidentReview, ReviewFeedback


class ActionItemInline(admin.TabularInline):
    model = ActionItem
    extra = 0
    fields = ["title", "owner", "due_on", "status", "finished_at"]
    # Status moves on the review page or My action items (``action_item_set_status`` stamps finished_at).
    readonly_fields = ["status", "finished_at"]
    raw_id_fields = ["owner"]


class FeedbackInline(admin.TabularInline):
    model = ReviewFeedback
    extra = 0
    can_delete = False
    fields = ["user", "rating", "comment", "created_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(PostIncidentReview)
class PostIncidentReviewAdmin(SafeChangeListMixin, admin.ModelAdmin):
    list_display = ["__str__", "incident_tier", "incident_team", "lead", "due_on", "published_at"]
    list_filter = [("published_at", admin.EmptyFieldListFilter), "incident__tier", "incident__team",
                   "routed_right", "tier_right"]
    list_select_related = ["incident__tier", "incident__team", "lead"]
    search_fields = ["=incident__id", "incident__title", "lead__username", "lead__last_name"]
    date_hierarchy = "due_on"
    raw_id_fields = ["incident", "lead"]
    readonly_fields = ["published_at", "published_by", "created_at", "updated_at"]
    show_full_result_count = False
    inlines = [ActionItemInline, FeedbackInline]
    fieldsets = [
        (None, {"fields": ["incident", "lead", "due_on", "published_at", "published_by"]}),
        ("Answers", {"fields": ["routed_right", "tier_right", "right_tier", "contributing_factors", "went_well",
                                "to_improve"]}),
        ("Advanced", {"classes": ["collapse"], "fields": ["sections", "created_at", "updated_at"]}),
    ]

    @admin.display(description="tier", ordering="incident__tier__rank")
    def incident_tier(self, obj: PostIncidentReview) -> str:
        return obj.incident.tier.name

    @admin.display(description="team", ordering="incident__team__name")
    def incident_team(self, obj: PostIncidentReview) -> str:
        return obj.incident.team.name


@admin.register(ActionItem)
class ActionItemAdmin(admin.ModelAdmin):
    list_display = ["title", "owner", "due_on", "status", "review"]
    list_filter = ["status", "due_on"]
    list_select_related = ["owner", "review"]
    search_fields = ["title", "owner__username", "owner__last_name", "=review__incident__id"]
    raw_id_fields = ["review", "owner", "created_by"]
    readonly_fields = ["status", "finished_at", "created_at", "updated_at"]  # status: see ActionItemInline


@admin.register(ReviewFeedback)
class ReviewFeedbackAdmin(admin.ModelAdmin):
    list_display = ["review", "user", "rating", "created_at"]
    list_filter = ["rating"]
    list_select_related = ["review", "user"]
    search_fields = ["=review__incident__id", "user__username", "comment"]
    readonly_fields = ["review", "user", "rating", "comment", "created_at", "updated_at"]

    def has_add_permission(self, request) -> bool:
        return False


from .drills import admin as drills_admin  # noqa: E402,F401  (registers the drills' admin)
from .matrix_reviews import admin as matrix_reviews_admin  # noqa: E402,F401  (registers the matrix reviews' admin)
from .training import admin as training_admin  # noqa: E402,F401  (registers the training admin)
