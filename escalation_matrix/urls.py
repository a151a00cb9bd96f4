from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from .views import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("escalation_matrix.api_urls")),
    path("incidents/", include("incidents.urls")),
    path("reviews/", include("reviews.urls")),
    path("", include("matrix.urls")),
]
