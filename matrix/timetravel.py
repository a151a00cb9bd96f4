"""The matrix as it stood at a moment, read back from its history (django-simple-history).

``HistoricalSnapshot(when)`` is a ``MatrixSnapshot`` whose parts come from the history tables instead of
today's rows: for every matrix model, the latest history record of each object written at or before
``when``, unless that record is its deletion. The rows are real model instances, so routing, lint and the
matrix page read them exactly as they read today's. Their foreign keys are wired to the *historical*
rows they pointed at then, their many-to-many lists come from the m2m history tables (the rows kept
with the chosen record), and a policy's steps and a rotation's members and overrides are attached as if
prefetched: reading ``area.owner_team`` or ``policy.steps.all()`` costs no query and never sees today.

Users are not historised: the people are today's (their names, whether they are still active).

Each model is read with one query (plus one per many-to-many field), whatever the size of the matrix,
and only when a part needs it. What a loaded row reaches beyond that — a reverse relation no part
attaches, a queryset method such as ``.filter()`` on an attached list — is NOT historical; the attached
lists are built from ``none()`` querysets, so such a read finds nothing rather than today's rows.

Only writes that leave history are seen: ``QuerySet.update()`` and ``bulk_*`` write none, and a
``SET_NULL`` cascade is an update (the row keeps pointing at its deleted target; here that link reads
as empty, which is what it was).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import DEFAULT_DB_ALIAS, models
from django.utils import timezone

from . import models as m
from .snapshot import MatrixSnapshot, part

HISTORISED = frozenset(m.MATRIX_MODELS)


def end_of_day(day: dt.date) -> dt.datetime:
    """The last moment of ``day`` in the site's time zone (settings.TIME_ZONE), as an aware datetime."""
    tz = timezone.get_default_timezone()
    next_midnight = dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return next_midnight - dt.timedelta(microseconds=1)


def m2m_history_model(model: type[models.Model], field: models.ManyToManyField) -> type[models.Model]:
    """simple-history's table of a many-to-many field's rows, one set per history record of ``model``."""
    return apps.get_model(model._meta.app_label, f"Historical{field.remote_field.through.__name__}")


def records_as_of(model: type[models.Model], when: dt.datetime):
    """The latest history record of every object of ``model`` at ``when`` (deletions included)."""
    return model.history.filter(history_date__lte=when).latest_of_each().order_by()


def latest_by_object(records: Iterable) -> dict[int, object]:
    """Object id → the latest of its history records given (of two written at one instant, the later)."""
    latest: dict[int, object] = {}
    for record in records:
        seen = latest.get(record.id)
        if seen is None or (record.history_date, record.history_id) > (seen.history_date, seen.history_id):
            latest[record.id] = record
    return latest


def attach(obj: models.Model, name: str, model: type[models.Model], objects: Iterable[models.Model]) -> None:
    """Make ``getattr(obj, name).all()`` return ``objects`` without a query, as ``prefetch_related`` does.

    Built from ``none()``: a further ``.filter()`` on it finds nothing instead of today's rows."""
    queryset = model._default_manager.none()
    queryset._result_cache = list(objects)
    queryset._prefetch_done = True
    if not hasattr(obj, "_prefetched_objects_cache"):
        obj._prefetched_objects_cache = {}
    obj._prefetched_objects_cache[name] = queryset


def _sort_key(model: type[models.Model]):
    """The model's ``Meta.ordering`` over loaded rows (ascending terms; a relation orders by its id)."""
    terms = [term.split("__") for term in model._meta.ordering]

    def key(obj) -> tuple:
        values = []
        for path in terms:
            value = obj
            for name in path:
                value = getattr(value, name, None) if value is not None else None
            if isinstance(value, models.Model):
                value = value.pk
            values.append((value is None, value))
        return (*values, obj.pk)

    return key


