"""The quarterly matrix review's pages, in the "reviews:" namespace (included by ``reviews.urls``)."""

from django.urls import path

from . import views

urlpatterns = [
    path("matrix-reviews/", views.matrix_review_list, name="matrix_review_list"),
    path("matrix-reviews/current/", views.matrix_review_current, name="matrix_review_current"),
    path("matrix-reviews/start/", views.matrix_review_start, name="matrix_review_start"),
    path("matrix-reviews/<int:pk>/", views.matrix_review_detail, name="matrix_review_detail"),
    path("matrix-reviews/<int:pk>/evidence/", views.matrix_review_evidence, name="matrix_review_evidence"),
    path("matrix-reviews/<int:pk>/checklist/refresh/", views.matrix_review_refresh, name="matrix_review_refresh"),
    path("matrix-reviews/<int:pk>/checklist/<int:item_pk>/", views.matrix_review_item, name="matrix_review_item"),
    path("matrix-reviews/<int:pk>/areas/<slug:key>/attest/", views.matrix_review_attest, name="matrix_review_attest"),
    path("matrix-reviews/<int:pk>/areas/<slug:key>/withdraw/", views.matrix_review_withdraw,
         name="matrix_review_withdraw"),
    path("matrix-reviews/<int:pk>/areas/<slug:key>/change/", views.matrix_review_request_change,
         name="matrix_review_request_change"),
    path("matrix-reviews/<int:pk>/sign-off/", views.matrix_review_sign_off, name="matrix_review_sign_off"),
]
