"""A contact channel's webhook cannot point inside the network: the admin, the model and a matrix file import
refuse a URL at a non-public address with the reason (the sender checks again: notifications/tests/test_outbound.py).
"""

import pytest
from django.core.exceptions import ValidationError

from matrix import models as m
from matrix.matrix_file import MatrixFileError, export_data, import_data
from matrix.tests import factories as f
from matrix.tests.matrix_file_fixtures import rich_matrix
from matrix.tests.test_admin import admin_form_data, assert_saved, change_url
from matrix.tests.test_admin_forms import REASON, post_add, post_change
from notifications.outbound import POLICY
from notifications.tests.fake_dns import FakeDNS

pytestmark = pytest.mark.django_db

REFUSED = f"; {POLICY}."
# target → the reason it is refused
INTERNAL = {
    "http://127.0.0.1:8000/admin/": "127.0.0.1 is a loopback address",
    "http://localhost/hook": "localhost resolves to 127.0.0.1, a loopback address",
    "http://169.254.169.254/latest/meta-data/": "169.254.169.254 is a link-local address (the cloud metadata service)",
    "http://[::1]/hook": "::1 is a loopback address",
    "http://10.0.0.5/hook": "10.0.0.5 is a private address",
    "https://hooks.partner.io/T01/xyz": "hooks.partner.io resolves to 10.0.0.5, a private address",
}


@pytest.fixture(autouse=True)
def setup(settings, monkeypatch):
    settings.MATRIX_APPROVALS = False  # a valid form saves at once
    settings.OUTBOUND_ALLOWED_HOSTS = []  # the test settings allow 127.0.0.1 for the outbox tests' receivers
    dns = FakeDNS()
    dns["hooks.partner.io"] = ["93.184.215.14", "10.0.0.5"]  # one private address is enough to refuse it
    dns["hooks.public.io"] = ["93.184.215.14"]
    monkeypatch.setattr("socket.getaddrinfo", dns)


@pytest.mark.parametrize(("target", "why"), INTERNAL.items())
@pytest.mark.parametrize("kind", [m.ChannelKind.SLACK, m.ChannelKind.TEAMS, m.ChannelKind.WEBHOOK])
def test_the_model_refuses_a_webhook_at_a_non_public_address(kind, target, why):
    channel = f.ContactChannelFactory.build(team=f.TeamFactory(), kind=kind, target=target)

    with pytest.raises(ValidationError) as refused:
        channel.full_clean()

    assert refused.value.message_dict == {"target": [why + REFUSED]}


def test_the_model_accepts_a_public_webhook_and_leaves_email_alone():
    team = f.TeamFactory()
    f.ContactChannelFactory.build(team=team, kind=m.ChannelKind.WEBHOOK, target="https://hooks.public.io/x").full_clean()
    f.ContactChannelFactory.build(team=team, kind=m.ChannelKind.EMAIL, target="ops@[10.0.0.5]").full_clean()


@pytest.mark.parametrize(("target", "why"), INTERNAL.items())
def test_the_admin_refuses_it_with_the_reason(manager_client, target, why):
    team = f.TeamFactory(key="sre")

    response = post_add(manager_client, "contactchannel", team=team.pk, kind=m.ChannelKind.WEBHOOK, target=target)

    assert response.context["adminform"].form.errors["target"] == [why + REFUSED]
    assert not m.ContactChannel.objects.exists()


def test_the_admin_refuses_it_in_a_teams_inline_too(manager_client):
    team = f.TeamFactory(key="sre")
    data = admin_form_data(manager_client.get(change_url(team)), change_reason=REASON)
    data.update({"channels-TOTAL_FORMS": "1", "channels-0-kind": m.ChannelKind.SLACK,
                 "channels-0-target": "http://169.254.169.254/latest/meta-data/", "channels-0-team": team.pk})

    response = manager_client.post(change_url(team), data)

    [inline] = [i for i in response.context["inline_admin_formsets"] if i.formset.prefix == "channels"]
    assert inline.formset.errors[0]["target"] == [INTERNAL["http://169.254.169.254/latest/meta-data/"] + REFUSED]
    assert not m.ContactChannel.objects.exists()


def test_a_target_the_form_already_refused_gets_no_second_error(manager_client):
    """The kind changed to a webhook, the target still an address: one error, not one more about the old target."""
    channel = f.ContactChannelFactory(kind=m.ChannelKind.EMAIL, target="sre@example.com")

    response = post_change(manager_client, channel, kind=m.ChannelKind.SLACK)

    assert response.context["adminform"].form.errors["target"] == [
        "For this kind of channel the target must be an http(s) webhook URL."
    ]


def test_the_admin_saves_a_host_the_operator_allows(manager_client, settings):
    settings.OUTBOUND_ALLOWED_HOSTS = ["10.0.0.5"]
    team = f.TeamFactory(key="sre")

    assert_saved(post_add(manager_client, "contactchannel", team=team.pk, kind=m.ChannelKind.WEBHOOK,
                          target="http://10.0.0.5/hook"))
    assert m.ContactChannel.objects.get().target == "http://10.0.0.5/hook"


@pytest.mark.parametrize(("target", "why"), INTERNAL.items())
def test_a_matrix_file_cannot_import_it(target, why):
    rich_matrix()
    data = export_data()
    before = export_data()
    channels = data["teams"][0]["channels"]
    channels.append({"kind": m.ChannelKind.SLACK, "label": "Alerts", "target": target, "secret": "",
                     "confirmed_at": None})

    with pytest.raises(MatrixFileError) as refused:
        import_data(data, reason="Adding an alerts channel")

    assert refused.value.errors == [
        f"teams[0] (key {data['teams'][0]['key']!r}).channels[{len(channels) - 1}] (target {target!r}).target: "
        f"{why}{REFUSED}"
    ]
    assert export_data() == before


def test_a_matrix_file_cannot_give_a_webhook_a_target_that_is_not_an_http_url():
    rich_matrix()
    data = export_data()
    data["teams"][0]["channels"].append({"kind": m.ChannelKind.WEBHOOK, "label": "Relay", "secret": "k",
                                         "target": "gopher://127.0.0.1:6379/_FLUSHALL", "confirmed_at": None})

    with pytest.raises(MatrixFileError) as refused:
        import_data(data, reason="Adding the relay")

    [error] = refused.value.errors
    assert error.endswith(".target: Only http and https URLs are called, not gopher URLs.")


def test_a_matrix_file_imports_a_host_the_operator_allows(settings):
    settings.OUTBOUND_ALLOWED_HOSTS = ["hooks.partner.io"]
    rich_matrix()
    data = export_data()
    data["teams"][0]["channels"].append({"kind": m.ChannelKind.WEBHOOK, "label": "Relay", "secret": "k",
                                         "target": "https://hooks.partner.io/T01/xyz", "confirmed_at": None})

    import_data(data, reason="Adding the relay")

    assert m.ContactChannel.objects.filter(target="https://hooks.partner.io/T01/xyz").exists()


def test_with_approvals_on_it_is_refused_before_a_change_request_is_drafted(manager_client, settings):
    settings.MATRIX_APPROVALS = True
    team = f.TeamFactory(key="sre")

    response = post_add(manager_client, "contactchannel", team=team.pk, kind=m.ChannelKind.WEBHOOK,
                        target="http://10.0.0.5/hook")

    assert response.context["adminform"].form.errors["target"] == [INTERNAL["http://10.0.0.5/hook"] + REFUSED]
    assert not m.ChangeRequest.objects.exists()
