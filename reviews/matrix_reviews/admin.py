"""Matrix reviews in the admin: for looking things up and fixing an owner or a due day. Attesting (and
withdrawing an attestation), ticking and signing off go through the review page
(``reviews.matrix_reviews.services``), which checks who may and tells the people concerned; here the
sign-off and the checklist are read-only. A signed-off review is the record of who confirmed what: here it
is read-only whole, its attestations too, and cannot be deleted."""

from django.contrib import admin

from escalation_matrix.admin_lists import SafeChangeListMixin

from ..models import AreaAttestation, MatrixReview, MatrixReviewItem


class AttestationInline(admin.TabularInline):
    model = AreaAttestation
    extra = 0
    can_delete = False  # withdrawn on the review page, which checks who may and that it is not signed off
    fields = ["area_name", "attested_by", "attested_at", "comment"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class ChecklistInline(admin.TabularInline):
    model = MatrixReviewItem
    extra = 0
    can_delete = False
    fields = ["kind", "subject_label", "text", "resolved", "resolution", "resolved_by", "cleared_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(MatrixReview)
class MatrixReviewAdmin(SafeChangeListMixin, admin.ModelAdmin):
    list_display = ["__str__", "period_start", "due_on", "owner", "signed_off_at", "signed_off_by"]
    list_filter = [("signed_off_at", admin.EmptyFieldListFilter)]
    list_select_related = ["owner", "signed_off_by"]
    date_hierarchy = "due_on"
    raw_id_fields = ["owner"]
    readonly_fields = ["period_start", "previous", "checklist_drawn_at", "signed_off_at", "signed_off_by", "notes",
                       "created_at", "updated_at"]
    fields = ["due_on", "owner", "period_start", "previous", "checklist_drawn_at", "signed_off_at", "signed_off_by",
              "notes", "created_at", "updated_at"]
    inlines = [AttestationInline, ChecklistInline]

    def has_add_permission(self, request) -> bool:
        return False  # reviews are opened by the schedule (the daily task, a sign-off)

    # Signed off: view only (a POST is refused with 403), and never deleted, not even in bulk (the delete
    # action asks each row's has_delete_permission).
    def has_change_permission(self, request, obj: MatrixReview | None = None) -> bool:
        return not (obj is not None and obj.is_signed_off) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj: MatrixReview | None = None) -> bool:
        return not (obj is not None and obj.is_signed_off) and super().has_delete_permission(request, obj)


@admin.register(AreaAttestation)
class AreaAttestationAdmin(admin.ModelAdmin):
    list_display = ["area_name", "review", "attested_by", "attested_at"]
    list_select_related = ["review", "attested_by"]
    search_fields = ["area_name", "attested_by__username", "attested_by__last_name", "comment"]
    readonly_fields = ["review", "area", "area_name", "attested_by", "attested_at", "comment", "created_at",
                       "updated_at"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # withdrawn on the review page (reviews.matrix_reviews.services.matrix_review_withdraw)

    def has_change_permission(self, request, obj: AreaAttestation | None = None) -> bool:
        signed_off = obj is not None and obj.review.is_signed_off
        return not signed_off and super().has_change_permission(request, obj)
