from django.urls import path

from . import views

app_name = "reviews"
urlpatterns = [
    path("", views.review_list, name="list"),
    path("action-items/", views.my_action_items, name="my_action_items"),
    path("action-items/<int:pk>/status/", views.action_item_status, name="action_item_status"),
    path("<int:pk>/", views.review_detail, name="detail"),
    path("<int:pk>/action-items/", views.action_item_add, name="action_item_add"),
    path("<int:pk>/feedback/", views.feedback, name="feedback"),
]
