"""Approval applies exactly the drafted diff: inline rows added, changed and deleted, m2m lists, adds, deletes."""

import pytest
from django.urls import reverse

from matrix import models as m
from matrix.tests import factories as f
from matrix.tests import test_governance_admin as governance
from matrix.tests.test_admin import admin_form_data, change_url
from matrix.tests.test_governance_admin import decide, messages_of, text
from notifications.models import Notification

# morgan (a manager) proposes, daniel (an approver) decides: matrix/tests/conftest.py.
approvals_on = governance.approvals_on

pytestmark = pytest.mark.django_db


def approve_only_request(client):
    change_request = m.ChangeRequest.objects.get()
    decide(client, change_request, "approve")
    change_request.refresh_from_db()
    assert change_request.status == "approved", change_request.conflict
    return change_request


def test_policy_steps_changed_deleted_and_added_with_people_are_applied_exactly_on_approval(
    morgan_client, daniel_client, daniel
):
    policy = f.PolicyFactory(key="checkout-sev1", name="Checkout SEV1")
    first = f.StepFactory(policy=policy, position=1, delay_minutes=0)
    second = f.StepFactory(policy=policy, position=2, delay_minutes=15)
    untouched = f.StepFactory(policy=policy, position=4, delay_minutes=60)
    vera = f.UserFactory(username="vera", first_name="Vera", last_name="Vance")
    page = morgan_client.get(change_url(policy))
    data = admin_form_data(page, change_reason="Escalate sooner, and to Vera")
    index = {int(data[f"steps-{i}-id"]): i for i in range(3)}
    data[f"steps-{index[first.pk]}-delay_minutes"] = "5"
    data[f"steps-{index[second.pk]}-DELETE"] = "on"
    data.update({"steps-TOTAL_FORMS": "4", "steps-3-policy": policy.pk, "steps-3-position": "3",
                 "steps-3-delay_minutes": "30", "steps-3-notify_users": [str(vera.pk)],
                 "steps-3-phase": "acknowledge", "steps-3-counted_from": "start"})

    morgan_client.post(change_url(policy), data)

    assert [(s.position, s.delay_minutes) for s in policy.steps.all()] == [(1, 0), (2, 15), (4, 60)]
    diff = m.ChangeRequest.objects.get().diff
    assert [(e["model"], e["op"]) for e in diff["objects"]] == [
        ("matrix.escalationpolicy", "change"), ("matrix.escalationstep", "delete"),
        ("matrix.escalationstep", "change"), ("matrix.escalationstep", "add"),
    ]
    assert diff["objects"][2]["fields"] == {"delay_minutes": {"old": 0, "new": 5}}
    assert diff["objects"][3]["m2m"]["notify_users"]["new"] == [{"id": vera.pk, "key": "vera", "label": "vera"}]
    review = reverse("admin:matrix_changerequest_change", args=[m.ChangeRequest.objects.get().pk])
    words = text(morgan_client.get(review))
    assert "Escalation step “Step 1 (+0 min)” Delay minutes: 0 → 5" in words
    assert "Delete escalation step “Step 2 (+15 min)”" in words
    assert "New escalation step “Step 3 (+30 min)”" in words and "Notify users: vera" in words

    approve_only_request(daniel_client)

    steps = list(policy.steps.all())
    assert [(s.position, s.delay_minutes) for s in steps] == [(1, 5), (3, 30), (4, 60)]
    assert list(steps[1].notify_users.all()) == [vera]
    untouched_record = untouched.history.latest()
    assert untouched_record.history_type == "+"  # never written again
    expected = "Escalate sooner, and to Vera — by morgan, approved by daniel"
    for record in (first.history.latest(), m.EscalationStep.history.get(id=second.pk, history_type="-"),
                   steps[1].history.latest()):
        assert (record.history_change_reason, record.history_user) == (expected, daniel)


