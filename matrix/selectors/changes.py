"""What changed in the matrix between two moments: every history record, grouped by object, in words.

``matrix_changes(since, until)`` is a public contract (the quarterly review's evidence pack reads it):
every change recorded after ``since`` and up to ``until`` — so that the matrix as of ``until`` is the
matrix as of ``since`` plus exactly these changes (``matrix.timetravel``). Each change says when, what
(added, changed, deleted, with each field's old → new value in the words change requests use), who
made it, who approved it and why. Objects come newest change first; each object's changes oldest first.

Who made and approved a change comes from its history record (``_people``): an approval writes the
reason "… — by <author>, approved by <approver>" with the approver as the record's user. Those names are
free text, though (anyone with approvals off may type them), so they are believed only when the approver
named is the record's user. Otherwise — typed names, or an approval whose names were cut to fit — the
record is looked up among the approved change requests (``_Approvals``): its user is then the approver,
never the author; a record no request wrote names its user as the author, and no approver.

Queries do not grow with the number of changes: one per matrix model (which also says whether each
object still exists), then, for the models that changed, one for their earlier versions, one per
many-to-many field, a few to name what they point at (``_Names``), and one for approved change requests.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import Exists, OuterRef, Subquery
from django.urls import NoReverseMatch, reverse

from .. import models as m
from ..governance.drafting import diff_fields, plain
from ..governance.services import history_reason_parts
from ..governance.words import describe
from ..timetravel import end_of_day, latest_by_object, m2m_history_model, records_as_of

OPERATIONS = {"+": "added", "~": "changed", "-": "deleted"}
_CHANGE_OP = {"+": m.ChangeOperation.ADD, "~": m.ChangeOperation.CHANGE, "-": m.ChangeOperation.DELETE}

# What a row belongs to, named next to it ("Step 2 (+15 min)" of "Checkout SEV1").
PARENT_FIELD = {
    m.Membership: "team", m.ContactChannel: "team", m.Rotation: "team", m.RotationMember: "rotation",
    m.RotationOverride: "rotation", m.VendorContact: "vendor", m.AreaRosterEntry: "area",
    m.EscalationStep: "policy", m.ChecklistItem: "playbook", m.TriageField: "playbook",
}
# Objects with a page of their own (by key); the others link to their admin page.
PAGES = {m.ProductArea: "matrix:area_detail", m.Team: "matrix:team_detail", m.Vendor: "matrix:vendor_detail",
         m.Playbook: "matrix:playbook_detail"}


@dataclass(frozen=True)
class Change:
    """One recorded change of one object."""

    when: dt.datetime
    operation: str  # "added", "changed" or "deleted"
    diffs: list[str]  # "Owner team: Storefront → Payments", in the words change requests use
    author: str | None  # a username; None when nobody is recorded (a script, a data migration)
    approver: str | None  # a username; None when the change needed no approval
    reason: str
    history_id: int


@dataclass
class ObjectChanges:
    """Every change of one object in the period."""

    model: str  # its verbose name: "product area", "escalation step"
    model_label: str  # "matrix.productarea"
    object_id: int
    key: str | None  # its slug, for the models that have one
    label: str  # as it was called at its latest change here
    parent: str  # what it belongs to ("Checkout SEV1" for a step), or ""
    page_url: str | None  # its page today (areas, teams, vendors, playbooks)
    admin_url: str | None  # its admin page today; both None once it no longer exists
    changes: list[Change] = field(default_factory=list)  # oldest first

    @property
    def url(self) -> str | None:
        """Where to look at it today: its page, else its admin page; None when it no longer exists."""
        return self.page_url or self.admin_url

    @property
    def latest(self) -> dt.datetime:
        return self.changes[-1].when

    @property
    def deleted(self) -> bool:
        return self.changes[-1].operation == OPERATIONS["-"]


def matrix_changes(since: dt.datetime, until: dt.datetime, *, reveal: bool = False) -> list[ObjectChanges]:
    """Every matrix change recorded in (since, until], grouped by object, the latest-changed object first.
    Chat and webhook URLs are masked unless ``reveal`` (see ``matrix.credentials``)."""
    found = {model: list(_records(model, since, until)) for model in m.MATRIX_MODELS}
    found = {model: records for model, records in found.items() if records}
    previous = {model: _previous(model, records, since) for model, records in found.items()}
    links = {model: _m2m_links(model, [*records, *previous[model].values()]) for model, records in found.items()}
    names = _Names(until)
    for model, records in found.items():
        names.want_references(model, [*records, *previous[model].values()], links[model])
    names.load()
    approvals = _Approvals(found)

    grouped: list[ObjectChanges] = []
    for model, records in found.items():
        by_object: dict[int, list] = defaultdict(list)
        for record in records:
            by_object[record.id].append(record)
        for object_id, chain in by_object.items():
            item = _object_changes(model, object_id, chain, previous[model].get(object_id), links[model], names,
                                   approvals, reveal)
            if item.changes:
                grouped.append(item)
    grouped.sort(key=lambda item: (item.latest, item.model_label, item.object_id), reverse=True)
    return grouped


@dataclass
class ChangesPage:
    since: dt.date  # the first day shown
    until: dt.date  # the last day shown
    objects: list[ObjectChanges]
    people: dict[str, str]  # username → the name to show

    @property
    def change_count(self) -> int:
        return sum(len(item.changes) for item in self.objects)


def changes_page(since: dt.date, until: dt.date, *, reveal: bool = False) -> ChangesPage:
    """The "what changed" page: every change from the start of ``since`` to the end of ``until``."""
    objects = matrix_changes(end_of_day(since - dt.timedelta(days=1)), end_of_day(until), reveal=reveal)
    usernames = {name for item in objects for change in item.changes for name in (change.author, change.approver)
                 if name}
    user_model = get_user_model()
    people = {
        user.get_username(): user.get_full_name() or user.get_username()
        for user in user_model._default_manager.filter(**{f"{user_model.USERNAME_FIELD}__in": usernames})
    } if usernames else {}
    return ChangesPage(since=since, until=until, objects=objects, people=people)


def matrix_change_count(since: dt.datetime, until: dt.datetime | None = None) -> int:
    """How many history records the matrix gained after ``since`` (and up to ``until``): ONE query."""
    counted = []
    for model in m.MATRIX_MODELS:
        records = model.history.filter(history_date__gt=since)
        if until is not None:
            records = records.filter(history_date__lte=until)
        counted.append(records.order_by().values_list("history_id"))
    return counted[0].union(*counted[1:], all=True).count()


# --- reading the history ---------------------------------------------------------------------------
def _records(model: type[models.Model], since: dt.datetime, until: dt.datetime):
    """The period's records, oldest first, each saying whether its object exists today (and its key today)."""
    today = model._default_manager.filter(pk=OuterRef("id")).order_by()
    records = (model.history.filter(history_date__gt=since, history_date__lte=until)
               .select_related("history_user").order_by("history_date", "history_id"))
    records = records.annotate(exists_today=Exists(today))
    if _has_key(model):  # its page is found by its key, which may have changed since
        records = records.annotate(today_key=Subquery(today.values("key")[:1]))
    return records


