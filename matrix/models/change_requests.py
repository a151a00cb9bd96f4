from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models

from escalation_matrix.models import TimeStampedModel

APPROVE_PERMISSION = "matrix.approve_changerequest"

# The longest reason for a matrix change: a paragraph, kept whole in the change request and in the history.
REASON_MAX_LENGTH = 1000


class ChangeRequestStatus(models.TextChoices):
    # Drafted by the system (e.g. a rule refinement learnt from misroutes): nobody may approve it until a
    # manager finishes it in the admin, which makes a pending request of it, or dismisses it.
    DRAFT = "draft", "Drafted — a manager must finish it"
    PENDING = "pending", "Pending approval"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    CONFLICTED = "conflicted", "Conflicted (must be redrafted)"
    WITHDRAWN = "withdrawn", "Withdrawn"  # by its author, before anyone decided it
    # What became of a system draft: a manager dismissed it, or finished it as a pending request (``finished_as``).
    DISMISSED = "dismissed", "Dismissed"
    FINISHED = "finished", "Finished as another request"


class ChangeOperation(models.TextChoices):
    ADD = "add", "Add"
    CHANGE = "change", "Change"
    DELETE = "delete", "Delete"


class ChangeRequest(TimeStampedModel):
    """A proposed change to the matrix, applied only when an approver other than its author approves it.

    ``diff`` holds every object the change touches (the edited one first, then its inline rows), each with
    its operation, its fields as old → new, its m2m lists, and the version its author saw — see
    ``matrix.governance.drafting`` for the format.

    ``origin`` says what it was raised from, as "<kind>:<details>" (an action item: "action_item:12", a
    quarterly review's area: "matrix_review:3:area:checkout", a system draft being finished:
    "change_request:7"); the app that owns the kind turns it into a link (``matrix.hooks``).
    """

    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="change_requests")
    reason = models.CharField(max_length=REASON_MAX_LENGTH, help_text="Why, as the author gave it in the admin.")
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
    # The history record's reason as written at approval: "reason — by author, approved by approver".
    applied_reason = models.TextField(blank=True)
    origin = models.CharField(
        max_length=200, blank=True, help_text='What it was raised from, e.g. "action_item:12" (matrix.hooks).'
    )
    # A system draft says why it was drafted, and links what prompted it ({"label", "url", "ref"} each).
    note = models.TextField(blank=True, help_text="Why it was drafted, for the manager who finishes it.")
    evidence = models.JSONField(default=list, blank=True)
    finished_as = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="finished_drafts",
        help_text="The request a manager made of this draft in the admin.",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [("approve_changerequest", "Can approve or reject matrix change requests")]
        indexes = [
            # "Pending requests touching this object" (the matrix page, the review checklist).
            models.Index(
                fields=["target_content_type", "target_object_id"], name="changerequest_pending_target",
                condition=models.Q(status="pending"),
            ),
            # "Requests raised from this action item / this review" (their pages).
            models.Index(fields=["origin"], name="changerequest_origin", condition=~models.Q(origin="")),
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

    @property
    def is_draft(self) -> bool:
        return self.status == ChangeRequestStatus.DRAFT
