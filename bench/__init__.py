"""Benchmarks against the bars in DESIGN §5: ``make bench`` (``bin/bench`` → ``python -m bench``)."""
