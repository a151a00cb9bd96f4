"""The incident API: file, list, read, and act on incidents. Each endpoint is one service or selector call.

Errors keep one shape: a service's ``IncidentInputError`` is a 400 with errors by field, a
``TransitionError`` a 409 with its reason, an unknown incident a 404.
"""

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import APIException, NotFound, ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from matrix.cache import current_snapshot

from .. import services
from ..integrations import bounded_key
from ..models import Handoff, Incident
from ..selectors import incident_detail, incidents_for_list
from .filters import IncidentFilter
from .permissions import IncidentPermission
from .serializers import (
    AssignSerializer,
    ChecklistTickInputSerializer,
    DetailSerializer,
    IncidentFileSerializer,
    IncidentSerializer,
    IncidentSummarySerializer,
    InvolveVendorSerializer,
    MoveSerializer,
    NoteSerializer,
    PauseSerializer,
    ReopenSerializer,
    ResolveSerializer,
    StakeholderUpdateInputSerializer,
    StakeholderUpdateSerializer,
    TimelineEntryCreatedSerializer,
    WarRoomSerializer,
)

IDEMPOTENCY_HEADER = "Idempotency-Key"
IDEMPOTENCY_KEY_MAX_LENGTH = 255


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "Not allowed in the incident's current state."
    default_code = "conflict"


FIELD_ERRORS = OpenApiResponse(
    OpenApiTypes.OBJECT,
    description="Errors by field; triage fields are named `details.<key>`.",
    examples=[OpenApiExample("Unknown key and a missing triage field", value={
        "product_area": ["Unknown product area 'x'."], "details.order_id": ["Order ID is required."],
    })],
)
# DRF's answer to a body it has no parser for, e.g. text/plain.
UNSUPPORTED_BODY = OpenApiResponse(DetailSerializer, description="The body is not JSON, a form or multipart.")
COMMON_ERRORS = {
    401: OpenApiResponse(DetailSerializer, description="No or wrong credentials."),
    403: OpenApiResponse(DetailSerializer, description="Your role lacks the permission."),
}
ACTION_ERRORS = {
    **COMMON_ERRORS,
    400: FIELD_ERRORS,
    404: OpenApiResponse(DetailSerializer, description="No such incident."),
    409: OpenApiResponse(DetailSerializer, description="Not allowed in the incident's state; `detail` says why.",
                         examples=[OpenApiExample("Already acknowledged",
                                                  value={"detail": "Already acknowledged by Pat Ng at 12:04 UTC."})]),
    415: UNSUPPORTED_BODY,
}
BODY_ERRORS = (400, 415)  # only where a body is read


class IncidentPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    # A page or a page size that is not one is a 400 naming it, like an unknown filter key: DRF would answer
    # 404 for the page (as if the list were missing) and silently use 50 for the size.
    invalid_page_message = "There is no page “{page_number}” of this list."

    def paginate_queryset(self, queryset, request: Request, view=None):
        try:
            return super().paginate_queryset(queryset, request, view)
        except NotFound as error:
            raise ValidationError({self.page_query_param: [error.detail]}) from error

    def get_page_size(self, request: Request) -> int:
        asked = request.query_params.get(self.page_size_query_param, "").strip()
        if not asked:
            return self.page_size
        try:
            size = int(asked)
        except ValueError:  # not a number, or too long a one to convert
            size = 0
        if size < 1:
            raise ValidationError({self.page_size_query_param: [
                f"Give a whole number of incidents a page, from 1 to {self.max_page_size}."]})
        return min(size, self.max_page_size)  # more than the most is the most (documented)


def _action_schema(summary: str, request=None, description: str = "") -> extend_schema:
    errors = ACTION_ERRORS if request is not None else {k: v for k, v in ACTION_ERRORS.items() if k not in BODY_ERRORS}
    return extend_schema(summary=summary, description=description, request=request, tags=["incidents"],
                         responses={200: IncidentSerializer, **errors})


class ServiceErrorsMixin:
    """Turns the services' errors into API answers: 400 by field, 409 with the reason, 404."""

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, services.IncidentInputError):
            exc = ValidationError(exc.errors)
        elif isinstance(exc, services.TransitionError):
            exc = Conflict(exc.message)
        elif isinstance(exc, Incident.DoesNotExist | Handoff.DoesNotExist):
            exc = NotFound("No such incident or handoff.")
        return super().handle_exception(exc)


def get_incident(pk: int | str) -> Incident:
    """The incident an action names, or a 404 that says which."""
    incident = Incident.objects.filter(pk=pk).first()
    if incident is None:
        raise NotFound(f"No incident #{pk}.")
    return incident


def incident_data(request: Request, incident_id: int) -> dict:
    """The full representation of one incident, with who is on call for its team now."""
    incident = incident_detail(incident_id)
    if incident is None:
        raise NotFound(f"No incident #{incident_id}.")
    on_call = current_snapshot().on_call(incident.team_id)  # the kept matrix: no reload per response
    return IncidentSerializer(incident, context={"request": request, "on_call": on_call}).data