def _previous(model: type[models.Model], records: list, since: dt.datetime) -> dict[int, object]:
    """Each changed object's version just before the period, to diff its first change in it against."""
    ids = {record.id for record in records if record.history_type != "+"}
    if not ids:
        return {}
    return latest_by_object(records_as_of(model, since).filter(id__in=ids))


def _m2m_links(model: type[models.Model], records: list) -> dict[str, dict[int, set[int]]]:
    """Field name → history id → the ids its many-to-many list held in that version."""
    tracked = list(getattr(model.history.model, "_history_m2m_fields", []))
    history_ids = [record.history_id for record in records]
    links: dict[str, dict[int, set[int]]] = {}
    for m2m in tracked:
        target = f"{m2m.m2m_reverse_field_name()}_id"
        rows = m2m_history_model(model, m2m).objects.filter(history_id__in=history_ids)
        by_version: dict[int, set[int]] = defaultdict(set)
        for history_id, target_id in rows.values_list("history_id", target):
            by_version[history_id].add(target_id)
        links[m2m.name] = by_version
    return links


def _has_key(model: type[models.Model]) -> bool:
    return any(f.name == "key" for f in model._meta.concrete_fields)


# --- one object --------------------------------------------------------------------------------------
def _object_changes(model, object_id: int, chain: list, before, links: dict, names: _Names,
                    approvals: _Approvals, reveal: bool) -> ObjectChanges:
    last = chain[-1]
    instance = names.instance_of(model, last)
    parent_field = PARENT_FIELD.get(model)
    parent = ""
    if parent_field is not None:
        parent_model = model._meta.get_field(parent_field).related_model
        parent = names.label(parent_model, getattr(last, f"{parent_field}_id"))
    key = getattr(last, "key", None)
    page_url = admin_url = None
    if last.exists_today:
        admin_url = _admin_url(model, object_id)
        if model in PAGES:
            page_url = reverse(PAGES[model], args=[last.today_key])
    item = ObjectChanges(
        model=str(model._meta.verbose_name), model_label=model._meta.label_lower, object_id=object_id,
        key=key, label=str(instance), parent=parent, page_url=page_url, admin_url=admin_url,
    )
    for record in chain:
        change = _change(model, record, before, links, names, str(instance), approvals, reveal)
        if change is not None:
            item.changes.append(change)
        before = record
    return item


