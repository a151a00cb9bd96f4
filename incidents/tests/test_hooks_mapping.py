"""Inbound integrations without HTTP: signatures and their time window, reading the body, and turning a payload
into filing arguments."""

import datetime as dt
import hashlib
import hmac

import pytest

from incidents.integrations import (
    MappingError,
    PayloadError,
    SignatureError,
    bounded_key,
    filing_from_payload,
    hook_submission_key,
    mapping_problems,
    parse_payload,
    signature,
    verify_signature,
)
from incidents.models import Integration
from matrix.models import Impact, ProductArea, Urgency

ALERT_MAPPING = {
    "title": "alert.summary",
    "description": "alert.text",
    "product_area": "labels.area",
    "impact": "labels.impact",
    "urgency": "labels.urgency",
    "external_ref": "alert.id",
    "details.region": "labels.region",
}


def integration(mapping=None, **defaults) -> Integration:
    """An unsaved integration: the mapping is pure, it reads no rows."""
    return Integration(key="alerts", name="Alerts", secret="s3cret", mapping=ALERT_MAPPING if mapping is None
                       else mapping, **defaults)


def alert(**labels) -> dict:
    return {
        "alert": {"id": "A-17", "summary": "Checkout 5xx above 5%", "text": "Since 10:02"},
        "labels": {"area": "checkout", "impact": "significant", "urgency": "high", "region": "eu", **labels},
    }


# --- signatures --------------------------------------------------------------------------------------

STAMP = "1772452800"  # 2026-03-02 12:00:00 UTC
NOW = dt.datetime(2026, 3, 2, 12, 0, 30, tzinfo=dt.UTC)


def verify(header, *, body=b"{}", timestamp=STAMP, secret="s3cret", now=NOW):
    return verify_signature(secret=secret, body=body, header=header, timestamp=timestamp, now=now)


def test_signature_is_the_hex_hmac_sha256_of_the_timestamp_a_dot_and_the_body_with_the_secret():
    body = b'{"a": 1}'

    assert signature("s3cret", STAMP, body) == (
        "sha256=" + hmac.new(b"s3cret", b"1772452800." + body, hashlib.sha256).hexdigest())


def test_a_matching_signature_passes_in_either_letter_case_and_says_what_a_replay_would_repeat():
    body = b'{"a": 1}'
    hex_digest = signature("s3cret", STAMP, body).removeprefix("sha256=")

    signed = verify(signature("s3cret", STAMP, body), body=body)
    shouted = verify("sha256=" + hex_digest.upper(), body=body)

    assert signed == shouted == (hex_digest, dt.datetime(2026, 3, 2, 12, tzinfo=dt.UTC))


def test_a_missing_signature_is_reported_as_missing():
    with pytest.raises(SignatureError) as error:
        verify(None)

    assert error.value.missing
    assert "Missing X-Escalation-Signature" in error.value.message


def test_a_missing_timestamp_is_reported_as_missing():
    with pytest.raises(SignatureError) as error:
        verify(signature("s3cret", STAMP, b"{}"), timestamp=None)

    assert error.value.missing
    assert "Missing X-Escalation-Timestamp" in error.value.message


def test_a_signature_without_the_sha256_prefix_is_malformed():
    bare_hex = signature("s3cret", STAMP, b"{}").removeprefix("sha256=")

    with pytest.raises(SignatureError) as error:
        verify(bare_hex)

    assert not error.value.missing
    assert "must start with 'sha256='" in error.value.message


@pytest.mark.parametrize("secret, stamp, body", [
    ("other", STAMP, b"{}"), ("s3cret", STAMP, b"{} "), ("s3cret", "1772452801", b"{}"),
])
def test_a_signature_made_with_another_secret_time_or_bytes_is_refused(secret, stamp, body):
    with pytest.raises(SignatureError) as error:
        verify(signature(secret, stamp, body))

    assert "does not match the body" in error.value.message


def test_an_integration_without_a_secret_accepts_no_signature():
    with pytest.raises(SignatureError):
        verify(signature("", STAMP, b"{}"), secret="")


@pytest.mark.parametrize("seconds, accepted", [(-300, True), (300, True), (-301, False), (301, False)])
def test_the_timestamp_must_be_within_five_minutes_of_now_either_way(seconds, accepted):
    stamp = str(int(NOW.timestamp()) + seconds)
    header = signature("s3cret", stamp, b"{}")

    if accepted:
        verify(header, timestamp=stamp)
    else:
        with pytest.raises(SignatureError, match="at most 300 are accepted either way"):
            verify(header, timestamp=stamp)


# --- the body -------------------------------------------------------------------------------------------

def test_a_payload_nested_at_most_64_levels_is_read():
    body = b"[" * 64 + b"]" * 64

    assert parse_payload(body) is not None


@pytest.mark.parametrize("body", [b"[" * 65 + b"]" * 65, b"[" * 100_000])
def test_a_payload_nested_deeper_is_refused(body):
    with pytest.raises(PayloadError, match="nested too deeply"):
        parse_payload(body)


# --- mapping -----------------------------------------------------------------------------------------

def test_mapped_fields_become_filing_arguments_with_triage_details_and_the_monitoring_channel():
    assert filing_from_payload(integration(), alert()) == {
        "title": "Checkout 5xx above 5%",
        "description": "Since 10:02",
        "product_area": "checkout",
        "impact": "significant",
        "urgency": "high",
        "external_ref": "A-17",
        "channel": "monitoring",
        "details": {"region": "eu"},
    }


