"""What each channel puts on the wire, checked at a real HTTP receiver on 127.0.0.1 and in the mail outbox."""

import contextlib
import hashlib
import hmac
import json
import threading
import time
from unittest import mock
from urllib.error import URLError

import pytest
from django.core import mail

from notifications.channels import DeliveryError, channel_send
from notifications.delivery import notification_deliver
from notifications.models import Status
from notifications.services import notification_enqueue
from notifications.tests.factories import NotificationFactory

pytestmark = pytest.mark.django_db


def enqueue(channel, target, **overrides):
    arguments = {
        "subject": "SEV1: Checkout is down",
        "body": "Payments fail with 502.\nAcknowledge within 15 minutes.",
        "dedupe_key": f"incident:7:filed:{channel}",
    }
    return notification_enqueue(channel=channel, target=target, **{**arguments, **overrides})


def test_email_goes_out_through_django_mail():
    notification = enqueue("email", "oncall@example.com")

    assert notification_deliver(notification_id=notification.pk) == "sent"

    [message] = mail.outbox
    assert message.to == ["oncall@example.com"]
    assert message.subject == "SEV1: Checkout is down"
    assert message.body == "Payments fail with 502.\nAcknowledge within 15 minutes."
    assert message.extra_headers["Auto-Submitted"] == "auto-generated"


def test_drill_email_says_drill_first():
    notification = enqueue("email", "oncall@example.com", is_drill=True)

    notification_deliver(notification_id=notification.pk)

    [message] = mail.outbox
    assert message.subject.startswith("DRILL: ") and message.body.startswith("DRILL: ")


def test_slack_webhook_gets_a_text_message(receiver):
    notification = enqueue("slack", receiver.url, body="Errors <script> & more")

    assert notification_deliver(notification_id=notification.pk) == "sent"

    [request] = receiver.requests
    assert request.path == "/hook/T01/B02/xyz"
    assert request.headers["Content-Type"] == "application/json"
    # Slack's reserved characters are escaped, so a body cannot forge links or mentions.
    assert request.json() == {"text": "*SEV1: Checkout is down*\nErrors &lt;script&gt; &amp; more"}


def test_teams_webhook_gets_a_message_card_with_title_text_and_link(receiver):
    notification = enqueue("teams", receiver.url, payload={"url": "https://em.example.com/incidents/7/"})

    notification_deliver(notification_id=notification.pk)

    card = receiver.requests[0].json()
    assert card["@type"] == "MessageCard"
    assert card["title"] == card["summary"] == "SEV1: Checkout is down"
    assert card["text"] == "Payments fail with 502.\n\nAcknowledge within 15 minutes."
    assert card["potentialAction"][0]["targets"][0]["uri"] == "https://em.example.com/incidents/7/"


