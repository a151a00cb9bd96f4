"""``python -m bench`` (``make bench`` → ``bin/bench``): run the benchmarks in a database of their own.

The database is created and migrated like a test database (``test_<name>`` from DATABASE_URL, or an
in-memory SQLite one), each benchmark builds its data inside a transaction that is rolled back, and the
database is dropped at the end. Prints a table and writes bench/results/latest.json. Exits 0 unless the
bench itself crashes: the bars are reported as PASS/FAIL, never asserted.
"""

import argparse
import os
import sys
import traceback

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "escalation_matrix.test_settings")


def main() -> int:
    parser = argparse.ArgumentParser(prog="bench", description=__doc__.splitlines()[0])
    parser.add_argument("--decisions", type=int, default=4000, help="routing requests (each timed twice)")
    parser.add_argument("--renders", type=int, default=15, help="renders of each page for the median")
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection, transaction
    from django.test.utils import setup_databases, setup_test_environment, teardown_databases

    from . import matrix_page, report, routing

    setup_test_environment()
    old_config = setup_databases(verbosity=0, interactive=False, aliases={"default"})
    results = {"environment": report.environment(connection)}
    try:
        for name, bench, kwargs in (("routing", routing.run, {"decisions": args.decisions}),
                                    ("matrix_page", matrix_page.run, {"renders": args.renders})):
            print(f"bench: {name} …", file=sys.stderr, flush=True)
            with transaction.atomic():
                try:
                    results[name] = bench(**kwargs)
                except Exception:  # one broken benchmark must not hide the others' figures
                    results[name] = {"crashed": traceback.format_exc()}
                transaction.set_rollback(True)
    finally:
        teardown_databases(old_config, verbosity=0)
    report.write(results)
    return 1 if any("crashed" in results[name] for name in ("routing", "matrix_page")) else 0


if __name__ == "__main__":
    sys.exit(main())
