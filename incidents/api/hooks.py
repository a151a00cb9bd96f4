"""``POST /api/v1/hooks/<integration-key>/``: inbound events from ticketing and alerting tools.

The signature is the authentication: no user, no session, no token. Its order is the point:
find the integration, read at most ``HOOK_MAX_BODY_BYTES``, check the signature over the timestamp and
the raw bytes, refuse a signature seen before (a replay), and only then parse anything. The mapping
(incidents/integrations.py) turns the payload into filing arguments; ``incident_file`` saves everything
or nothing.
"""

from django.core.exceptions import RequestDataTooBig
from django.db import transaction
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import (
    APIException,
    NotAuthenticated,
    NotFound,
    ParseError,
    PermissionDenied,
    ValidationError,
)
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from escalation_matrix.throttling import IntegrationRateThrottle

from .. import services
from ..integrations import (
    MAX_NESTING,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    TIMESTAMP_TOLERANCE,
    MappingError,
    PayloadError,
    SignatureError,
    filing_from_payload,
    hook_submission_key,
    max_body_bytes,
    parse_payload,
    prune_deliveries,
    record_delivery,
    verify_signature,
)
from ..limits import LONG_TEXT_MAX_LENGTH
from ..models import Incident, Integration
from .serializers import DetailSerializer, IncidentSerializer
from .views import FIELD_ERRORS, ServiceErrorsMixin, incident_data

TOLERANCE_SECONDS = int(TIMESTAMP_TOLERANCE.total_seconds())


class PayloadTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The body is too large."
    default_code = "payload_too_large"


def read_body(request: Request) -> bytes:
    """The raw body, or a 413 when it is larger than a hook takes — refused by its Content-Length before a
    byte of it is read, and by its size when the length was not declared or understated."""
    limit = max_body_bytes()
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise ParseError("The Content-Length header is not a number.") from None
    if declared > limit:
        raise PayloadTooLarge(f"The body is {declared} bytes; a hook takes at most {limit} bytes.")
    try:
        body = request.body
    except RequestDataTooBig:  # past DATA_UPLOAD_MAX_MEMORY_SIZE: Django's answer would be an HTML 400 page
        raise PayloadTooLarge(f"The body is larger than a hook takes: at most {limit} bytes.") from None
    if len(body) > limit:
        raise PayloadTooLarge(f"The body is {len(body)} bytes; a hook takes at most {limit} bytes.")
    return body


