"""Two partners saving the same version at the same moment: exactly one wins."""

import os
import subprocess
import sys
import threading
from pathlib import Path

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
            "database is one in-memory file shared by the threads (the SQLite race below "
            "runs on a file instead)"
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


SQLITE_RACE = """
import threading
from django.db import connection
from measures.models import Measure
from measures.services import MeasureVersionConflict, measure_update
from tests.factories import MeasureFactory

measure = MeasureFactory()
start = threading.Barrier({racers})
outcomes = []

def save(number):
    try:
        start.wait(timeout=10)
        measure_update(measure=Measure(pk=measure.pk), user=None, version=1,
                       data={{"venue": f"Sal {{number}}"}})
        outcomes.append("saved")
    except MeasureVersionConflict:
        outcomes.append("conflict")
    finally:
        connection.close()

threads = [threading.Thread(target=save, args=(n,)) for n in range({racers})]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join(timeout=60)
measure.refresh_from_db()
print(sorted(outcomes), measure.version, measure.history.count())
"""


def test_racing_saves_on_sqlite_let_exactly_one_win(tmp_path):
    """The same race on a SQLite file, where BEGIN IMMEDIATE serialises the writers."""
    root = Path(__file__).resolve().parent.parent
    environment = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'race.sqlite3'}",
        "DEBUG": "false",
    }

    def manage(*arguments):
        result = subprocess.run(
            [sys.executable, "manage.py", *arguments],
            cwd=root,
            env=environment,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout

    manage("migrate", "--noinput")
    output = manage("shell", "-c", SQLITE_RACE.format(racers=RACERS))
    outcomes, version, history = output.strip().splitlines()[-1].rsplit(" ", 2)
    assert outcomes == str(["conflict"] * (RACERS - 1) + ["saved"])
    assert (version, history) == ("2", "2")  # created, then the one save that won