def test_area_m2m_dependencies_and_an_inline_roster_row_are_applied_on_approval(morgan_client, daniel_client):
    area = f.AreaFactory(key="checkout", name="Checkout")
    stripe, cdn = f.VendorFactory(key="stripe", name="Stripe"), f.VendorFactory(key="cdn", name="CDN")
    area.depends_on_vendors.add(stripe)
    lena = f.UserFactory(username="lena")
    page = morgan_client.get(change_url(area))
    data = admin_form_data(page, depends_on_vendors=[cdn.pk], change_reason="Assets moved to the CDN")
    data.update({"roster-TOTAL_FORMS": "1", "roster-0-role": m.RosterRole.LEAD_ENGINEER, "roster-0-user": lena.pk,
                 "roster-0-area": area.pk})

    morgan_client.post(change_url(area), data)

    assert list(area.depends_on_vendors.all()) == [stripe] and not area.roster.exists()
    [main, roster] = m.ChangeRequest.objects.get().diff["objects"]
    assert main["m2m"]["depends_on_vendors"] == {
        "old": [{"id": stripe.pk, "key": "stripe", "label": "Stripe"}],
        "new": [{"id": cdn.pk, "key": "cdn", "label": "CDN"}],
    }
    assert roster["fields"]["area"]["new"] == {"id": area.pk, "key": "checkout", "label": "Checkout"}

    approve_only_request(daniel_client)

    assert list(area.depends_on_vendors.all()) == [cdn]
    assert area.roster.get().user == lena
    assert area.history.latest().history_change_reason == "Assets moved to the CDN — by morgan, approved by daniel"


def test_adding_an_area_with_a_roster_row_is_a_request_without_target_until_approved(morgan_client, daniel_client):
    team = f.TeamFactory(key="search-team", name="Search team")
    lena = f.UserFactory(username="lena")
    url = reverse("admin:matrix_productarea_add")
    data = admin_form_data(morgan_client.get(url), name="Search", key="search", lifecycle_stage="beta",
                           owner_team=team.pk, change_reason="New area for the search launch")
    data.update({"roster-TOTAL_FORMS": "1", "roster-0-role": m.RosterRole.PRODUCT_MANAGER, "roster-0-user": lena.pk})

    response = morgan_client.post(url, data, follow=True)

    assert not m.ProductArea.objects.filter(key="search").exists()
    change_request = m.ChangeRequest.objects.get()
    assert (change_request.operation, change_request.target_object_id) == ("add", None)
    assert any(msg.startswith("Pending approval: adding product area “Search”") for msg in messages_of(response))
    [_, roster] = change_request.diff["objects"]
    assert roster["fields"]["area"]["new"] == {"ref": "0", "label": "Search"}

    approve_only_request(daniel_client)

    search = m.ProductArea.objects.get(key="search")
    assert (search.owner_team, search.lifecycle_stage) == (team, "beta")
    assert search.roster.get().user == lena
    expected = "New area for the search launch — by morgan, approved by daniel"
    assert search.history.get().history_change_reason == expected


def test_deleting_drafts_a_request_and_approval_deletes_with_its_cascade(morgan_client, daniel_client):
    playbook = f.PlaybookFactory(key="refunds", name="Refunds")
    item = f.ChecklistItemFactory(playbook=playbook)
    url = reverse("admin:matrix_playbook_delete", args=[playbook.pk])
    assert "Deleting proposes it" in morgan_client.get(url).content.decode()

    response = morgan_client.post(url, {"post": "yes", "change_reason": "Merged into payments"}, follow=True)

    assert m.Playbook.objects.filter(pk=playbook.pk).exists()
    assert any(msg.startswith("Pending approval: deleting playbook “Refunds”") for msg in messages_of(response))
    change_request = m.ChangeRequest.objects.get()
    assert (change_request.operation, change_request.target_object_id) == ("delete", playbook.pk)

    approve_only_request(daniel_client)

    assert not m.Playbook.objects.filter(pk=playbook.pk).exists()
    expected = "Merged into payments — by morgan, approved by daniel"
    assert m.ChecklistItem.history.get(id=item.pk, history_type="-").history_change_reason == expected
    assert m.Playbook.history.get(id=playbook.pk, history_type="-").history_user.username == "daniel"


