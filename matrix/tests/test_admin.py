"""The admin records why: every save asks for a reason, kept with the history of each row it writes.

These tests save directly, with approvals off; with approvals on (the default) the same saves become
change requests, applied with the same reasons on approval (test_governance_*.py).
"""

import re

import pytest
from django import forms
from django.contrib.admin.widgets import RelatedFieldWidgetWrapper
from django.urls import reverse

from matrix import models as m
from matrix.tests import factories as f

REASON = "Checkout moves to the payments team after the Q3 reorg"


# --- helpers: post an admin form the way a browser would ----------------------------------------------
def _field_data(form) -> dict:
    data = {}
    for bound in form:
        widget = bound.field.widget
        if isinstance(widget, RelatedFieldWidgetWrapper):
            widget = widget.widget
        value = bound.value()
        if isinstance(widget, forms.MultiWidget):  # e.g. the admin's split date/time
            parts = value if isinstance(value, list) else widget.decompress(value)
            for suffix, part in zip(widget.widgets_names, parts, strict=True):
                data[bound.html_name + suffix] = "" if part is None else part
        elif isinstance(widget, forms.CheckboxInput):
            if value:
                data[bound.html_name] = "on"
        elif isinstance(value, list | tuple) or getattr(widget, "allow_multiple_selected", False):
            data[bound.html_name] = [str(v) for v in value or []]
        else:
            data[bound.html_name] = "" if value is None else value
    return data


def admin_form_data(response, **changes) -> dict:
    """The data a browser would post back from an admin add/change page, with ``changes`` applied."""
    data = _field_data(response.context["adminform"].form)
    for inline in response.context.get("inline_admin_formsets", []):
        formset = inline.formset
        data.update(_field_data(formset.management_form))
        for form in formset.forms:
            data.update(_field_data(form))
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def assert_saved(response) -> None:
    """The admin redirects after a save; otherwise show the errors it rendered."""
    if response.status_code != 302:
        errors = [response.context["adminform"].form.errors]
        errors += [inline.formset.errors for inline in response.context.get("inline_admin_formsets", [])]
        raise AssertionError(f"not saved ({response.status_code}): {errors}")


def change_url(obj) -> str:
    return reverse(f"admin:matrix_{obj._meta.model_name}_change", args=[obj.pk])


def history_url(obj) -> str:
    return reverse(f"admin:matrix_{obj._meta.model_name}_history", args=[obj.pk])


@pytest.fixture(autouse=True)
def approvals_off(settings):
    settings.MATRIX_APPROVALS = False


@pytest.fixture
def area(db):
    return f.AreaFactory(key="checkout", name="Checkout", owner_team=f.TeamFactory(key="storefront", name="Storefront"))


# --- the reason -----------------------------------------------------------------------------------------
def test_manager_changes_area_owner_with_reason_and_history_page_shows_who_why_and_what(manager_client, manager, area):
    payments = f.TeamFactory(key="payments", name="Payments")
    page = manager_client.get(change_url(area))
    assert "Reason for this change" in page.content.decode()

    response = manager_client.post(
        change_url(area), admin_form_data(page, owner_team=payments.pk, change_reason=REASON)
    )

    assert_saved(response)
    area.refresh_from_db()
    assert area.owner_team == payments
    latest = area.history.latest()
    assert (latest.history_change_reason, latest.history_user) == (REASON, manager)
    history = manager_client.get(history_url(area)).content.decode()
    assert REASON in history
    assert re.search(r"<strong>Owner team:</strong>\s*Storefront\s*&nbsp;&rarr;&nbsp;&nbsp;Payments", history)
    assert manager.username in history


