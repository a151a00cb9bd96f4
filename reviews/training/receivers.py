"""How training adds to other pages (connected in ``ready.connect``): the matrix never imports reviews."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import timezone

from . import selectors
from .access import VIEW, may_assign


def person_panel(person, viewer) -> str:
    """The person page: each module of theirs with its status (completed on, due, overdue, refresher due).
    Only for the person themselves and those who assign training (``access``): whose training is overdue is
    not everyone's business."""
    if not viewer.has_perm(VIEW) or not (viewer.pk == person.pk or may_assign(viewer)):
        return ""
    today = timezone.localdate()
    rows = [(assignment, assignment.status_on(today)) for assignment in selectors.training_of_person(person)]
    return render_to_string("reviews/training/person_panel.html", {"rows": rows, "person": person, "today": today})
