from django.urls import path

from . import views

app_name = "matrix"
urlpatterns = [
    path("", views.matrix_page, name="home"),
    path("changes/", views.changes, name="changes"),
    path("route-preview/", views.route_preview, name="route_preview"),
    path("search/", views.search, name="search"),
    path("areas/<slug:key>/", views.area_detail, name="area_detail"),
    path("teams/", views.team_list, name="team_list"),
    path("teams/<slug:key>/", views.team_detail, name="team_detail"),
    path("vendors/", views.vendor_list, name="vendor_list"),
    path("vendors/<slug:key>/", views.vendor_detail, name="vendor_detail"),
    path("people/<str:username>/", views.person_detail, name="person_detail"),
    path("playbooks/<slug:key>/", views.playbook_detail, name="playbook_detail"),
]
