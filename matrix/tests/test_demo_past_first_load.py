"""The demo matrix's past on the load that creates the matrix, and only then (``matrix.demo.past``).

Each test loads the demo into an empty database, so they live apart from ``test_demo_past``, whose
demo is loaded once for its whole module and would be there already.
"""

import datetime as dt

import pytest
import time_machine
from django.core.cache import cache
from django.utils import timezone

from matrix import cache as matrix_cache
from matrix import models as m
from matrix.demo import REASON, load_demo
from matrix.demo.past import CHAPTERS
from matrix.tests.factories import TeamFactory
from notifications.models import Notification
from notifications.models import Status as Delivery

pytestmark = pytest.mark.django_db


def test_the_first_load_tells_nobody_now_and_gives_the_matrix_a_new_version(django_capture_on_commit_callbacks):
    key = matrix_cache._cache_key("default")
    matrix_cache.current_snapshot()
    before = cache.get(key)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        load_demo()

    assert m.ChangeRequest.objects.count() == len(CHAPTERS)
    assert Notification.objects.exists()
    assert not Notification.objects.exclude(status=Delivery.SENT).exists()  # history: delivered back then
    assert not [c for c in callbacks if getattr(c, "__module__", "") == "notifications.services"]  # no prompts
    assert cache.get(key) not in (None, before)


def test_a_matrix_with_history_before_the_load_gets_no_invented_past():
    with time_machine.travel(timezone.now() - dt.timedelta(days=3)):
        sre = TeamFactory(key="sre", name="SRE")
    recorded = sre.history.get().history_date
    started = timezone.now()

    load_demo()

    assert not m.ChangeRequest.objects.exists()
    assert sre.history.order_by("history_id").first().history_date == recorded
    for model in m.MATRIX_MODELS:
        assert not model.history.filter(history_change_reason=REASON, history_date__lt=started).exists()
    assert m.ProductArea.objects.get(key="mobile-app").owner_team.key == "mobile"
