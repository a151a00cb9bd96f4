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
    out += _filing_rows(results.get("filing", {}))
    out += _timer_sweep_rows(results.get("timer_sweep", {}))
    out += _accuracy_rows(results.get("accuracy", {}))
    out += _lateness_rows(results.get("lateness", {}))
    return out


def _filing_rows(f: dict) -> list[tuple[str, str, str, str]]:
    if "crashed" in f:
        return [("filing", "CRASHED (see latest.json)", "≤ 30 queries, constant; ≤ 3× baseline", "FAIL")]
    if not f:
        return []
    out = []
    for size in ("small", "large"):
        q, dims = f[f"form_queries_{size}"], f["sizes"][size]
        cold = f.get(f"form_queries_{size}_after_a_change")
        value = str(q["queries"]) if q["status"] == 302 else f"form POST answered HTTP {q['status']}"
        if cold:
            ok = cold["status"] == 302
            value += f" ({cold['queries']} after a matrix change)" if ok else " (after a matrix change: failed)"
        bar = f"≤ {f['bar_queries']}" + (", = small" if size == "large" else "")
        verdict = _verdict(f["queries_pass"]) if size == "large" else ""
        out.append((f"filing form POST: queries, {dims['areas']} areas / {dims['rules']} rules", value, bar, verdict))
    api = [f[f"api_queries_{size}"] for size in ("small", "large")]
    out.append(("filing API POST /api/v1/incidents/: queries, small / large",
                " / ".join(str(q["queries"]) if q["status"] == 201 else f"HTTP {q['status']}" for q in api), "", ""))
    for size in ("small", "large"):
        t, dims = f[f"latency_{size}"], f["sizes"][size]
        if not t["filing_median_ms"] or not t["baseline_modelform_median_ms"]:
            out.append((f"filing latency, {dims['rules']} rules", f"failed: {t['failures']}", "", "FAIL"))
            continue
        out += [
            (f"filing form POST, {dims['areas']} areas / {dims['rules']} rules: median",
             f"{t['filing_median_ms']:.1f} ms", "", ""),
            ("  baseline: bare ModelForm create, same client (median)", f"{t['baseline_modelform_median_ms']:.1f} ms",
             "", ""),
            ("  filing ÷ baseline", f"{t['ratio_to_baseline']:.1f}×", f"≤ {f['bar_ratio']:.0f}×", _verdict(t["pass"])),
        ]
    return out


def _timer_sweep_rows(t: dict) -> list[tuple[str, str, str, str]]:
    if "crashed" in t:
        return [("timer sweep", "CRASHED (see latest.json)", "≤ 50 ms, partial index", "FAIL")]
    if not t:
        return []
    per = ", ".join(str(n) for n in t["fired_per_sweep"])
    return [
        (f"timer sweep, {t['incidents']:,} open incidents ({t['armed']:,} armed timers): median",
         f"{t['sweep_median_ms']:.1f} ms", f"≤ {t['bar_ms']:.0f} ms", _verdict(t["pass"])),
        ("  timers fired per sweep", per, f"~{t['due_per_sweep']}", ""),
        ("  armed escalation steps by phase",
         ", ".join(f"{kind} {n:,}" for kind, n in sorted(t.get("armed_steps_by_kind", {}).items())) or "none",
         "every phase", _verdict(len(t.get("armed_steps_by_kind", {})) == 3)),
        ("  queries in one sweep (the warm-up one)", _per_timer(t["warm_up_sweep"]), "", ""),
        ("  claim query uses the partial index timer_armed_due", "yes" if t["uses_partial_index"] else "no",
         "yes", _verdict(t["uses_partial_index"])),
        ("  baseline: primary-key SELECT (median)", f"{t['baseline_pk_select_ms']:.3f} ms", "", ""),
        ("  sweep ÷ primary-key SELECT", f"{t['ratio_to_pk_select']:.0f}×" if t["ratio_to_pk_select"] else "n/a",
         "", ""),
    ]


def _per_timer(sweep: dict) -> str:
    queries, fired = sweep["queries"], sweep["fired"]
    return f"{queries} ({queries / fired:.1f} per timer fired)" if fired else str(queries)


