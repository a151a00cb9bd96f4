"""Hooks: how the apps above the matrix add to its pages without the matrix importing them.

The matrix page asks each registered cell-badge provider once per page, e.g. the incidents app's
"live incidents in this area at this tier". A provider gets the page's ``MatrixSnapshot`` (areas and
tiers by id, already loaded) and must cost a constant number of queries, whatever the size of the
matrix: the page has a query budget (matrix/tests/test_matrix_page_queries.py).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from .snapshot import MatrixSnapshot


@dataclass(frozen=True)
class CellBadge:
    label: str  # "3 open"
    url: str  # where it links to
    title: str = ""  # the tooltip
    style: str = "text-bg-secondary"  # a Bootstrap badge class


CellBadgeProvider = Callable[[MatrixSnapshot], dict[tuple[int, int], CellBadge]]  # (area id, tier id) → badge
_cell_badge_providers: list[CellBadgeProvider] = []


def register_cell_badges(provider: CellBadgeProvider) -> CellBadgeProvider:
    """Add a provider (idempotent: an app's ``ready()`` may run twice in tests)."""
    if provider not in _cell_badge_providers:
        _cell_badge_providers.append(provider)
    return provider


def cell_badges(snapshot: MatrixSnapshot) -> dict[tuple[int, int], list[CellBadge]]:
    badges: dict[tuple[int, int], list[CellBadge]] = defaultdict(list)
    for provider in _cell_badge_providers:
        for cell, badge in provider(snapshot).items():
            badges[cell].append(badge)
    return badges


# --- the demo ------------------------------------------------------------------------------------
# ``loaddemo`` builds the matrix's demo organisation, then runs each registered extension: the apps
# above the matrix add their own demo data (the incidents app: 90 days of incidents) without the
# matrix importing them. An extension must be idempotent, like ``load_demo``, and returns the one
# summary line the command prints ("Incidents: 240 over 90 days, 9 open").
DemoExtension = Callable[[], str]
_demo_extensions: list[DemoExtension] = []


def register_demo_extension(extension: DemoExtension) -> DemoExtension:
    """Add an extension (idempotent: an app's ``ready()`` may run twice in tests). Run in registration
    order, which is the order of INSTALLED_APPS: an app's demo may build on a lower app's."""
    if extension not in _demo_extensions:
        _demo_extensions.append(extension)
    return extension


def demo_extensions() -> list[DemoExtension]:
    return list(_demo_extensions)


# --- the person page -----------------------------------------------------------------------------
# The person page asks each registered provider for a panel of HTML about that person (the reviews
# app: their drills and training status). A provider gets the person shown and the person looking,
# returns "" when it has nothing to show, and should cost at most a few queries.
PersonPanelProvider = Callable[[object, object], str]  # (person, viewer) → HTML, "" for nothing
_person_panel_providers: list[PersonPanelProvider] = []


def register_person_panel(provider: PersonPanelProvider) -> PersonPanelProvider:
    """Add a provider (idempotent: an app's ``ready()`` may run twice in tests)."""
    if provider not in _person_panel_providers:
        _person_panel_providers.append(provider)
    return provider


def person_panels(person, viewer) -> list[str]:
    return [html for provider in _person_panel_providers if (html := provider(person, viewer))]