class IncidentViewSet(ServiceErrorsMixin, viewsets.GenericViewSet):
    queryset = Incident.objects.all()  # for the schema and the filters' model; requests read through selectors
    serializer_class = IncidentSerializer
    permission_classes = [IsAuthenticated, IncidentPermission]
    filterset_class = IncidentFilter
    pagination_class = IncidentPagination
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self):
        return incidents_for_list()

    # --- reads ---------------------------------------------------------------------------------------

    def _incident_data(self, incident_id: int) -> dict:
        return incident_data(self.request, incident_id)

    @extend_schema(
        summary="List incidents", tags=["incidents"],
        description="Newest first, paginated (`page`, `page_size` up to 200). Filters take keys; an unknown key "
                    "is a 400 naming the filter.",
        responses={200: IncidentSummarySerializer(many=True), 400: FIELD_ERRORS, **COMMON_ERRORS},
    )
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        rows = IncidentSummarySerializer(page, many=True, context={"request": request}).data
        return self.get_paginated_response(rows)

    @extend_schema(
        summary="One incident", tags=["incidents"],
        description="With its timeline, timers, handoffs and breaches.",
        responses={200: IncidentSerializer, 404: OpenApiResponse(DetailSerializer, description="No such incident."),
                   **COMMON_ERRORS},
    )
    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(self._incident_data(int(pk)))

    # --- filing --------------------------------------------------------------------------------------

    @extend_schema(
        summary="File an incident", tags=["incidents"],
        description=(
            "Routes and files it in one transaction: tier, team, deadlines, timers, notifications. Send an "
            f"`{IDEMPOTENCY_HEADER}` header to make retries safe: a repeat with the same key (from the same user) "
            "files nothing and answers **200** with the incident the first request filed; a new filing answers "
            "**201**."
        ),
        request=IncidentFileSerializer,
        parameters=[OpenApiParameter(
            IDEMPOTENCY_HEADER, OpenApiTypes.STR, OpenApiParameter.HEADER, required=False,
            description=f"Any unique string up to {IDEMPOTENCY_KEY_MAX_LENGTH} characters, e.g. a UUID.",
        )],
        responses={201: IncidentSerializer,
                   200: OpenApiResponse(IncidentSerializer, description="Already filed under this Idempotency-Key."),
                   400: FIELD_ERRORS, 415: UNSUPPORTED_BODY, **COMMON_ERRORS},
    )
    def create(self, request: Request) -> Response:
        serializer = IncidentFileSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        submission_key = self._submission_key(request)
        if submission_key:
            existing = Incident.objects.filter(submission_key=submission_key).values_list("pk", flat=True).first()
            if existing is not None:
                return Response(self._incident_data(existing), status=status.HTTP_200_OK)
        now = timezone.now()
        incident = services.incident_file(reporter=request.user, submission_key=submission_key, now=now,
                                          **serializer.validated_data)
        # A concurrent retry may have won the race inside incident_file: then its incident, filed at
        # another moment, comes back, and this request filed nothing.
        filed_now = incident.filed_at == now
        return Response(self._incident_data(incident.pk),
                        status=status.HTTP_201_CREATED if filed_now else status.HTTP_200_OK)

    def _submission_key(self, request: Request) -> str | None:
        key = request.headers.get(IDEMPOTENCY_HEADER, "").strip()
        if not key:
            return None
        if len(key) > IDEMPOTENCY_KEY_MAX_LENGTH:
            raise ValidationError({IDEMPOTENCY_HEADER: [f"At most {IDEMPOTENCY_KEY_MAX_LENGTH} characters."]})
        # Per user, so that two clients choosing the same key never see each other's incident.
        return bounded_key("api", str(request.user.pk), key)

    # --- the lifecycle -------------------------------------------------------------------------------

    def _act(self, pk: str, service, serializer_class=None) -> Response:
        """Validate the body, call the service with the incident and the caller, answer with the incident."""
        incident = get_incident(pk)
        arguments = {}
        if serializer_class is not None:
            serializer = serializer_class(data=self.request.data)
            serializer.is_valid(raise_exception=True)
            arguments = serializer.validated_data
        service(incident=incident, user=self.request.user, **arguments)
        return Response(self._incident_data(incident.pk))

    @_action_schema("Acknowledge", description="Stops the acknowledge timer and the escalation steps.")
    @action(detail=True, methods=["post"])
    def acknowledge(self, request: Request, pk: str) -> Response:
        return self._act(pk, services.incident_acknowledge)

    @_action_schema("Mark contained")
    @action(detail=True, methods=["post"])
    def contain(self, request: Request, pk: str) -> Response:
        return self._act(pk, services.incident_contain)

    @_action_schema("Resolve", request=ResolveSerializer)
    @action(detail=True, methods=["post"])
    def resolve(self, request: Request, pk: str) -> Response:
        return self._act(pk, services.incident_resolve, ResolveSerializer)

    @_action_schema("Close", description="Only a resolved incident can be closed.")
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str) -> Response:
        return self._act(pk, services.incident_close)

    @_action_schema("Reopen", request=ReopenSerializer, description="Re-arms its timers.")
    @action(detail=True, methods=["post"])
    def reopen(self, request: Request, pk: str) -> Response:
        return self._act(pk, services.incident_reopen, ReopenSerializer)

    @_action_schema("Pause the clocks", request=PauseSerializer,
                    description="Waiting on the customer or a vendor: deadlines move by the time paused.")
    @action(detail=True, methods=["post"])
    def pause(self, request: Request, pk: str) -> Response:
        return self._act(pk, services.incident_pause, PauseSerializer)

    @_action_schema("Resume the clocks")
    @action(detail=True, methods=["post"])
    def resume(self, request: Request, pk: str) -> Response:
        return self._act(pk, services.incident_resume)

    @_action_schema("Hand off to another team", request=MoveSerializer,
                    description="The receiving team must accept within the tier's acknowledge target, or it escalates.")
    @action(detail=True, methods=["post"])
    def reassign(self, request: Request, pk: str) -> Response:
        return self._act(pk, services.incident_reassign, MoveSerializer)

    @_action_schema("Flag a misroute", request=MoveSerializer,
                    description="\"This isn't ours\": moves it to the right team with a fresh acknowledge timer and "
                                "records the routing decision as wrong.")
    @action(detail=True, methods=["post"])
    def misroute(self, request: Request, pk: str) -> Response:
        return self._act(pk, services.incident_flag_misroute, MoveSerializer)

    @_action_schema("Accept a handoff", description="The receiving team takes the incident.")
    @action(detail=True, methods=["post"], url_path=r"handoffs/(?P<handoff_id>[0-9]+)/accept",
            url_name="accept-handoff")
    def accept_handoff(self, request: Request, pk: str, handoff_id: str) -> Response:
        handoff = Handoff.objects.filter(pk=handoff_id, incident_id=get_incident(pk).pk).first()
        if handoff is None:
            raise NotFound(f"Incident #{pk} has no handoff #{handoff_id}.")
        services.handoff_accept(handoff=handoff, user=request.user)
        return Response(self._incident_data(handoff.incident_id))

    @extend_schema(summary="Add a note", tags=["incidents"], request=NoteSerializer,
                   responses={201: TimelineEntryCreatedSerializer, **ACTION_ERRORS})
    @action(detail=True, methods=["post"])
    def notes(self, request: Request, pk: str) -> Response:
        incident = get_incident(pk)
        serializer = NoteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        entry = services.incident_add_note(incident=incident, user=request.user, **serializer.validated_data)
        return Response(TimelineEntryCreatedSerializer(entry).data, status=status.HTTP_201_CREATED)

    # --- people and coordination ---------------------------------------------------------------------

    @_action_schema("Assign", request=AssignSerializer)
    @action(detail=True, methods=["post"])
    def assign(self, request: Request, pk: str) -> Response:
        return self._act(pk, services.incident_assign, AssignSerializer)

    @_action_schema("Open the war room", request=WarRoomSerializer,
                    description="Names the incident commander and the channel; executives and the commander are "
                                "told. Calling it again changes either and tells them again.")
    @action(detail=True, methods=["post"], url_path="war-room", url_name="war-room")
    def war_room(self, request: Request, pk: str) -> Response:
        return self._act(pk, services.incident_open_war_room, WarRoomSerializer)

    @_action_schema("Involve a vendor", request=InvolveVendorSerializer,
                    description="Marks the vendor as involved and tells its relationship owner.")
    @action(detail=True, methods=["post"])
    def vendor(self, request: Request, pk: str) -> Response:
        return self._act(pk, services.incident_involve_vendor, InvolveVendorSerializer)

    @_action_schema("Tick a checklist item", request=ChecklistTickInputSerializer,
                    description="Ticks (or with `done: false` unticks) an item of the incident's playbook checklist.")
    @action(detail=True, methods=["post"])
    def checklist(self, request: Request, pk: str) -> Response:
        return self._act(pk, services.checklist_tick, ChecklistTickInputSerializer)

    @extend_schema(summary="Post a stakeholder update", tags=["incidents"], request=StakeholderUpdateInputSerializer,
                   description="Logged on the incident; it meets the update that was due and arms the next one "
                               "a cadence from now.",
                   responses={201: StakeholderUpdateSerializer, **ACTION_ERRORS})
    @action(detail=True, methods=["post"])
    def updates(self, request: Request, pk: str) -> Response:
        incident = get_incident(pk)
        serializer = StakeholderUpdateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        update = services.incident_post_update(incident=incident, user=request.user, **serializer.validated_data)
        return Response(StakeholderUpdateSerializer(update).data, status=status.HTTP_201_CREATED)
