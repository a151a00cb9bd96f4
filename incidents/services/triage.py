"""Checking the triage fields a playbook asks for: present when required, and well-formed by type."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Iterable

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from matrix.models import TriageField, TriageFieldType

from ..limits import LONG_TEXT_MAX_LENGTH, TRIAGE_TEXT_MAX_LENGTH, too_long

EMPTY = (None, "", [], {})


def _text(value, field: TriageField):
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise ValidationError(f"{field.label} must be text.")
    return str(value)


def _integer(value, field: TriageField) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and re.fullmatch(r"[+-]?\d+", value):
        try:
            return int(value)
        except ValueError:  # more digits than Python converts (4,300): no count is that large
            pass
    raise ValidationError(f"{field.label} must be a whole number.")


def _url(value, field: TriageField) -> str:
    try:
        URLValidator(schemes=["http", "https"])(str(value))
    except ValidationError:
        raise ValidationError(f"{field.label} must be a web address (https://…).") from None
    return str(value)


def _email(value, field: TriageField) -> str:
    try:
        validate_email(str(value))
    except ValidationError:
        raise ValidationError(f"{field.label} must be an email address.") from None
    return str(value)


def _choice(value, field: TriageField) -> str:
    options = [option.strip() for option in field.choices.split(",") if option.strip()]
    for option in options:
        if str(value).strip().lower() == option.lower():
            return option  # stored as the playbook spells it
    raise ValidationError(f"{field.label} must be one of: {', '.join(options)}.")


def _datetime(value, field: TriageField) -> str:
    parsed = value if isinstance(value, dt.datetime) else None
    if parsed is None and isinstance(value, str):
        try:
            parsed = parse_datetime(value.strip())
        except ValueError:
            parsed = None
    if parsed is None:
        raise ValidationError(f"{field.label} must be a date and time, like 2026-03-02 14:30.")
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed.isoformat()  # JSON has no datetime: ISO 8601, with its offset


CLEANERS: dict[str, Callable] = {
    TriageFieldType.TEXT: _text,
    TriageFieldType.TEXTAREA: _text,
    TriageFieldType.INTEGER: _integer,
    TriageFieldType.URL: _url,
    TriageFieldType.EMAIL: _email,
    TriageFieldType.CHOICE: _choice,
    TriageFieldType.DATETIME: _datetime,
}


def clean_details(fields: Iterable[TriageField], details: dict) -> tuple[dict, dict[str, list[str]]]:
    """The details with each triage field cleaned, and the errors keyed ``details.<key>``.

    Keys the playbook does not ask for are kept as given (an integration may send more), up to
    ``LONG_TEXT_MAX_LENGTH`` characters each (as JSON when a list or an object).
    """
    cleaned, errors = dict(details), {}
    asked = set()
    for field in fields:
        asked.add(field.key)
        value = details.get(field.key)
        if isinstance(value, str):
            value = value.strip()
        if value in EMPTY:
            cleaned.pop(field.key, None)
            if field.required:
                errors[f"details.{field.key}"] = [f"{field.label} is required."]
            continue
        limit = TRIAGE_TEXT_MAX_LENGTH if field.field_type == TriageFieldType.TEXT else LONG_TEXT_MAX_LENGTH
        if isinstance(value, str) and (error := too_long(value, limit)):
            errors[f"details.{field.key}"] = [error]
            continue
        try:
            cleaned[field.key] = CLEANERS.get(field.field_type, _text)(value, field)
        except ValidationError as exc:
            errors[f"details.{field.key}"] = list(exc.messages)
    for key, value in details.items():
        if key not in asked and (error := too_long(value if isinstance(value, str) else _as_json(value),
                                                   LONG_TEXT_MAX_LENGTH)):
            errors[f"details.{key}"] = [error]
    return cleaned, errors


def _as_json(value) -> str:
    try:
        return json.dumps(value, ensure_ascii=False, default=str)
    except (TypeError, ValueError, RecursionError):
        return ""  # not JSON at all: the JSONField refuses it on save, as it always has
