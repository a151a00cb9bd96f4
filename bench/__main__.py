"""``python -m bench`` (``make bench`` → ``bin/bench``): run the benchmarks in a database of their own.

The database is created and migrated like a test database (``test_<name>`` from DATABASE_URL, or an
in-memory SQLite one), each benchmark builds its data inside a transaction that is rolled back (all but
the live-worker lateness bench, which commits and runs last), and the database is dropped at the end.
Prints a table and writes bench/results/latest.json. Exits 0 unless a benchmark itself crashes: the bars
are reported as PASS/FAIL, never asserted.
"""

import argparse
import os
import sys
import traceback

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "escalation_matrix.test_settings")


# (module name, whether it runs inside a transaction that is rolled back). The lateness bench commits
# (a worker must see its rows), so it runs last.
BENCHES = (("routing", True), ("matrix_page", True), ("filing", True), ("timer_sweep", True), ("accuracy", True),
           ("lateness", False))


def main() -> int:
    parser = argparse.ArgumentParser(prog="bench", description=__doc__.splitlines()[0])
    parser.add_argument("--decisions", type=int, default=4000, help="routing requests (each timed twice)")
    parser.add_argument("--renders", type=int, default=15, help="renders of each page for the median")
    parser.add_argument("--filings", type=int, default=30, help="filings (and baseline creates) timed per size")
    parser.add_argument("--incidents", type=int, default=10_000, help="open incidents for the timer sweep")
    parser.add_argument("--accuracy-incidents", type=int, default=100_000,
                        help="incidents behind the routing-accuracy dashboards")
    parser.add_argument("--accuracy-renders", type=int, default=9,
                        help="renders of the routing-accuracy page (and metric calls) for the median")
    parser.add_argument("--only", nargs="+", choices=[name for name, _ in BENCHES], help="run only these")
    args = parser.parse_args()

    import importlib

    import django

    django.setup()
    from django.db import connection, transaction
    from django.test.utils import setup_databases, setup_test_environment, teardown_databases

    from . import report

    options = {"routing": {"decisions": args.decisions}, "matrix_page": {"renders": args.renders},
               "filing": {"filings": args.filings}, "timer_sweep": {"incidents": args.incidents},
               "accuracy": {"incidents": args.accuracy_incidents, "renders": args.accuracy_renders}, "lateness": {}}
    setup_test_environment()
    # Nothing to serialize: each benchmark builds its own data (and serializing is slow).
    old_config = setup_databases(verbosity=0, interactive=False, aliases={"default"}, serialized_aliases=set())
    results = {"environment": report.environment(connection)}
    chosen = [(name, rolled_back) for name, rolled_back in BENCHES if not args.only or name in args.only]
    try:
        for name, rolled_back in chosen:
            print(f"bench: {name} …", file=sys.stderr, flush=True)
            bench = importlib.import_module(f"bench.{name}").run
            try:
                if rolled_back:
                    with transaction.atomic():
                        results[name] = bench(**options[name])
                        transaction.set_rollback(True)
                else:
                    results[name] = bench(**options[name])
            except Exception:  # one broken benchmark must not hide the others' figures
                results[name] = {"crashed": traceback.format_exc()}
    finally:
        teardown_databases(old_config, verbosity=0)
    report.write(results)
    return 1 if any("crashed" in results[name] for name, _ in chosen) else 0


if __name__ == "__main__":
    sys.exit(main())
