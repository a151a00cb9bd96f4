from django.urls import path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.routers import SimpleRouter

from incidents.api.hooks import HookView
from incidents.api.views import IncidentViewSet
from matrix import api as matrix_api

router = SimpleRouter()
router.register("incidents", IncidentViewSet, basename="api-incident")

urlpatterns = [
    # Like every other page, the schema is for signed-in users and token holders only.
    path("schema/", SpectacularAPIView.as_view(permission_classes=[IsAuthenticated]), name="api-schema"),
    path("matrix/", matrix_api.MatrixView.as_view(), name="api-matrix"),
    path("route-preview/", matrix_api.RoutePreviewView.as_view(), name="api-route-preview"),
    # Signed by the sending tool instead of a user's credentials (see incidents/api/hooks.py).
    path("hooks/<str:integration_key>/", HookView.as_view(), name="api-hook"),
    *router.urls,
]