def _accuracy_rows(a: dict) -> list[tuple[str, str, str, str]]:
    if "crashed" in a:
        return [("routing-accuracy dashboards", "CRASHED (see latest.json)", "≤ 1 s, constant queries", "FAIL")]
    if not a:
        return []
    small, full = a["at_small"], a["at_full"]
    if a["page_median_ms"] is None:
        failed = next(r["error"] for r in (small, full, a) if r["status"] != 200)
        return [(f"routing-accuracy page {a['page']}", f"page failed: {failed}", f"≤ {a['bar_ms']:.0f} ms", "FAIL")]

    def times(ratio: float | None) -> str:
        return f"{ratio:.1f}×" if ratio else "n/a"

    return [
        (f"routing-accuracy page {a['page']}, {a['incidents']:,} incidents: median",
         f"{a['page_median_ms']:.0f} ms", f"≤ {a['bar_ms']:.0f} ms", _verdict(a["page_pass"])),
        ("  rule_accuracy + tier_breach_rates + escalation_accuracy (median)", f"{a['metrics_median_ms']:.0f} ms",
         f"≤ {a['bar_ms']:.0f} ms", _verdict(a["metrics_pass"])),
        ("    each: " + " / ".join(a["each_metric_median_ms"]),
         " / ".join(f"{ms:.0f}" for ms in a["each_metric_median_ms"].values()) + " ms", "", ""),
        ("  baseline: one GROUP BY rule key of the same real incidents (median)", f"{a['baseline_median_ms']:.0f} ms",
         "", ""),
        ("  page ÷ baseline / metrics ÷ baseline",
         f"{times(a['page_ratio_to_baseline'])} / {times(a['metrics_ratio_to_baseline'])}", "", ""),
        (f"  queries: page / metrics, {a['small']:,} → {a['incidents']:,} incidents",
         f"{small['page_queries']} → {full['page_queries']} / {small['metrics_queries']} → {full['metrics_queries']}",
         "constant", _verdict(a["queries_constant"])),
        (f"  page median at {a['small']:,} incidents", f"{small['page_median_ms']:.0f} ms", "", ""),
        ("  slowest statement of the page", f"{full['statements'][0]['ms']:.0f} ms" if full["statements"] else "n/a",
         "", ""),
        *_jit_off_rows(a.get("with_jit_off")),
    ]


def _jit_off_rows(off: dict | None) -> list[tuple[str, str, str, str]]:
    """The diagnostic: the same medians with PostgreSQL's JIT off for the connection."""
    if not off or off["page_median_ms"] is None:
        return []
    return [("  diagnostic, PostgreSQL JIT off: page / metrics (median)",
             f"{off['page_median_ms']:.0f} ms / {off['metrics_median_ms']:.0f} ms", "", "")]


def _lateness_rows(late: dict) -> list[tuple[str, str, str, str]]:
    title = "escalation lateness, Procfile processes, real receiver"
    if "crashed" in late:
        return [(title, "CRASHED (see latest.json)", "p99 ≤ 1.5 s", "FAIL")]
    if not late:
        return []
    if "not_run" in late:
        return [(title, f"not run: {late['not_run']}", "p99 ≤ 1.5 s", "")]
    rows = []
    for name in ("quiet", "slow receiver", "burst"):
        run = late.get(name)
        if not run:
            continue
        fired = run["fired_minus_due"]
        label = (f"{title}: {name} ({run['steps_fired']}/{run['steps_due']} steps due over {run['spread_s']:.0f} s, "
                 f"deliveries {run['delivery_s']:g} s): fired − due p50 / p99")
        value = f"{fired['p50_s']:.2f} s / {fired['p99_s']:.2f} s" if fired["count"] else "none fired"
        rows.append((label, value, f"p99 ≤ {late['bar_p99_s']} s", _verdict(run["pass"])))
        drained = run["drain_after_last_due_s"]
        rows.append((f"  {run['messages_received']} messages at the receiver; the last, after the last step was due",
                     "none" if drained is None else f"{drained:.1f} s", "", ""))
    return rows


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
    plan = results.get("timer_sweep", {}).get("claim_plan")
    if plan:
        print("\nEXPLAIN of the sweep's claim query:\n  " + plan.replace("\n", "\n  "))
    accuracy = results.get("accuracy", {})
    if accuracy.get("slowest_statement_plan") and not accuracy.get("page_pass"):
        print("\nEXPLAIN ANALYZE of the routing-accuracy page's slowest statement:\n  "
              + accuracy["slowest_statement_plan"].replace("\n", "\n  "))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2, default=str) + "\n")
    print(f"\nwritten: {RESULTS.relative_to(Path.cwd()) if RESULTS.is_relative_to(Path.cwd()) else RESULTS}")
