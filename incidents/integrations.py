"""Inbound integrations: check a hook's signature, and turn its payload into ``incident_file`` arguments.

Functions over an ``Integration`` row and the request body, so every rule is tested without HTTP; only
``record_delivery`` and ``prune_deliveries`` touch the database (the signatures seen recently, which make a
replayed request fail). The hook view (incidents/api/hooks.py) is the only caller.

A sender signs ``"<unix seconds>." + raw body`` (the Stripe and Slack convention) and sends the time it signed
at beside the signature: a request is accepted within ``TIMESTAMP_TOLERANCE`` of our clock, and only once.

An integration's ``mapping`` says where each incident field is in the payload, as a dotted path
(``"alert.labels.area"``; a number picks a list item: ``"alerts.0.summary"``), or as an object
``{"path": "alert.severity", "values": {"P1": "critical"}, "default": "high"}`` that translates the tool's
words into matrix keys (a value not listed passes through unchanged) and says what to use when the
path is absent. Triage fields are mapped as ``"details.<key>"``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import re
from typing import Any, NamedTuple

from django.conf import settings
from django.db import IntegrityError, transaction

from matrix.models import IntakeChannel
from notifications.channels import SIGNATURE_HEADER, TIMESTAMP_HEADER, signature

from .limits import TITLE_MAX_LENGTH
from .models import HookDelivery, Integration

# The same signature both ways (``notifications.channels.signature``): our webhooks out, integrations' hooks in.
SIGNATURE_PREFIX = "sha256="
# How far a request's timestamp may be from our clock, either way (Stripe's and Slack's five minutes): a
# captured request is useless after that, and within it the same signature is refused a second time.
TIMESTAMP_TOLERANCE = dt.timedelta(minutes=5)
# HOOK_MAX_BODY_BYTES's default. An alert is a few KB; this leaves room for a description at its limit
# (20,000 characters, up to 4 bytes each in UTF-8) and the rest of the tool's payload.
MAX_BODY_BYTES = 256 * 1024
# Levels of objects and lists a payload may have. Alerting tools send fewer than ten; Python's JSON parser
# runs out of stack near a thousand, and deeply nested details would break the pages that show them.
MAX_NESTING = 64

_TIMESTAMP = re.compile(r"[0-9]{1,20}")  # whole seconds, ASCII digits only (int() would take "١٢" and "+1")
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")  # NUL and lone surrogates: PostgreSQL refuses both

# The incident fields a mapping may fill, besides "details.<key>".
TEXT_FIELDS = ("title", "description", "external_ref", "customer_segment", "affected_customers")
KEY_FIELDS = ("product_area", "impact", "urgency", "suspected_vendor", "channel")
MAPPABLE_FIELDS = (*TEXT_FIELDS, *KEY_FIELDS, "is_drill")
REQUIRED_FIELDS = ("title", "product_area", "impact", "urgency")

_MISSING = object()


class SignatureError(Exception):
    """The request's signature does not authenticate it: missing, malformed, not matching its body, outside
    the time window, or seen before. ``missing`` tells 401 (a header not sent) from 403."""

    def __init__(self, message: str, *, missing: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.missing = missing


class PayloadError(Exception):
    """The signed body is not a JSON document we can read: not JSON, or nested too deeply."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class MappingError(Exception):
    """The payload lacks what the mapping needs: errors by incident field, like ``IncidentInputError``."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__(errors)
        self.errors = errors


class Signed(NamedTuple):
    """A request whose signature checked out: what a replay of it would repeat, and when it was signed."""

    signature: str  # the lower-case hex HMAC, without "sha256="
    signed_at: dt.datetime


def verify_signature(*, secret: str, body: bytes, header: str | None, timestamp: str | None,
                     now: dt.datetime) -> Signed:
    """Raise ``SignatureError`` unless ``header`` signs ``timestamp`` and the body with ``secret``, and
    ``timestamp`` is within ``TIMESTAMP_TOLERANCE`` of ``now``.

    Compared in constant time, so the response time does not tell an attacker how much of a guess was right.
    The time window is checked after the signature: only a genuine sender learns that its clock is off.
    """
    if not header:
        raise SignatureError(
            f"Missing {SIGNATURE_HEADER} header: send 'sha256=<hex HMAC-SHA256 of \"<{TIMESTAMP_HEADER}>.\" "
            "followed by the raw body, keyed with the integration's secret>'.",
            missing=True,
        )
    if not timestamp:
        raise SignatureError(
            f"Missing {TIMESTAMP_HEADER} header: send the Unix time in seconds at which you signed the request "
            f"(the signature covers it: '<timestamp>.<raw body>').",
            missing=True,
        )
    timestamp = timestamp.strip()
    if not _TIMESTAMP.fullmatch(timestamp):
        raise SignatureError(
            f"Malformed {TIMESTAMP_HEADER} header: it must be the Unix time in whole seconds, like "
            f"{int(now.timestamp())}."
        )
    header = header.strip()
    if not header.startswith(SIGNATURE_PREFIX):
        raise SignatureError(f"Malformed {SIGNATURE_HEADER} header: it must start with '{SIGNATURE_PREFIX}'.")
    expected = signature(secret, timestamp, body)
    if not secret or not hmac.compare_digest(expected.encode(), header.lower().encode()):
        raise SignatureError(
            f"{SIGNATURE_HEADER} does not match the body: sign '<{TIMESTAMP_HEADER}>.' followed by the exact bytes "
            "you send, with the integration's secret."
        )
    skew = int(timestamp) - now.timestamp()  # compared as numbers: a timestamp in the year 30,000 is no datetime
    if abs(skew) > TIMESTAMP_TOLERANCE.total_seconds():
        raise SignatureError(
            f"{TIMESTAMP_HEADER} is {abs(skew):.0f} seconds {'behind' if skew < 0 else 'ahead of'} the server's "
            f"clock; at most {TIMESTAMP_TOLERANCE.total_seconds():.0f} are accepted either way. Sign each "
            "delivery, and each retry, when you send it, with the Unix time in seconds."
        )
    return Signed(expected.removeprefix(SIGNATURE_PREFIX), dt.datetime.fromtimestamp(int(timestamp), tz=dt.UTC))


def record_delivery(integration: Integration, signed: Signed, *, now: dt.datetime) -> None:
    """Remember a verified request's signature; raise ``SignatureError`` if it was received already (a replay).

    Call it inside the transaction that files the incident. A filing that fails then forgets the signature
    with everything else, so the sender's identical retry is not refused; and a concurrent copy of the same
    request waits on the unique index until the first commits, then fails the insert.
    """
    try:
        with transaction.atomic():
            HookDelivery.objects.create(integration=integration, signature=signed.signature,
                                        signed_at=signed.signed_at, received_at=now)
    except IntegrityError:
        raise SignatureError(
            f"This request was received already: the same {SIGNATURE_HEADER} is accepted once. Sign each "
            f"delivery, and each retry, with a fresh {TIMESTAMP_HEADER}."
        ) from None


def prune_deliveries(*, now: dt.datetime) -> int:
    """Forget signatures whose timestamp is outside the window: a copy of them is refused by its timestamp now.

    Called before each delivery is recorded, outside its transaction, so the few rows it deletes are not held
    locked while an incident is filed. Returns how many it deleted.
    """
    deleted, _ = HookDelivery.objects.filter(signed_at__lt=now - TIMESTAMP_TOLERANCE).delete()
    return deleted


def max_body_bytes() -> int:
    """The largest body a hook reads: ``HOOK_MAX_BODY_BYTES``, and never more than Django itself reads
    (``DATA_UPLOAD_MAX_MEMORY_SIZE``)."""
    limit = int(getattr(settings, "HOOK_MAX_BODY_BYTES", MAX_BODY_BYTES))
    django_limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return limit if django_limit is None else min(limit, django_limit)


def parse_payload(body: bytes) -> Any:
    """The body as JSON, or ``PayloadError`` saying why it is not: not JSON, or nested too deeply."""
    too_deep = f"The body is nested too deeply: at most {MAX_NESTING} levels of objects and lists."
    try:
        payload = json.loads(body, parse_constant=_refuse_constant)
    except RecursionError:
        raise PayloadError(too_deep) from None
    except ValueError as error:  # not JSON or not UTF-8; NaN or Infinity; an integer of more than 4,300 digits
        raise PayloadError(f"The body is not valid JSON: {error}.") from None
    if _nesting(payload) > MAX_NESTING:
        raise PayloadError(too_deep)
    return payload


def _refuse_constant(name: str) -> None:
    # Python's parser takes NaN and Infinity, which are not JSON, and PostgreSQL refuses them in details.
    raise ValueError(f"{name} is not a JSON value")


def _nesting(value: Any) -> int:
    """How many levels of objects and lists ``value`` has (a scalar: 0). Iterative: no stack to run out of."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, depth)
            if deepest > MAX_NESTING:
                break
            stack.extend((child, depth + 1) for child in (item.values() if isinstance(item, dict) else item))
    return deepest


