"""County-scale data for benchmarks and query-count tests: ``manage.py generate_data``.

``vocabulary`` holds the words, ``generator`` builds and writes the rows the way ``save()`` and
the services would (derived fields, versions, history), in bulk.
"""
