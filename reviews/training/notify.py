"""Who is told what about training: every training notification is decided here and written to the outbox.

Same rules and helpers as ``reviews.notify``: email, one per person, a dedupe key naming the cause and the
person, written in the caller's transaction. Reminders are one message per person per day listing everything
of theirs that needs doing, keyed by the day: running the daily task twice tells nobody twice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from incidents.timeline import person

from ..models import TrainingAssignment
from ..notify import day, message_to, site_url, tell, tell_all


def notify_assigned(assignments: Sequence[TrainingAssignment]) -> int:
    """Each newly assigned person gets the module's link and due day (all of them in one INSERT)."""
    return tell_all(_assigned(assignment) for assignment in assignments)


def _assigned(assignment: TrainingAssignment) -> dict | None:
    module = assignment.module
    by = f"{person(assignment.assigned_by)} assigned you" if assignment.assigned_by else "You have"
    body = "\n".join([
        f"{by} the training module “{module.title}”, due {day(assignment.due_on)}.",
        *([module.summary] if module.summary else []),
        "Read it, then press “I've completed this” at the bottom of its page.",
        "", site_url("reviews:training_module", module.key),
    ])
    payload = {"event": "training_assigned", "assignment": assignment.pk, "module": module.key,
               "due_on": assignment.due_on.isoformat()}
    return message_to(assignment.user, key=f"training:{assignment.pk}:assigned", body=body, payload=payload,
                      subject=f"Training for you: {module.title}, due {day(assignment.due_on)}")


# kind → how a line of the reminder says it
LINES = {
    "soon": "due {due}",
    "due": "due today",
    "overdue": "overdue since {due}",
    "refresher_soon": "refresher due {due}",
    "refresher_due": "refresher due today",
    "refresher_overdue": "refresher overdue since {due}",
}


def notify_reminder(user, items: list[tuple[TrainingAssignment, str]], *, today: dt.date) -> bool:
    """One message listing a person's training that needs doing today: ``items`` are (assignment, kind)."""
    overdue = sum(1 for _, kind in items if kind.endswith("overdue"))
    subject = (f"Training overdue: {overdue} module{'s' if overdue > 1 else ''}" if overdue
               else f"Training reminder: {len(items)} module{'s' if len(items) > 1 else ''}")
    lines = [f"- {a.module.title}: {LINES[kind].format(due=day(a.effective_due_on()))}"
             f"  {site_url('reviews:training_module', a.module.key)}" for a, kind in items]
    body = "\n".join(["Training of yours that needs doing:", *lines, "", "All your training:",
                      site_url("reviews:training_list")])
    payload = {"event": "training_reminder", "assignments": [a.pk for a, _ in items],
               "kinds": [kind for _, kind in items], "day": today.isoformat()}
    return tell(user, key=f"training:reminder:{today.isoformat()}", subject=subject, body=body, payload=payload)