def resolve_path(payload: Any, path: str) -> Any:
    """The value at a dotted path (``a.b.0.c``), or ``_MISSING``. A JSON null counts as missing."""
    value = payload
    for part in path.split("."):
        if isinstance(value, dict) and part in value:
            value = value[part]
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return _MISSING
    return _MISSING if value is None else value


def _spec_parts(spec: Any) -> tuple[str | None, dict, Any]:
    """(path, value translations, default) of one mapping entry (a path string or an object)."""
    if isinstance(spec, str):
        return spec, {}, _MISSING
    if isinstance(spec, dict):
        path = spec.get("path")
        values = spec.get("values") if isinstance(spec.get("values"), dict) else {}
        return (path if isinstance(path, str) and path else None), values, spec.get("default", _MISSING)
    return None, {}, _MISSING


def _as_text(value: Any) -> str | None:
    """A scalar as text; None for an object or a list (the mapping points at the wrong place)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value).strip()
    return None


def _as_bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "yes", "1", "false", "no", "0", ""):
        return value.strip().lower() in ("true", "yes", "1")
    if isinstance(value, int):
        return bool(value)
    return None


def _integration_defaults(integration: Integration) -> dict[str, str]:
    """The integration's own fallbacks for the routing inputs, as keys."""
    defaults = {"channel": IntakeChannel.MONITORING.value}
    for field, obj in (("product_area", integration.default_area), ("impact", integration.default_impact),
                       ("urgency", integration.default_urgency)):
        if obj is not None:
            defaults[field] = obj.key
    return defaults