def test_a_number_in_the_path_picks_a_list_item_and_numbers_become_text():
    mapping = {**ALERT_MAPPING, "title": "alerts.1.summary", "external_ref": "alerts.1.id"}
    payload = {**alert(), "alerts": [{"summary": "first", "id": 1}, {"summary": "second", "id": 2}]}

    filing = filing_from_payload(integration(mapping), payload)

    assert (filing["title"], filing["external_ref"]) == ("second", "2")


def test_missing_routing_inputs_fall_back_to_the_integrations_defaults():
    payload = alert()
    del payload["labels"]["area"], payload["labels"]["impact"], payload["labels"]["urgency"]
    defaults = {"default_area": ProductArea(key="search"), "default_impact": Impact(key="minor"),
                "default_urgency": Urgency(key="low")}

    filing = filing_from_payload(integration(**defaults), payload)

    assert (filing["product_area"], filing["impact"], filing["urgency"]) == ("search", "minor", "low")


def test_required_fields_neither_found_nor_defaulted_are_named_each_with_its_path():
    payload = alert()
    del payload["alert"]["summary"], payload["labels"]["urgency"]

    with pytest.raises(MappingError) as error:
        filing_from_payload(integration(), payload)

    assert error.value.errors == {
        "title": ["Not in the payload at 'alert.summary', and the integration has no default."],
        "urgency": ["Not in the payload at 'labels.urgency', and the integration has no default."],
    }


def test_a_required_field_the_mapping_does_not_mention_is_named():
    mapping = {k: v for k, v in ALERT_MAPPING.items() if k != "impact"}

    with pytest.raises(MappingError) as error:
        filing_from_payload(integration(mapping), alert())

    assert error.value.errors == {"impact": ["The integration's mapping does not say where to find it."]}


def test_a_json_null_counts_as_missing():
    payload = alert()
    payload["alert"]["summary"] = None

    with pytest.raises(MappingError) as error:
        filing_from_payload(integration(), payload)

    assert list(error.value.errors) == ["title"]


def test_an_object_where_text_is_expected_is_refused():
    payload = alert()
    payload["alert"]["summary"] = {"nested": "oops"}

    with pytest.raises(MappingError) as error:
        filing_from_payload(integration(), payload)

    assert error.value.errors == {"title": ["Expected text at 'alert.summary', not an object."]}


def test_value_translations_turn_the_tools_words_into_matrix_keys_and_pass_others_through():
    mapping = {**ALERT_MAPPING, "urgency": {"path": "labels.severity", "values": {"P1": "critical", "P2": "high"}}}

    p1 = filing_from_payload(integration(mapping), alert(severity="P1"))
    other = filing_from_payload(integration(mapping), alert(severity="medium"))

    assert (p1["urgency"], other["urgency"]) == ("critical", "medium")


def test_a_mapping_entrys_own_default_wins_over_the_integrations():
    mapping = {**ALERT_MAPPING, "impact": {"path": "labels.nope", "default": "moderate"}}

    filing = filing_from_payload(integration(mapping, default_impact=Impact(key="minor")), alert())

    assert filing["impact"] == "moderate"


def test_a_mapped_channel_and_drill_flag_are_used():
    mapping = {**ALERT_MAPPING, "channel": "source", "is_drill": "drill"}

    filing = filing_from_payload(integration(mapping), {**alert(), "source": "email", "drill": "true"})

    assert (filing["channel"], filing["is_drill"]) == ("email", True)


def test_an_overlong_alert_summary_is_cut_to_fit_a_title():
    payload = alert()
    payload["alert"]["summary"] = "x" * 500

    title = filing_from_payload(integration(), payload)["title"]

    assert len(title) == 200
    assert title.endswith("…")


def test_a_payload_that_is_not_an_object_is_refused():
    with pytest.raises(MappingError) as error:
        filing_from_payload(integration(), [alert()])

    assert error.value.errors == {"payload": ["Expected a JSON object."]}


def test_empty_optional_fields_are_left_out_but_the_description_is_always_given():
    payload = alert()
    payload["alert"]["text"], payload["alert"]["id"] = "", ""

    filing = filing_from_payload(integration(), payload)

    assert "external_ref" not in filing
    assert filing["description"] == ""  # incident_file requires it


def test_a_description_the_mapping_does_not_mention_is_empty():
    mapping = {k: v for k, v in ALERT_MAPPING.items() if k != "description"}

    assert filing_from_payload(integration(mapping), alert())["description"] == ""


def test_mapping_problems_name_unknown_fields_and_entries_without_a_path():
    assert mapping_problems({"titel": "a.b", "title": {"values": {}}, "details.region": "r"}) == [
        "'titel' is not an incident field (expected one of title, description, external_ref, customer_segment, "
        "affected_customers, product_area, impact, urgency, suspected_vendor, channel, is_drill or "
        "details.<triage field key>).",
        "'title' needs a dotted path, or an object with a 'path' or a 'default'.",
    ]
    assert mapping_problems(ALERT_MAPPING) == []


# --- idempotency keys ----------------------------------------------------------------------------------

def test_an_event_is_keyed_by_integration_and_external_ref():
    assert hook_submission_key(integration(), "A-17") == "hook:alerts:A-17"
    assert hook_submission_key(integration(), "") is None


def test_a_key_too_long_for_the_column_is_hashed_not_cut():
    long_ref = "r" * 100

    key = bounded_key("hook", "alerts", long_ref)

    assert len(key) == 64
    assert key.startswith("hook:sha256:")
    assert key != bounded_key("hook", "alerts", long_ref + "x")
