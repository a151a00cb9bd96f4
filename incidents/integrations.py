"""Inbound integrations: check a hook's signature, and turn its payload into ``incident_file`` arguments.

Pure functions over an ``Integration`` row and the request body, so every rule is tested without HTTP.
The hook view (incidents/api/hooks.py) is the only caller.

An integration's ``mapping`` says where each incident field is in the payload, as a dotted path
(``"alert.labels.area"``; a number picks a list item: ``"alerts.0.summary"``), or as an object
``{"path": "alert.severity", "values": {"P1": "critical"}, "default": "high"}`` that translates the tool's
words into matrix keys (a value not listed passes through unchanged) and says what to use when the
path is absent. Triage fields are mapped as ``"details.<key>"``.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from matrix.models import IntakeChannel

from .models import Integration

SIGNATURE_HEADER = "X-Escalation-Signature"
SIGNATURE_PREFIX = "sha256="

# The incident fields a mapping may fill, besides "details.<key>".
TEXT_FIELDS = ("title", "description", "external_ref", "customer_segment", "affected_customers")
KEY_FIELDS = ("product_area", "impact", "urgency", "suspected_vendor", "channel")
MAPPABLE_FIELDS = (*TEXT_FIELDS, *KEY_FIELDS, "is_drill")
REQUIRED_FIELDS = ("title", "product_area", "impact", "urgency")
TITLE_MAX_LENGTH = 200  # Incident.title; an alert's long summary is cut rather than refused

_MISSING = object()


class SignatureError(Exception):
    """The body is not signed with the integration's secret. ``missing`` tells 401 (no header) from 403."""

    def __init__(self, message: str, *, missing: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.missing = missing


class MappingError(Exception):
    """The payload lacks what the mapping needs: errors by incident field, like ``IncidentInputError``."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__(errors)
        self.errors = errors


def signature(secret: str, body: bytes) -> str:
    """The header value a sender must send: ``sha256=<hex HMAC-SHA256 of the raw body>``."""
    return SIGNATURE_PREFIX + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify_signature(*, secret: str, body: bytes, header: str | None) -> None:
    """Raise ``SignatureError`` unless ``header`` is the body's signature with ``secret``.

    Compared in constant time, so the response time does not tell an attacker how much of a guess was right.
    """
    if not header:
        raise SignatureError(
            f"Missing {SIGNATURE_HEADER} header: send 'sha256=<hex HMAC-SHA256 of the raw body, keyed with the "
            "integration's secret>'.",
            missing=True,
        )
    header = header.strip()
    if not header.startswith(SIGNATURE_PREFIX):
        raise SignatureError(f"Malformed {SIGNATURE_HEADER} header: it must start with '{SIGNATURE_PREFIX}'.")
    if not secret or not hmac.compare_digest(signature(secret, body).encode(), header.lower().encode()):
        raise SignatureError(
            f"{SIGNATURE_HEADER} does not match the body: sign the exact bytes you send with the integration's "
            "secret."
        )


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


def _convert(field: str, value: Any, where: str) -> tuple[Any, str | None]:
    """(value ready for incident_file, error or None) for one mapped field."""
    if field.startswith("details."):
        return value, None  # triage fields keep their JSON type; incident_file checks them against the playbook
    if field == "is_drill":
        flag = _as_bool(value)
        return (flag, None) if flag is not None else (None, f"Expected true or false {where}.")
    text = _as_text(value)
    if text is None:
        return None, f"Expected text {where}, not {'a list' if isinstance(value, list) else 'an object'}."
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
