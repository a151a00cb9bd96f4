import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "escalation_matrix.settings")

app = Celery("escalation_matrix")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
