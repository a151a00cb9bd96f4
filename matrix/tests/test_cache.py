"""The kept matrix (``matrix.cache``): read once while the matrix stays the same, read again after any
change — saved, deleted, linked, rolled back or committed by another process — and each caller gets
its own moment.

Counts, not times: how much faster it is belongs to the benchmarks (``make bench``).
"""

import datetime as dt

import pytest
from django.contrib.auth.signals import user_logged_in
from django.core.cache import cache
from django.db import connection, transaction
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from matrix import cache as matrix_cache
from matrix import models as m
from matrix.cache import current_snapshot, matrix_changed
from matrix.routing import RouteRequest
from matrix.tests import factories as f

pytestmark = pytest.mark.django_db

MONDAY = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
def mx():
    f.standard_priority_matrix()
    storefront = f.TeamFactory(key="storefront", name="Storefront")
    payments = f.TeamFactory(key="payments", name="Payments")
    rotation = f.RotationFactory(team=storefront, starts_on=dt.date(2026, 1, 5), shift_hours=168)
    ann = f.UserFactory(username="ann", first_name="Ann")
    bo = f.UserFactory(username="bo", first_name="Bo")
    f.RotationMemberFactory(rotation=rotation, user=ann, position=1)
    f.RotationMemberFactory(rotation=rotation, user=bo, position=2)
    area = f.AreaFactory(key="checkout", name="Checkout", owner_team=storefront)
    return {"storefront": storefront, "payments": payments, "area": area, "ann": ann, "bo": bo}


def route(now=MONDAY):
    return current_snapshot(now).router.route(RouteRequest("checkout", "significant", "high", title="Card declined"))


def reads_of(function) -> list[str]:
    """The queries ``function`` sends."""
    with CaptureQueriesContext(connection) as ctx:
        function()
    return [q["sql"] for q in ctx.captured_queries]


def test_the_matrix_is_read_once_while_nothing_changes(mx):
    first = reads_of(route)

    assert first  # read: areas, teams, rules, tiers…
    assert reads_of(route) == []
    assert route().team == mx["storefront"]


def test_each_caller_gets_its_own_moment_from_the_one_matrix_read(mx):
    assert route(MONDAY).on_call == mx["ann"]  # weekly from Monday 5 January: eight weeks on, Ann again

    with CaptureQueriesContext(connection) as ctx:
        next_week = route(MONDAY + dt.timedelta(days=7))

    assert next_week.on_call == mx["bo"]
    assert ctx.captured_queries == []
    assert route(MONDAY).on_call == mx["ann"]


def test_a_saved_change_is_seen_by_the_next_route(mx):
    route()
    mx["area"].owner_team = mx["payments"]
    mx["area"].save()

    assert route().team == mx["payments"]


def test_a_new_rule_and_a_deleted_one_are_seen(mx):
    route()
    rule = f.RuleFactory(key="cards", order=1, keywords="card", team=mx["payments"])
    assert route().rule == rule

    rule.delete()
    assert route().rule is None


def test_a_changed_many_to_many_link_is_seen(mx):
    policy = f.PolicyFactory(key="default")
    step = f.StepFactory(policy=policy, position=1)
    assert list(route().policy.steps.all()[0].notify_users.all()) == []

    step.notify_users.add(mx["ann"])

    assert list(route().policy.steps.all()[0].notify_users.all()) == [mx["ann"]]


def test_a_person_leaving_is_seen_but_a_login_does_not_read_the_matrix_again(mx):
    route()
    user_logged_in.send(sender=type(mx["ann"]), request=RequestFactory().get("/"), user=mx["ann"])  # stamps last_login
    assert reads_of(route) == []

    mx["ann"].is_active = False
    mx["ann"].save()

    assert route().on_call.is_active is False  # told nobody: notify skips people no longer active


def test_a_change_rolled_back_is_forgotten_with_it(mx):
    route()
    with pytest.raises(RuntimeError), transaction.atomic():
        mx["area"].owner_team = mx["payments"]
        mx["area"].save()
        assert route().team == mx["payments"]  # the transaction sees its own change…
        raise RuntimeError("the admin form failed further down")

    assert route().team == mx["storefront"]  # …and nobody keeps it once it is rolled back


def test_a_bulk_write_is_seen_once_announced_with_matrix_changed(mx):
    route()
    m.ProductArea.objects.filter(pk=mx["area"].pk).update(owner_team=mx["payments"])  # sends no signal
    matrix_changed()

    assert route().team == mx["payments"]


def test_without_a_reachable_cache_every_caller_reads_the_matrix(mx, monkeypatch):
    class Unreachable:
        def __getattr__(self, name):
            def fail(*args, **kwargs):
                raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
            return fail

    monkeypatch.setattr(matrix_cache, "cache", Unreachable())
    route()

    assert reads_of(route)  # read again: nothing tells this process whether the matrix changed
    mx["area"].owner_team = mx["payments"]
    mx["area"].save()  # the change cannot be announced either; nothing fails
    assert route().team == mx["payments"]


@pytest.mark.django_db(transaction=True)
def test_a_committed_change_gives_the_matrix_a_new_version_in_the_shared_cache(mx):
    key = matrix_cache._cache_key("default")
    route()
    before = cache.get(key)

    with transaction.atomic():
        mx["area"].owner_team = mx["payments"]
        mx["area"].save()
        assert cache.get(key) == before  # other processes must not read the matrix before the commit

    assert cache.get(key) not in (None, before)
    assert route().team == mx["payments"]


@pytest.mark.django_db(transaction=True)
def test_a_version_changed_by_another_process_makes_this_one_read_again(mx):
    route()
    m.ProductArea.objects.filter(pk=mx["area"].pk).update(owner_team=mx["payments"])
    cache.set(matrix_cache._cache_key("default"), "set-by-another-process", timeout=None)

    assert route().team == mx["payments"]
