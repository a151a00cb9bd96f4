"""How each channel sends one notification: email, Slack- and Teams-compatible webhooks, signed JSON.

Each sender raises ``DeliveryError`` with a short, safe reason (never a webhook URL: its path is often
the credential) and returns when the receiver accepted the message (2xx; redirects are refused, since
following one would turn the POST into a GET and lose the message). HTTP goes through the standard
library with a timeout, so a hanging receiver cannot hold a worker for long, and only to addresses the
outbound policy allows (``outbound``: public ones, or hosts the operator lists), checked on every connection.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import sys
import urllib.error
import urllib.request
from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from . import outbound
from .models import Channel, Notification
from .outbound import is_example_host

USER_AGENT = "EscalationMatrix-Notifications/1.0"
SIGNATURE_HEADER = "X-Escalation-Signature"
TIMESTAMP_HEADER = "X-Escalation-Timestamp"
# Every attempt at one notification carries the same identity, so a receiver can drop a repeat (delivery is
# at least once: docs/operations.md). Webhooks get it in both headers; e-mail as its Message-ID.
IDEMPOTENCY_HEADER = "Idempotency-Key"
DELIVERY_HEADER = "X-Escalation-Delivery"


class DeliveryError(Exception):
    """The channel did not take the message; the text is stored as the notification's last error."""

    permanent = False  # True when no later attempt can succeed: the message is dead-lettered at once


class DeliveryRefused(DeliveryError):
    """The outbound policy refused the receiver's address. Trying again would be refused again (and would give a
    rebinding name more tries); an operator who allows the host can retry the dead letter."""

    permanent = True


def timeout_seconds() -> float:
    return float(getattr(settings, "NOTIFICATION_TIMEOUT_SECONDS", 5))


def channel_send(notification: Notification) -> None:
    SENDERS[notification.channel](notification)


def delivery_id(notification: Notification) -> str:
    """The same for every attempt at this notification, and for no other: its id and a digest of its dedupe key
    (so two databases' notification 7 never share one)."""
    return f"{notification.pk}-{hashlib.sha256(notification.dedupe_key.encode()).hexdigest()[:16]}"


def message_id(notification: Notification) -> str:
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].strip(">") or "escalation-matrix.invalid"
    return f"<notification-{delivery_id(notification)}@{domain}>"


# --- email ------------------------------------------------------------------------------------------
def send_email(notification: Notification) -> None:
    # Django's console backend in development: the worker's output shows every email.
    connection = get_connection(timeout=getattr(settings, "EMAIL_TIMEOUT", None) or timeout_seconds())
    message = EmailMessage(
        subject=notification.subject,
        body=notification.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[notification.target],
        connection=connection,
        headers={
            "Auto-Submitted": "auto-generated",  # RFC 3834: no out-of-office replies to the outbox
            "Message-ID": message_id(notification),
            DELIVERY_HEADER: delivery_id(notification),
        },
    )
    try:
        sent = message.send()
    except Exception as exc:  # smtplib and socket errors have no common base worth naming
        raise DeliveryError(f"Email to {notification.target} failed: {exc}") from exc
    if not sent:
        raise DeliveryError(f"The mail server did not accept the email to {notification.target}.")


# --- webhooks ---------------------------------------------------------------------------------------
def slack_message(notification: Notification) -> dict:
    # Slack's formatting reserves &, < and >: escaped, a body cannot forge links or mentions.
    def escape(text: str) -> str:
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

    return {"text": f"*{escape(notification.subject)}*\n{escape(notification.body)}"}


def teams_message(notification: Notification) -> dict:
    card = {
        "@type": "MessageCard",
        "@context": "https://schema.org/extensions",
        "summary": notification.subject,
        "title": notification.subject,
        # Teams' Markdown joins single line breaks: a blank line keeps the body's lines apart.
        "text": notification.body.replace("\n", "\n\n"),
        "themeColor": "6C757D" if notification.is_drill else "D83B01",
    }
    url = notification.payload.get("url")
    if url:
        card["potentialAction"] = [
            {"@type": "OpenUri", "name": "Open in Escalation Matrix", "targets": [{"os": "default", "uri": url}]}
        ]
    return card


