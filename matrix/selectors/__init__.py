"""Reads for the matrix pages, one module per page; views call these and render what they return."""

from .areas import AreaPage, area_page
from .changes import Change, ChangesPage, ObjectChanges, changes_page, matrix_change_count, matrix_changes
from .matrix_page import MatrixPage, matrix_page, matrix_page_as_of
from .people import PersonPage, person_page
from .playbooks import PlaybookPage, playbook_page
from .route_preview import RoutePreview, route_preview
from .search import SearchResults, search
from .teams import OnCallNow, TeamPage, on_call_now, team_list, team_page
from .vendors import VendorPage, vendor_list, vendor_page

__all__ = [
    "AreaPage", "Change", "ChangesPage", "MatrixPage", "ObjectChanges", "OnCallNow", "PersonPage", "PlaybookPage",
    "RoutePreview", "SearchResults", "TeamPage", "VendorPage", "area_page", "changes_page", "matrix_change_count",
    "matrix_changes", "matrix_page", "matrix_page_as_of", "on_call_now", "person_page", "playbook_page",
    "route_preview", "search", "team_list", "team_page", "vendor_list", "vendor_page",
]
