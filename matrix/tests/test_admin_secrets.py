"""A contact channel's secret is never displayed again once set, and its chat or webhook URL — a credential —
is shown whole only to people who may edit contact channels: in the admin (form, list, inline, history),
on What changed, on a change request, on the team page."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from matrix import models as m
from matrix.governance import Draft, change_request_submit
from matrix.tests import factories as f
from matrix.tests.test_admin import admin_form_data, change_url

pytestmark = pytest.mark.django_db
REASON = "Rotating the webhook secret"
URL = "https://hooks.example.com/services/T000/B000/XXXXSECRETPATH"
MASKED = "https://hooks.example.com/…"


@pytest.fixture
def channel(settings):
    settings.MATRIX_APPROVALS = False
    team = f.TeamFactory(key="payments", name="Payments")
    return f.ContactChannelFactory(team=team, kind=m.ChannelKind.WEBHOOK, label="", target=URL,
                                   secret="first-s3cret")


def signed_in(role_user, role: str, username: str) -> Client:
    """A browser of its own (the ``client`` fixture is one browser: signing in again would sign out)."""
    client = Client()
    client.force_login(role_user(role, username=username))
    return client


@pytest.fixture
def approver(role_user):
    return signed_in(role_user, "Approvers", "apu")


def edit(client, channel, **changes):
    page = client.get(change_url(channel))
    return client.post(change_url(channel), admin_form_data(page, change_reason=REASON, **changes), follow=True)


def test_a_manager_sets_a_secret_without_ever_reading_it_back(manager_client, channel):
    page = manager_client.get(change_url(channel)).content.decode()
    assert "first-s3cret" not in page and "set (last changed" in page
    assert URL in page  # a manager edits the URL: it is on the form

    kept = edit(manager_client, channel, label="Pager bridge")  # the secret left empty keeps it
    channel.refresh_from_db()
    assert kept.status_code == 200 and channel.label == "Pager bridge" and channel.secret == "first-s3cret"

    edit(manager_client, channel, secret="second-s3cret")
    channel.refresh_from_db()
    assert channel.secret == "second-s3cret"
    assert "second-s3cret" not in manager_client.get(change_url(channel)).content.decode()


def test_a_generated_secret_is_shown_once_after_saving(manager_client, channel):
    saved = edit(manager_client, channel, generate_secret="on").content.decode()

    channel.refresh_from_db()
    assert channel.secret != "first-s3cret" and f"The new secret is {channel.secret}" in saved
    assert channel.secret not in manager_client.get(change_url(channel)).content.decode()


def test_history_says_a_secret_changed_never_what_it_was_or_became(manager_client, approver, channel):
    edit(manager_client, channel, secret="second-s3cret")

    for client in (manager_client, approver):
        history = client.get(reverse("admin:matrix_contactchannel_history", args=[channel.pk])).content.decode()
        assert "first-s3cret" not in history and "second-s3cret" not in history
        assert "changed (not shown)" in history
        first = channel.history.order_by("history_id").first().history_id
        version = client.get(reverse("admin:matrix_contactchannel_simple_history", args=[channel.pk, first]))
        assert version.status_code == 200 and "first-s3cret" not in version.content.decode()


def test_an_approver_reads_neither_the_secret_nor_the_url(approver, channel):
    page = approver.get(change_url(channel)).content.decode()
    listing = approver.get(reverse("admin:matrix_contactchannel_changelist")).content.decode()
    team = approver.get(change_url(channel.team)).content.decode()
    history = approver.get(reverse("admin:matrix_contactchannel_history", args=[channel.pk])).content.decode()

    for html in (page, listing, team, history):
        assert "XXXXSECRETPATH" not in html and "first-s3cret" not in html
    assert MASKED in page and MASKED in listing and MASKED in team
    assert "set (last changed" in page


def test_searching_by_url_is_for_editors_only(approver, manager_client, channel):
    search = {"q": "XXXXSECRETPATH"}
    url = reverse("admin:matrix_contactchannel_changelist")

    assert "hooks.example.com" not in approver.get(url, search).content.decode()  # found nothing
    assert URL in manager_client.get(url, search).content.decode()


def test_what_changed_and_change_requests_mask_urls_for_everyone_who_may_not_edit_them(
        manager_client, approver, role_user, channel):
    channel.target = URL.replace("XXXX", "YYYY")
    channel._change_reason = REASON
    channel.save()
    draft = Draft(author=role_user("Managers", username="mo"), reason="Move the webhook")
    channel.target = URL.replace("XXXX", "ZZZZ")
    draft.record(channel)
    change_request = change_request_submit(draft=draft)
    today = dt.date.today().isoformat()

    agent = signed_in(role_user, "Support agents", "sue")
    agent_page = agent.get(reverse("matrix:changes"), {"since": today, "until": today}).content.decode()
    manager_page = manager_client.get(reverse("matrix:changes"), {"since": today, "until": today}).content.decode()
    review = approver.get(reverse("admin:matrix_changerequest_change", args=[change_request.pk])).content.decode()

    assert "SECRETPATH" not in agent_page and MASKED in agent_page
    assert "YYYYSECRETPATH" in manager_page
    assert "SECRETPATH" not in review and MASKED in review


def test_the_team_page_names_an_unlabelled_webhook_by_its_host(client, role_user, channel):
    client.force_login(role_user("Support agents", username="sue"))

    page = client.get(reverse("matrix:team_detail", args=["payments"])).content.decode()

    assert MASKED in page and "SECRETPATH" not in page
