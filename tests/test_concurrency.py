"""People saving the same version of a record at the same moment: exactly one wins, the others
are asked (their save is merged or offered as a choice, never silently lost)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from measures.models import Measure, Report
from measures.services import measure_update, report_create, report_update
from tests.factories import MeasureFactory
from tests.racing import POSTGRESQL_ONLY, race
from tests.test_merge import report_data

RACERS = 6


@pytest.mark.django_db(transaction=True)
def test_racing_saves_of_one_version_let_exactly_one_win():
    if connection.vendor != "postgresql":
        pytest.skip(POSTGRESQL_ONLY)
    measure = MeasureFactory()
    history_before = measure.history.count()

    def save(number: int) -> None:
        measure_update(
            measure=Measure(pk=measure.pk), user=None, version=1, data={"venue": f"Sal {number}"}
        )

    assert race(RACERS, save) == ["asked"] * (RACERS - 1) + ["saved"]
    measure.refresh_from_db()
    assert measure.version == 2
    assert measure.history.count() == history_before + 1
    assert measure.history.latest().venue == measure.venue


@pytest.mark.django_db(transaction=True)
def test_eight_report_corrections_at_once_one_wins_and_seven_are_asked():
    if connection.vendor != "postgresql":
        pytest.skip(POSTGRESQL_ONLY)
    report = report_create(measure=MeasureFactory(), user=None, data=report_data())

    def correct(number: int) -> None:
        report_update(
            report=Report(pk=report.pk),
            user=None,
            version=1,
            data=report_data(participants=100 + number),
        )

    assert race(8, correct) == ["asked"] * 7 + ["saved"]
    report.refresh_from_db()
    assert report.version == 2
    assert report.history.count() == 2


SQLITE_RACE = """
from measures.models import Measure
from measures.services import measure_update
from tests.factories import MeasureFactory
from tests.racing import race

measure = MeasureFactory()
outcomes = race({racers}, lambda number: measure_update(
    measure=Measure(pk=measure.pk), user=None, version=1, data={{"venue": f"Sal {{number}}"}}
))
measure.refresh_from_db()
print(outcomes, measure.version, measure.history.count())
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
    assert outcomes == str(["asked"] * (RACERS - 1) + ["saved"])
    assert (version, history) == ("2", "2")  # created, then the one save that won
