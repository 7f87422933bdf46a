"""``make bench``: the benchmark's runner (run.py), settings and URLconf; never in production."""