def webhook_message(notification: Notification, *, sent_at: str) -> dict:
    # The caller's payload at the top level, with our fields winning on a clash. ``sent_at`` is inside
    # the signed body, so a receiver can refuse replays of an old delivery.
    return {
        **notification.payload,
        "subject": notification.subject,
        "body": notification.body,
        "drill": notification.is_drill,
        "dedupe_key": notification.dedupe_key,
        "sent_at": sent_at,
    }


def signature(secret: str, timestamp: int | str, body: bytes) -> str:
    """The signature header's value, the same both ways (our webhooks out, integrations' hooks in):
    ``sha256=`` and the hex HMAC-SHA256 of "<timestamp>." and the raw body, so that a receiver which checks
    the timestamp's age refuses an old delivery replayed."""
    message = f"{timestamp}.".encode() + body
    return "sha256=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def identity_headers(notification: Notification) -> dict[str, str]:
    return {IDEMPOTENCY_HEADER: delivery_id(notification), DELIVERY_HEADER: delivery_id(notification)}


# Slack's and Teams' incoming webhooks cannot update a message they posted, so a repeat is a second post
# there (with the same identity headers, which they ignore); see docs/operations.md.
def send_slack(notification: Notification) -> None:
    _post(notification.target, _encode(slack_message(notification)), identity_headers(notification))


def send_teams(notification: Notification) -> None:
    _post(notification.target, _encode(teams_message(notification)), identity_headers(notification))


def send_webhook(notification: Notification) -> None:
    now = timezone.now()
    body = _encode(webhook_message(notification, sent_at=now.isoformat()))
    timestamp = str(int(now.timestamp()))
    headers = {TIMESTAMP_HEADER: timestamp, **identity_headers(notification)}
    if notification.secret:
        headers[SIGNATURE_HEADER] = signature(notification.secret, timestamp, body)
    _post(notification.target, body, headers)


SENDERS: dict[str, Callable[[Notification], None]] = {
    Channel.EMAIL: send_email,
    Channel.SLACK: send_slack,
    Channel.TEAMS: send_teams,
    Channel.WEBHOOK: send_webhook,
}


# Names reserved for examples (``outbound.EXAMPLE_DOMAINS``): nothing can ever receive a message there. The
# demo organisation's contacts use them; with DEBUG on, a message to one is one line on the worker's console
# (as each e-mail is: escalation_matrix.mail), its full text in the outbox (Notifications in the admin).
def _print(url: str, body: bytes, headers: dict[str, str]) -> None:
    message = json.loads(body)
    said = str(message.get("subject") or message.get("title") or message.get("text") or "").strip()
    first_line = said.splitlines()[0] if said else "(no text)"
    sys.stdout.write(f"webhook to {url} (example address, not sent): {first_line}\n")
    sys.stdout.flush()


def _encode(message: dict) -> bytes:
    return json.dumps(message, cls=DjangoJSONEncoder, separators=(",", ":")).encode()


class _RefuseRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None  # urllib then raises HTTPError with the 3xx status


# Every connection it opens is checked by the outbound policy (a redirect would be too, were one followed).
_opener = outbound.build_opener(_RefuseRedirects)


def _post(url: str, body: bytes, headers: dict[str, str] | None = None) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise DeliveryError("Only http and https webhooks are sent.")
    host = parts.hostname or "?"
    if settings.DEBUG and is_example_host(host):
        _print(url, body, headers or {})
        return
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "User-Agent": USER_AGENT, **(headers or {})},
    )
    try:
        with _opener.open(request, timeout=timeout_seconds()) as response:
            status = response.status
    except urllib.error.HTTPError as exc:
        # The status and its standard reason only: the remote body is the receiver's to keep (it may be an
        # internal page), never ours to store where the admin shows it.
        reason = http.client.responses.get(exc.code, "")
        raise DeliveryError(f"{host} answered HTTP {exc.code} {reason}".rstrip()) from exc
    except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
        reason = getattr(exc, "reason", None) or exc
        if isinstance(reason, outbound.OutboundRefused):
            raise DeliveryRefused(f"Not sent: {reason}") from exc
        if isinstance(reason, TimeoutError) or "timed out" in str(reason):
            reason = f"no answer within {timeout_seconds():g} s"
        raise DeliveryError(f"Could not reach {host}: {reason}") from exc
    if not 200 <= status < 300:
        raise DeliveryError(f"{host} answered HTTP {status}")
