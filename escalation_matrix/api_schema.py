"""The answers every API operation may give, added to the OpenAPI schema in one place (a drf-spectacular
postprocessing hook, ``SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]``).

Each view documents the errors of its own (400 by field, 404, 409…). Two come from the framework for every
operation instead: the rate limit (429, escalation_matrix/throttling.py) and, where credentials are needed, 401.
Writing them on each view would be easy to forget on the next one; the schema test
(escalation_matrix/tests/test_api_schema_fuzz.py) checks the schema describes what the API answers.
"""

from __future__ import annotations

import copy
from typing import Any

DETAIL = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
UNAUTHORIZED = {
    "description": "No or wrong credentials.",
    "content": {"application/json": {"schema": DETAIL}},
}
THROTTLED = {
    "description": "Over the rate limit (`API_RATE_*`): retry after the seconds in `Retry-After` (also said in "
                   "`detail`).",
    "headers": {"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait."}},
    "content": {"application/json": {"schema": DETAIL}},
}
METHODS = {"get", "put", "post", "patch", "delete", "head", "options", "trace"}


def add_common_responses(result: dict[str, Any], generator, request, public: bool) -> dict[str, Any]:
    """401 on every operation that takes credentials (``security`` not empty), 429 with ``Retry-After`` on every
    operation; a view's own description of either wins."""
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in METHODS:
                continue
            responses = operation.setdefault("responses", {})
            if operation.get("security", result.get("security")):
                responses.setdefault("401", copy.deepcopy(UNAUTHORIZED))  # a copy each: no two answers share an object
            throttled = responses.setdefault("429", copy.deepcopy(THROTTLED))
            # DRF's Throttled always says when to retry; a view's own 429 (the hook's) has the header too.
            throttled.setdefault("headers", copy.deepcopy(THROTTLED["headers"]))
    return result
