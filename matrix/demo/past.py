"""The demo matrix's past: set up about four months ago, changed a few times since through approvals.

``load_demo`` builds the matrix as it stands today, so everything it records is dated at load time: time
travel would show nothing before today, "What changed" and the quarterly review's evidence would be
empty, and each demo incident's "matrix as it stood" link would find nothing. On the load that creates
the demo matrix, ``build_past`` gives it a history:

1. Each story object is put back to what it was before its change (a record with the set-up's reason,
   "Demo organisation"); a row the story adds is taken out again, history and all, as if never made.
2. Everything the load recorded is moved back by ``SET_UP_AGO``: history dates, the timestamps the
   records keep, and the live rows' ``created_at``/``updated_at`` — shifted by one delta, never
   flattened, so their order stays. (The many-to-many history rows carry no date: they hang off their
   record and move with it.)
3. Each change is then made through the real governance path — drafted and submitted by the demo
   manager, approved, or rejected with a comment, by the demo approver — and moved back to its day:
   its history records, the request's created/decided times, and what it told people (delivered then,
   never prompted now: ``notifications.history``).

The story ends at the matrix ``load_demo`` builds, so a second load finds nothing to correct and writes
nothing. It runs only when the matrix had no history before this load (and the story is not there
yet): only this load's own records are ever moved, never those of real use or of a later load.
Conflict detection is unaffected: a draft records an object's version (latest history id and
``updated_at``) as it is after the shift, and approval compares it with the same values.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import F
from django.utils import timezone

from matrix import models as m
from matrix.cache import matrix_changed
from matrix.governance import (
    Draft,
    change_request_approve,
    change_request_reject,
    change_request_submit,
    history_reason,
)
from matrix.governance.drafting import diff_fields
from notifications.history import delivery_prompts_dropped, notifications_mark_sent
from notifications.models import Notification

from .records import REASON

SET_UP_AGO = dt.timedelta(days=120)
AUTHOR, APPROVER = "manager", "approver"
# Requests are raised mid-morning (UTC) on a working day and decided a little later.
SUBMITTED_AT = dt.time(9, 40)
DECIDED_AFTER = dt.timedelta(hours=1, minutes=25)


@dataclass(frozen=True)
class Key:
    """A reference to a matrix object by its stable key, resolved when the story is played."""

    model: type[models.Model]
    key: str


@dataclass(frozen=True)
class Edit:
    """One object a change request touches, found by ``lookup`` today.

    ``before``: its fields before the change (the change brings back today's values); ``added``: the
    change created it (it did not exist before); ``proposed``: what a rejected change asked for. An edit
    with none of them is the edited object whose inline rows change (the admin page the change was made on).
    """

    model: type[models.Model]
    lookup: dict[str, Any]
    before: dict[str, Any] = field(default_factory=dict)
    added: bool = False
    proposed: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Chapter:
    days_ago: int
    reason: str
    edits: tuple[Edit, ...]  # the edited object first, then its inline rows, as the admin records them
    rejected: str = ""  # the approver's comment, for a change turned down


CHECKOUT_SEV1_BEFORE = "Lost orders: SRE's lead joins at 10 minutes, executives at 30."

CHAPTERS = [
    Chapter(75, "Mobile team formed: it takes the apps over from Platform", (
        Edit(m.ProductArea, {"key": "mobile-app"}, before={"owner_team": Key(m.Team, "platform")}),
    )),
    Chapter(60, "Disputes reached tier 1 first: the refunds rule takes them", (
        Edit(m.RoutingRule, {"key": "refunds-chargebacks"}, before={"keywords": "refund, chargeback"}),
    )),
    Chapter(40, "Checkout SEV1 review: bring SRE's lead in sooner", (
        Edit(m.EscalationPolicy, {"key": "checkout-sev1"}, before={"description": CHECKOUT_SEV1_BEFORE}),
        Edit(m.EscalationStep, {"policy__key": "checkout-sev1", "phase": m.Phase.ACKNOWLEDGE, "position": 2},
             before={"delay_minutes": 10}),
    )),
    Chapter(30, "Export jobs run on SRE's batch cluster", (
        Edit(m.ProductArea, {"key": "data-exports"}, proposed={"owner_team": Key(m.Team, "sre")}),
    ), rejected="Exports are still incubating and Product's squad builds them. The export-jobs rule already "
                "sends stuck and failing jobs to SRE."),
    Chapter(20, "Logins were closed as fixed before the customer could sign in", (
        Edit(m.Playbook, {"key": "login-problems"}),
        Edit(m.ChecklistItem, {"playbook__key": "login-problems", "position": 5}, added=True),
    )),
    Chapter(10, "PayFlow moved its merchant support line", (
        Edit(m.VendorContact, {"vendor__key": "payflow", "name": "PayFlow merchant support"},
             before={"phone": "+44 20 7946 0100"}),
    )),
]


def build_past(*, started: dt.datetime) -> None:
    """Give the matrix this load created its past (see the module); nothing if it existed before."""
    if not _created_by_this_load(started):
        return
    today = [[_undo(edit) for edit in chapter.edits] for chapter in CHAPTERS]
    _shift(since=started, by=-SET_UP_AGO, reason=REASON)
    users = get_user_model()._default_manager
    author, approver = users.get(username=AUTHOR), users.get(username=APPROVER)
    with delivery_prompts_dropped():
        for chapter, values in zip(CHAPTERS, today, strict=True):
            _play(chapter, values, author=author, approver=approver, now=started)
    matrix_changed()  # the shifts are QuerySet.update()s, which no signal reports


def _created_by_this_load(started: dt.datetime) -> bool:
    if any(model.history.filter(history_date__lt=started).exists() for model in m.MATRIX_MODELS):
        return False
    first = CHAPTERS[0]
    return not m.ChangeRequest.objects.filter(reason=first.reason, author__username=AUTHOR).exists()


# --- 1. back to how it was -------------------------------------------------------------------------
def _undo(edit: Edit) -> dict[str, Any]:
    """Put the object back to before the change; returns today's values, for the change to restore."""
    obj = edit.model._default_manager.get(**edit.lookup)
    if edit.added:
        values = {f.attname: getattr(obj, f.attname) for f in diff_fields(edit.model)}
        pk = obj.pk
        obj.delete()
        edit.model.history.filter(id=pk).delete()  # never there until the change added it
        return values
    if not edit.before:
        return {}
    values = {name: getattr(obj, name) for name in edit.before}
    for name, value in edit.before.items():
        setattr(obj, name, _resolve(value))
    obj._change_reason = REASON
    obj.save()
    return values


def _resolve(value: Any) -> Any:
    if isinstance(value, Key):
        return value.model._default_manager.get(key=value.key)
    return value


# --- 2. moving what was recorded -------------------------------------------------------------------
def _shift(*, since: dt.datetime, by: dt.timedelta, reason: str,
           among: Iterable[type[models.Model]] = m.MATRIX_MODELS) -> None:
    """Move every matrix record written from ``since`` with ``reason`` by ``by``, with the timestamps its
    rows (live and recorded) got from the same writes. ``among``: the models that may have such records."""
    for model in among:
        records = model.history.filter(history_date__gte=since, history_change_reason=reason)
        if not records.exists():
            continue
        rows = model._default_manager.filter(pk__in=records.values("id"))
        for name in ("created_at", "updated_at"):
            rows.filter(**{f"{name}__gte": since}).update(**{name: F(name) + by})
            records.filter(**{f"{name}__gte": since}).update(**{name: F(name) + by})
        records.update(history_date=F("history_date") + by)


# --- 3. the changes, through the governance path ---------------------------------------------------
def _play(chapter: Chapter, today: list[dict], *, author, approver, now: dt.datetime) -> None:
    submitted_at = _working_morning(now - dt.timedelta(days=chapter.days_ago))
    decided_at = submitted_at + DECIDED_AFTER
    draft = Draft(author=author, reason=chapter.reason)
    for edit, values in zip(chapter.edits, today, strict=True):
        draft.record(_after(edit, values))
    change_request = change_request_submit(draft=draft)
    if change_request is None:
        raise RuntimeError(f"The demo's change “{chapter.reason}” changes nothing: the story no longer fits the "
                           "demo data (matrix/demo/past.py).")
    written_from = timezone.now()
    if chapter.rejected:
        change_request_reject(change_request=change_request, approver=approver, comment=chapter.rejected)
    else:
        change_request = change_request_approve(change_request=change_request, approver=approver)
        if change_request.status != m.ChangeRequestStatus.APPROVED:
            raise RuntimeError(f"The demo's change “{chapter.reason}” was not applied: {change_request.conflict}")
        applied = history_reason(reason=chapter.reason, author=author, approver=approver)
        written = {apps.get_model(entry["model"]) for entry in change_request.diff["objects"]}
        _shift(since=written_from, by=decided_at - written_from, reason=applied, among=written)
    m.ChangeRequest.objects.filter(pk=change_request.pk).update(
        created_at=submitted_at, updated_at=decided_at, decided_at=decided_at,
    )
    told = Notification.objects.filter(payload__change_request=change_request.pk)
    notifications_mark_sent(notifications=told.filter(payload__event="submitted"), at=submitted_at)
    notifications_mark_sent(notifications=told.exclude(payload__event="submitted"), at=decided_at)


def _after(edit: Edit, today: dict[str, Any]) -> models.Model:
    """The object as the change leaves it: today's values (or what a rejected change proposed)."""
    if edit.added:
        return edit.model(**today)
    obj = edit.model._default_manager.get(**edit.lookup)
    for name, value in (today | {k: _resolve(v) for k, v in edit.proposed.items()}).items():
        setattr(obj, name, value)
    return obj


def _working_morning(moment: dt.datetime) -> dt.datetime:
    day = moment.astimezone(dt.UTC).date()
    while day.weekday() >= 5:  # Saturday, Sunday: the Friday before
        day -= dt.timedelta(days=1)
    return dt.datetime.combine(day, SUBMITTED_AT, tzinfo=dt.UTC)
