"""The admin forms refuse a broken matrix with an error a manager understands, and keep keys stable.

With approvals off, so that a valid form saves at once (with approvals on it drafts a change request
instead, after the same validation: test_governance_admin.py).
"""

import json

import pytest
from django.urls import reverse

from matrix import models as m
from matrix.tests import factories as f
from matrix.tests.test_admin import admin_form_data, assert_saved, change_url

REASON = "Keeping the matrix right"


@pytest.fixture(autouse=True)
def approvals_off(settings):
    settings.MATRIX_APPROVALS = False


def post_change(client, obj, **changes):
    page = client.get(change_url(obj))
    return client.post(change_url(obj), admin_form_data(page, change_reason=REASON, **changes))


def post_add(client, model_name: str, **values):
    url = reverse(f"admin:matrix_{model_name}_add")
    return client.post(url, admin_form_data(client.get(url), change_reason=REASON, **values))


def test_area_cannot_be_moved_below_its_own_child(manager_client, db):
    checkout = f.AreaFactory(key="checkout", name="Checkout")
    cart = f.AreaFactory(key="cart", name="Cart", parent=checkout)

    response = post_change(manager_client, checkout, parent=cart.pk)

    assert response.context["adminform"].form.errors["parent"] == [
        "An area cannot sit below itself or one of its own children."
    ]
    checkout.refresh_from_db()
    assert checkout.parent is None


def test_key_is_prepopulated_when_adding_and_read_only_afterwards(manager_client, db):
    add_page = manager_client.get(reverse("admin:matrix_team_add")).content.decode()
    prepopulated = add_page.split('data-prepopulated-fields="')[1].split('"')[0].replace("&quot;", '"')
    assert json.loads(prepopulated)[0]["id"] == "#id_key"
    team = f.TeamFactory(key="payments", name="Payments")

    assert_saved(post_change(manager_client, team, name="Payments & billing", key="billing"))

    team.refresh_from_db()
    assert (team.key, team.name) == ("payments", "Payments & billing")


def test_contact_channel_target_must_fit_its_kind(manager_client, db):
    team = f.TeamFactory(key="sre")

    as_email = post_add(manager_client, "contactchannel", team=team.pk, kind=m.ChannelKind.EMAIL,
                        target="https://hooks.example.com/x")
    as_webhook = post_add(manager_client, "contactchannel", team=team.pk, kind=m.ChannelKind.SLACK,
                          target="sre@example.com")

    assert as_email.context["adminform"].form.errors["target"] == [
        "For this kind of channel the target must be an email address."
    ]
    assert as_webhook.context["adminform"].form.errors["target"] == [
        "For this kind of channel the target must be an http(s) webhook URL."
    ]
    assert not m.ContactChannel.objects.exists()


def test_contact_channel_inline_in_a_team_is_validated_too(manager_client, db):
    team = f.TeamFactory(key="sre")
    page = manager_client.get(change_url(team))
    data = admin_form_data(page, change_reason=REASON)
    data.update({"channels-TOTAL_FORMS": "1", "channels-0-kind": m.ChannelKind.EMAIL, "channels-0-target": "nope",
                 "channels-0-team": team.pk})

    response = manager_client.post(change_url(team), data)

    assert response.status_code == 200
    assert not m.ContactChannel.objects.exists()


def test_choice_triage_field_needs_its_choices(manager_client, db):
    playbook = f.PlaybookFactory(key="outage", name="Outage")
    page = manager_client.get(change_url(playbook))
    data = admin_form_data(page, change_reason=REASON)
    data.update({"triage_fields-TOTAL_FORMS": "1", "triage_fields-0-playbook": playbook.pk,
                 "triage_fields-0-key": "region", "triage_fields-0-label": "Region",
                 "triage_fields-0-field_type": m.TriageFieldType.CHOICE, "triage_fields-0-position": "1"})

    refused = manager_client.post(change_url(playbook), data)
    assert refused.status_code == 200
    assert not m.TriageField.objects.exists()

    data["triage_fields-0-choices"] = "eu, us, apac"
    assert_saved(manager_client.post(change_url(playbook), data))
    assert m.TriageField.objects.get().history.get().history_change_reason == REASON


def test_team_business_hours_are_picked_from_valid_time_zones_and_days(manager_client, db):
    team = f.TeamFactory(key="support", name="Support")

    bad_zone = post_change(manager_client, team, time_zone="Mars/Olympus")
    backwards = post_change(manager_client, team, workday_start="17:00", workday_end="09:00")
    assert "time_zone" in bad_zone.context["adminform"].form.errors
    assert backwards.context["adminform"].form.errors["workday_end"] == ["The working day must end after it starts."]

    assert_saved(post_change(manager_client, team, time_zone="Europe/Berlin", working_days=["3", "0", "1"]))
    team.refresh_from_db()
    assert (team.time_zone, team.working_days) == ("Europe/Berlin", "0,1,3")


def test_tier_targets_out_of_order_are_refused_with_the_constraint_message(manager_client, db):
    tier = f.TierFactory(key="sev2", name="SEV2")

    response = post_change(manager_client, tier, acknowledge_minutes="90", contain_minutes="60")

    assert "Targets must be in order: acknowledge ≤ contain ≤ resolve." in response.content.decode()
    tier.refresh_from_db()
    assert tier.acknowledge_minutes == 15