class HookView(ServiceErrorsMixin, APIView):
    authentication_classes = []  # the HMAC signature is the authentication
    permission_classes = [AllowAny]
    throttle_classes = [IntegrationRateThrottle]  # per integration, whoever posts
    parser_classes = []  # the body is parsed here, after its signature is checked

    def get_authenticate_header(self, request: Request) -> str:
        # Makes a missing signature a 401 (with this challenge) rather than DRF's 403 for "no authenticators".
        return f'HMAC-SHA256 header="{SIGNATURE_HEADER}"'

    @extend_schema(
        summary="Inbound event from an integration", tags=["hooks"], auth=[],
        description=(
            f"Files an incident from a ticketing or alerting tool. Send `{TIMESTAMP_HEADER}: <Unix time in "
            f"seconds>` and `{SIGNATURE_HEADER}: sha256=<hex HMAC-SHA256 of \"<timestamp>.\" followed by the raw "
            "body, keyed with the integration's secret>`. A request is accepted within "
            f"{TOLERANCE_SECONDS} seconds of the server's clock, and once: the same signature again is refused "
            f"(403), so sign each delivery and each retry afresh. Bodies are at most {max_body_bytes()} bytes "
            f"(`HOOK_MAX_BODY_BYTES`), nested at most {MAX_NESTING} levels deep. The integration's mapping says "
            "where title, product area, impact and urgency are in the payload; its defaults fill the gaps. Texts "
            f"have the limits of filing through the API (description: {LONG_TEXT_MAX_LENGTH} characters); a "
            "longer title is cut. "
            "The same `external_ref` posted twice files one incident: the repeat answers 200 with it. "
            "Nothing is saved on any error."
        ),
        request={"application/json": OpenApiTypes.OBJECT},
        parameters=[
            OpenApiParameter(TIMESTAMP_HEADER, OpenApiTypes.STR, OpenApiParameter.HEADER, required=True,
                             description=f"The Unix time in whole seconds at which the request was signed; "
                                         f"within {TOLERANCE_SECONDS} seconds of the server's clock."),
            OpenApiParameter(SIGNATURE_HEADER, OpenApiTypes.STR, OpenApiParameter.HEADER, required=True,
                             description=f"`sha256=` and the hex HMAC-SHA256 of `<{TIMESTAMP_HEADER}>.` followed "
                                         "by the raw body."),
        ],
        responses={
            201: IncidentSerializer,
            200: OpenApiResponse(IncidentSerializer, description="This external_ref was filed already."),
            400: OpenApiResponse(FIELD_ERRORS.response, description=(
                "Not JSON or nested too deeply (`detail`), or errors by incident field: the mapping found nothing "
                "and there is no default, a key is unknown to the matrix, or a text is longer than its limit."),
                examples=[
                    OpenApiExample("Title not in the payload", value={
                        "title": ["Not in the payload at 'alert.summary', and the integration has no default."]}),
                    OpenApiExample("Description too long", value={
                        "description": [f"At most {LONG_TEXT_MAX_LENGTH} characters (this has 31000)."]}),
                ]),
            401: OpenApiResponse(DetailSerializer, description=f"No {SIGNATURE_HEADER} or {TIMESTAMP_HEADER} header."),
            403: OpenApiResponse(DetailSerializer, description=(
                "The signature does not match the body and timestamp, the timestamp is malformed or outside the "
                "window, or this signature was received already (a replay).")),
            404: OpenApiResponse(DetailSerializer, description="No active integration with this key."),
            413: OpenApiResponse(DetailSerializer, description="The body is larger than `HOOK_MAX_BODY_BYTES`."),
            429: OpenApiResponse(DetailSerializer, description=(
                "More than `API_RATE_HOOK` deliveries for this integration: retry after the seconds in "
                "`Retry-After` (also said in `detail`).")),
        },
    )
    def post(self, request: Request, integration_key: str) -> Response:
        integration = (
            Integration.objects.select_related("default_area", "default_impact", "default_urgency")
            .filter(key=integration_key, active=True).first()
        )
        if integration is None:
            # Inactive reads as unknown: an unauthenticated caller learns nothing about which keys exist.
            raise NotFound(f"Unknown integration '{integration_key}'.")
        body = read_body(request)
        now = timezone.now()
        try:
            signed = verify_signature(
                secret=integration.secret, body=body, header=request.headers.get(SIGNATURE_HEADER),
                timestamp=request.headers.get(TIMESTAMP_HEADER), now=now,
            )
        except SignatureError as error:
            raise (NotAuthenticated if error.missing else PermissionDenied)(error.message) from error
        prune_deliveries(now=now)
        # One transaction from recording the signature to filing: any error forgets the signature again, and
        # a concurrent copy of this request waits for it, then is refused as a replay.
        with transaction.atomic():
            try:
                record_delivery(integration, signed, now=now)
            except SignatureError as error:
                raise PermissionDenied(error.message) from error
            try:
                payload = parse_payload(body)
            except PayloadError as error:
                raise ParseError(error.message) from error
            try:
                filing = filing_from_payload(integration, payload)
            except MappingError as error:
                raise ValidationError(error.errors) from error

            submission_key = hook_submission_key(integration, filing.get("external_ref", ""))
            existing = submission_key and (
                Incident.objects.filter(submission_key=submission_key).values_list("pk", flat=True).first())
            if existing:
                incident_id, filed_now = existing, False
            else:
                incident = services.incident_file(reporter=None, submission_key=submission_key, now=now, **filing)
                # Not filed now: a concurrent delivery of the same event (another signature) filed it.
                incident_id, filed_now = incident.pk, incident.filed_at == now
        return Response(incident_data(request, incident_id),
                        status=status.HTTP_201_CREATED if filed_now else status.HTTP_200_OK)
