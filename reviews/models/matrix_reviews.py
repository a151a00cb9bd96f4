"""The quarterly matrix review: its checklist, and each product area's attestation.

One review is open at a time (a partial unique index says so). It covers the span from the previous
sign-off (or the first deploy) to its own sign-off; signing it off opens the next one, due a quarter
later (``reviews.matrix_reviews.services``). Its status is derived, like a post-incident review's: open,
overdue (not signed off, past its due day) or signed off.

The checklist is drawn from the matrix's gaps when the review opens and on every refresh: each item has a
stable ``key`` naming its gap, so a refresh keeps the ticks of items still present and marks the others
cleared (fixed in the matrix) instead of forgetting them.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q

from escalation_matrix.models import TimeStampedModel

__all__ = ["AreaAttestation", "MatrixReview", "MatrixReviewItem", "MatrixReviewItemKind", "MatrixReviewStatus"]


class MatrixReviewStatus(models.TextChoices):
    """Derived, never stored."""

    OPEN = "open", "Open"
    OVERDUE = "overdue", "Overdue"
    SIGNED_OFF = "signed_off", "Signed off"


class MatrixReview(TimeStampedModel):
    period_start = models.DateTimeField(
        help_text="The previous review's sign-off (or the first deploy): the evidence pack covers from here."
    )
    due_on = models.DateField(help_text="One quarter (MATRIX_REVIEW_INTERVAL_DAYS) after the period's start.")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="matrix_reviews",
        help_text="Runs the review and is reminded with the area owners.",
    )
    previous = models.OneToOneField(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="next_review",
        help_text="The review whose sign-off opened this one (none for the first).",
    )
    checklist_drawn_at = models.DateTimeField(null=True, blank=True, help_text="When the checklist was last drawn.")
    signed_off_at = models.DateTimeField(null=True, blank=True)
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    notes = models.TextField(blank=True, help_text="The sign-off's notes: decisions, accepted gaps, follow-ups.")

    class Meta:
        ordering = ["-due_on", "-pk"]
        verbose_name = "matrix review"
        constraints = [
            # At most one open review: the daily task and a sign-off racing each other never open two.
            models.UniqueConstraint(models.Value(1), condition=Q(signed_off_at__isnull=True),
                                    name="one_open_matrix_review"),
            models.CheckConstraint(condition=Q(signed_off_at__isnull=False) | Q(signed_off_by__isnull=True),
                                   name="matrix_review_no_signer_without_sign_off"),
        ]

    def __str__(self) -> str:
        return f"Matrix review due {self.due_on:%d %b %Y}"

    @property
    def is_signed_off(self) -> bool:
        return self.signed_off_at is not None

    def status_on(self, today: dt.date) -> MatrixReviewStatus:
        if self.is_signed_off:
            return MatrixReviewStatus.SIGNED_OFF
        return MatrixReviewStatus.OVERDUE if self.due_on < today else MatrixReviewStatus.OPEN


class MatrixReviewItemKind(models.TextChoices):
    AREA_NO_OWNER = "area_no_owner", "Area with no owner"
    AREA_NO_ON_CALL = "area_no_on_call", "Area with nobody on call"
    AREA_NO_PLAYBOOK = "area_no_playbook", "Area with no playbook"
    STALE_CONTACT = "stale_contact", "Contact not confirmed"
    RULE_ACCURACY = "rule_accuracy", "Rule often wrong first time"
    TIER_BREACHES = "tier_breaches", "Tier often breached"
    LINT = "lint", "Other matrix finding"
    CHANGE_NEEDED = "change_needed", "Change asked for by an area owner"


class MatrixReviewItem(TimeStampedModel):
    """One point of the checklist: a gap of the matrix, or a change an area owner asked for."""

    review = models.ForeignKey(MatrixReview, on_delete=models.CASCADE, related_name="items")
    kind = models.CharField(max_length=24, choices=MatrixReviewItemKind.choices)
    key = models.CharField(max_length=200, help_text="Names the gap, stable across refreshes.")
    subject_label = models.CharField(max_length=200)
    subject_url = models.CharField(max_length=300, blank=True)
    # What it is about, as lint names its subjects: "area", "team", "vendor", "rule", "tier", … and its key.
    subject_type = models.CharField(max_length=16, blank=True)
    subject_key = models.CharField(max_length=200, blank=True)
    text = models.TextField()
    position = models.PositiveIntegerField(default=0)
    resolved = models.BooleanField(default=False)
    resolution = models.TextField(blank=True, help_text="What was done, or why the gap is accepted.")
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        help_text="Who asked for the change (change_needed items only).",
    )
    cleared_at = models.DateTimeField(
        null=True, blank=True, help_text="When a refresh no longer found the gap in the matrix (it was fixed)."
    )

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = "matrix review checklist item"
        constraints = [models.UniqueConstraint(fields=["review", "key"], name="one_checklist_item_per_gap")]

    def __str__(self) -> str:
        return self.text

    @property
    def is_done(self) -> bool:
        """Nothing left to do: ticked, or the gap is gone from the matrix."""
        return self.resolved or self.cleared_at is not None


class AreaAttestation(TimeStampedModel):
    """An area owner's word: "ownership and contacts confirmed" for their area, in one review."""

    review = models.ForeignKey(MatrixReview, on_delete=models.CASCADE, related_name="attestations")
    # Kept when the area is later deleted: a signed-off review's record must not lose rows.
    area = models.ForeignKey("matrix.ProductArea", on_delete=models.SET_NULL, null=True, related_name="+")
    area_name = models.CharField(max_length=120, help_text="The area's name when it was attested.")
    attested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    attested_at = models.DateTimeField()
    comment = models.TextField(blank=True)

    class Meta:
        ordering = ["area_name", "pk"]
        constraints = [models.UniqueConstraint(fields=["review", "area"], name="one_attestation_per_area")]

    def __str__(self) -> str:
        return f"{self.area_name} attested by {self.attested_by} for review {self.review_id}"
