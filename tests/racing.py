"""Saves released at the same moment in threads, each with its own database connection."""

import threading
from collections.abc import Callable

from django.db import connection

from partnerships.versioning import VersionConflict

POSTGRESQL_ONLY = (
    "needs PostgreSQL: the race runs in separate server connections; SQLite's test database is "
    "one in-memory file shared by the threads (a race on a SQLite file runs separately)"
)


def race(count: int, save: Callable[[int], object]) -> list[str]:
    """``save(number)`` in ``count`` threads released together: "saved" or "asked", sorted."""
    start = threading.Barrier(count)
    outcomes: list[str] = []

    def run(number: int) -> None:
        try:
            start.wait(timeout=10)
            save(number)
            outcomes.append("saved")
        except VersionConflict:
            outcomes.append("asked")
        finally:
            connection.close()  # each thread has its own connection; leave none open

    threads = [threading.Thread(target=run, args=(number,)) for number in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return sorted(outcomes)
