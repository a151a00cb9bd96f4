"""Idempotent writes for the demo: create what is missing, update what differs, leave the rest alone.

Saving only when a value differs is what keeps a second ``loaddemo`` from writing a single history
record: ``update_or_create`` would save (and add history) on every run.
"""

from collections.abc import Iterable
from typing import Any, TypeVar

from django.db import models

REASON = "Demo organisation"

M = TypeVar("M", bound=models.Model)


def _save(obj: models.Model) -> None:
    obj._change_reason = REASON  # read by django-simple-history for this save and later m2m changes
    obj.save()


def _differs(obj: models.Model, name: str, value: Any) -> bool:
    field = obj._meta.get_field(name)
    if field.many_to_one or field.one_to_one:
        # Compare ids, so that checking a foreign key costs no query.
        return getattr(obj, field.attname) != (value.pk if value is not None else None)
    return getattr(obj, name) != value


def upsert(model: type[M], lookup: dict[str, Any], defaults: dict[str, Any] | None = None, *,
           create_only: dict[str, Any] | None = None) -> M:
    """The row matching ``lookup``, created or brought in line with ``defaults``.

    ``create_only`` values are used when the row is created and never compared afterwards: they are the
    ones computed from "now" (an override's dates, when a contact was confirmed), which would otherwise
    change on every run.
    """
    defaults = defaults or {}
    obj = model._default_manager.filter(**lookup).first()
    if obj is None:
        obj = model(**lookup, **defaults, **(create_only or {}))
        _save(obj)
        return obj
    changed = [name for name, value in defaults.items() if _differs(obj, name, value)]
    if changed:
        for name in changed:
            setattr(obj, name, defaults[name])
        _save(obj)
    return obj


def set_related(obj: models.Model, field_name: str, targets: Iterable[models.Model]) -> None:
    """Make a many-to-many field hold exactly ``targets``, touching it (and its history) only if it differs."""
    manager = getattr(obj, field_name)
    wanted = {target.pk for target in targets}
    if set(manager.values_list("pk", flat=True)) != wanted:
        obj._change_reason = REASON
        manager.set(wanted)
