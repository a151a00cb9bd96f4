"""Applying a change request's diff to the matrix, after checking that nobody changed its objects since.

``find_conflicts`` locks every object the diff changes or deletes (``SELECT … FOR UPDATE``) and compares
its state with the version the author drafted against; ``apply_diff`` then writes exactly the diff —
only the fields it names, the m2m lists it names, in the order the admin would have written them —
with the history reason and user of the approval on every record, cascades included.
"""

from __future__ import annotations

from django.apps import apps
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import DataError, IntegrityError, models
from django.utils.text import capfirst

from matrix.models import ChangeOperation

from .drafting import diff_fields, latest_history, version_of
from .history import change_context

# What applying a diff that no longer fits the matrix raises; the approval turns it into a conflict.
APPLY_ERRORS = (ValidationError, IntegrityError, DataError, ObjectDoesNotExist, LookupError, KeyError)


def _model(entry: dict) -> type[models.Model]:
    return apps.get_model(entry["model"])


def _name(entry: dict) -> str:
    return f"{_model(entry)._meta.verbose_name} “{entry['label']}”"


def find_conflicts(diff: dict) -> list[str]:
    """Why the diff no longer applies as drafted (empty: it does). Locks the rows it will write."""
    problems = []
    for entry in diff.get("objects", []):
        if entry["op"] == ChangeOperation.ADD:
            continue
        model = _model(entry)
        current = model._default_manager.select_for_update().filter(pk=entry["id"]).first()
        if current is None:
            problems.append(f"{capfirst(_name(entry))} was deleted after this change was drafted.")
        elif version_of(current) != entry["version"]:
            latest = latest_history(model, current.pk)
            by = f" by {latest.history_user.get_username()}" if latest and latest.history_user else ""
            when = f" on {latest.history_date:%Y-%m-%d %H:%M}" if latest else ""
            problems.append(f"{capfirst(_name(entry))} was changed{by}{when}, after this change was drafted.")
    return problems


def apply_diff(diff: dict, *, reason: str, user) -> None:
    """Write the diff. Raises one of ``APPLY_ERRORS`` if it does not fit; run it in a transaction."""
    created: dict[str, models.Model] = {}
    with change_context(reason, user):
        for entry in diff.get("objects", []):
            model = _model(entry)
            if entry["op"] == ChangeOperation.DELETE:
                obj = model._default_manager.get(pk=entry["id"])
                _stamp(obj, reason, user)
                obj.delete()
                continue
            adding = entry["op"] == ChangeOperation.ADD
            obj = model() if adding else model._default_manager.get(pk=entry["id"])
            for name, change in entry["fields"].items():
                _set(obj, model._meta.get_field(name), change["new"], created)
            if adding or entry["fields"]:
                # Field checks on what the diff sets; the database's constraints check the rest.
                untouched = [f.name for f in diff_fields(model) if f.name not in entry["fields"]]
                obj.full_clean(exclude=untouched)
                _stamp(obj, reason, user)
                obj.save()
            created[entry["ref"]] = obj
            for name, change in entry.get("m2m", {}).items():
                related = model._meta.get_field(name).related_model
                _stamp(obj, reason, user)
                getattr(obj, name).set([_resolve(related, ref, created) for ref in change["new"]])


def _stamp(obj: models.Model, reason: str, user) -> None:
    obj._change_reason = reason
    obj._history_user = user


def _set(obj: models.Model, field: models.Field, value, created: dict) -> None:
    if not field.is_relation:
        setattr(obj, field.attname, field.to_python(value))
    elif value is None:
        setattr(obj, field.attname, None)
    elif "ref" in value:
        setattr(obj, field.name, created[value["ref"]])
    else:
        setattr(obj, field.attname, value["id"])


def _resolve(model: type[models.Model], ref: dict, created: dict):
    if "ref" in ref:
        return created[ref["ref"]]
    return model._default_manager.get(pk=ref["id"])  # a related row deleted since raises DoesNotExist


def explain(exc: Exception) -> str:
    """An apply error in words a manager can act on."""
    if isinstance(exc, ValidationError):
        if hasattr(exc, "error_dict"):
            return " ".join(
                f"{'' if name == '__all__' else name.replace('_', ' ').capitalize() + ': '}{' '.join(messages)}"
                for name, messages in exc.message_dict.items()
            )
        return " ".join(exc.messages)
    if isinstance(exc, ObjectDoesNotExist):
        return "something it refers to was deleted after it was drafted."
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