def test_save_without_reason_is_refused_with_a_clear_error_and_nothing_changes(manager_client, area):
    payments = f.TeamFactory(key="payments", name="Payments")
    page = manager_client.get(change_url(area))
    records_before = area.history.count()

    response = manager_client.post(change_url(area), admin_form_data(page, owner_team=payments.pk, change_reason="  "))

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["change_reason"] == [
        "Say why you are making this change: the reason is kept in the history."
    ]
    assert "Say why you are making this change" in response.content.decode()
    area.refresh_from_db()
    assert area.owner_team.key == "storefront"
    assert area.history.count() == records_before


def test_adding_an_area_records_the_reason_on_its_first_history_record(manager_client):
    team = f.TeamFactory(key="search-team")
    page = manager_client.get(reverse("admin:matrix_productarea_add"))

    response = manager_client.post(
        reverse("admin:matrix_productarea_add"),
        admin_form_data(page, name="Search", key="search", lifecycle_stage="beta", owner_team=team.pk,
                        change_reason="New product area for the search launch"),
    )

    assert_saved(response)
    created = m.ProductArea.objects.get(key="search")
    record = created.history.get()
    assert (record.history_type, record.history_change_reason) == ("+", "New product area for the search launch")


def test_inline_rows_saved_with_an_area_carry_its_reason(manager_client, area):
    lead = f.UserFactory(username="lena")
    page = manager_client.get(change_url(area))
    data = admin_form_data(page, change_reason="Lena leads checkout engineering")
    data.update({"roster-TOTAL_FORMS": "1", "roster-0-role": m.RosterRole.LEAD_ENGINEER, "roster-0-user": lead.pk,
                 "roster-0-area": area.pk})

    response = manager_client.post(change_url(area), data)

    assert_saved(response)
    entry = m.AreaRosterEntry.objects.get(area=area)
    assert entry.user == lead
    assert entry.history.get().history_change_reason == "Lena leads checkout engineering"


def test_changed_and_deleted_inline_steps_carry_the_policy_reason(manager_client):
    policy = f.PolicyFactory(key="checkout-sev1", name="Checkout SEV1")
    first = f.StepFactory(policy=policy, position=1, delay_minutes=0)
    second = f.StepFactory(policy=policy, position=2, delay_minutes=15)
    page = manager_client.get(change_url(policy))
    data = admin_form_data(page, change_reason="Escalate sooner; one step is enough")
    index = {int(data[f"steps-{i}-id"]): i for i in range(2)}
    data[f"steps-{index[first.pk]}-delay_minutes"] = "5"
    data[f"steps-{index[second.pk]}-DELETE"] = "on"

    response = manager_client.post(change_url(policy), data)

    assert_saved(response)
    first.refresh_from_db()
    assert first.delay_minutes == 5
    assert not m.EscalationStep.objects.filter(pk=second.pk).exists()
    assert first.history.latest().history_change_reason == "Escalate sooner; one step is enough"
    deletion = m.EscalationStep.history.get(id=second.pk, history_type="-")
    assert deletion.history_change_reason == "Escalate sooner; one step is enough"


def test_m2m_dependency_changes_are_recorded_with_the_reason(manager_client, area):
    cdn = f.VendorFactory(key="cdn", name="CDN")
    page = manager_client.get(change_url(area))

    response = manager_client.post(
        change_url(area),
        admin_form_data(page, depends_on_vendors=[cdn.pk], change_reason="Checkout assets are on the CDN"),
    )

    assert_saved(response)
    assert list(area.depends_on_vendors.all()) == [cdn]
    reasons = set(area.history.values_list("history_change_reason", flat=True))
    assert reasons == {None, "Checkout assets are on the CDN"}  # None: the factory's creation


def test_a_reason_longer_than_a_paragraph_is_refused_and_a_long_one_is_kept_whole(manager_client, area, settings):
    settings.MATRIX_APPROVALS = False
    page = manager_client.get(change_url(area))

    response = manager_client.post(change_url(area), admin_form_data(page, change_reason="x" * 1001))

    assert response.status_code == 200
    assert "at most 1000 characters" in response.context["adminform"].form.errors["change_reason"][0]
    reason = "Q4 reorganisation, agreed with the platform group and the payments leads in the November review. " * 3
    manager_client.post(change_url(area), admin_form_data(page, name="Checkout (web)", change_reason=reason))
    assert area.history.latest("history_id").history_change_reason == reason.strip()


