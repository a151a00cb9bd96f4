"""Template helpers for the matrix pages: sanitized Markdown, durations, admin links."""

import html
import re
from urllib.parse import urlsplit

import markdown as md
import nh3
from django import template
from django.conf import settings
from django.http.request import validate_host
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from matrix.credentials import may_see_credentials, shown_target

register = template.Library()


@register.filter(name="markdown")
def render_markdown(text: str | None) -> SafeString:
    """Markdown to HTML that is safe to show: nh3 drops scripts, event handlers and javascript: links, and
    images from anywhere but this product become links (see ``_own_images_only``)."""
    rendered = md.markdown(text or "", extensions=["extra", "sane_lists"])
    return mark_safe(_own_images_only(nh3.clean(rendered)))  # sanitized just above; the links are escaped


# An <img> as nh3 writes it out: every attribute value double-quoted, with any quote inside escaped.
_IMG = re.compile(r'<img((?:\s+[a-zA-Z-]+(?:="[^"]*")?)*)\s*/?>')
_ATTRIBUTE = re.compile(r'([a-zA-Z-]+)="([^"]*)"')
_C0_AND_SPACE = "".join(chr(code) for code in range(0x21))  # what browsers strip from a URL's ends


def _own_images_only(cleaned: str) -> str:
    """Keep the images this product serves; turn any other into a link to it, labelled with its alt text.

    A page loads its images without the reader asking, so an image from elsewhere tells its host who read
    which playbook or review, and when (a tracking pixel). A link is followed only when the reader chooses to.
    """
    def replace(match: re.Match) -> str:
        attributes = {name.lower(): html.unescape(value) for name, value in _ATTRIBUTE.findall(match[1])}
        src = attributes.get("src", "")
        if _is_own_url(src):
            return match[0]
        label = attributes.get("alt") or "image"
        if not src:
            return format_html("[{}]", label)
        return format_html('<a href="{}" class="external-image" rel="noopener noreferrer">[{}]</a>', src, label)

    return _IMG.sub(replace, cleaned)


def _is_own_url(url: str) -> bool:
    """A path on this site ("/media/x.png"), or an absolute http(s) URL on its own host (SITE_URL's or one of
    ALLOWED_HOSTS). Browsers drop tabs and newlines inside URLs and read a backslash as a slash, so "/\\host"
    and "/<tab>/host" would be another host: neither is ours."""
    url = re.sub(r"[\t\n\r]", "", url).strip(_C0_AND_SPACE)
    if not url or "\\" in url:
        return False
    if url.startswith("/"):
        return not url.startswith("//")
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return False
    own = [urlsplit(settings.SITE_URL).hostname or "", *settings.ALLOWED_HOSTS]
    return validate_host(parts.hostname, [host for host in own if host and host != "*"])


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
