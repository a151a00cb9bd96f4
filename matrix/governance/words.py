"""A change request's diff in plain words: "Owner team: Storefront → Payments"."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.apps import apps
from django.db import models
from django.utils import timezone
from django.utils.text import capfirst

from matrix.credentials import SECRET_FIELDS, is_credential_field, shown_target
from matrix.models import ChangeOperation

EMPTY = "—"


@dataclass(frozen=True)
class ObjectChange:
    """One object a change request touches, in words."""

    operation: str
    heading: str  # 'Product area “Checkout”', 'New area roster entry “…”'
    lines: list[str]  # 'Owner team: Storefront → Payments'


def describe(diff: dict, *, reveal: bool = False) -> list[ObjectChange]:
    """Shown to approvers and mailed to them: a secret changes, never what it is; a chat or webhook URL shows
    whole only with ``reveal`` (for a viewer who may edit contact channels, ``credentials.may_see_credentials``)."""
    described = []
    for entry in diff.get("objects", []):
        model = _model(entry["model"])
        noun = str(model._meta.verbose_name) if model else entry["model"]
        op, label = entry["op"], entry.get("label", "")
        if op == ChangeOperation.ADD:
            lines = [f"{_label(model, name)}: {_show(model, name, c['new'], reveal)}"
                     for name, c in entry["fields"].items() if c["new"] not in (None, "", [])]
            lines += [f"{_label(model, name)}: {_show(model, name, c['new'], reveal)}"
                      for name, c in entry["m2m"].items()]
            described.append(ObjectChange(op, f"New {noun} “{label}”", lines))
        elif op == ChangeOperation.DELETE:
            described.append(ObjectChange(op, f"Delete {noun} “{label}”", [
                "It is removed, with the rows that belong to it."
            ]))
        else:
            changed = [*entry["fields"].items(), *entry["m2m"].items()]
            lines = [_change_line(model, name, change, reveal) for name, change in changed]
            if lines:
                described.append(ObjectChange(op, f"{capfirst(noun)} “{label}”", lines))
    return described


def describe_text(diff: dict) -> str:
    """The same, as plain text for an email."""
    blocks = []
    for change in describe(diff):
        blocks.append("\n".join([change.heading, *(f"  {line}" for line in change.lines)]))
    return "\n".join(blocks)


def _change_line(model, name: str, change: dict, reveal: bool) -> str:
    if name in SECRET_FIELDS:
        return f"{_label(model, name)}: changed (not shown)"
    old, new = _show(model, name, change["old"], reveal), _show(model, name, change["new"], reveal)
    return f"{_label(model, name)}: {old} → {new}"


def _model(label: str) -> type[models.Model] | None:
    try:
        return apps.get_model(label)
    except LookupError:
        return None


def _field(model, name: str) -> models.Field | None:
    if model is None:
        return None
    try:
        return model._meta.get_field(name)
    except LookupError:
        return None


def _label(model, name: str) -> str:
    field = _field(model, name)
    return capfirst(str(field.verbose_name)) if field is not None else name.replace("_", " ").capitalize()


def _show(model, name: str, value, reveal: bool = False) -> str:
    if value is None or value == "" or value == []:
        return EMPTY
    if name in SECRET_FIELDS:
        return "(hidden)"
    if model is not None and is_credential_field(model._meta.label_lower, name):
        return shown_target(str(value), reveal=reveal)
    if isinstance(value, dict):
        return value.get("label") or value.get("key") or str(value.get("id"))
    if isinstance(value, list):
        return ", ".join(_show(model, name, v, reveal) for v in value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    field = _field(model, name)
    if field is not None and field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(field, models.DateTimeField):
        parsed = field.to_python(value)
        return f"{timezone.localtime(parsed):%Y-%m-%d %H:%M}" if isinstance(parsed, dt.datetime) else str(value)
    if isinstance(field, models.TimeField):
        return str(value)[:5]  # "09:00:00" → "09:00"
    return str(value)
