from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models

from escalation_matrix.models import TimeStampedModel

APPROVE_PERMISSION = "matrix.approve_changerequest"


class ChangeRequestStatus(models.TextChoices):
    PENDING = "pending", "Pending approval"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    CONFLICTED = "conflicted", "Conflicted (must be redrafted)"
    WITHDRAWN = "withdrawn", "Withdrawn"


class ChangeOperation(models.TextChoices):
    ADD = "add", "Add"
    CHANGE = "change", "Change"
    DELETE = "delete", "Delete"


class ChangeRequest(TimeStampedModel):
    """A proposed change to the matrix, applied only when an approver other than its author approves it.

    ``diff`` holds every object the change touches (the edited one first, then its inline rows), each with
    its operation, its fields as old → new, its m2m lists, and the version its author saw — see
    ``matrix.governance.drafting`` for the format.
    """

    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="change_requests")
    reason = models.CharField(max_length=100, help_text="Why, as the author gave it in the admin.")
    status = models.CharField(max_length=16, choices=ChangeRequestStatus.choices, default=ChangeRequestStatus.PENDING)
    operation = models.CharField(max_length=8, choices=ChangeOperation.choices)
    target_content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    target_object_id = models.PositiveBigIntegerField(null=True, blank=True, help_text="Empty for an add.")
    # As the author saw it: the list stays readable after the object is renamed or deleted.
    target_label = models.CharField(max_length=200)
    diff = models.JSONField(default=dict)
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        help_text="Who approved or rejected it (or tried to approve a conflicting one).",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_comment = models.TextField(blank=True)
    conflict = models.TextField(blank=True, help_text="Why it could not be applied.")
    # History reasons hold 100 characters; the full "reason — by author, approved by approver" is kept here.
    applied_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [("approve_changerequest", "Can approve or reject matrix change requests")]
        indexes = [
            # "Pending requests touching this object" (the matrix page, the review checklist).
            models.Index(
                fields=["target_content_type", "target_object_id"], name="changerequest_pending_target",
                condition=models.Q(status="pending"),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(operation="add") | models.Q(target_object_id__isnull=False),
                name="changerequest_target_unless_add",
            ),
            # Four eyes, in the database too: nobody decides their own change request.
            models.CheckConstraint(
                condition=models.Q(approver__isnull=True) | ~models.Q(approver=models.F("author")),
                name="changerequest_four_eyes",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_operation_display().lower()} {self.target_label}"

    @property
    def is_pending(self) -> bool:
        return self.status == ChangeRequestStatus.PENDING
