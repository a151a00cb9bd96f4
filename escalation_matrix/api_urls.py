from django.urls import path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.permissions import IsAuthenticated

from matrix import api as matrix_api

urlpatterns = [
    # Like every other page, the schema is for signed-in users and token holders only.
    path("schema/", SpectacularAPIView.as_view(permission_classes=[IsAuthenticated]), name="api-schema"),
    path("matrix/", matrix_api.MatrixView.as_view(), name="api-matrix"),
    path("route-preview/", matrix_api.RoutePreviewView.as_view(), name="api-route-preview"),
]
