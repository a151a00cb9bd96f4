"""Every write to training: assigning modules and completing them. Keyword-only, each in one transaction.

Bad input raises ``ReviewInputError`` (per field); a module that is retired raises ``ReviewStateError``;
a person who may not assign gets ``PermissionDenied`` — the same errors as reviews.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from escalation_matrix.roles import ROLES

from ..models import TrainingAssignment, TrainingCompletion, TrainingModule
from ..services import ReviewInputError, ReviewStateError
from . import notify
from .access import may_assign
from .dates import add_months
from .reminders import SOON_DAYS  # a refresher may be taken from its first reminder on


@dataclass
class Assigned:
    created: list[TrainingAssignment] = field(default_factory=list)
    already: list = field(default_factory=list)  # people who had it assigned before (left as they were)


def _people(users: Iterable, role: str) -> list:
    """The active people named, plus the active members of ``role``, each once, by name."""
    by_pk = {user.pk: user for user in users if user.is_active}
    if role:
        for user in get_user_model().objects.filter(groups__name=role, is_active=True):
            by_pk.setdefault(user.pk, user)
    return sorted(by_pk.values(), key=lambda u: ((u.get_full_name() or u.username).lower(), u.pk))


def training_assign(*, module: TrainingModule | None, assigned_by, due_on: dt.date | None, users: Iterable = (),
                    role: str = "", now: dt.datetime | None = None) -> Assigned:
    """Assign ``module`` to people, or to everyone in a role (or both). Idempotent: someone who has it already
    keeps their assignment as it is (its due day, its completions); each newly assigned person is told."""
    if not may_assign(assigned_by):
        raise PermissionDenied("Managers and incident leads assign training.")
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}
    if module is None:
        errors["module"] = ["Choose the module to assign."]
    elif not module.active:
        errors["module"] = [f"“{module.title}” is retired; make it active again in the admin first."]
    if role and role not in ROLES:
        errors["role"] = [f"Unknown role “{role}”; choose one of: {', '.join(ROLES)}."]
    people = _people(users, role if role in ROLES else "")
    if not people and not role:
        errors["people"] = ["Choose people, or a role."]
    elif not people and role in ROLES:
        errors["role"] = [f"Nobody active has the role “{role}”."]
    if due_on is None or due_on < timezone.localdate(now):
        errors["due_on"] = ["Pick today or a later day."]
    if errors:
        raise ReviewInputError(errors)
    with transaction.atomic():
        had = set(TrainingAssignment.objects.filter(module=module, user__in=people).values_list("user_id", flat=True))
        new = [TrainingAssignment(module=module, user=user, assigned_by=assigned_by, assigned_at=now, due_on=due_on)
               for user in people if user.pk not in had]
        created = _create(new)
        notify.notify_assigned(created)
    created_pks = {a.user_id for a in created}
    return Assigned(created=created, already=[user for user in people if user.pk not in created_pks])


def _create(new: list[TrainingAssignment]) -> list[TrainingAssignment]:
    """One INSERT; when someone assigned the same person meanwhile, one at a time, skipping theirs."""
    try:
        with transaction.atomic():
            return TrainingAssignment.objects.bulk_create(new)
    except IntegrityError:
        made = []
        for assignment in new:
            found, created = TrainingAssignment.objects.get_or_create(
                module=assignment.module, user=assignment.user,
                defaults={"assigned_by": assignment.assigned_by, "assigned_at": assignment.assigned_at,
                          "due_on": assignment.due_on},
            )
            if created:
                made.append(found)
        return made


def may_complete(assignment: TrainingAssignment | None, today: dt.date) -> bool:
    """Open to complete: never completed, or its refresher is due (or will be within ``SOON_DAYS``)."""
    if assignment is None or assignment.completed_at is None:
        return True
    due = assignment.refresher_due_on
    return due is not None and due <= today + dt.timedelta(days=SOON_DAYS)


def training_complete(*, module: TrainingModule | int, user, now: dt.datetime | None = None) -> TrainingAssignment:
    """The person marks the module done (from its page, after reading it). A module nobody assigned them counts
    too (it becomes theirs). The refresher, if the module has one, falls due its months later. Idempotent:
    done already and no refresher due soon, nothing changes."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    pk = module.pk if isinstance(module, TrainingModule) else module
    with transaction.atomic():
        module = TrainingModule.objects.get(pk=pk)
        if not module.active:
            raise ReviewStateError(f"“{module.title}” is retired; nothing to complete.")
        assignment = TrainingAssignment.objects.select_for_update().filter(module=module, user=user).first()
        if assignment is None:
            assignment, _ = TrainingAssignment.objects.get_or_create(
                module=module, user=user, defaults={"assigned_by": user, "assigned_at": now, "due_on": today})
            assignment = TrainingAssignment.objects.select_for_update().get(pk=assignment.pk)
        if not may_complete(assignment, today):
            return assignment
        assignment.completed_at = now
        assignment.refresher_due_on = add_months(today, module.refresher_months) if module.refresher_months else None
        assignment.save()
        TrainingCompletion.objects.create(assignment=assignment, completed_at=now,
                                          refresher_due_on=assignment.refresher_due_on)
    return assignment
