"""POST /api/v1/hooks/<integration-key>/: signed inbound events file incidents; anything else is refused with
a reason and saves nothing."""

import datetime as dt
import hashlib
import hmac
import json
import threading
import time

import pytest
from django.db import DatabaseError, connection
from django.test import Client
from django.utils import timezone

from incidents import services
from incidents.integrations import signature
from incidents.models import HookDelivery, Incident, Integration, TimelineEntry
from incidents.tests.factories import incident_matrix
from matrix.models import Impact, ProductArea

pytestmark = pytest.mark.django_db

SECRET = "hook-secret"
URL = "/api/v1/hooks/alerts/"


@pytest.fixture
def matrix():
    return incident_matrix()


@pytest.fixture
def integration(matrix):
    return Integration.objects.create(
        key="alerts", name="Alerts", secret=SECRET,
        mapping={"title": "alert.summary", "description": "alert.text", "product_area": "labels.area",
                 "impact": "labels.impact", "urgency": "labels.urgency", "external_ref": "alert.id",
                 "details.order_id": "labels.order"},
    )


def alert(**labels) -> dict:
    return {
        "alert": {"id": "A-17", "summary": "Card payments failing above 5%", "text": "Since 10:02"},
        "labels": {"area": "checkout", "impact": "significant", "urgency": "high", "order": "ORD-1001", **labels},
    }


def now() -> int:
    return int(time.time())


def send(payload, *, secret: str = SECRET, url: str = URL, client: Client | None = None, sign: bool = True,
         header: str | None = None, timestamp: int | str | None = None, send_timestamp: bool = True):
    """POST ``payload`` as a sender would: stamped with ``timestamp`` (now by default) and signed over
    "<timestamp>." and the body. The same arguments twice send the very same request (a replay)."""
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    timestamp = str(now() if timestamp is None else timestamp)
    headers = {"X-Escalation-Timestamp": timestamp} if send_timestamp else {}
    if header is not None:
        headers["X-Escalation-Signature"] = header
    elif sign:
        headers["X-Escalation-Signature"] = signature(secret, timestamp, body)
    return (client or Client()).post(url, body, content_type="application/json", headers=headers)


def nothing_saved() -> bool:
    return not Incident.objects.exists() and not TimelineEntry.objects.exists()


def test_a_signed_alert_files_an_incident_routed_like_any_other(integration):
    response = send(alert())

    assert response.status_code == 201, response.content
    body = response.json()
    incident = Incident.objects.get()
    assert body["id"] == incident.pk
    assert {k: body[k] for k in ("title", "tier", "team", "status", "channel", "external_ref", "reporter",
                                 "details")} == {
        "title": "Card payments failing above 5%", "tier": "sev2", "team": "payments", "status": "new",
        "channel": "monitoring", "external_ref": "A-17", "reporter": None, "details": {"order_id": "ORD-1001"},
    }
    assert body["routing"]["fallback"] == "area_owner"
    assert body["url"] == f"http://testserver/incidents/{incident.pk}/"
    assert incident.reporter is None


def test_the_same_alert_posted_twice_files_once_and_the_repeat_answers_200(integration):
    stamp = now()
    first = send(alert(), timestamp=stamp)
    repeat = send(alert(), timestamp=stamp + 1)  # a retry, signed afresh

    assert (first.status_code, repeat.status_code) == (201, 200)
    assert repeat.json()["id"] == first.json()["id"]
    assert Incident.objects.count() == 1


def test_alerts_with_different_refs_file_separately(integration):
    send(alert())
    other = alert()
    other["alert"]["id"] = "A-18"

    assert send(other).status_code == 201
    assert Incident.objects.count() == 2


def test_alerts_without_an_external_ref_are_not_deduplicated(integration):
    payload = alert()
    del payload["alert"]["id"]

    stamp = now()
    send(payload, timestamp=stamp)
    send(payload, timestamp=stamp + 1)  # another delivery, signed afresh

    assert Incident.objects.count() == 2


