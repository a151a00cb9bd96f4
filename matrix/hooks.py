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

from django.core.exceptions import ImproperlyConfigured

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


# --- where a change request came from ------------------------------------------------------------
# A change request may be raised from something outside the matrix: an action item of a post-incident
# review, an area of a quarterly matrix review. The page that raises it links to a matrix admin form
# (add or change) with ``?origin=<kind>:<details>`` — e.g. ``/admin/matrix/productarea/7/change/?origin=
# action_item:12`` or ``…?origin=matrix_review:3:area:checkout``. The admin keeps the parameter through
# the save (the form posts back to its own URL), and the request it drafts stores it in
# ``ChangeRequest.origin``; ``matrix.governance.change_request_submitted`` is then sent, in the same
# transaction, for the owning app to link its side (the reviews app sets ``ActionItem.change_request``).
#
# The app owning a kind registers one resolver for it, turning origins of that kind into links for the
# change request page and list. A resolver gets every origin of its kind on a page at once (so a page of
# fifty requests costs one query per kind, not fifty) and returns a link for each it knows; an origin
# nobody resolves is shown as it is. Kinds in use: "action_item" (reviews), "matrix_review" (reviews'
# quarterly reviews), "change_request" (the matrix itself: a system draft a manager finished), and
# "routing_refinement" (incidents: a rule refinement drafted from misroutes).
#
# The parameter comes from a URL, so anyone may type one. The owning app may register a check with its
# resolver, "may this author raise a change from this origin?": a request saved in the admin by an author
# it refuses keeps no origin (``origin_permitted``), so nothing is linked to it. Build and read origins
# with ``make_origin`` / ``parse_origin`` only.
ORIGIN_SEPARATOR = ":"


@dataclass(frozen=True)
class OriginLink:
    label: str  # "Action item “Split the refunds rule” (review of incident #42)"
    url: str


OriginResolver = Callable[[list[str]], dict[str, OriginLink]]  # origins of one kind → links by origin
OriginCheck = Callable[[str, object], bool]  # (origin, author) → may this author raise a change from it
_origin_resolvers: dict[str, OriginResolver] = {}
_origin_checks: dict[str, OriginCheck] = {}


def make_origin(kind: str, *parts: object) -> str:
    """ ("matrix_review", 3, "area", "checkout") → "matrix_review:3:area:checkout". Parts are ids and keys
    (slugs), which never hold the separator."""
    return ORIGIN_SEPARATOR.join([kind, *(str(part) for part in parts)])


def parse_origin(origin: str | None) -> tuple[str, tuple[str, ...]]:
    """ "matrix_review:3:area:checkout" → ("matrix_review", ("3", "area", "checkout")); "" → ("", ())."""
    kind, *parts = (origin or "").strip().split(ORIGIN_SEPARATOR)
    return kind, tuple(parts)


def origin_kind(origin: str) -> str:
    """ "action_item:12" → "action_item"."""
    return parse_origin(origin)[0]


def register_change_request_origin(kind: str, resolver: OriginResolver, *,
                                   may_raise: OriginCheck | None = None) -> OriginResolver:
    """Resolve origins of this kind, and (``may_raise``) say who may raise a change from one (one of each
    per kind; registering again replaces them, so ``ready()`` may run twice)."""
    _origin_resolvers[kind] = resolver
    if may_raise is None:
        _origin_checks.pop(kind, None)
    else:
        _origin_checks[kind] = may_raise
    return resolver


def origin_permitted(origin: str, author) -> bool:
    """Whether ``author`` may raise a change request from ``origin``: its kind's check says so, or its kind
    registered none (the origin is then only shown as it is)."""
    check = _origin_checks.get(origin_kind(origin)) if origin else None
    return check is None or bool(check(origin, author))


def change_request_origins(origins) -> dict[str, OriginLink]:
    """Links for the given origins, by origin (unknown kinds and unresolvable origins are left out)."""
    by_kind: dict[str, list[str]] = defaultdict(list)
    for origin in {o for o in origins if o}:
        by_kind[origin_kind(origin)].append(origin)
    links: dict[str, OriginLink] = {}
    for kind, members in by_kind.items():
        resolver = _origin_resolvers.get(kind)
        if resolver is not None:
            links.update(resolver(sorted(members)))
    return links


# --- rule accuracy in the admin -------------------------------------------------------------------
# The routing rule admin shows each rule's first-time-right record ("83% of 12 (misroutes 2→SRE)"),
# which the incidents app computes. Its provider gets the rule ids of one changelist page and returns a
# short text per rule that routed anything, in a constant number of queries (one, for incidents).
RuleStatsProvider = Callable[[list[int]], dict[int, str]]
_rule_stats_providers: list[RuleStatsProvider] = []


def register_rule_stats(provider: RuleStatsProvider) -> RuleStatsProvider:
    """Add a provider (idempotent: an app's ``ready()`` may run twice in tests)."""
    if provider not in _rule_stats_providers:
        _rule_stats_providers.append(provider)
    return provider


def rule_stats(rule_ids: list[int]) -> dict[int, str]:
    stats: dict[int, str] = {}
    for provider in _rule_stats_providers:
        for rule_id, text in provider(rule_ids).items():
            stats[rule_id] = f"{stats[rule_id]}; {text}" if rule_id in stats else text
    return stats


# --- links on a change request's page -------------------------------------------------------------
# The change request page asks each registered provider for links about that request (the incidents
# app: "Simulate it on recent incidents" for a request that touches routing rules). A provider gets the
# ChangeRequest and returns links (an empty list for nothing), at no more than a query or two.
ChangeRequestLinksProvider = Callable[[object], list[OriginLink]]
_change_request_links_providers: list[ChangeRequestLinksProvider] = []


def register_change_request_links(provider: ChangeRequestLinksProvider) -> ChangeRequestLinksProvider:
    """Add a provider (idempotent: an app's ``ready()`` may run twice in tests)."""
    if provider not in _change_request_links_providers:
        _change_request_links_providers.append(provider)
    return provider


def change_request_links(change_request) -> list[OriginLink]:
    return [link for provider in _change_request_links_providers for link in provider(change_request)]


# --- the filing questions -------------------------------------------------------------------------
# "Who would get this?" (the route preview page and ``GET /api/v1/route-preview/``) routes an incident as
# filing it would, so it asks filing's routing questions with filing's own fields: whatever filing refuses
# (an empty title, one too long, an unknown channel) the preview refuses with the same words, and what
# filing fills in (the API's channel, ``api``) the preview fills in too. The incidents app registers its
# filing form (the page) and its API filing serializer; the preview takes their fields by name
# (``matrix.forms``, ``matrix.serializers``), so a change to filing's checks reaches the preview unasked.
@dataclass(frozen=True)
class FilingQuestions:
    form: type  # a Django form class whose base_fields include the routing inputs (FILING_QUESTIONS)
    serializer: type  # a DRF serializer class whose fields include them


# The inputs of routing, as filing names them (``matrix.routing.RouteRequest``).
FILING_QUESTIONS = ("product_area", "impact", "urgency", "title", "description", "customer_segment", "channel")
_filing_questions: list[FilingQuestions] = []


def register_filing_questions(*, form: type, serializer: type) -> None:
    """Set filing's form and API serializer (registering again replaces them, so ``ready()`` may run twice)."""
    _filing_questions[:] = [FilingQuestions(form=form, serializer=serializer)]


def filing_questions() -> FilingQuestions:
    if not _filing_questions:
        raise ImproperlyConfigured("No app registered how incidents are filed (matrix.hooks.register_filing_"
                                   "questions): the route preview asks filing's questions.")
    return _filing_questions[0]