def _change(model, record, before, links: dict, names: _Names, label: str, approvals: _Approvals,
            reveal: bool) -> Change | None:
    op = _CHANGE_OP[record.history_type]
    if op == m.ChangeOperation.CHANGE and before is None:
        op = m.ChangeOperation.ADD  # its earlier history is missing: show everything it held
    entry = {"model": model._meta.label_lower, "op": op, "label": label, "fields": {}, "m2m": {}}
    if op != m.ChangeOperation.DELETE:
        for f in diff_fields(model):
            new = getattr(record, f.attname)
            old = getattr(before, f.attname) if op == m.ChangeOperation.CHANGE else None
            if op == m.ChangeOperation.CHANGE and old == new:
                continue
            entry["fields"][f.name] = {"old": names.value(f, old), "new": names.value(f, new)}
        for name, by_version in links.items():
            related = model._meta.get_field(name).related_model
            new_ids = by_version.get(record.history_id, set())
            old_ids = by_version.get(before.history_id, set()) if op == m.ChangeOperation.CHANGE else set()
            if new_ids != old_ids:
                entry["m2m"][name] = {"old": names.refs(related, old_ids), "new": names.refs(related, new_ids)}
    described = describe({"objects": [entry]}, reveal=reveal)
    if op == m.ChangeOperation.CHANGE and not described:
        return None  # saved without a change
    reason, author, approver = _people(model, record, approvals)
    return Change(
        when=record.history_date, operation=OPERATIONS[record.history_type],
        diffs=described[0].lines if described else [], author=author, approver=approver, reason=reason,
        history_id=record.history_id,
    )


def _people(model: type[models.Model], record, approvals: _Approvals) -> tuple[str, str | None, str | None]:
    """(reason, author, approver) of one history record: see the module's docstring."""
    text = (record.history_change_reason or "").strip()
    reason, author, approver = history_reason_parts(text)
    if _named_by_its_approval(record):
        return reason, author, approver
    request = approvals.find(model, record)
    if request is not None:  # an approval whose names were cut to fit: its user is the approver
        return request.reason, request.author.get_username(), request.approver.get_username()
    user = record.history_user.get_username() if record.history_user is not None else None
    return (reason if approver is None else text), user, None


def _named_by_its_approval(record) -> bool:
    """Whether the record's reason names an approval and its approver is the record's user (who applied it)."""
    approver = history_reason_parts(record.history_change_reason)[2]
    return approver is not None and record.history_user is not None and approver == record.history_user.get_username()


class _Approvals:
    """Approved change requests that may have written records whose reason lost the names (one query, only when
    there are such records). A record was written by a request if its user approved it, at most ``WINDOW``
    after the decision, and the request's diff holds that object (or adds one of that model, for an add)."""

    WINDOW = dt.timedelta(minutes=1)

    def __init__(self, found: dict[type[models.Model], list]) -> None:
        unnamed = [record for records in found.values() for record in records
                   if record.history_user_id is not None and not _named_by_its_approval(record)]
        self._requests: list[m.ChangeRequest] = []
        if unnamed:
            dates = [record.history_date for record in unnamed]
            self._requests = list(
                m.ChangeRequest.objects.filter(
                    status=m.ChangeRequestStatus.APPROVED,
                    approver_id__in={record.history_user_id for record in unnamed},
                    decided_at__gte=min(dates) - self.WINDOW, decided_at__lte=max(dates),
                ).select_related("author", "approver").order_by("decided_at", "pk")
            )

    def find(self, model: type[models.Model], record) -> m.ChangeRequest | None:
        label = model._meta.label_lower
        adding = record.history_type == "+"
        for request in self._requests:
            if request.approver_id != record.history_user_id:
                continue
            if not request.decided_at <= record.history_date <= request.decided_at + self.WINDOW:
                continue
            if any(entry.get("model") == label and (
                entry.get("id") == record.id or (adding and entry.get("op") == m.ChangeOperation.ADD)
            ) for entry in request.diff.get("objects", [])):
                return request
        return None


