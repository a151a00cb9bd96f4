"""A draft: the writes one admin save would make, collected as a field-by-field diff instead of made.

The admin hands every row it would write to ``Draft.record`` (the edited object first, then each inline
row) and every m2m update to ``Draft.record_m2m``. ``Draft.as_diff()`` is what a change request stores:

    {"format": 1, "objects": [
        {"ref": "0", "model": "matrix.productarea", "id": 7, "label": "Checkout", "op": "change",
         "version": {"history_id": 31, "updated_at": "2026-03-02T10:00:00+00:00"},
         "fields": {"owner_team": {"old": {"id": 1, "key": "storefront", "label": "Storefront"},
                                   "new": {"id": 2, "key": "payments", "label": "Payments"}}},
         "m2m": {"depends_on_vendors": {"old": [], "new": [{"id": 4, "key": "cdn", "label": "CDN"}]}}},
        {"ref": "1", "model": "matrix.arearosterentry", "id": null, "label": "…", "op": "add", "version": null,
         "fields": {"area": {"old": null, "new": {"id": 7, "key": "checkout", "label": "Checkout"}}, …}, "m2m": {}}]}

Foreign keys are kept by id *and* natural key (the stable slug, a username) so that a reader — and a
later tool — can tell what they meant. A row added in the same request is referred to by its ``ref``
(an inline row of an area that is itself being added). ``version`` is the object's state when the
author drafted the change: its latest history record and ``updated_at``. Approval compares it with the
object's state then (``applying.find_conflicts``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from uuid import UUID

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import models

from matrix.models import ChangeOperation

DIFF_FORMAT = 1


def diff_fields(model: type[models.Model]) -> list[models.Field]:
    """The fields a change request carries: what a person edits (not the id, not the timestamps)."""
    return [f for f in model._meta.concrete_fields if f.editable and not f.primary_key]


def natural_key(obj: models.Model) -> str | None:
    if isinstance(obj, AbstractBaseUser):
        return obj.get_username()
    if any(f.name == "key" for f in obj._meta.fields):
        return obj.key
    return None


def object_ref(obj: models.Model) -> dict:
    ref = {"id": obj.pk, "label": str(obj)}
    key = natural_key(obj)
    if key is not None:
        ref["key"] = key
    return ref


def plain(value):
    """A field's value as JSON; ``Field.to_python`` turns it back."""
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal | UUID):
        return str(value)
    return value


def latest_history(model: type[models.Model], pk):
    history = getattr(model, "history", None)
    if history is None:
        return None
    return history.select_related("history_user").filter(**{model._meta.pk.attname: pk}).order_by("-history_id").first()


def version_of(obj: models.Model) -> dict:
    """The state of a stored row, for conflict detection: its latest history record and ``updated_at``."""
    latest = latest_history(type(obj), obj.pk)
    return {"history_id": latest.history_id if latest else None, "updated_at": plain(getattr(obj, "updated_at", None))}


@dataclass(eq=False)
class _Entry:
    instance: models.Model
    data: dict = field(default_factory=dict)

    @property
    def has_changes(self) -> bool:
        return self.data["op"] != ChangeOperation.CHANGE or bool(self.data["fields"]) or bool(self.data["m2m"])


class Draft:
    """The changes of one admin save (or one system draft), from one author with one reason."""

    def __init__(self, *, author, reason: str, origin: str = "") -> None:
        self.author = author
        self.reason = reason
        self.origin = origin  # what it was raised from ("action_item:12"): see matrix.hooks
        self._entries: list[_Entry] = []

    # --- recording -----------------------------------------------------------------------------------
    def record(self, instance: models.Model, *, delete: bool = False) -> None:
        """What saving (or deleting) ``instance`` would change; nothing is written."""
        model = type(instance)
        adding = instance._state.adding or instance.pk is None
        current = None if adding else model._default_manager.filter(pk=instance.pk).first()
        if current is None and not adding:
            return  # already gone: there is nothing left to change or delete
        entry = self._entry_for(instance) or self._new_entry(instance)
        data = entry.data
        if delete:
            data.update(op=ChangeOperation.DELETE, label=str(current), version=version_of(current), fields={
                f.name: {"old": self._value(current, f), "new": None}
                for f in diff_fields(model) if getattr(current, f.attname) not in (None, "")
            })
        elif adding:
            data.update(op=ChangeOperation.ADD, label=str(instance), version=None, fields={
                f.name: {"old": None, "new": self._value(instance, f)} for f in diff_fields(model)
            })
        else:
            data.update(label=str(current), version=version_of(current), fields={
                f.name: {"old": self._value(current, f), "new": self._value(instance, f)}
                for f in diff_fields(model) if getattr(current, f.attname) != getattr(instance, f.attname)
            })

    def record_m2m(self, instance: models.Model, form) -> None:
        """The m2m lists a validated form would set on ``instance`` (the admin's ``save_m2m``)."""
        adding = instance._state.adding or instance.pk is None
        changes = {}
        for m2m in instance._meta.many_to_many:
            if m2m.name not in form.fields or m2m.name not in getattr(form, "cleaned_data", {}):
                continue
            new = sorted((object_ref(o) for o in form.cleaned_data[m2m.name]), key=lambda r: r["id"])
            old = [] if adding else sorted(
                (object_ref(o) for o in getattr(instance, m2m.name).all()), key=lambda r: r["id"]
            )
            if {r["id"] for r in old} != {r["id"] for r in new}:
                changes[m2m.name] = {"old": old, "new": new}
        if changes:
            entry = self._entry_for(instance)
            if entry is None:
                self.record(instance)
                entry = self._entry_for(instance)
            entry.data["m2m"].update(changes)

    # --- reading -------------------------------------------------------------------------------------
    @property
    def main(self) -> _Entry | None:
        """The edited object: the admin records it first."""
        return self._entries[0] if self._entries else None

    def has_changes(self) -> bool:
        return any(entry.has_changes for entry in self._entries)

    def as_diff(self) -> dict:
        # The edited object stays even when only its inline rows changed: its version guards them too.
        objects = [e.data for e in self._entries if e is self.main or e.has_changes]
        return {"format": DIFF_FORMAT, "objects": objects}

    # --- helpers -------------------------------------------------------------------------------------
    def _entry_for(self, instance: models.Model) -> _Entry | None:
        return next((e for e in self._entries if e.instance is instance), None)

    def _new_entry(self, instance: models.Model) -> _Entry:
        entry = _Entry(instance, {
            "ref": str(len(self._entries)), "model": instance._meta.label_lower, "id": instance.pk,
            "label": "", "op": ChangeOperation.CHANGE, "version": None, "fields": {}, "m2m": {},
        })
        self._entries.append(entry)
        return entry

    def _value(self, obj: models.Model, f: models.Field):
        if not f.is_relation:
            return plain(f.value_from_object(obj))
        if getattr(obj, f.attname) is not None:
            return object_ref(getattr(obj, f.name))
        # A row pointing at one added in this same request (e.g. an inline row of a new area).
        related = f.get_cached_value(obj, default=None) if f.is_cached(obj) else None
        entry = self._entry_for(related) if related is not None else None
        return {"ref": entry.data["ref"], "label": str(related)} if entry else None
