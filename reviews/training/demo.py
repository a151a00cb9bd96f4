"""The demo's training (``loaddemo``): five modules, one per incident role, assigned to the demo organisation
with a believable mix — completed, due, due in a week, overdue, a refresher due.

Idempotent: a module is created when its key is missing (never overwritten: someone may have edited it in
the admin), an assignment when its (module, person) pair is missing. History is not news: assignments are
written without telling anyone; completions go through ``training_complete`` at their moment in the past.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from escalation_matrix import roles

from ..models import TrainingAssignment, TrainingModule
from .demo_modules import MODULES
from .services import training_complete

ASSIGNER = "manager"
# Beyond each module's role: the matrix is approvers' business too.
EXTRA = {"keeping-the-matrix-honest": (roles.APPROVERS,)}
# The role logins show one of each state. (module key, username) → (assigned days ago, due in days,
# completed days ago or None).
LOGINS = {
    ("filing-well", "agent"): (60, -30, 40),
    ("acknowledge-and-hand-off", "responder"): (23, 7, None),  # reminded today: due in a week
    ("running-a-war-room", "lead"): (230, -200, 200),  # six-month refresher, due since about three weeks
    ("writing-a-review", "lead"): (34, -4, None),  # overdue
    ("keeping-the-matrix-honest", "manager"): (45, -15, 20),
    ("keeping-the-matrix-honest", "approver"): (10, 20, None),
}
# Everyone else, in turn by name: (assigned days ago, due in days, completed days ago or None).
CYCLE = [(50, -20, 35), (12, 18, None), (40, -9, None), (70, -40, 55), (20, 10, None)]


def load_training(*, now: dt.datetime | None = None) -> str:
    """Build whatever demo training is missing; the one summary line ``loaddemo`` prints."""
    now = now or timezone.now()
    users = {u.username: u for u in get_user_model().objects.filter(is_active=True).prefetch_related("groups")}
    assigner = users.get(ASSIGNER)
    created = 0
    with transaction.atomic():
        for spec in MODULES:
            module, _ = TrainingModule.objects.get_or_create(key=spec.key, defaults={
                "title": spec.title, "role": spec.role, "summary": spec.summary, "body": spec.body,
                "refresher_months": spec.refresher_months,
            })
            people = _people(users, (spec.role, *EXTRA.get(spec.key, ())))
            had = set(TrainingAssignment.objects.filter(module=module).values_list("user_id", flat=True))
            for index, user in enumerate(people):
                if user.pk not in had:
                    plan = LOGINS.get((spec.key, user.username), CYCLE[index % len(CYCLE)])
                    _assign(module, user, assigner, plan, now)
                    created += 1
    total = TrainingAssignment.objects.filter(module__key__in=[spec.key for spec in MODULES]).count()
    note = "" if created else " (already loaded)"
    return f"Training: {len(MODULES)} modules, {total} assignments{note}."


def _people(users: dict, group_names: tuple[str, ...]) -> list:
    wanted = set(group_names)
    return sorted((u for u in users.values() if wanted & {g.name for g in u.groups.all()}), key=lambda u: u.username)


def _assign(module: TrainingModule, user, assigner, plan: tuple, now: dt.datetime) -> None:
    assigned_ago, due_in, completed_ago = plan
    today = timezone.localdate(now)
    TrainingAssignment.objects.create(
        module=module, user=user, assigned_by=assigner, assigned_at=now - dt.timedelta(days=assigned_ago),
        due_on=today + dt.timedelta(days=due_in),
    )
    if completed_ago is not None:
        training_complete(module=module, user=user, now=now - dt.timedelta(days=completed_ago))
