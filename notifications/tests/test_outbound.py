"""The outbound policy: webhooks go only to public addresses (or hosts the operator lists), checked when a channel
is saved and again, on the address actually connected to, when a message is sent."""

from urllib.parse import urlsplit

import pytest

from matrix import models as m
from matrix.tests.factories import ContactChannelFactory
from notifications.channels import DeliveryRefused, channel_send
from notifications.delivery import notification_deliver
from notifications.models import Status
from notifications.outbound import POLICY, url_refusal
from notifications.services import notification_enqueue

REFUSED = f"; {POLICY}."


@pytest.fixture(autouse=True)
def nothing_allowed(settings):
    """The test settings allow 127.0.0.1 for the other tests' receivers; these start from an empty list."""
    settings.OUTBOUND_ALLOWED_HOSTS = []


def port_of(url: str) -> int:
    return urlsplit(url).port


def enqueue(target: str, channel: str = "webhook"):
    return notification_enqueue(channel=channel, target=target, subject="SEV1: Checkout is down", body="Look now.",
                                dedupe_key=f"incident:7:filed:{channel}:{target}")


# --- at save time ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://127.0.0.1:8000/admin/", "127.0.0.1 is a loopback address"),
        ("http://localhost/hook", "localhost resolves to 127.0.0.1, a loopback address"),
        ("http://169.254.169.254/latest/meta-data/",
         "169.254.169.254 is a link-local address (the cloud metadata service)"),
        ("http://[::1]/hook", "::1 is a loopback address"),
        ("http://10.0.0.5/hook", "10.0.0.5 is a private address"),
        ("https://192.168.1.20:8443/hook", "192.168.1.20 is a private address"),
        ("http://0.0.0.0:8000/", "0.0.0.0 is an unspecified address"),
        ("http://224.0.0.251/", "224.0.0.251 is a multicast address"),
        ("http://100.64.0.1/", "100.64.0.1 is a non-public address"),
        ("http://[fd00::5]/", "fd00::5 is a private address"),
        ("http://[::ffff:127.0.0.1]/", "::ffff:127.0.0.1 is an IPv4-mapped form of 127.0.0.1, a loopback address"),
        ("http://[2002:a9fe:a9fe::]/",
         "2002:a9fe:a9fe:: is a 6to4 form of 169.254.169.254, a link-local address (the cloud metadata service)"),
        ("http://[64:ff9b::a00:5]/", "64:ff9b::a00:5 is a NAT64 form of 10.0.0.5, a private address"),
        ("http://127.1/", "127.1 resolves to 127.0.0.1, a loopback address"),  # what the resolver makes of it
    ],
)
def test_a_url_at_a_non_public_address_is_refused_with_the_reason(url, why):
    assert url_refusal(url) == why + REFUSED


def test_a_name_is_refused_when_any_address_it_resolves_to_is_not_public(dns):
    dns["hooks.partner.io"] = ["93.184.215.14", "10.0.0.5"]

    assert url_refusal("https://hooks.partner.io/T01/xyz") == (
        "hooks.partner.io resolves to 10.0.0.5, a private address" + REFUSED
    )


@pytest.mark.parametrize("url", ["https://93.184.215.14/hook", "https://[2606:2800:220:1::1]/hook",
                                 "http://[64:ff9b::808:808]/hook", "https://hooks.partner.io/T01/xyz"])
def test_public_addresses_are_allowed(dns, url):
    dns["hooks.partner.io"] = ["93.184.215.14", "2606:2800:220:1::1"]

    assert url_refusal(url) is None


def test_a_name_that_does_not_resolve_is_accepted_at_save_and_left_to_the_send(dns):
    dns["hooks.not-yet.io"] = []

    assert url_refusal("https://hooks.not-yet.io/hook") is None


def test_names_reserved_for_examples_are_not_looked_up_at_save(dns):
    dns["hooks.example.com"] = ["10.0.0.5"]

    assert url_refusal("https://hooks.example.com/services/T0DEMO/sre") is None
    assert dns.lookups == {}


@pytest.mark.parametrize(
    ("url", "why"),
    [("file:///etc/passwd", "Only http and https URLs are called, not file URLs."),
     ("gopher://127.0.0.1:6379/_FLUSHALL", "Only http and https URLs are called, not gopher URLs."),
     ("http:///hook", "The URL names no host."),
     ("hooks.partner.io/T01", "Only http and https URLs are called, not URLs without a scheme."),
     ("http://hooks.partner.io:99999/", "The URL is not valid (check the host and the port).")],
)
def test_only_http_and_https_urls_with_a_host_are_called(url, why):
    assert url_refusal(url) == why


