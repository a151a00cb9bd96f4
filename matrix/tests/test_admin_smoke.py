"""Every matrix model has a working admin: list, search, add, change and history pages, without N+1 queries."""

import datetime as dt

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from simple_history.admin import SimpleHistoryAdmin

from matrix import models as m
from matrix.admin.base import MatrixAdmin
from matrix.tests import factories as f

MODEL_NAMES = [model._meta.model_name for model in m.MATRIX_MODELS]


def build_matrix(copies: int, start: int = 0) -> None:
    """``copies`` of a small slice of the matrix with one row of every matrix model, linked as in real life."""
    pm = f.standard_priority_matrix()
    sev1, extensive = pm["tiers"]["sev1"], pm["impacts"]["extensive"]
    for i in range(start, start + copies):
        team = f.TeamFactory(key=f"team-{i}", name=f"Team {i}")
        f.MembershipFactory(team=team, role=m.MembershipRole.LEAD)
        f.MembershipFactory(team=team)
        f.ContactChannelFactory(team=team)
        rotation = f.RotationFactory(team=team, starts_on=timezone.localdate() - dt.timedelta(days=20))
        f.RotationMemberFactory(rotation=rotation, position=1)
        f.RotationMemberFactory(rotation=rotation, position=2)
        f.RotationOverrideFactory(rotation=rotation, covers=f.UserFactory())
        vendor = f.VendorFactory(key=f"vendor-{i}", relationship_owner=f.UserFactory())
        f.VendorContactFactory(vendor=vendor, confirmed_at=timezone.now())
        area = f.AreaFactory(key=f"area-{i}", owner_team=team, lifecycle_stage=m.LifecycleStage.BETA)
        f.AreaFactory(key=f"area-{i}-child", owner_team=team, parent=area).depends_on_areas.add(area)
        area.depends_on_vendors.add(vendor)
        f.RosterEntryFactory(area=area)
        policy = f.PolicyFactory(key=f"policy-{i}", area=area, team=team, tier=sev1)
        f.StepFactory(policy=policy, position=1, delay_minutes=0)
        f.StepFactory(policy=policy, position=2, delay_minutes=30, notify_team_lead=True).notify_users.add(
            f.UserFactory()
        )
        playbook = f.PlaybookFactory(key=f"playbook-{i}", area=area, tier=sev1)
        f.ChecklistItemFactory(playbook=playbook)
        f.TriageFieldFactory(playbook=playbook)
        f.RuleFactory(key=f"rule-{i}", order=100 + i, area=area, team=team, keywords="refund, timeout",
                      impact=extensive, tier_override=sev1, playbook_override=playbook)


@pytest.fixture
def matrix(db):
    build_matrix(2)


def test_every_matrix_model_is_registered_with_the_reason_requiring_history_admin():
    for model in m.MATRIX_MODELS:
        model_admin = admin.site.get_model_admin(model)
        assert isinstance(model_admin, MatrixAdmin), model
        assert isinstance(model_admin, SimpleHistoryAdmin), model


def test_admin_is_titled_and_lists_the_matrix_for_a_manager(manager_client, matrix):
    index = manager_client.get(reverse("admin:index")).content.decode()

    assert "Escalation Matrix admin" in index
    for listed in ["Product areas", "Teams", "Routing rules", "Escalation policies", "Tiers", "Priority cells"]:
        assert listed in index
    # Rows that only make sense inside their parent are edited inline, not listed on their own.
    assert "Escalation steps" not in index and "Checklist items" not in index


@pytest.mark.parametrize("model_name", MODEL_NAMES)
def test_changelist_search_add_change_and_history_pages_render_for_a_manager(manager_client, matrix, model_name):
    model = next(model for model in m.MATRIX_MODELS if model._meta.model_name == model_name)
    obj = model.objects.order_by("pk").first()

    assert manager_client.get(reverse(f"admin:matrix_{model_name}_changelist")).status_code == 200
    assert manager_client.get(reverse(f"admin:matrix_{model_name}_changelist"), {"q": "a"}).status_code == 200
    add = manager_client.get(reverse(f"admin:matrix_{model_name}_add"))
    assert add.status_code == 200 and "Reason for this change" in add.content.decode()
    change = manager_client.get(reverse(f"admin:matrix_{model_name}_change", args=[obj.pk]))
    assert change.status_code == 200 and "Reason for this change" in change.content.decode()
    assert manager_client.get(reverse(f"admin:matrix_{model_name}_history", args=[obj.pk])).status_code == 200


@pytest.mark.parametrize("model_name", MODEL_NAMES)
def test_changelist_queries_do_not_grow_with_the_number_of_rows(manager_client, db, model_name):
    url = reverse(f"admin:matrix_{model_name}_changelist")
    build_matrix(1)
    manager_client.get(url)  # warm the per-process caches (content types, sessions)
    with CaptureQueriesContext(connection) as few:
        assert manager_client.get(url).status_code == 200

    build_matrix(4, start=1)
    with CaptureQueriesContext(connection) as many:
        assert manager_client.get(url).status_code == 200

    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]
