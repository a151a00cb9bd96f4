from django.urls import path

from . import views

urlpatterns = [
    path("training/", views.training_list, name="training_list"),
    path("training/assign/", views.training_assign, name="training_assign"),
    path("training/modules/<slug:key>/", views.training_module, name="training_module"),
    path("training/modules/<slug:key>/complete/", views.training_complete, name="training_complete"),
]
