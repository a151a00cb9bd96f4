"""API shapes for incidents: what a client sends to file or act on one, and an incident as JSON.

Input serializers check only shape (types, lengths, required); what the keys mean and whether a move
is allowed is decided by the services, whose errors come back in the same ``{field: [messages]}`` form.
"""

from django.contrib.auth import get_user_model
from django.urls import reverse
from rest_framework import serializers

from matrix.models import IntakeChannel

from ..limits import (
    CUSTOMER_SEGMENT_MAX_LENGTH,
    EXTERNAL_REF_MAX_LENGTH,
    LONG_TEXT_MAX_LENGTH,
    NOTE_MAX_LENGTH,
    REASON_MAX_LENGTH,
    TITLE_MAX_LENGTH,
)
from ..models import Incident, PauseReason, Status, UpdateAudience

KEY_HELP = "The {}'s key, e.g. `{}`."


# --- input -------------------------------------------------------------------------------------------

class IncidentFileSerializer(serializers.Serializer):
    """What filing needs: the two triage answers, the area, and what happened."""

    title = serializers.CharField(max_length=TITLE_MAX_LENGTH)
    description = serializers.CharField(max_length=LONG_TEXT_MAX_LENGTH, allow_blank=True, default="",
                                        help_text="What happened; routing rules may match its keywords.")
    product_area = serializers.CharField(help_text=KEY_HELP.format("product area", "checkout"))
    impact = serializers.CharField(help_text=KEY_HELP.format("impact", "significant"))
    urgency = serializers.CharField(help_text=KEY_HELP.format("urgency", "high"))
    details = serializers.DictField(
        required=False, default=dict,
        help_text="Triage fields by key, e.g. `{\"region\": \"eu\"}`; the area's playbook and the tier say which "
                  "are required.",
    )
    external_ref = serializers.CharField(max_length=EXTERNAL_REF_MAX_LENGTH, allow_blank=True, default="",
                                         help_text="The ticket or alert it came from.")
    is_drill = serializers.BooleanField(default=False, help_text="A simulated incident (never counted in metrics).")
    customer_segment = serializers.CharField(max_length=CUSTOMER_SEGMENT_MAX_LENGTH, allow_blank=True, default="")
    channel = serializers.ChoiceField(choices=IntakeChannel.choices, default=IntakeChannel.API,
                                      help_text="Where it came in (default `api`).")
    affected_customers = serializers.CharField(max_length=LONG_TEXT_MAX_LENGTH, allow_blank=True, default="",
                                               help_text="Customer IDs or names, one per line.")
    suspected_vendor = serializers.CharField(required=False, allow_null=True, allow_blank=True, default=None,
                                             help_text=KEY_HELP.format("suspected vendor", "stripe"))

    def validate_suspected_vendor(self, value: str | None) -> str | None:
        return value or None


class ResolveSerializer(serializers.Serializer):
    summary = serializers.CharField(max_length=NOTE_MAX_LENGTH, allow_blank=True, default="",
                                    help_text="What fixed it (goes on the timeline).")


class MoveSerializer(serializers.Serializer):
    """A handoff or a misroute: where it goes, and why."""

    team = serializers.CharField(help_text=KEY_HELP.format("receiving team", "payments"))
    reason = serializers.CharField(max_length=REASON_MAX_LENGTH)


class NoteSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=NOTE_MAX_LENGTH)


class PauseSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=PauseReason.choices, help_text="Why the clocks stop.")


class ReopenSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=REASON_MAX_LENGTH)


class PersonField(serializers.SlugRelatedField):
    """An active user, by username."""

    default_error_messages = {"does_not_exist": "No active user '{value}'.", "invalid": "Give a username."}

    def __init__(self, **kwargs) -> None:
        super().__init__(slug_field="username", queryset=get_user_model().objects.filter(is_active=True), **kwargs)


class AssignSerializer(serializers.Serializer):
    assignee = PersonField(allow_null=True, help_text="A username; null unassigns.")


class WarRoomSerializer(serializers.Serializer):
    commander = PersonField(required=False, default=None,
                            help_text="The incident commander's username (default: you).")
    channel = serializers.CharField(max_length=300, allow_blank=True, default="",
                                    help_text="Where the war room talks, e.g. `#inc-checkout`.")


class StakeholderUpdateInputSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=NOTE_MAX_LENGTH)
    audience = serializers.ChoiceField(choices=UpdateAudience.choices, default=UpdateAudience.STAKEHOLDERS)


class InvolveVendorSerializer(serializers.Serializer):
    vendor = serializers.CharField(help_text=KEY_HELP.format("vendor", "stripe"))


class ChecklistTickInputSerializer(serializers.Serializer):
    item_id = serializers.IntegerField(help_text="The playbook checklist item's id.")
    done = serializers.BooleanField(default=True, help_text="False unticks it.")


# --- output ------------------------------------------------------------------------------------------

class RoutingSerializer(serializers.Serializer):
    rule = serializers.SerializerMethodField(help_text="The matched routing rule's key, or null.")
    explanation = serializers.CharField(source="routing_explanation")
    fallback = serializers.CharField(source="routing_fallback",
                                     help_text="`rule`, `area_owner` or `triage_team`: how the team was chosen.")
    correct = serializers.BooleanField(source="routing_correct", allow_null=True,
                                       help_text="False once flagged misrouted or handed off as the wrong team.")

    def get_rule(self, incident: Incident) -> str | None:
        # The key is kept on the incident, so it survives the rule's later deletion.
        return incident.routing_rule_key or None


