"""Reviews in the admin: for looking things up and fixing a lead or a due day of a draft.

Publishing, answering and feedback go through the review page (``reviews.services``), which tells the
people concerned; here the published fields and the feedback are read-only. A published review is the
record (its answers are counted by the routing-accuracy metric): here it is read-only whole — its
fields, action items and addenda — and cannot be deleted; it is corrected by an addendum on its page.
The History button shows who changed a draft, when, and each field's old and new value.
"""

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from simple_history.admin import SimpleHistoryAdmin

from escalation_matrix.admin_lists import SafeChangeListMixin

from .models import ActionItem, PostIncidentReview, ReviewAddendum, ReviewFeedback


def _published(review: PostIncidentReview | None) -> bool:
    return review is not None and review.is_published


class NoRevertOfReadOnlyMixin:
    """simple-history's revert page saves the posted form for anyone who may *view* the history; reverting is a
    change, so it needs the change permission on the object as it is now (a published review refuses it)."""

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        if request.method == "POST" and not self.has_change_permission(request, obj):
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)


class FrozenWhenPublishedInline:
    """Rows that are part of what a review found: editable on a draft, read-only with it once published."""

    def has_add_permission(self, request, obj=None) -> bool:
        return not _published(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None) -> bool:
        return not _published(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return not _published(obj) and super().has_delete_permission(request, obj)


class ActionItemInline(FrozenWhenPublishedInline, admin.TabularInline):
    model = ActionItem
    extra = 0
    fields = ["title", "owner", "due_on", "status", "finished_at"]
    # Status moves on the review page or My action items (``action_item_set_status`` stamps finished_at).
    readonly_fields = ["status", "finished_at"]
    raw_id_fields = ["owner"]


class AddendumInline(admin.TabularInline):
    """Shown, never written here: an addendum is added on the review's page, which checks who may."""

    model = ReviewAddendum
    extra = 0
    can_delete = False
    fields = ["created_at", "author", "text"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class FeedbackInline(admin.TabularInline):
    model = ReviewFeedback
    extra = 0
    can_delete = False
    fields = ["user", "rating", "comment", "created_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(PostIncidentReview)
class PostIncidentReviewAdmin(NoRevertOfReadOnlyMixin, SafeChangeListMixin, SimpleHistoryAdmin):
    list_display = ["__str__", "incident_tier", "incident_team", "lead", "due_on", "published_at"]
    list_filter = [("published_at", admin.EmptyFieldListFilter), "incident__tier", "incident__team",
                   "routed_right", "tier_right"]
    list_select_related = ["incident__tier", "incident__team", "lead"]
    search_fields = ["=incident__id", "incident__title", "lead__username", "lead__last_name"]
    date_hierarchy = "due_on"
    raw_id_fields = ["incident", "lead"]
    readonly_fields = ["published_at", "published_by", "created_at", "updated_at"]
    show_full_result_count = False
    inlines = [ActionItemInline, AddendumInline, FeedbackInline]
    fieldsets = [
        (None, {"fields": ["incident", "lead", "due_on", "published_at", "published_by"]}),
        ("Answers", {"fields": ["routed_right", "tier_right", "right_tier", "contributing_factors", "went_well",
                                "to_improve"]}),
        ("Advanced", {"classes": ["collapse"], "fields": ["sections", "created_at", "updated_at"]}),
    ]

    # Published: view only (a POST is refused with 403), and never deleted, not even in bulk (the delete
    # action asks each row's has_delete_permission).
    def has_change_permission(self, request, obj: PostIncidentReview | None = None) -> bool:
        return not _published(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj: PostIncidentReview | None = None) -> bool:
        return not _published(obj) and super().has_delete_permission(request, obj)

    @admin.display(description="tier", ordering="incident__tier__rank")
    def incident_tier(self, obj: PostIncidentReview) -> str:
        return obj.incident.tier.name

    @admin.display(description="team", ordering="incident__team__name")
    def incident_team(self, obj: PostIncidentReview) -> str:
        return obj.incident.team.name


@admin.register(ActionItem)
class ActionItemAdmin(NoRevertOfReadOnlyMixin, SimpleHistoryAdmin):
    list_display = ["title", "owner", "due_on", "status", "review"]
    list_filter = ["status", "due_on"]
    list_select_related = ["owner", "review"]
    search_fields = ["title", "owner__username", "owner__last_name", "=review__incident__id"]
    raw_id_fields = ["review", "owner", "created_by"]
    readonly_fields = ["status", "finished_at", "created_at", "updated_at"]  # status: see ActionItemInline

    # An item of a published review is part of it: its title, owner and due day stay as published (its status
    # still moves, on the review page and My action items).
    def has_change_permission(self, request, obj: ActionItem | None = None) -> bool:
        return not (obj is not None and obj.review.is_published) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj: ActionItem | None = None) -> bool:
        return not (obj is not None and obj.review.is_published) and super().has_delete_permission(request, obj)


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