class HistoricalSnapshot(MatrixSnapshot):
    """The matrix as it stood at ``when``; who is on call is asked at ``now`` (by default ``when`` too)."""

    def __init__(self, when: dt.datetime, now: dt.datetime | None = None, *, parts: dict | None = None,
                 using: str = DEFAULT_DB_ALIAS) -> None:
        super().__init__(now or when, parts=parts)
        self.when = when
        self.using = using

    def at(self, now: dt.datetime | None = None) -> HistoricalSnapshot:
        return HistoricalSnapshot(self.when, now, parts=self._parts, using=self.using)

    @property
    def is_empty(self) -> bool:
        """Nothing was recorded yet at ``when``: no area, no team, no tier."""
        return not (self.areas or self.teams or self.tiers)

    # --- rows as they stood ----------------------------------------------------------------------
    def rows(self, model: type[models.Model]) -> dict[int, models.Model]:
        """Every object of ``model`` as it stood at ``when``, by id, in the model's order (loaded once)."""
        return self.shared(f"as_of:{model._meta.label_lower}", lambda: self._load(model))

    def _load(self, model: type[models.Model]) -> dict[int, models.Model]:
        user_model = get_user_model()
        fks = [f for f in model._meta.concrete_fields if f.many_to_one]
        user_fks = [f for f in fks if f.related_model is user_model]
        records = records_as_of(model, self.when)
        if user_fks:  # today's people, in the same query (never select_related() bare: it follows every FK)
            records = records.select_related(*(f.name for f in user_fks))
        latest = latest_by_object(records)
        names = [f.attname for f in model._meta.concrete_fields]
        found: dict[int, models.Model] = {}
        for record in latest.values():
            if record.history_type == "-":
                continue
            obj = model.from_db(self.using, names, [getattr(record, name) for name in names])
            for field in user_fks:
                self._wire(obj, field, getattr(record, field.name))
            obj._history_id = record.history_id  # the version it is: ties its m2m rows to it
            found[obj.pk] = obj
        for field in fks:
            if field.related_model is model:  # a tree (an area's parent): the rows just loaded
                targets = found
            elif field.related_model in HISTORISED:
                targets = self.rows(field.related_model)
            else:
                continue
            for obj in found.values():
                target_id = getattr(obj, field.attname)
                self._wire(obj, field, targets.get(target_id) if target_id is not None else None)
        self._load_m2m(model, found)
        order = _sort_key(model)
        return dict(sorted(found.items(), key=lambda item: order(item[1])))

    @staticmethod
    def _wire(obj: models.Model, field: models.ForeignKey, target: models.Model | None) -> None:
        if target is None and getattr(obj, field.attname) is not None and field.null:
            # It pointed at a row deleted by then: a SET_NULL cascade emptied it without a history record.
            setattr(obj, field.attname, None)
        field.set_cached_value(obj, target)

    def _load_m2m(self, model: type[models.Model], found: dict[int, models.Model]) -> None:
        """Each row's many-to-many lists as kept with its history record: one query per field."""
        tracked = {f.name for f in getattr(model.history.model, "_history_m2m_fields", [])}
        for field in model._meta.local_many_to_many:
            if field.name not in tracked:
                continue
            target_model, target = field.related_model, field.m2m_reverse_field_name()
            links = m2m_history_model(model, field).objects.filter(
                history__in=records_as_of(model, self.when).values("history_id")
            )
            if target_model is get_user_model():
                links = links.select_related(target)
                lookup = None
            else:
                lookup = found if target_model is model else self.rows(target_model)
            by_version: dict[int, list] = defaultdict(list)
            for link in links:
                related = getattr(link, target) if lookup is None else lookup.get(getattr(link, f"{target}_id"))
                if related is not None:  # a target gone by then is no longer in the list
                    by_version[link.history_id].append(related)
            for obj in found.values():
                related = by_version.get(obj._history_id, [])
                attach(obj, field.name, target_model, sorted(related, key=_sort_key(target_model)))

    # --- the parts, as MatrixSnapshot names them ------------------------------------------------
    @part
    def areas(self) -> dict[int, m.ProductArea]:
        return self.rows(m.ProductArea)

    @part
    def teams(self) -> dict[int, m.Team]:
        return self.rows(m.Team)

    @part
    def memberships_by_team(self) -> dict[int, list[m.Membership]]:
        return _grouped(self.rows(m.Membership).values(), "team_id")

    @part
    def rotations_by_team(self) -> dict[int, list[m.Rotation]]:
        members = _grouped(self.rows(m.RotationMember).values(), "rotation_id")
        overrides = _grouped(self.rows(m.RotationOverride).values(), "rotation_id")
        for rotation in self.rows(m.Rotation).values():
            attach(rotation, "members", m.RotationMember, members.get(rotation.pk, []))
            attach(rotation, "overrides", m.RotationOverride, overrides.get(rotation.pk, []))
        return _grouped(self.rows(m.Rotation).values(), "team_id")

    @part
    def _tiers_and_cells(self) -> tuple[dict[int, m.Tier], dict[tuple[int, int], int]]:
        cells = {(c.impact_id, c.urgency_id): c.tier_id for c in self.rows(m.PriorityCell).values()}
        return self.rows(m.Tier), cells

    @part
    def _ranked_choices(self) -> tuple[dict[str, m.Impact], dict[str, m.Urgency]]:
        return ({i.key: i for i in self.rows(m.Impact).values()}, {u.key: u for u in self.rows(m.Urgency).values()})

    @part
    def rules(self) -> list[m.RoutingRule]:
        return list(self.rows(m.RoutingRule).values())

    @part
    def policies(self) -> list[m.EscalationPolicy]:
        steps = _grouped(self.rows(m.EscalationStep).values(), "policy_id")
        policies = list(self.rows(m.EscalationPolicy).values())
        for policy in policies:
            attach(policy, "steps", m.EscalationStep, steps.get(policy.pk, []))
        return policies

    @part
    def playbooks(self) -> list[m.Playbook]:
        return list(self.rows(m.Playbook).values())

    def triage_fields(self, playbook_id: int | None) -> list[m.TriageField]:
        if playbook_id is None:
            return []
        return [f for f in self.rows(m.TriageField).values() if f.playbook_id == playbook_id]

    @part
    def contact_channels_by_team(self) -> dict[int, list[m.ContactChannel]]:
        return _grouped(self.rows(m.ContactChannel).values(), "team_id")

    @part
    def vendor_by_key(self) -> dict[str, m.Vendor]:
        return {v.key: v for v in self.rows(m.Vendor).values()}

    @part
    def vendor_contacts(self) -> list[m.VendorContact]:
        return list(self.rows(m.VendorContact).values())


def _grouped(objects: Iterable[models.Model], attname: str) -> dict[int, list]:
    grouped: dict[int, list] = defaultdict(list)
    for obj in objects:
        grouped[getattr(obj, attname)].append(obj)
    return grouped