def test_bulk_delete_drafts_one_request_per_object_and_deletes_nothing(morgan_client):
    rules = [f.RuleFactory(key="old-1"), f.RuleFactory(key="old-2")]
    url = reverse("admin:matrix_routingrule_changelist")

    response = morgan_client.post(url, {"action": "delete_selected", "_selected_action": [r.pk for r in rules],
                                        "post": "yes", "change_reason": "Replaced by the keyword rule"}, follow=True)

    assert m.RoutingRule.objects.count() == 2
    assert sorted(m.ChangeRequest.objects.values_list("target_object_id", flat=True)) == sorted(r.pk for r in rules)
    assert any(msg.startswith("Pending approval: deleting 2 routing rules") for msg in messages_of(response))


def test_reverting_from_history_is_drafted_too(morgan_client, daniel_client):
    area = f.AreaFactory(key="checkout", name="Checkout")
    original = area.history.earliest()
    area.name = "Cart"
    area.save()
    url = reverse("admin:matrix_productarea_simple_history", args=[area.pk, original.history_id])

    morgan_client.post(url, admin_form_data(morgan_client.get(url), change_reason="Back to the old name"))

    area.refresh_from_db()
    assert area.name == "Cart"
    assert m.ChangeRequest.objects.get().diff["objects"][0]["fields"]["name"] == {"old": "Cart", "new": "Checkout"}
    approve_only_request(daniel_client)
    area.refresh_from_db()
    assert area.name == "Checkout"


def test_a_long_reason_is_kept_whole_in_the_history_and_on_the_request(morgan_client, daniel_client):
    area = f.AreaFactory(key="checkout", name="Checkout")
    reason = "Renamed after the customer research showed nobody calls it checkout; see the Q3 research notes"

    morgan_client.post(change_url(area), admin_form_data(morgan_client.get(change_url(area)), name="Pay",
                                                         change_reason=reason))
    change_request = approve_only_request(daniel_client)

    recorded = area.history.latest().history_change_reason
    assert recorded == change_request.applied_reason == f"{reason} — by morgan, approved by daniel"
    assert change_request.reason == reason


def test_a_change_the_database_would_refuse_is_refused_to_its_author_when_drafted(morgan_client):
    area = f.AreaFactory(key="checkout", name="Checkout")
    policy = f.PolicyFactory(key="p", name="P", area=area)
    first = f.StepFactory(policy=policy, position=1)
    second = f.StepFactory(policy=policy, position=2)
    page = morgan_client.get(change_url(policy))
    data = admin_form_data(page, change_reason="Swap the steps")
    index = {int(data[f"steps-{i}-id"]): i for i in range(2)}
    # Swapping positions passes the form (no duplicates in the end) but not the database, row by row.
    data[f"steps-{index[first.pk]}-position"], data[f"steps-{index[second.pk]}-position"] = "2", "1"

    response = morgan_client.post(change_url(policy), data, follow=True)

    assert any(msg.startswith("This change cannot be made:") for msg in messages_of(response))
    assert not m.ChangeRequest.objects.exists()


def test_a_webhook_secret_change_is_applied_but_never_shown_or_mailed(morgan_client, daniel_client, daniel):
    channel = f.ContactChannelFactory(team=f.TeamFactory(key="sre"), kind=m.ChannelKind.WEBHOOK,
                                      target="https://hooks.example.com/sre", secret="old-secret-1234")

    morgan_client.post(change_url(channel), admin_form_data(morgan_client.get(change_url(channel)),
                                                            secret="new-secret-5678", change_reason="Rotate"))

    change_request = m.ChangeRequest.objects.get()
    page = morgan_client.get(reverse("admin:matrix_changerequest_change", args=[change_request.pk])).content.decode()
    assert "Secret: changed (not shown)" in page
    mailed = Notification.objects.get(user=daniel).body
    for shown in (page, mailed):
        assert "old-secret-1234" not in shown and "new-secret-5678" not in shown
    approve_only_request(daniel_client)
    channel.refresh_from_db()
    assert channel.secret == "new-secret-5678"
