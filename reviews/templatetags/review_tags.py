"""Template helpers for the review pages."""

from __future__ import annotations

import datetime as dt

from django import template

register = template.Library()


@register.filter
def review_status(review, today: dt.date) -> str:
    """draft, overdue or published, on ``today``."""
    return str(review.status_on(today))


@register.filter
def took(value: dt.timedelta | None) -> str:
    """A duration as a review reads it: "12 min", "3 h 05 min", "2 d 4 h"."""
    if value is None:
        return "—"
    minutes = int(value.total_seconds() // 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes:02d} min"
    return f"{hours // 24} d {hours % 24} h"


@register.filter
def overdue(item, today: dt.date) -> bool:
    return item.is_overdue(today)