def test_the_integrations_defaults_fill_what_the_payload_lacks(integration):
    integration.default_area = ProductArea.objects.get(key="search")
    integration.default_impact = Impact.objects.get(key="minor")
    integration.save()
    payload = alert()
    del payload["labels"]["area"], payload["labels"]["impact"]

    response = send(payload)

    assert response.status_code == 201, response.content
    assert (response.json()["product_area"], response.json()["impact"]) == ("search", "minor")


# --- refusals: each with its reason, each saving nothing ---------------------------------------------------

def test_a_missing_signature_is_a_401_with_a_challenge(integration):
    response = send(alert(), sign=False)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'HMAC-SHA256 header="X-Escalation-Signature"'
    assert response.json()["detail"].startswith("Missing X-Escalation-Signature header")
    assert nothing_saved()


def test_a_signature_with_the_wrong_secret_is_a_403(integration):
    response = send(alert(), secret="guessed")

    assert response.status_code == 403
    assert "does not match the body" in response.json()["detail"]
    assert nothing_saved()


def test_a_signature_of_other_bytes_is_a_403(integration):
    body, stamp = json.dumps(alert()).encode(), now()
    response = send(body, timestamp=stamp, header=signature(SECRET, stamp, body + b" "))

    assert response.status_code == 403
    assert nothing_saved()


def test_a_malformed_signature_header_is_a_403(integration):
    body, stamp = json.dumps(alert()).encode(), now()
    response = send(body, timestamp=stamp, header=signature(SECRET, stamp, body).removeprefix("sha256="))

    assert response.status_code == 403
    assert "must start with 'sha256='" in response.json()["detail"]
    assert nothing_saved()


def test_an_unknown_integration_is_a_404_naming_it(integration):
    response = send(alert(), url="/api/v1/hooks/nagios/")

    assert response.status_code == 404
    assert response.json() == {"detail": "Unknown integration 'nagios'."}
    assert nothing_saved()


def test_an_inactive_integration_reads_as_unknown(integration):
    integration.active = False
    integration.save()

    response = send(alert())

    assert response.status_code == 404
    assert response.json() == {"detail": "Unknown integration 'alerts'."}
    assert nothing_saved()


def test_the_signature_is_checked_before_the_body_is_parsed(integration):
    response = send(b"{not json", secret="guessed")

    assert response.status_code == 403


def test_a_signed_body_that_is_not_json_is_a_400(integration):
    response = send(b"{not json")

    assert response.status_code == 400
    assert response.json()["detail"].startswith("The body is not valid JSON")
    assert nothing_saved()


@pytest.mark.parametrize("payload", [[alert()], 42, "an alert", None], ids=["list", "number", "string", "null"])
def test_signed_json_that_is_not_an_object_is_a_400(integration, payload):
    response = send(payload)

    assert response.status_code == 400
    assert response.json() == {"payload": ["Expected a JSON object."]}
    assert nothing_saved()


def test_a_payload_missing_a_mapped_field_without_a_default_is_a_400_naming_it(integration):
    payload = alert()
    del payload["alert"]["summary"]

    response = send(payload)

    assert response.status_code == 400
    assert response.json() == {"title": ["Not in the payload at 'alert.summary', and the integration has no default."]}
    assert nothing_saved()


def test_a_mapped_key_the_matrix_does_not_know_is_a_400_naming_the_field(integration):
    response = send(alert(area="nowhere"))

    assert response.status_code == 400
    assert list(response.json()) == ["product_area"]
    assert nothing_saved()


def test_a_missing_triage_field_is_a_400_naming_it(integration):
    payload = alert()
    del payload["labels"]["order"]

    response = send(payload)

    assert response.status_code == 400
    assert response.json() == {"details.order_id": ["Order ID is required."]}
    assert nothing_saved()


# --- the signature is the only authentication ------------------------------------------------------------------