def test_admin_log_does_not_list_the_reason_as_a_changed_field(manager_client, area):
    from django.contrib.admin.models import LogEntry

    page = manager_client.get(change_url(area))
    manager_client.post(change_url(area), admin_form_data(page, name="Checkout & cart", change_reason="Clearer name"))

    assert LogEntry.objects.get().get_change_message() == "Changed Name."


# --- deleting -------------------------------------------------------------------------------------------
def test_deleting_asks_for_a_reason_and_records_it_on_the_object_and_its_cascaded_rows(manager_client):
    playbook = f.PlaybookFactory(key="refunds", name="Refunds")
    item = m.ChecklistItem.objects.create(playbook=playbook, kind=m.ChecklistKind.ALERT, text="Page payments")
    url = reverse("admin:matrix_playbook_delete", args=[playbook.pk])
    assert 'name="change_reason"' in manager_client.get(url).content.decode()

    refused = manager_client.post(url, {"post": "yes"}, follow=True)
    assert m.Playbook.objects.filter(pk=playbook.pk).exists()
    assert "Say why you are making this change" in refused.content.decode()

    manager_client.post(url, {"post": "yes", "change_reason": "Merged into the payments playbook"})
    assert not m.Playbook.objects.filter(pk=playbook.pk).exists()
    assert m.Playbook.history.get(id=playbook.pk, history_type="-").history_change_reason == (
        "Merged into the payments playbook"
    )
    assert m.ChecklistItem.history.get(id=item.pk, history_type="-").history_change_reason == (
        "Merged into the payments playbook"
    )


def test_bulk_delete_action_asks_for_a_reason_and_records_it(manager_client):
    rules = [f.RuleFactory(key="old-1"), f.RuleFactory(key="old-2")]
    url = reverse("admin:matrix_routingrule_changelist")
    selection = {"action": "delete_selected", "_selected_action": [r.pk for r in rules]}

    confirmation = manager_client.post(url, selection)
    assert 'name="change_reason"' in confirmation.content.decode()
    again = manager_client.post(url, {**selection, "post": "yes"})
    assert again.status_code == 200 and "Say why you are making this change" in again.content.decode()
    assert m.RoutingRule.objects.count() == 2

    manager_client.post(url, {**selection, "post": "yes", "change_reason": "Rules replaced by the keyword rule"})

    assert m.RoutingRule.objects.count() == 0
    reasons = m.RoutingRule.history.filter(history_type="-").values_list("history_change_reason", flat=True)
    assert list(reasons) == ["Rules replaced by the keyword rule"] * 2


# --- revert from history ----------------------------------------------------------------------------------
def test_reverting_to_an_earlier_version_asks_for_a_reason(manager_client, area):
    original = area.history.earliest()
    area.name = "Cart"
    area.save()
    url = reverse("admin:matrix_productarea_simple_history", args=[area.pk, original.history_id])
    page = manager_client.get(url)

    refused = manager_client.post(url, admin_form_data(page, change_reason=""))
    assert refused.status_code == 200
    area.refresh_from_db()
    assert area.name == "Cart"

    manager_client.post(url, admin_form_data(page, change_reason="Back to the old name"))
    area.refresh_from_db()
    assert area.name == "Checkout"
    assert area.history.latest().history_change_reason == "Back to the old name"


def test_reason_is_asked_last_below_the_inline_rows_it_also_covers(manager_client, area):
    page = manager_client.get(change_url(area)).content.decode()

    assert page.find('id="roster-group"') < page.find('id="id_change_reason"') < page.find('name="_save"')
    assert page.count('name="change_reason"') == 1
