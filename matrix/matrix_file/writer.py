"""The write half of an import: save only what differs, delete what the file no longer has, and record
the reason (and the importing user) on every history row written.

Unique numbers (ranks, rule orders, step and rotation positions) and the single triage team are first
moved out of the way with ``QuerySet.update()`` — which writes no history — so that swaps and renumbering
never collide; the ``save()`` that follows writes the final value and the one history row.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, models

from . import schema as s
from .errors import Errors, Loc, MatrixFileError

_SCALARS = {s.TEXT, s.SLUG, s.BOOL, s.INT, s.TIME, s.DATE, s.DATETIME, s.TIMEZONE, s.WEEKDAYS, s.CHOICE}


@dataclass(frozen=True)
class Change:
    action: str  # "created", "updated" or "deleted"
    what: str  # the entry's place in the file, or (deleted) the object in words
    fields: tuple[str, ...] = ()

    def __str__(self) -> str:
        return f"{self.action} {self.what}" + (f": {', '.join(self.fields)}" if self.fields else "")


@dataclass
class ImportResult:
    dry_run: bool = False
    changes: list[Change] = field(default_factory=list)
    unchanged: int = 0
    warnings: list[str] = field(default_factory=list)

    def count(self, action: str) -> int:
        return sum(1 for c in self.changes if c.action == action)

    @property
    def changed(self) -> bool:
        return bool(self.changes)

    def summary(self) -> str:
        return (f"{self.count('created')} created, {self.count('updated')} updated, "
                f"{self.count('deleted')} deleted, {self.unchanged} unchanged")


class Writer:
    def __init__(self, *, reason: str, user=None) -> None:
        self.reason = reason
        self.user = user
        self.result = ImportResult()
        self.errors = Errors()
        self.created: set[tuple[type, Any]] = set()

    # --- values --------------------------------------------------------------------------------------
    def values(self, spec: s.Entry, row: dict, refs: dict[str, dict[str, Any]]) -> dict[str, Any]:
        """The row's scalar fields and references as model attribute values (``owner_team_id`` → pk)."""
        values: dict[str, Any] = {}
        for f in spec.fields:
            name = f.model_field or f.name
            if f.type in _SCALARS:
                values[name] = row[f.name]
            elif f.type in (s.REF, s.USER):
                target = row[f.name]
                section = "people" if f.type == s.USER else f.ref
                values[f"{name}_id"] = None if target is None else refs[section][target].pk
        return values

    # --- one object ----------------------------------------------------------------------------------
    def save(self, obj: models.Model, values: dict[str, Any], spec: s.Entry, loc: Loc) -> bool:
        """Create ``obj`` or update the fields that differ; False when nothing needed saving."""
        created = obj.pk is None
        changed = [name for name, value in values.items() if created or getattr(obj, name) != value]
        if not changed:
            self.result.unchanged += 1
            return False
        for name in changed:
            setattr(obj, name, values[name])
        if not self.full_clean(obj, spec, loc):
            return False
        self.stamp(obj)
        try:
            obj.save()
        except IntegrityError as exc:  # validation should have caught it; the transaction is now unusable
            raise MatrixFileError([f"{loc.label}: the database refused it: {exc}"]) from exc
        if created:
            self.created.add((type(obj), obj.pk))
        fields = () if created else tuple(file_name(spec, name) for name in changed)
        self.result.changes.append(Change("created" if created else "updated", loc.label, fields))
        return True

    def full_clean(self, obj: models.Model, spec: s.Entry, loc: Loc) -> bool:
        # References were resolved from the file's own keys; checking them again costs a query each.
        exclude = [f.name for f in obj._meta.concrete_fields if f.is_relation]
        try:
            obj.full_clean(exclude=exclude)
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                for message in messages:
                    self.errors.add(loc, None if name == NON_FIELD_ERRORS else file_name(spec, name), message)
            return False
        return True

    def set_many(self, obj: models.Model, attr: str, wanted: Sequence[models.Model], loc: Loc) -> None:
        """Make a many-to-many field hold exactly ``wanted`` (a no-op, and no history, when it does)."""
        manager = getattr(obj, attr)
        if {o.pk for o in manager.all()} == {o.pk for o in wanted}:
            return
        self.stamp(obj)
        manager.set(wanted)
        if (type(obj), obj.pk) not in self.created:  # a new object's links are part of its creation
            self.result.changes.append(Change("updated", loc.label, (attr,)))

    def delete(self, obj: models.Model, where: str) -> None:
        self.stamp(obj)
        try:
            obj.delete()
        except models.ProtectedError as exc:
            self._undeletable(obj, where, exc.protected_objects)
        except models.RestrictedError as exc:
            self._undeletable(obj, where, exc.restricted_objects)
        else:
            self.result.changes.append(Change("deleted", f"{where}: {_describe(obj)}"))

    def _undeletable(self, obj: models.Model, where: str, blockers: Iterable[models.Model]) -> None:
        names = sorted({_describe(o) for o in blockers})
        more = f" and {len(names) - 5} more" if len(names) > 5 else ""
        self.errors.add(Loc(where), None, f"cannot delete {_describe(obj)}, which the file no longer has: "
                        f"it is still used by {', '.join(names[:5])}{more}")

    def stamp(self, obj: models.Model) -> None:
        obj._change_reason = self.reason
        if self.user is not None:
            obj._history_user = self.user

    # --- unique numbers ------------------------------------------------------------------------------
    def vacate(self, model: type[models.Model], attr: str, moving: Iterable[models.Model],
               taken: Iterable[int]) -> None:
        """Park ``moving`` rows' ``attr`` above every value in use, without history, so none collides."""
        moving = list(moving)
        if not moving:
            return
        top = max([*taken, *(getattr(o, attr) for o in moving)]) + 1
        for offset, obj in enumerate(moving):
            model.objects.filter(pk=obj.pk).update(**{attr: top + offset})

    # --- inline rows ---------------------------------------------------------------------------------
    def sync_keyed(self, existing: Iterable[models.Model], key_of, rows: list[tuple[Loc, dict]], row_key,
                   build, where: str, before_delete=None) -> list[tuple[Loc, dict, models.Model]]:
        """Match inline rows by their natural key: delete the missing, then return (where, row, object)
        pairs — the object unsaved for new rows — for the caller to save in the file's order."""
        by_key = {key_of(obj): obj for obj in existing}
        wanted = {row_key(row) for _loc, row in rows}
        for key, obj in sorted(by_key.items(), key=lambda kv: str(kv[0])):
            if key not in wanted:
                if before_delete:
                    before_delete(obj)
                self.delete(obj, where)
        return [(loc, row, by_key.get(row_key(row)) or build()) for loc, row in rows]

    def sync_ordered(self, existing: list[models.Model], rows: list[Any], build, where: str,
                     unique_position: bool, before_delete=None) -> list[tuple[Any, models.Model]]:
        """Match inline rows by position: the file's n-th row is the n-th existing row. Extra rows are
        deleted, positions become 1…n, and (row, object) pairs come back for the caller to save."""
        keep, extra = existing[: len(rows)], existing[len(rows):]
        for obj in extra:
            if before_delete:
                before_delete(obj)
            self.delete(obj, where)
        if unique_position and keep:
            moving = [obj for index, obj in enumerate(keep, 1) if obj.position != index]
            self.vacate(type(keep[0]), "position", moving, [len(rows)])
        pairs = list(zip(rows, keep, strict=False))
        pairs += [(row, build()) for row in rows[len(keep):]]
        return pairs


def file_name(spec: s.Entry, model_name: str) -> str:
    name = model_name.removesuffix("_id")
    return next((f.name for f in spec.fields if (f.model_field or f.name) == name), name)


def _describe(obj: models.Model) -> str:
    key = getattr(obj, "key", None)
    return f"{obj._meta.verbose_name} {key!r}" if key else f"{obj._meta.verbose_name} '{obj}'"
