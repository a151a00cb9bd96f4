"""``POST /api/v1/hooks/<integration-key>/``: inbound events from ticketing and alerting tools.

The signature is the authentication: no user, no session, no token. Its order is the point:
find the integration, check the signature over the raw bytes, and only then parse anything.
The mapping (incidents/integrations.py) turns the payload into filing arguments; ``incident_file``
saves everything or nothing.
"""

import json

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotAuthenticated, NotFound, ParseError, PermissionDenied, ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import services
from ..integrations import (
    SIGNATURE_HEADER,
    MappingError,
    SignatureError,
    filing_from_payload,
    hook_submission_key,
    verify_signature,
)
from ..models import Incident, Integration
from .serializers import DetailSerializer, IncidentSerializer
from .views import FIELD_ERRORS, ServiceErrorsMixin, incident_data


class HookView(ServiceErrorsMixin, APIView):
    authentication_classes = []  # the HMAC signature is the authentication
    permission_classes = [AllowAny]
    parser_classes = []  # the body is parsed here, after its signature is checked

    def get_authenticate_header(self, request: Request) -> str:
        # Makes a missing signature a 401 (with this challenge) rather than DRF's 403 for "no authenticators".
        return f'HMAC-SHA256 header="{SIGNATURE_HEADER}"'

    @extend_schema(
        summary="Inbound event from an integration", tags=["hooks"], auth=[],
        description=(
            f"Files an incident from a ticketing or alerting tool. Sign the raw body: `{SIGNATURE_HEADER}: "
            "sha256=<hex HMAC-SHA256 of the body, keyed with the integration's secret>`. The integration's mapping "
            "says where title, product area, impact and urgency are in the payload; its defaults fill the gaps. "
            "The same `external_ref` posted twice files one incident: the repeat answers 200 with it. "
            "Nothing is saved on any error."
        ),
        request={"application/json": OpenApiTypes.OBJECT},
        parameters=[OpenApiParameter(SIGNATURE_HEADER, OpenApiTypes.STR, OpenApiParameter.HEADER, required=True,
                                     description="`sha256=` and the hex HMAC-SHA256 of the raw body.")],
        responses={
            201: IncidentSerializer,
            200: OpenApiResponse(IncidentSerializer, description="This external_ref was filed already."),
            400: OpenApiResponse(FIELD_ERRORS.response, description=(
                "Not JSON (`detail`), or errors by incident field: the mapping found nothing and there is no "
                "default, or a key is unknown to the matrix."),
                examples=[OpenApiExample("Title not in the payload", value={
                    "title": ["Not in the payload at 'alert.summary', and the integration has no default."]})]),
            401: OpenApiResponse(DetailSerializer, description=f"No {SIGNATURE_HEADER} header."),
            403: OpenApiResponse(DetailSerializer, description="The signature does not match the body."),
            404: OpenApiResponse(DetailSerializer, description="No active integration with this key."),
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
        body = request.body
        try:
            verify_signature(secret=integration.secret, body=body, header=request.headers.get(SIGNATURE_HEADER))
        except SignatureError as error:
            raise (NotAuthenticated if error.missing else PermissionDenied)(error.message) from error
        try:
            payload = json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise ParseError(f"The body is not valid JSON: {error}.") from error
        try:
            filing = filing_from_payload(integration, payload)
        except MappingError as error:
            raise ValidationError(error.errors) from error

        submission_key = hook_submission_key(integration, filing.get("external_ref", ""))
        if submission_key:
            existing = Incident.objects.filter(submission_key=submission_key).values_list("pk", flat=True).first()
            if existing is not None:
                return Response(incident_data(request, existing), status=status.HTTP_200_OK)
        now = timezone.now()
        incident = services.incident_file(reporter=None, submission_key=submission_key, now=now, **filing)
        filed_now = incident.filed_at == now  # else a concurrent delivery of the same event filed it
        return Response(incident_data(request, incident.pk),
                        status=status.HTTP_201_CREATED if filed_now else status.HTTP_200_OK)
