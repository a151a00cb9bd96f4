"""Template helpers for the quarterly matrix review's pages."""

from __future__ import annotations

import datetime as dt

from django import template

register = template.Library()


@register.filter
def matrix_review_status(review, today: dt.date) -> str:
    """open, overdue or signed_off, on ``today``."""
    return str(review.status_on(today))
