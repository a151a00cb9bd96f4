"""The bench report: a table on stdout and bench/results/latest.json, each bar marked PASS or FAIL."""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
from pathlib import Path

import django

RESULTS = Path(__file__).resolve().parent / "results" / "latest.json"


def environment(connection) -> dict:
    return {
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "database": f"{connection.vendor} ({connection.settings_dict['NAME']})",
        "redis": os.environ.get("REDIS_URL") or "not used",
        "python": platform.python_version(),
        "django": django.get_version(),
    }


def _verdict(ok: bool | None) -> str:
    return {True: "PASS", False: "FAIL", None: ""}[ok]


def rows(results: dict) -> list[tuple[str, str, str, str]]:
    """(measure, value, bar, verdict) lines of the table."""
    out: list[tuple[str, str, str, str]] = []
    r = results.get("routing", {})
    if "crashed" in r:
        out.append(("routing", "CRASHED (see latest.json)", "median ≤ 1 ms", "FAIL"))
    elif r:
        timed, one, trivial = r["router_1000_rules"], r["baseline_router_1_rule"], r["baseline_trivial_scan"]
        out += [
            (f"routing, {r['rules']} rules: median per decision", f"{timed['median_us']:.1f} µs",
             f"≤ {r['bar_median_us']:.0f} µs", _verdict(r["pass"])),
            ("routing: p99 per decision", f"{timed['p99_us']:.1f} µs", "", ""),
            ("routing: decisions timed / late matches (order > 900)",
             f"{r['decisions_timed']} / {r['matched_rule_order']['late_matches (order > 900)']}", "", ""),
            ("baseline: same requests, Router with 1 rule (median)", f"{one['median_us']:.1f} µs", "", ""),
            ("baseline: dict lookup + scan of 1,000 tuples (median)", f"{trivial['median_us']:.1f} µs", "", ""),
            ("routing ÷ 1-rule router", f"{r['ratio_to_1_rule_router']:.1f}×", "", ""),
            ("routing ÷ trivial scan", f"{r['ratio_to_trivial_scan']:.1f}×", "", ""),
        ]
    p = results.get("matrix_page", {})
    if "crashed" in p:
        out.append(("matrix page", "CRASHED (see latest.json)", "≤ 20 queries, constant", "FAIL"))
    elif p:
        for size in (20, 200):
            q = p[f"queries_at_{size}_areas"]
            value = str(q["queries"]) if q["status"] == 200 else f"page failed: {q['error']}"
            bar = f"≤ {p['bar_queries']}" + (", = at 20" if size == 200 else "")
            verdict = _verdict(p["queries_pass"]) if size == 200 else ""
            out.append((f"matrix page: queries, {size} areas × {p['tiers']} tiers", value, bar, verdict))
        for label, render in (("matrix page GET /", p["render_200_areas"]["page"]),
                              ("admin changelist, same 200 areas", p["render_200_areas"]["admin_changelist"])):
            value = f"{render['median_ms']:.1f} ms" if render["median_ms"] else f"failed: {render['error']}"
            out.append((f"{label}: median render", value, "", ""))
        ratio = p["ratio_page_to_admin"]
        out.append(("matrix page ÷ admin changelist", f"{ratio:.2f}×" if ratio else "n/a", "", ""))
    return out


def write(results: dict) -> None:
    env = results["environment"]
    print(f"\nbench — {env['when']} — {env['database']}, Redis: {env['redis']}, "
          f"Python {env['python']}, Django {env['django']}\n")
    table = rows(results)
    widths = [max(len(row[i]) for row in [("measure", "value", "bar", "result"), *table]) for i in range(4)]
    for n, row in enumerate([("measure", "value", "bar", "result"), *table]):
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
        if n == 0:
            print("  ".join("-" * width for width in widths))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2, default=str) + "\n")
    print(f"\nwritten: {RESULTS.relative_to(Path.cwd()) if RESULTS.is_relative_to(Path.cwd()) else RESULTS}")