class IncidentSummarySerializer(serializers.Serializer):
    """An incident in a list."""

    id = serializers.IntegerField()
    url = serializers.SerializerMethodField(help_text="The incident's page.")
    title = serializers.CharField()
    status = serializers.ChoiceField(choices=Status.choices)
    tier = serializers.CharField(source="tier.key")
    team = serializers.CharField(source="team.key", help_text="The owning team now.")
    product_area = serializers.CharField(source="product_area.key")
    impact = serializers.CharField(source="impact.key")
    urgency = serializers.CharField(source="urgency.key")
    assignee = serializers.CharField(source="assignee.username", allow_null=True, default=None)
    is_drill = serializers.BooleanField()
    breached = serializers.BooleanField()
    filed_at = serializers.DateTimeField()
    acknowledge_by = serializers.DateTimeField(allow_null=True)
    contain_by = serializers.DateTimeField(allow_null=True)
    resolve_by = serializers.DateTimeField(allow_null=True)
    paused_at = serializers.DateTimeField(allow_null=True)
    pause_reason = serializers.CharField(allow_blank=True)
    routing = RoutingSerializer(source="*")

    def get_url(self, incident: Incident) -> str:
        path = reverse("incidents:detail", args=[incident.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class TimelineEntrySerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    kind = serializers.CharField()
    actor = serializers.CharField(source="actor.username", allow_null=True, default=None)
    text = serializers.CharField()


class TimerSerializer(serializers.Serializer):
    kind = serializers.CharField()
    step = serializers.IntegerField()
    due_at = serializers.DateTimeField()
    state = serializers.CharField()


class HandoffSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField(help_text="`handoff` or `misroute`.")
    from_team = serializers.CharField(source="from_team.key")
    to_team = serializers.CharField(source="to_team.key")
    reason = serializers.CharField()
    wrong_team = serializers.BooleanField()
    state = serializers.CharField(help_text="`pending`, `accepted`, `escalated` or `cancelled`.")
    requested_by = serializers.CharField(source="requested_by.username", allow_null=True, default=None)
    requested_at = serializers.DateTimeField()
    accepted_by = serializers.CharField(source="accepted_by.username", allow_null=True, default=None)
    accepted_at = serializers.DateTimeField(allow_null=True)


class BreachSerializer(serializers.Serializer):
    target = serializers.CharField(help_text="The missed target: `acknowledge`, `contain`, `resolve`, `update`….")
    team = serializers.CharField(source="team.key")
    due_at = serializers.DateTimeField()
    breached_at = serializers.DateTimeField()


class ChecklistTickSerializer(serializers.Serializer):
    item = serializers.IntegerField(source="item_id", help_text="The playbook checklist item's id.")
    ticked_by = serializers.CharField(source="ticked_by.username", allow_null=True, default=None)
    ticked_at = serializers.DateTimeField()


class StakeholderUpdateSerializer(serializers.Serializer):
    audience = serializers.CharField(help_text="`stakeholders` or `customers`.")
    author = serializers.CharField(source="author.username", allow_null=True, default=None)
    body = serializers.CharField()
    sent_at = serializers.DateTimeField()


class IncidentSerializer(IncidentSummarySerializer):
    """One incident with its story: the answer to filing, to every action, and to ``GET …/{id}/``."""

    on_call = serializers.SerializerMethodField(help_text="Username of the owning team's on-call person now, or null.")
    playbook = serializers.CharField(source="playbook.key", allow_null=True, default=None)
    description = serializers.CharField()
    reporter = serializers.CharField(source="reporter.username", allow_null=True, default=None,
                                     help_text="Null for incidents filed by an integration.")
    customer_segment = serializers.CharField()
    channel = serializers.CharField()
    affected_customers = serializers.CharField()
    suspected_vendor = serializers.CharField(source="suspected_vendor.key", allow_null=True, default=None)
    details = serializers.DictField()
    external_ref = serializers.CharField()
    routed_team = serializers.CharField(source="routed_team.key", help_text="The team routing first chose.")
    acknowledged_at = serializers.DateTimeField(allow_null=True)
    acknowledged_by = serializers.CharField(source="acknowledged_by.username", allow_null=True, default=None)
    acknowledged_late = serializers.BooleanField()
    contained_at = serializers.DateTimeField(allow_null=True)
    resolved_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    commander = serializers.CharField(source="commander.username", allow_null=True, default=None)
    war_room_channel = serializers.CharField()
    timeline = TimelineEntrySerializer(many=True)
    timers = TimerSerializer(many=True)
    handoffs = HandoffSerializer(many=True)
    breaches = BreachSerializer(many=True)
    checklist = ChecklistTickSerializer(source="checklist_ticks", many=True, help_text="Playbook items done.")
    updates = StakeholderUpdateSerializer(many=True, help_text="Stakeholder and customer updates sent.")

    def get_on_call(self, incident: Incident) -> str | None:
        # The view passes who is on call (one snapshot read); absent, the field says nobody is known.
        user = self.context.get("on_call")
        return user.username if user is not None else None


class TimelineEntryCreatedSerializer(TimelineEntrySerializer):
    """A note, as added."""

    id = serializers.IntegerField()


class DetailSerializer(serializers.Serializer):
    """An error with one reason: 401, 403, 404, 409."""

    detail = serializers.CharField()
