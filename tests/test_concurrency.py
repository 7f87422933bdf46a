"""Two partners saving the same version at the same moment: exactly one wins."""

import threading

import pytest
from django.db import connection

from measures.models import Measure
from measures.services import MeasureVersionConflict, measure_update
from tests.factories import MeasureFactory

RACERS = 6


@pytest.mark.django_db(transaction=True)
def test_racing_saves_of_one_version_let_exactly_one_win():
    if connection.vendor != "postgresql":
        pytest.skip(
            "needs PostgreSQL: the race runs in separate server connections; SQLite's test "
            "database is one in-memory file shared by the threads (run with DATABASE_URL)"
        )
    measure = MeasureFactory()
    history_before = measure.history.count()
    start = threading.Barrier(RACERS)
    outcomes: list[str] = []

    def save(number: int) -> None:
        try:
            start.wait(timeout=10)  # all threads are released together
            measure_update(
                measure=Measure(pk=measure.pk),
                user=None,
                version=1,
                data={"venue": f"Sal {number}"},
            )
            outcomes.append("saved")
        except MeasureVersionConflict:
            outcomes.append("conflict")
        finally:
            connection.close()  # each thread has its own connection; leave none open

    threads = [threading.Thread(target=save, args=(number,)) for number in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes) == ["conflict"] * (RACERS - 1) + ["saved"]
    measure.refresh_from_db()
    assert measure.version == 2
    assert measure.history.count() == history_before + 1
    assert measure.history.latest().venue == measure.venue
