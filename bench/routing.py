"""Routing with 1,000 rules: microseconds per decision with a warm Router, against baselines from the same run."""

from __future__ import annotations

import random
import statistics
import time
from collections import Counter

from matrix.routing import Router, RouteRequest
from matrix.snapshot import MatrixSnapshot

from . import data

RULES = 1000
BAR_MEDIAN_US = 1000.0

FILLER = ("Customers report that the page hangs after they press the button; "
          "it started around noon and affects several regions. ")


def make_requests(matrix: data.Matrix, count: int, seed: int = 4) -> list[RouteRequest]:
    """A mix: an early match, two late matches, and no match at all (the whole candidate list walked)."""
    rnd = random.Random(seed)
    requests = []
    for n in range(count):
        area = rnd.choice(matrix.areas).key
        impact, urgency = rnd.choice(matrix.impacts).key, rnd.choice(matrix.urgencies).key
        kind = n % 4
        title = ["Refund stuck", "Zeppelin import fails", "Checkout is slow", "Login loop"][kind]
        segment, channel = ("vip", "phone") if kind == 3 else (rnd.choice(data.SEGMENTS), rnd.choice(data.CHANNELS))
        if kind == 3 and n % 8 == 3:
            segment = "smb"  # half of these find nothing either
        requests.append(RouteRequest(area=area, impact=impact, urgency=urgency, title=title,
                                     description=FILLER * 2, customer_segment=segment, channel=channel))
    return requests


def _time_each(fn, items, passes: int) -> list[float]:
    """Microseconds per call, each call timed on its own."""
    samples = []
    clock = time.perf_counter_ns
    for _ in range(passes):
        for item in items:
            start = clock()
            fn(item)
            samples.append((clock() - start) / 1000)
    return samples


def _summary(samples: list[float]) -> dict:
    ordered = sorted(samples)
    return {
        "samples": len(ordered),
        "median_us": round(statistics.median(ordered), 2),
        "p99_us": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))], 2),
        "mean_us": round(statistics.fmean(ordered), 2),
    }


def run(decisions: int = 4000) -> dict:
    matrix = data.build_base()
    data.add_areas(matrix, 60)
    data.add_rules(matrix, RULES)
    requests = make_requests(matrix, decisions)

    router = Router(MatrixSnapshot())
    outcomes = [router.route(r) for r in requests]  # warm: snapshot loaded, rules compiled and indexed
    matched = [d.rule.order for d in outcomes if d.rule is not None]
    routed = _summary(_time_each(router.route, requests, passes=2))

    # Baseline 1: the same requests through a Router over the same matrix with a single rule.
    one_rule = MatrixSnapshot()
    one_rule.rules = [min(router.snapshot.rules, key=lambda r: r.order)]
    small = Router(one_rule)
    for r in requests:
        small.route(r)
    one_rule_summary = _summary(_time_each(small.route, requests, passes=2))

    # Baseline 2: trivial work — a dict lookup and a scan of 1,000 tuples that finds nothing.
    table = {a.key: a.pk for a in matrix.areas}
    tuples = [(n, f"kw{n:04d}", n % 7) for n in range(RULES)]

    def trivial(request: RouteRequest) -> None:
        area_id = table[request.area]
        for t in tuples:
            if t[2] == area_id and t[1] in request.title:
                break

    trivial_summary = _summary(_time_each(trivial, requests, passes=2))

    fallbacks = Counter(d.fallback for d in outcomes)
    return {
        "rules": RULES,
        "active_rules": len(router.compiled_rules),
        "areas": len(matrix.areas),
        "decisions_timed": routed["samples"],
        "matched_rule_order": {
            "median": statistics.median(matched) if matched else None,
            "max": max(matched) if matched else None,
            "late_matches (order > 900)": sum(1 for o in matched if o > 900),
        },
        "outcomes": dict(fallbacks),
        "router_1000_rules": routed,
        "baseline_router_1_rule": one_rule_summary,
        "baseline_trivial_scan": trivial_summary,
        "ratio_to_1_rule_router": round(routed["median_us"] / one_rule_summary["median_us"], 2),
        "ratio_to_trivial_scan": round(routed["median_us"] / trivial_summary["median_us"], 2),
        "bar_median_us": BAR_MEDIAN_US,
        "pass": routed["median_us"] <= BAR_MEDIAN_US,
    }
