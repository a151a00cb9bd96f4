from django.urls import path

from . import views
from .drills.urls import urlpatterns as drill_urls
from .matrix_reviews.urls import urlpatterns as matrix_review_urls
from .training.urls import urlpatterns as training_urls

app_name = "reviews"
urlpatterns = [
    path("", views.review_list, name="list"),
    path("action-items/", views.my_action_items, name="my_action_items"),
    path("action-items/<int:pk>/status/", views.action_item_status, name="action_item_status"),
    path("action-items/<int:pk>/matrix-change/", views.action_item_raise_change, name="action_item_raise_change"),
    path("<int:pk>/", views.review_detail, name="detail"),
    path("<int:pk>/autosave/", views.review_autosave, name="autosave"),
    path("<int:pk>/action-items/", views.action_item_add, name="action_item_add"),
    path("<int:pk>/addenda/", views.addendum_add, name="addendum_add"),
    path("<int:pk>/feedback/", views.feedback, name="feedback"),
]
# Each part's pages, in the one "reviews:" namespace.
urlpatterns += matrix_review_urls + drill_urls + training_urls