def test_no_session_token_or_csrf_token_is_needed(integration):
    response = send(alert(), client=Client(enforce_csrf_checks=True))

    assert response.status_code == 201, response.content


def test_a_signed_in_user_still_needs_a_signature(integration, manager_client):
    response = send(alert(), client=manager_client, sign=False)

    assert response.status_code == 401
    assert nothing_saved()


def test_the_hook_answers_post_only(integration):
    response = Client().get(URL)

    assert response.status_code == 405


# --- the timestamp: a captured request is refused after five minutes, and a second time within them -----------

def test_a_request_sent_again_as_it_was_is_refused_as_a_replay(integration):
    payload = alert()
    del payload["alert"]["id"]  # no external_ref: before, each copy filed an incident of its own
    stamp = now()

    responses = [send(payload, timestamp=stamp) for _ in range(3)]

    assert [r.status_code for r in responses] == [201, 403, 403]
    assert responses[1].json()["detail"].startswith("This request was received already")
    assert "fresh X-Escalation-Timestamp" in responses[1].json()["detail"]
    assert Incident.objects.count() == 1


def test_a_replay_is_refused_even_when_its_signature_is_spelt_in_capitals(integration):
    body, stamp = json.dumps(alert()).encode(), now()
    first = send(body, timestamp=stamp)
    shouted = "sha256=" + signature(SECRET, stamp, body).removeprefix("sha256=").upper()

    replay = send(body, timestamp=stamp, header=shouted)

    assert (first.status_code, replay.status_code) == (201, 403)


def test_a_replay_of_a_deduplicated_alert_is_refused_too(integration):
    stamp = now()
    send(alert(), timestamp=stamp)
    retry = send(alert(), timestamp=stamp + 1)

    replay = send(alert(), timestamp=stamp + 1)

    assert (retry.status_code, replay.status_code) == (200, 403)
    assert Incident.objects.count() == 1


def test_a_missing_timestamp_is_a_401_and_saves_nothing(integration):
    response = send(alert(), send_timestamp=False)

    assert response.status_code == 401
    assert response.json()["detail"].startswith("Missing X-Escalation-Timestamp header")
    assert nothing_saved()


@pytest.mark.parametrize("stamp", ["yesterday", "1772452800.5", "-1772452800", "1.7e9", "١٧٧٢٤٥٢٨٠٠"])
def test_a_malformed_timestamp_is_a_403(integration, stamp):
    response = send(alert(), timestamp=stamp)

    assert response.status_code == 403
    assert response.json()["detail"].startswith("Malformed X-Escalation-Timestamp header: it must be the Unix time")
    assert nothing_saved()


@pytest.mark.parametrize("offset, words", [(-301, "behind"), (301, "ahead of"), (10 ** 12, "ahead of")])
def test_a_timestamp_outside_five_minutes_of_the_servers_clock_is_a_403(integration, offset, words):
    response = send(alert(), timestamp=now() + offset)

    assert response.status_code == 403
    assert f"seconds {words} the server's clock; at most 300 are accepted" in response.json()["detail"]
    assert nothing_saved()


@pytest.mark.parametrize("offset", [-290, 290])
def test_a_timestamp_within_five_minutes_is_accepted(integration, offset):
    assert send(alert(), timestamp=now() + offset).status_code == 201


def test_the_timestamp_is_signed_a_changed_one_is_a_403(integration):
    body, stamp = json.dumps(alert()).encode(), now() - 400
    old_signature = signature(SECRET, stamp, body)

    response = send(body, timestamp=now(), header=old_signature)

    assert response.status_code == 403
    assert "does not match the body" in response.json()["detail"]
    assert nothing_saved()


def test_a_signature_of_the_body_alone_is_a_403(integration):
    body = json.dumps(alert()).encode()
    body_only = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()  # the old recipe

    response = send(body, header=body_only)

    assert response.status_code == 403
    assert nothing_saved()


