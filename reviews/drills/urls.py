from django.urls import path

from . import views

urlpatterns = [
    path("drills/", views.drill_list, name="drill_list"),
    path("drills/schedule/", views.drill_schedule, name="drill_schedule"),
    path("drills/<int:pk>/", views.drill_detail, name="drill_detail"),
    path("drills/<int:pk>/edit/", views.drill_edit, name="drill_edit"),
    path("drills/<int:pk>/start/", views.drill_start, name="drill_start"),
    path("drills/<int:pk>/end/", views.drill_end, name="drill_end"),
    path("drills/<int:pk>/cancel/", views.drill_cancel, name="drill_cancel"),
]
