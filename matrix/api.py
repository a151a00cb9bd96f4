"""The matrix API: the whole matrix as JSON, and "who would get this?" without filing anything."""

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from .cache import current_snapshot
from .credentials import may_see_credentials
from .matrix_file import export_data
from .serializers import RoutePreviewSerializer, RouteQuerySerializer


class MatrixView(APIView):
    @extend_schema(
        summary="The whole matrix",
        tags=["matrix"],
        description=(
            "The same content as `manage.py export_matrix` (documented in docs/matrix-file.md), as JSON, "
            "except contact channels' signing secrets; chat and webhook URLs are credentials, shown whole only "
            "to people who may edit contact channels (others read `https://host/…`)."
        ),
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request) -> Response:
        # Every signed-in role may read the matrix; only an export on the server carries the secrets.
        return Response(export_data(include_secrets=False, reveal_urls=may_see_credentials(request.user)))


class RoutePreviewView(APIView):
    @extend_schema(
        summary="Preview routing",
        tags=["matrix"],
        description=(
            "Routes an incident as filing it would — tier, team, rule, on-call person now, escalation policy, "
            "playbook and deadlines if filed now — and saves nothing. It takes filing's fields, checked and "
            "defaulted as `POST /api/v1/incidents/` does them (a `channel` left out is `api`): what filing "
            "refuses is a 400 with the same errors by field. Deadlines count round the clock, also for a tier "
            "on the business-hours clock."
        ),
        parameters=[RouteQuerySerializer],
        responses={200: RoutePreviewSerializer, 400: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request) -> Response:
        now = timezone.now()
        query = RouteQuerySerializer(data=request.query_params, context={"router": current_snapshot(now).router})
        query.is_valid(raise_exception=True)
        decision = query.validated_data["decision"]
        return Response(RoutePreviewSerializer(decision, context={"filed_at": now}).data)