def test_a_delivery_that_failed_is_not_remembered_so_its_exact_retry_files(integration, monkeypatch):
    file = services.incident_file
    calls = []

    def fail_once(**kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise DatabaseError("the database went away")
        return file(**kwargs)

    monkeypatch.setattr(services, "incident_file", fail_once)
    stamp = now()
    with pytest.raises(DatabaseError):
        send(alert(), timestamp=stamp)

    assert not HookDelivery.objects.exists()
    assert send(alert(), timestamp=stamp).status_code == 201


def test_signatures_older_than_the_window_are_forgotten_as_new_ones_arrive(integration):
    long_ago = timezone.now() - dt.timedelta(minutes=6)
    HookDelivery.objects.create(integration=integration, signature="a" * 64, signed_at=long_ago, received_at=long_ago)

    send(alert())

    assert list(HookDelivery.objects.values_list("signature", flat=True)) != ["a" * 64]
    assert HookDelivery.objects.count() == 1


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_two_copies_of_a_request_racing_each_other_file_one_incident(monkeypatch):
    incident_matrix()
    hook = Integration.objects.create(key="alerts", name="Alerts", secret=SECRET, mapping={
        "title": "alert.summary", "description": "alert.text", "product_area": "labels.area",
        "impact": "labels.impact", "urgency": "labels.urgency", "details.order_id": "labels.order"})
    file = services.incident_file

    def slow_file(**kwargs):
        time.sleep(0.3)  # the first copy is still filing when the second arrives
        return file(**kwargs)

    monkeypatch.setattr(services, "incident_file", slow_file)
    payload, stamp = alert(), now()
    del payload["alert"]["id"]
    barrier, statuses = threading.Barrier(2), []

    def deliver():
        try:
            barrier.wait()
            statuses.append(send(payload, timestamp=stamp).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(statuses) == [201, 403]
    assert Incident.objects.count() == 1
    assert HookDelivery.objects.filter(integration=hook).count() == 1


# --- bodies that used to crash the filing: each is an answer, never a 500 -------------------------------------

def test_a_payload_without_the_optional_description_files_with_an_empty_one(integration):
    payload = alert()
    del payload["alert"]["text"]

    response = send(payload)

    assert response.status_code == 201, response.content
    assert Incident.objects.get().description == ""


def test_a_mapping_without_a_description_files_with_an_empty_one(integration):
    integration.mapping = {k: v for k, v in integration.mapping.items() if k != "description"}
    integration.save()

    response = send(alert())

    assert response.status_code == 201, response.content
    assert response.json()["description"] == ""


def nested(levels: int) -> dict:
    value: dict = {}
    for _ in range(levels - 1):
        value = {"a": value}
    return value


@pytest.mark.parametrize("body", [
    b"[" * 100_000,
    json.dumps({**alert(), "trace": nested(65)}).encode(),
    ("{" + '"a":{' * 5000 + "}" * 5001).encode(),
], ids=["unclosed-brackets", "65-levels", "5000-levels"])
def test_a_body_nested_too_deeply_is_a_400_saying_so(integration, body):
    response = send(body)

    assert response.status_code == 400
    assert response.json() == {"detail": "The body is nested too deeply: at most 64 levels of objects and lists."}
    assert nothing_saved()


def test_a_payload_nested_64_levels_deep_is_accepted(integration):
    assert send({**alert(), "trace": nested(63)}).status_code == 201  # 63 inside the payload's own level


@pytest.mark.parametrize("body, reason", [
    (json.dumps(alert()).encode()[:-1] + b', "score": NaN}', "NaN is not a JSON value"),
    (json.dumps(alert()).encode()[:-1] + b', "count": ' + b"9" * 5000 + b"}", "Exceeds the limit"),
    ("{\"a\": \"é\"}".encode("latin-1"), "codec can't decode"),
], ids=["nan", "5000-digit-number", "not-utf8"])
def test_a_body_python_reads_but_json_does_not_allow_is_a_400(integration, body, reason):
    response = send(body)

    assert response.status_code == 400
    assert response.json()["detail"].startswith("The body is not valid JSON")
    assert reason in response.json()["detail"]
    assert nothing_saved()


def test_text_postgresql_cannot_store_is_cleaned_not_a_500(integration):
    payload = alert()
    payload["alert"]["text"] = "Since 10:02\x00 \ud83d"  # a NUL, and half an emoji
    payload["labels"]["order"] = "ORD-\x001001"

    response = send(json.dumps(payload).encode())

    assert response.status_code == 201, response.content
    incident = Incident.objects.get()
    assert (incident.description, incident.details["order_id"]) == ("Since 10:02 \ufffd", "ORD-1001")


# --- size: a body over HOOK_MAX_BODY_BYTES is a JSON 413; a text over its limit is a 400 naming both ------------

def test_a_two_megabyte_description_is_a_json_413_and_saves_nothing(integration):
    payload = alert()
    payload["alert"]["text"] = "x" * 2_000_000

    response = send(payload)

    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    assert response.json()["detail"].endswith("a hook takes at most 262144 bytes.")
    assert nothing_saved()


def test_a_body_past_djangos_own_limit_is_a_json_413_too(integration, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2048  # below HOOK_MAX_BODY_BYTES: the lower one is the limit
    payload = alert()
    payload["alert"]["text"] = "x" * 4096

    response = send(payload)

    assert response.status_code == 413
    assert response.json()["detail"].endswith("a hook takes at most 2048 bytes.")
    assert nothing_saved()


def test_the_body_limit_is_a_setting(integration, settings):
    settings.HOOK_MAX_BODY_BYTES = 100

    response = send(alert())

    assert response.status_code == 413
    assert "at most 100 bytes" in response.json()["detail"]


@pytest.mark.parametrize("field, path, limit", [
    ("description", "alert.text", 20_000),
    ("affected_customers", "alert.customers", 20_000),
    ("customer_segment", "alert.segment", 60),
    ("external_ref", "alert.id", 200),
])
def test_a_text_longer_than_its_limit_is_a_400_naming_the_field_and_the_limit(integration, field, path, limit):
    integration.mapping = {**integration.mapping, field: path}
    integration.save()
    payload = alert()
    payload["alert"][path.removeprefix("alert.")] = "x" * (limit + 1)

    response = send(payload)

    assert response.status_code == 400
    assert response.json() == {field: [f"At most {limit} characters (this has {limit + 1})."]}
    assert nothing_saved()


def test_a_description_at_its_limit_is_filed_whole(integration):
    payload = alert()
    payload["alert"]["text"] = "x" * 20_000

    response = send(payload)

    assert response.status_code == 201, response.content
    assert len(Incident.objects.get().description) == 20_000


def test_a_triage_answer_longer_than_its_limit_is_a_400_naming_it(integration):
    response = send(alert(order="x" * 501))

    assert response.status_code == 400
    assert response.json() == {"details.order_id": ["At most 500 characters (this has 501)."]}
    assert nothing_saved()


def test_a_mapped_detail_the_playbook_does_not_ask_for_is_bounded_too(integration):
    integration.mapping = {**integration.mapping, "details.log": "alert.log"}
    integration.save()
    payload = alert()
    payload["alert"]["log"] = ["line"] * 5000  # 40,000 characters as JSON

    response = send(payload)

    assert response.status_code == 400
    assert list(response.json()) == ["details.log"]
    assert response.json()["details.log"][0].startswith("At most 20000 characters")
    assert nothing_saved()


def test_a_long_alert_summary_is_still_cut_to_fit_the_title(integration):
    payload = alert()
    payload["alert"]["summary"] = "Card payments failing " * 50

    response = send(payload)

    assert response.status_code == 201, response.content
    assert len(response.json()["title"]) == 200
