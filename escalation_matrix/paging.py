"""The pages of a list, by number from the query string (``?page=3``), for every list page of the site."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Page, Paginator
from django.http import HttpRequest

PAGE_PARAM = "page"
SHOWN_MAX = 20  # characters of a bad page number repeated in the message


def page_of(request: HttpRequest, items, per_page: int, *, param: str = PAGE_PARAM) -> Page:
    """The page of ``items`` the query string asks for.

    A number that is not one of the list's pages (not a whole number, below 1, past the last page: a typed
    URL, or a link from when the list was longer) shows the nearest page and says so above it, rather than
    silently showing another page than the one asked for (``Paginator.get_page``)."""
    paginator = Paginator(items, per_page)
    asked = request.GET.get(param, "").strip()
    if not asked:
        return paginator.page(1)
    try:
        number = int(asked)
    except ValueError:  # also a number too long to convert (Python refuses over 4,300 digits)
        messages.warning(request, f"“{_shown(asked)}” is not a page number: showing the first page.")
        return paginator.page(1)
    last = paginator.num_pages
    shown = min(max(number, 1), last)
    if shown != number:
        messages.warning(request, f"There is no page {_shown(asked)}: showing page {shown} of {last}.")
    return paginator.page(shown)


def _shown(value: str) -> str:
    return value if len(value) <= SHOWN_MAX else f"{value[:SHOWN_MAX]}…"
