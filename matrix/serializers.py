"""API shapes for the matrix: the route-preview query, and a routing decision as JSON."""

from rest_framework import serializers

from .hooks import FILING_QUESTIONS, filing_questions
from .routing import Router, RouteRequest, RoutingDecision, RoutingError


class RouteQuerySerializer(serializers.Serializer):
    """The inputs of routing, asked as the API files an incident. Validating it routes the incident."""

    def get_fields(self) -> dict:
        # The filing serializer's own fields (``matrix.hooks.filing_questions``): what filing refuses is
        # refused here with the same words, and what filing fills in (a channel left out is ``api``) is
        # filled in here, so the preview routes exactly what filing would.
        filing = filing_questions().serializer().get_fields()  # fresh copies, as every serializer gets them
        return {name: filing[name] for name in FILING_QUESTIONS}

    def validate(self, attrs: dict) -> dict:
        """Route it, turning each routing error into an error on the field it names."""
        router = self.context.get("router") or Router()
        request = RouteRequest(
            area=attrs["product_area"], impact=attrs["impact"], urgency=attrs["urgency"],
            title=attrs["title"], description=attrs["description"],
            customer_segment=attrs["customer_segment"], channel=attrs["channel"],
        )
        errors = router.input_errors(request)
        if errors:
            raise serializers.ValidationError({name: [message] for name, message in errors.items()})
        try:
            attrs["decision"] = router.route(request)
        except RoutingError as error:
            raise serializers.ValidationError({error.field: [error.message]}) from error
        return attrs


class EscalationStepSerializer(serializers.Serializer):
    position = serializers.IntegerField()
    delay_minutes = serializers.IntegerField(help_text="Minutes after filing, if still unacknowledged.")
    notify = serializers.ListField(child=serializers.CharField(), source="recipient_labels",
                                   help_text="Who this step notifies, in words.")


class RoutingExplanationSerializer(serializers.Serializer):
    rule = serializers.CharField(source="rule.key", allow_null=True, help_text="The matched rule's key, or null.")
    explanation = serializers.CharField()
    fallback = serializers.ChoiceField(
        choices=[("rule", "a routing rule matched"), ("area_owner", "no rule matched: the area's owner team"),
                 ("triage_team", "no rule matched and the area has no owner: the triage team")],
        help_text="How the team was chosen.",
    )


class TargetsSerializer(serializers.Serializer):
    acknowledge_minutes = serializers.IntegerField()
    contain_minutes = serializers.IntegerField()
    resolve_minutes = serializers.IntegerField()


class DeadlineField(serializers.DateTimeField):
    """One deadline of a decision, if the incident were filed at ``context["filed_at"]``."""

    def __init__(self, kind: str, **kwargs) -> None:
        self.kind = kind
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, decision: RoutingDecision) -> str:
        return super().to_representation(decision.deadlines(self.context["filed_at"])[self.kind])


class RoutePreviewSerializer(serializers.Serializer):
    """Who would get the incident, under which policy and playbook, and its deadlines if filed now."""

    # context["filed_at"] anchors the deadlines (the view passes the moment of the request).
    tier = serializers.CharField(source="tier.key")
    team = serializers.CharField(source="team.key")
    routing = RoutingExplanationSerializer(source="*")
    on_call = serializers.CharField(source="on_call.username", allow_null=True,
                                    help_text="Username of the routed team's on-call person now, or null.")
    policy = serializers.CharField(source="policy.key", allow_null=True)
    steps = EscalationStepSerializer(many=True, help_text="The policy's escalation steps (empty without one).")
    playbook = serializers.CharField(source="playbook.key", allow_null=True)
    targets = TargetsSerializer(source="tier")
    acknowledge_by = DeadlineField("acknowledge")
    contain_by = DeadlineField("contain")
    resolve_by = DeadlineField("resolve")
