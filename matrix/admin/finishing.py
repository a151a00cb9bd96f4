"""Finishing a system draft: the admin form of its object, opened with the drafted values filled in.

A change request the system drafted (``ChangeRequestStatus.DRAFT``) cannot be approved as it is: a
manager opens it in the admin — the add form with ``?field=value`` for an addition, the change form with
``?prefill=1&field=value`` for a change (see ``RoutingRuleAdmin.get_form``) — checks it, and saves. The
URL carries ``origin=change_request:<id>``, so the save's pending request finishes the draft
(``matrix.governance.change_request_submit``). Only the edited object is filled in: inline rows are not.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import NoReverseMatch, reverse

from matrix.governance.services import finishing_origin
from matrix.models import ChangeOperation, ChangeRequest

from .base import ORIGIN_PARAM, REASON_FIELD
from .rules import PREFILL_PARAM


def finish_url(change_request: ChangeRequest) -> str | None:
    """Where a manager finishes this draft (None when its object has no admin form any more)."""
    entry = next(iter(change_request.diff.get("objects", [])), None)
    if entry is None:
        return None
    ct = change_request.target_content_type
    params = {ORIGIN_PARAM: finishing_origin(change_request), REASON_FIELD: change_request.reason}
    try:
        if change_request.operation == ChangeOperation.ADD:
            url = reverse(f"admin:{ct.app_label}_{ct.model}_add")
            params.update(_values(entry, skip_empty=True))
        elif change_request.operation == ChangeOperation.CHANGE:
            url = reverse(f"admin:{ct.app_label}_{ct.model}_change", args=[change_request.target_object_id])
            params.update({PREFILL_PARAM: "1", **_values(entry, skip_empty=False)})
        else:
            url = reverse(f"admin:{ct.app_label}_{ct.model}_delete", args=[change_request.target_object_id])
    except NoReverseMatch:
        return None
    return f"{url}?{urlencode(params)}"


def _values(entry: dict, *, skip_empty: bool) -> dict[str, str]:
    """The drafted values as the admin form reads them from the query string."""
    values = {}
    for name, change in entry.get("fields", {}).items():
        value = change["new"]
        if isinstance(value, dict):
            if "id" not in value:
                continue  # a row added in the same request: it cannot be picked in the form yet
            value = value["id"]
        if isinstance(value, bool):
            values[name] = "1" if value else ""  # a checkbox is ticked by any non-empty value
            continue
        if value is None or value == "":
            if skip_empty:
                continue  # the add form's own default is empty too
            value = ""
        values[name] = str(value)
    for name, change in entry.get("m2m", {}).items():
        values[name] = ",".join(str(ref["id"]) for ref in change["new"] if "id" in ref)
    return values

