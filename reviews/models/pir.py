"""Post-incident reviews, their action items and the participants' feedback.

A review is created when an incident whose tier requires one is resolved (``reviews.services``), one per
incident. Its free-text sections come from the playbook's review template, frozen at creation so a
later playbook edit never reshapes a review in progress. Its two questions ("routed right the first
time?", "was the tier right?") are columns, not text, so that metrics can count them.

Once published, a review is the record: its answers feed the routing-accuracy metric and were told to
stakeholders, so it is never edited again (``reviews.access``, the admin). A correction is an addendum,
signed and dated, shown after it. Reviews and their action items keep a history (simple-history), as
the matrix does, so a change to a draft — in the admin or on the page — says who made it and when.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from escalation_matrix.models import TimeStampedModel

__all__ = ['ACTIVE_STATUSES', 'ActionItem', 'ActionItemStatus', 'PostIncidentReview', 'ReviewAddendum',
           'ReviewFeedback', 'ReviewStatus']


class ReviewStatus(models.TextChoices):
    """Derived, never stored: a review is published or not; overdue is "not published, past its due day"."""

    DRAFT = "draft", "Draft"
    OVERDUE = "overdue", "Overdue"
    PUBLISHED = "published", "Published"


class PostIncidentReview(TimeStampedModel):
    incident = models.OneToOneField("incidents.Incident", on_delete=models.CASCADE, related_name="review")
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="led_reviews",
        help_text="Writes and publishes the review: the commander, else the owning team's lead, else the assignee.",
    )
    due_on = models.DateField(help_text="A number of the owning team's business days after the resolve.")
    # [{"key": "summary", "heading": "Summary", "hint": "…", "body": "…"}, …] in the template's order.
    sections = models.JSONField(default=list, blank=True)
    routed_right = models.BooleanField(
        null=True, blank=True, help_text="Did the first routing reach the right team? (metrics: escalation accuracy)"
    )
    tier_right = models.BooleanField(null=True, blank=True, help_text="Was the tier right?")
    right_tier = models.ForeignKey(
        "matrix.Tier", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        help_text="The tier it should have been, when the tier was wrong.",
    )
    contributing_factors = models.JSONField(default=list, blank=True, help_text="A list of short phrases.")
    went_well = models.TextField(blank=True)
    to_improve = models.TextField(blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-due_on", "-pk"]
        verbose_name = "post-incident review"
        constraints = [
            models.CheckConstraint(
                condition=Q(tier_right=False) | Q(right_tier__isnull=True),
                name="review_right_tier_only_when_tier_wrong",
            ),
        ]
        indexes = [
            # The reminder sweep's query: unpublished reviews by due day. Partial: published ones never count.
            models.Index(fields=["due_on"], name="review_unpublished_due", condition=Q(published_at__isnull=True)),
        ]

    def __str__(self) -> str:
        return f"Review of incident #{self.incident_id}"

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    def status_on(self, today: dt.date) -> ReviewStatus:
        if self.is_published:
            return ReviewStatus.PUBLISHED
        return ReviewStatus.OVERDUE if self.due_on < today else ReviewStatus.DRAFT


class ActionItemStatus(models.TextChoices):
    OPEN = "open", "Open"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"
    WONT_DO = "wont_do", "Won't do"


# Still to do: what reminders chase and "my action items" lists first.
ACTIVE_STATUSES = (ActionItemStatus.OPEN, ActionItemStatus.IN_PROGRESS)


class ActionItem(TimeStampedModel):
    """A follow-up from a review, with an owner and a due day; reminded when due and daily when overdue."""

    review = models.ForeignKey(PostIncidentReview, on_delete=models.CASCADE, related_name="action_items")
    title = models.CharField(max_length=200)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="action_items")
    due_on = models.DateField()
    status = models.CharField(max_length=16, choices=ActionItemStatus.choices, default=ActionItemStatus.OPEN)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    finished_at = models.DateTimeField(null=True, blank=True, help_text="When it was marked done or won't do.")
    # The matrix change it raised (its origin is "action_item:<id>"): linked when that request is submitted.
    change_request = models.ForeignKey(
        "matrix.ChangeRequest", on_delete=models.SET_NULL, null=True, blank=True, related_name="action_items",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["due_on", "pk"]
        indexes = [
            models.Index(fields=["due_on"], name="action_item_active_due",
                         condition=Q(status__in=["open", "in_progress"])),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    def is_overdue(self, today: dt.date) -> bool:
        return self.is_active and self.due_on < today


class ReviewAddendum(models.Model):
    """A correction or a later finding on a published review, signed and dated. Never edited nor deleted: the
    review and its addenda, in order, are what was said and when."""

    review = models.ForeignKey(PostIncidentReview, on_delete=models.CASCADE, related_name="addenda")
    # PROTECT: a published record must not lose its author's word when their account goes (deactivate instead).
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    text = models.TextField()

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = "review addendum"
        verbose_name_plural = "review addenda"

    def __str__(self) -> str:
        return f"Addendum to review {self.review_id} by {self.author} at {self.created_at:%Y-%m-%d %H:%M}"


class ReviewFeedback(TimeStampedModel):
    """A participant's short answer on a published review: a rating and a comment (one each; resending edits it)."""

    review = models.ForeignKey(PostIncidentReview, on_delete=models.CASCADE, related_name="feedback")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="review_feedback")
    rating = models.PositiveSmallIntegerField(help_text="1 (not useful) to 5 (very useful).")
    comment = models.TextField(blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name_plural = "review feedback"
        constraints = [
            models.UniqueConstraint(fields=["review", "user"], name="one_feedback_per_participant"),
            models.CheckConstraint(condition=Q(rating__gte=1, rating__lte=5), name="feedback_rating_1_to_5"),
        ]

    def __str__(self) -> str:
        return f"{self.rating}/5 from {self.user} on review {self.review_id}"