@pytest.mark.parametrize(
    ("allowed", "url", "passes"),
    [
        (["10.0.0.5"], "http://10.0.0.5/hook", True),
        (["relay.internal.io"], "https://relay.internal.io/hook", True),
        (["RELAY.Internal.io."], "https://relay.internal.io/hook", True),
        (["relay.internal.io:8443"], "https://relay.internal.io:8443/hook", True),
        (["relay.internal.io:8443"], "https://relay.internal.io/hook", False),  # another port
        (["10.0.0.5"], "https://relay.internal.io/hook", True),  # the address it resolves to is listed
        (["[::1]:8080"], "http://[::1]:8080/hook", True),
        (["[::1]:8080"], "http://[::1]:9090/hook", False),
        (["::1"], "http://[0:0::1]/hook", True),  # one address, two spellings
        (["relay.internal.io:http"], "https://relay.internal.io/hook", False),  # not a port: allows nothing
    ],
)
def test_the_allow_list_lets_a_listed_host_through(settings, dns, allowed, url, passes):
    settings.OUTBOUND_ALLOWED_HOSTS = allowed
    dns["relay.internal.io"] = ["10.0.0.5"]

    assert (url_refusal(url) is None) is passes


# --- at send time ---------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_a_send_to_a_refused_address_is_dead_at_once_with_the_reason_and_nothing_reaches_it(receiver, broker):
    notification = enqueue(receiver.url)

    assert notification_deliver(notification_id=notification.pk) == "dead"

    notification.refresh_from_db()
    assert (notification.status, notification.attempts) == (Status.DEAD, 1)
    assert notification.last_error == "Not sent: 127.0.0.1 is a loopback address" + REFUSED
    assert receiver.requests == []
    assert broker.ids() == []  # no retry is scheduled: it would be refused again


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("target", "why"),
    [("http://169.254.169.254/latest/meta-data/iam/", "169.254.169.254 is a link-local address"),
     ("http://[::1]:8000/admin/", "::1 is a loopback address"),
     ("https://10.0.0.5/hook", "10.0.0.5 is a private address"),
     ("http://localhost:8000/admin/", "localhost resolves to 127.0.0.1, a loopback address")],
)
def test_every_channel_refuses_a_non_public_address_before_connecting(target, why, settings):
    settings.NOTIFICATION_TIMEOUT_SECONDS = 0.5  # were it not refused, a connection would not hang the test
    for channel in ("slack", "teams", "webhook"):
        with pytest.raises(DeliveryRefused, match=f"^Not sent: {why}"):
            channel_send(enqueue(target, channel))


@pytest.mark.django_db
def test_a_name_that_resolved_publicly_when_saved_and_privately_when_sent_is_refused(receiver, dns):
    """DNS rebinding: the check at save time passed; the check at send time, on the address connected to, does not."""
    dns.then("hooks.partner.io", ["93.184.215.14"], ["127.0.0.1"])
    channel = ContactChannelFactory(kind=m.ChannelKind.WEBHOOK,
                                    target=f"http://hooks.partner.io:{port_of(receiver.url)}/hook/T01/B02/xyz")
    channel.full_clean()  # passes: a public address today
    notification = enqueue(channel.target)

    assert notification_deliver(notification_id=notification.pk) == "dead"

    notification.refresh_from_db()
    assert notification.last_error == "Not sent: hooks.partner.io resolves to 127.0.0.1, a loopback address" + REFUSED
    assert receiver.requests == []


@pytest.mark.django_db
def test_the_connection_goes_to_the_address_checked_not_to_a_second_answer(receiver, dns, settings):
    """The name is looked up once per send: a second answer, were it asked for, would point somewhere private."""
    settings.OUTBOUND_ALLOWED_HOSTS = ["127.0.0.1"]
    dns.then("hooks.partner.io", ["127.0.0.1"], ["10.9.9.9"])
    port = port_of(receiver.url)
    notification = enqueue(f"http://hooks.partner.io:{port}/hook/T01/B02/xyz")

    assert notification_deliver(notification_id=notification.pk) == "sent"

    [request] = receiver.requests
    assert request.headers["Host"] == f"hooks.partner.io:{port}"  # the name, though the socket went to the address
    assert dns.lookups == {"hooks.partner.io": 1}


@pytest.mark.django_db
@pytest.mark.parametrize("allowed", [["hooks.relay.io"], ["hooks.relay.io:{port}"], ["127.0.0.1:{port}"]])
def test_an_allow_listed_host_is_sent_to(receiver, dns, settings, allowed):
    port = port_of(receiver.url)
    settings.OUTBOUND_ALLOWED_HOSTS = [entry.format(port=port) for entry in allowed]
    dns["hooks.relay.io"] = ["127.0.0.1"]

    notification = enqueue(f"http://hooks.relay.io:{port}/hook/T01/B02/xyz")

    assert notification_deliver(notification_id=notification.pk) == "sent"
    assert len(receiver.requests) == 1


@pytest.mark.django_db
def test_an_allow_list_entry_for_another_port_does_not_let_the_host_through(receiver, settings):
    port = port_of(receiver.url)
    settings.OUTBOUND_ALLOWED_HOSTS = [f"127.0.0.1:{port + 1}"]

    with pytest.raises(DeliveryRefused, match=r"^Not sent: 127\.0\.0\.1 is a loopback address"):
        channel_send(enqueue(receiver.url))
    assert receiver.requests == []
