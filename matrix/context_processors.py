"""What every page's top bar reads from the matrix."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from .cache import current_snapshot
from .selectors import OnCallNow, on_call_now


@dataclass
class OnCallMenu:
    rows: list[OnCallNow]
    yours: list[str]  # names of the teams the signed-in person is on call for now


def on_call(request: HttpRequest) -> dict:
    """``on_call_menu``: each team and who is on call for it now, for the top bar's "On call" menu.

    Lazy, so a page that does not show the menu (signed out, a fragment) pays nothing. Read from the process's
    kept matrix (``matrix.cache``): no query at all while the matrix is unchanged, and the same few after a
    change however many teams there are — every page shows the menu, so it must stay that cheap.
    """

    def menu() -> OnCallMenu:
        rows = on_call_now(current_snapshot())
        me = getattr(request.user, "pk", None)
        yours = [row.team.name for row in rows if row.person is not None and row.person.pk == me]
        return OnCallMenu(rows=rows, yours=yours)

    return {"on_call_menu": SimpleLazyObject(menu)}