def test_generic_webhook_is_json_signed_with_hmac_sha256_of_its_timestamp_and_raw_body(receiver):
    notification = enqueue(
        "webhook", receiver.url, secret="s3cr3t", payload={"event": "incident.filed", "incident": {"id": 7}}
    )

    notification_deliver(notification_id=notification.pk)

    [request] = receiver.requests
    timestamp = request.headers["X-Escalation-Timestamp"]
    expected = "sha256=" + hmac.new(b"s3cr3t", f"{timestamp}.".encode() + request.body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(request.headers["X-Escalation-Signature"], expected)
    assert timestamp.isdigit() and abs(int(timestamp) - time.time()) < 60
    body = request.json()
    assert body["event"] == "incident.filed" and body["incident"] == {"id": 7}
    assert body["subject"] == "SEV1: Checkout is down"
    assert body["drill"] is False
    assert body["dedupe_key"] == "incident:7:filed:webhook"
    assert "sent_at" in body
    assert "s3cr3t" not in request.body.decode()


def test_a_signature_made_with_another_secret_does_not_verify(receiver):
    notification = enqueue("webhook", receiver.url, secret="s3cr3t")

    notification_deliver(notification_id=notification.pk)

    request = receiver.requests[0]
    forged = "sha256=" + hmac.new(b"guess", request.body, hashlib.sha256).hexdigest()
    assert request.headers["X-Escalation-Signature"] != forged


def test_drill_webhook_payload_says_drill(receiver):
    notification = enqueue("webhook", receiver.url, secret="k", is_drill=True)

    notification_deliver(notification_id=notification.pk)

    body = receiver.requests[0].json()
    assert body["drill"] is True
    assert body["subject"].startswith("DRILL: ")


def test_webhook_without_secret_is_sent_unsigned(receiver):
    notification = enqueue("webhook", receiver.url)

    notification_deliver(notification_id=notification.pk)

    assert "X-Escalation-Signature" not in receiver.requests[0].headers


@pytest.mark.parametrize("status", [201, 202, 204])
def test_any_2xx_answer_means_sent(receiver, status):
    receiver.answers = [status]
    notification = enqueue("slack", receiver.url)

    assert notification_deliver(notification_id=notification.pk) == "sent"


@pytest.mark.parametrize(
    ("status", "reason"),
    [(500, "answered HTTP 500 Internal Server Error$"), (404, "answered HTTP 404 Not Found$"),
     (302, "answered HTTP 302")],
)
def test_errors_and_redirects_are_failures_with_a_reason_that_hides_the_url_and_the_answer(receiver, status, reason):
    receiver.answers = [status]
    notification = enqueue("slack", receiver.url)

    with pytest.raises(DeliveryError, match=reason) as failure:
        channel_send(notification)

    assert "/hook/T01/B02/xyz" not in str(failure.value)  # a webhook URL's path is its credential
    assert "receiver says no" not in str(failure.value)  # the remote body may be an internal page: never kept
    assert len(receiver.requests) == 1  # the redirect was not followed


def test_an_unreachable_receiver_is_a_failure(receiver):
    notification = enqueue("teams", "http://127.0.0.1:9/nothing-listens-here")

    with pytest.raises(DeliveryError, match=r"Could not reach 127\.0\.0\.1"):
        channel_send(notification)


def test_a_failed_send_is_recorded_on_the_row(receiver):
    receiver.answers = [503]
    notification = enqueue("webhook", receiver.url, secret="k")

    assert notification_deliver(notification_id=notification.pk) == "retry"

    notification.refresh_from_db()
    assert notification.status == Status.PENDING
    assert notification.last_error.startswith("127.0.0.1 answered HTTP 503")
    assert json.loads(receiver.requests[0].body)["dedupe_key"] == "incident:7:filed:webhook"


def test_a_receiver_that_never_answers_times_out(receiver, settings):
    settings.NOTIFICATION_TIMEOUT_SECONDS = 0.2
    receiver.hold = threading.Event()
    notification = enqueue("slack", receiver.url)

    try:
        with pytest.raises(DeliveryError, match=r"no answer within 0.2 s"):
            channel_send(notification)
    finally:
        receiver.hold.set()


def test_in_development_webhooks_to_example_domains_are_printed_not_posted(settings, capsys):
    settings.DEBUG = True
    notification = enqueue("slack", "https://hooks.slack.example/services/T0DEMO/sre")

    assert notification_deliver(notification_id=notification.pk) == "sent"

    printed = capsys.readouterr().out
    # One line, as an e-mail in development is: the full text is in the outbox.
    assert printed == ("webhook to https://hooks.slack.example/services/T0DEMO/sre (example address, not sent): "
                       "*SEV1: Checkout is down*\n")


def test_in_production_example_domains_are_not_special(settings):
    settings.DEBUG = False
    notification = enqueue("teams", "https://teams.example/webhookb2/sre-bridge")

    # No name lookup in a test: the opener fails as an unresolvable host would.
    with mock.patch("notifications.channels._opener.open", side_effect=URLError("Name or service not known")) as post:
        with pytest.raises(DeliveryError, match=r"Could not reach teams\.example: Name or service not known"):
            channel_send(notification)

    assert post.call_args.args[0].full_url == "https://teams.example/webhookb2/sre-bridge"


@pytest.mark.parametrize("channel", ["slack", "teams", "webhook"])
def test_every_attempt_at_a_webhook_carries_the_same_identity_and_no_other_notification_does(receiver, channel):
    receiver.answers = [503]
    first = enqueue(channel, receiver.url)
    other = NotificationFactory(channel=channel, target=receiver.url, dedupe_key="incident:8:filed")

    for notification in (first, first, other):
        with contextlib.suppress(DeliveryError):
            channel_send(notification)

    keys = [request.headers["Idempotency-Key"] for request in receiver.requests]
    assert keys[0] == keys[1] != keys[2]
    assert [request.headers["X-Escalation-Delivery"] for request in receiver.requests] == keys


def test_every_attempt_at_an_email_carries_the_same_message_id(mailoutbox):
    first = NotificationFactory(channel="email", target="pat@example.com", dedupe_key="incident:7:filed:pat")
    other = NotificationFactory(channel="email", target="pat@example.com", dedupe_key="incident:8:filed:pat")

    for notification in (first, first, other):
        channel_send(notification)

    ids = [message.extra_headers["Message-ID"] for message in mailoutbox]
    assert ids[0] == ids[1] != ids[2]
    assert ids[0].startswith("<notification-") and ids[0].endswith(">")