def _admin_url(model: type[models.Model], pk: int) -> str | None:
    try:
        return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[pk])
    except NoReverseMatch:
        return None


# --- naming what a change points at ------------------------------------------------------------------
class _Names:
    """Matrix objects as last recorded up to ``until`` (deleted ones too) and today's users, to name what
    a change points at: "Owner team: Storefront → Payments", "Rotation member “1. pat”" of "Payments —
    Primary". Loaded in rounds, one query per model per round, until every name can be told."""

    def __init__(self, until: dt.datetime) -> None:
        self.until = until
        self._wanted: dict[type[models.Model], set[int]] = defaultdict(set)
        self._objects: dict[tuple[type[models.Model], int], models.Model] = {}
        self._users: dict[int, object] = {}
        self._user_ids: set[int] = set()

    # --- what to load ---
    def want(self, model: type[models.Model], ids) -> None:
        if model is get_user_model():
            self._user_ids.update(i for i in ids if i is not None)
        elif model in m.MATRIX_MODELS:
            self._wanted[model].update(i for i in ids if i is not None and (model, i) not in self._objects)

    def want_references(self, model: type[models.Model], records: list, links: dict) -> None:
        for f in model._meta.concrete_fields:
            if f.many_to_one:
                self.want(f.related_model, {getattr(r, f.attname) for r in records})
        for name, by_version in links.items():
            self.want(model._meta.get_field(name).related_model, {i for ids in by_version.values() for i in ids})

    def load(self) -> None:
        while any(self._wanted.values()):
            wanted, self._wanted = self._wanted, defaultdict(set)
            for model, ids in wanted.items():
                if ids:
                    self._load(model, ids)
        if self._user_ids:
            self._users = {u.pk: u for u in get_user_model()._default_manager.filter(pk__in=self._user_ids)}
        for (model, _), obj in self._objects.items():
            self._wire(model, obj)

    def _load(self, model: type[models.Model], ids: set[int]) -> None:
        latest = latest_by_object(records_as_of(model, self.until).filter(id__in=ids))
        for object_id, record in latest.items():
            self._objects[(model, object_id)] = self._build(model, record)
        self.want_references(model, list(latest.values()), {})

    # --- reading ---
    @staticmethod
    def _build(model: type[models.Model], record) -> models.Model:
        names = [f.attname for f in model._meta.concrete_fields]
        return model(**{name: getattr(record, name) for name in names})

    def _wire(self, model: type[models.Model], obj: models.Model) -> None:
        """Point its foreign keys at the loaded objects, so that ``str()`` never queries."""
        for f in model._meta.concrete_fields:
            if f.many_to_one:
                f.set_cached_value(obj, self.get(f.related_model, getattr(obj, f.attname)))

    def instance_of(self, model: type[models.Model], record) -> models.Model:
        obj = self._build(model, record)
        self._wire(model, obj)
        return obj

    def get(self, model: type[models.Model], pk: int | None):
        if pk is None:
            return None
        if model is get_user_model():
            return self._users.get(pk)
        return self._objects.get((model, pk))

    def label(self, model: type[models.Model], pk: int | None) -> str:
        if pk is None:
            return ""
        obj = self.get(model, pk)
        if obj is None:
            return f"{model._meta.verbose_name} #{pk}"
        if model is get_user_model():
            return obj.get_full_name() or obj.get_username()
        return str(obj)

    def value(self, f: models.Field, value):
        """A field's value as a change request's diff holds it (a reference for a foreign key)."""
        if value is None:
            return None
        if f.many_to_one:
            return {"id": value, "label": self.label(f.related_model, value)}
        return plain(value)

    def refs(self, model: type[models.Model], ids: set[int]) -> list[dict]:
        return sorted(({"id": i, "label": self.label(model, i)} for i in ids), key=lambda ref: ref["label"])
