from django.urls import path

from .views import action_views, detail, filing, lists, routing

app_name = "incidents"
urlpatterns = [
    path("", lists.incident_list, name="list"),
    path("new/", filing.file_incident, name="file"),
    path("new/preview/", filing.file_preview, name="file_preview"),
    path("queue/", lists.queue, name="queue"),
    path("war-room/", lists.war_room, name="war_room"),
    path("routing/", routing.routing_accuracy, name="routing_accuracy"),
    path("routing/simulate/", routing.routing_simulator, name="routing_simulator"),
    path("<int:pk>/", detail.incident_detail, name="detail"),
    path("<int:pk>/live/", detail.incident_live, name="live"),
    path("<int:pk>/checklist/", action_views.checklist_tick, name="checklist_tick"),
    path("<int:pk>/handoffs/<int:handoff_id>/accept/", action_views.handoff_accept, name="handoff_accept"),
    path("<int:pk>/<slug:action>/", action_views.incident_action, name="action"),
]
