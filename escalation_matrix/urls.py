from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from .views import dev_outbox, healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("dev/outbox/", dev_outbox, name="dev_outbox"),  # development only: 404 unless DEBUG
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("escalation_matrix.api_urls")),
    path("incidents/", include("incidents.urls")),
    path("reviews/", include("reviews.urls")),
    path("", include("matrix.urls")),
]

# The product's own error pages, saying why and offering a way back; under /api/ they hand over to
# escalation_matrix.api_errors's JSON when that module exists (see escalation_matrix.error_pages).
handler403 = "escalation_matrix.error_pages.permission_denied"
handler404 = "escalation_matrix.error_pages.page_not_found"
handler500 = "escalation_matrix.error_pages.server_error"