def _storable(value: Any) -> Any:
    """``value`` with what PostgreSQL cannot store taken out of every string in it (keys too): NUL is dropped,
    a lone surrogate (a tool cutting an emoji in half) becomes U+FFFD. An alert is not lost over either."""
    if isinstance(value, str):
        return _UNSTORABLE.sub(lambda match: "" if match.group() == "\x00" else "\ufffd", value)
    if isinstance(value, list):
        return [_storable(item) for item in value]
    if isinstance(value, dict):
        return {_storable(key): _storable(item) for key, item in value.items()}
    return value


def _convert(field: str, value: Any, where: str) -> tuple[Any, str | None]:
    """(value ready for incident_file, error or None) for one mapped field."""
    if field.startswith("details."):
        # Triage fields keep their JSON type; incident_file checks them against the playbook. Recursion is
        # bounded: parse_payload refused anything nested more than MAX_NESTING levels.
        return _storable(value), None
    if field == "is_drill":
        flag = _as_bool(value)
        return (flag, None) if flag is not None else (None, f"Expected true or false {where}.")
    text = _as_text(value)
    if text is None:
        return None, f"Expected text {where}, not {'a list' if isinstance(value, list) else 'an object'}."
    text = _storable(text)
    if field == "title" and len(text) > TITLE_MAX_LENGTH:
        text = text[: TITLE_MAX_LENGTH - 1].rstrip() + "…"
    return text, None


def filing_from_payload(integration: Integration, payload: Any) -> dict[str, Any]:
    """``incident_file`` keyword arguments (without reporter and submission key) for one inbound event.

    Raises ``MappingError`` naming every incident field that is required and neither found nor defaulted,
    or found with the wrong shape. Keys are not checked here: ``incident_file`` knows the matrix.
    """
    if not isinstance(payload, dict):
        raise MappingError({"payload": ["Expected a JSON object."]})
    mapping = integration.mapping if isinstance(integration.mapping, dict) else {}
    defaults = _integration_defaults(integration)
    filing: dict[str, Any] = {}
    details: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}

    fields = list(MAPPABLE_FIELDS) + sorted(f for f in mapping if f.startswith("details.") and len(f) > 8)
    for field in fields:
        path, translations, spec_default = _spec_parts(mapping.get(field))
        value = resolve_path(payload, path) if path else _MISSING
        where = f"at '{path}'" if path else "(its mapping has no path)"
        if value is _MISSING:
            value = spec_default if spec_default is not _MISSING else defaults.get(field, _MISSING)
        elif isinstance(value, str | int | float) and str(value) in translations:
            value = translations[str(value)]
        if value is _MISSING:
            if field in REQUIRED_FIELDS:
                errors[field] = [
                    f"Not in the payload {where}, and the integration has no default."
                    if field in mapping else "The integration's mapping does not say where to find it."
                ]
            continue
        converted, error = _convert(field, value, where)
        if error:
            errors[field] = [error]
        elif field.startswith("details."):
            details[field.removeprefix("details.")] = converted
        elif converted != "" or field in REQUIRED_FIELDS:
            filing[field] = converted
    if errors:
        raise MappingError(errors)
    # incident_file requires a description, and the mapping's is optional: none found is an empty one.
    filing.setdefault("description", "")
    if details:
        filing["details"] = details
    return filing


def hook_submission_key(integration: Integration, external_ref: str) -> str | None:
    """The idempotency key of an inbound event: the same alert posted twice files one incident."""
    if not external_ref:
        return None
    return bounded_key("hook", integration.key, external_ref)


def bounded_key(namespace: str, *parts: str, max_length: int = 64) -> str:
    """``namespace:part:…`` when it fits ``Incident.submission_key``; otherwise ``namespace:sha256:<digest>``.

    Readable in the admin whenever it can be, and never truncated into a collision when it cannot.
    """
    key = ":".join((namespace, *parts))
    if len(key) <= max_length:
        return key
    return f"{namespace}:sha256:{hashlib.sha256(key.encode()).hexdigest()}"[:max_length]


def mapping_problems(mapping: Any) -> list[str]:
    """What is wrong with a mapping as configured (for the admin form): unknown fields, entries without a path."""
    if not isinstance(mapping, dict):
        return ["The mapping must be an object of incident field → dotted path."]
    problems = []
    for field, spec in mapping.items():
        if field not in MAPPABLE_FIELDS and not (field.startswith("details.") and len(field) > 8):
            problems.append(f"'{field}' is not an incident field (expected one of {', '.join(MAPPABLE_FIELDS)} "
                            "or details.<triage field key>).")
            continue
        path, _, default = _spec_parts(spec)
        if path is None and default is _MISSING:
            problems.append(f"'{field}' needs a dotted path, or an object with a 'path' or a 'default'.")
    return problems
