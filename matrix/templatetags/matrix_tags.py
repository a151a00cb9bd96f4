"""Template helpers for the matrix pages: sanitized Markdown, durations, admin links."""

import markdown as md
import nh3
from django import template
from django.urls import NoReverseMatch, reverse
from django.utils.safestring import SafeString, mark_safe

from matrix.credentials import may_see_credentials, shown_target

register = template.Library()


@register.filter(name="markdown")
def render_markdown(text: str | None) -> SafeString:
    """Markdown to HTML that is safe to show: nh3 drops scripts, event handlers and javascript: links."""
    html = md.markdown(text or "", extensions=["extra", "sane_lists"])
    return mark_safe(nh3.clean(html))  # sanitized just above


@register.filter
def minutes(value: int | None) -> str:
    """90 → "1h 30m", 2880 → "2d"; how the matrix writes delays and targets."""
    if value is None:
        return "—"
    days, rest = divmod(int(value), 1440)
    hours, mins = divmod(rest, 60)
    parts = [f"{n}{unit}" for n, unit in ((days, "d"), (hours, "h"), (mins, "m")) if n]
    return " ".join(parts) or "0m"


@register.filter
def lookup(mapping: dict, key):
    return mapping.get(key, "") if mapping else ""


@register.simple_tag(takes_context=True)
def admin_url(context, obj) -> str:
    """The admin page of ``obj`` for staff users, else "".

    The admin itself decides between its change form and its read-only view (with the history an
    approver reviews), so we ask only ``is_staff``: checking ``has_perm`` here would cost two queries
    on every page, and the matrix page has a hard query budget.
    """
    user = context["request"].user
    opts = obj._meta
    if not (user.is_active and user.is_staff):
        return ""
    try:
        return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
    except NoReverseMatch:  # the model is not (yet) in the admin
        return ""


@register.simple_tag(takes_context=True)
def channel_target(context, channel) -> str:
    """A contact channel's target as the viewer may see it: chat and webhook URLs whole only to their editors."""
    request = context.get("request")
    return shown_target(channel.target, reveal=may_see_credentials(getattr(request, "user", None)))
