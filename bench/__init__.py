"""Benchmarks against their bars (each module's ``BAR_*``): ``make bench`` (``bin/bench`` → ``python -m bench``)."""
