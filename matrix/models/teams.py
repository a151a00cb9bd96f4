from collections.abc import Collection

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from simple_history.models import HistoricalRecords

from escalation_matrix.models import TimeStampedModel
from matrix.credentials import shown_target
from notifications.outbound import url_refusal

from .choices import ChannelKind, MembershipRole
from .validators import validate_time_zone, validate_working_days


class Team(TimeStampedModel):
    """A group that work can be routed to."""

    key = models.SlugField(unique=True, help_text="Stable identifier used in URLs, the API and the matrix file.")
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    is_triage = models.BooleanField(
        default=False, help_text="The last-resort team: gets incidents no rule or area owner claims."
    )
    # Business-hours calendar, used by tiers on the business-hours clock.
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    workday_start = models.TimeField(default="09:00")
    workday_end = models.TimeField(default="17:00")
    working_days = models.CharField(
        max_length=20, default="0,1,2,3,4", validators=[validate_working_days],
        help_text="Comma-separated weekdays, Monday = 0."
    )
    holiday_country = models.CharField(
        max_length=8, blank=True, help_text="ISO country code whose public holidays are not working days."
    )
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, through="Membership", related_name="teams")
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_triage"], condition=models.Q(is_triage=True), name="one_triage_team"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Membership(TimeStampedModel):
    """A user's role in a team."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=32, choices=MembershipRole.choices, default=MembershipRole.RESPONDER)
    history = HistoricalRecords()

    class Meta:
        ordering = ["team", "role", "user__username"]
        constraints = [models.UniqueConstraint(fields=["team", "user", "role"], name="unique_membership_role")]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} of {self.team}"


class ContactChannel(TimeStampedModel):
    """Where a team is told about its incidents."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="channels")
    kind = models.CharField(max_length=16, choices=ChannelKind.choices)
    label = models.CharField(max_length=120, blank=True)
    target = models.CharField(max_length=500, help_text="An email address or a webhook URL.")
    secret = models.CharField(max_length=200, blank=True, help_text="HMAC secret for signed webhooks.")
    confirmed_at = models.DateTimeField(
        null=True, blank=True, help_text="When someone last confirmed this contact still works."
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["team", "kind", "id"]

    def __str__(self) -> str:
        # A chat or webhook URL is a credential: a name shown in headings, lists and history never holds it.
        return f"{self.get_kind_display()}: {self.label or shown_target(self.target, reveal=False)}"

    def clean_fields(self, exclude: Collection[str] | None = None) -> None:
        # On the model, not only in the admin form: a matrix file import cleans every row it writes, so a file
        # cannot store a webhook the worker must not call either (the sender checks the address again on every
        # send: notifications.outbound). Here rather than in clean(), because only here Django says which fields
        # are being checked: a form that already refused the target leaves it out, and the old target still on
        # the instance must not earn a second, unrelated error (an approved change request that leaves the
        # target alone leaves it out too).
        errors: dict[str, list[ValidationError]] = {}
        try:
            super().clean_fields(exclude=exclude)
        except ValidationError as exc:
            errors = exc.error_dict
        checked = "target" not in {*(exclude or ()), *errors} and "kind" not in errors
        if checked and self.kind != ChannelKind.EMAIL and self.target:
            reason = url_refusal(self.target)
            if reason is not None:
                errors["target"] = [ValidationError(reason, code="outbound_address")]
        if errors:
            raise ValidationError(errors)
