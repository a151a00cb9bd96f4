"""The matrix page: queries at 20 and 200 areas × 5 tiers, and its render time against the admin changelist.

Robust to a page that is broken or missing: a failing request is reported (status and error), never raised.
"""

from __future__ import annotations

import statistics
import time

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from . import data

PAGE = "/"
ADMIN = "/admin/matrix/productarea/?all="  # every area on one page, as the matrix page shows them
BAR_QUERIES = 20


def _get(client: Client, url: str) -> tuple[int | None, str, float]:
    """(status, error, seconds) of one GET; status None when the view raised."""
    start = time.perf_counter()
    try:
        response = client.get(url)
    except Exception as error:  # report, don't crash: the page may be mid-rewrite
        return None, f"{type(error).__name__}: {error}".splitlines()[0][:300], time.perf_counter() - start
    seconds = time.perf_counter() - start
    error = "" if response.status_code == 200 else f"HTTP {response.status_code}"
    if response.status_code in (301, 302):
        error += f" → {response['Location']}"
    return response.status_code, error, seconds


def _queries(client: Client, url: str) -> dict:
    _get(client, url)  # once first: the session, the user and content types are then loaded the same way
    with CaptureQueriesContext(connection) as queries:
        status, error, _ = _get(client, url)
    # The start of each statement, so that a count over the bar can be diagnosed from latest.json alone.
    return {"status": status, "error": error, "queries": len(queries),
            "statements": [q["sql"][:140] for q in queries]}


def _median_ms(client: Client, url: str, renders: int) -> dict:
    times, status, error = [], None, ""
    for _ in range(renders):
        status, error, seconds = _get(client, url)
        if status != 200:
            break
        times.append(seconds * 1000)
    return {"status": status, "error": error, "renders": len(times),
            "median_ms": round(statistics.median(times), 2) if times else None}


def run(renders: int = 15) -> dict:
    matrix = data.build_base(tier_count=5)
    data.add_areas(matrix, 20)
    client = Client()
    client.force_login(data.make_manager())

    at_20 = _queries(client, PAGE)
    data.add_areas(matrix, 180)
    at_200 = _queries(client, PAGE)
    page = _median_ms(client, PAGE, renders)
    admin = _median_ms(client, ADMIN, renders)

    counts_ok = at_20["status"] == 200 and at_200["status"] == 200
    return {
        "tiers": len(matrix.tiers),
        "queries_at_20_areas": at_20,
        "queries_at_200_areas": at_200,
        "bar_queries": BAR_QUERIES,
        "queries_pass": counts_ok and at_200["queries"] <= BAR_QUERIES and at_20["queries"] == at_200["queries"],
        "render_200_areas": {"page": page, "admin_changelist": admin},
        "ratio_page_to_admin": (round(page["median_ms"] / admin["median_ms"], 2)
                                if page["median_ms"] and admin["median_ms"] else None),
    }
