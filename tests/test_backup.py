"""A dump of a populated database restores into an empty one with the same rows and a login."""

import os
import shutil
import stat
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


def run(*command, database_url: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "DATABASE_URL": database_url, "DEBUG": "false"}
    result = subprocess.run(
        command, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def row_counts(url: str) -> dict[str, int]:
    with psycopg.connect(url) as database:
        tables = [
            name
            for (name,) in database.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
            )
        ]
        return {
            table: database.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
            for table in tables
        }


@pytest.fixture
def two_databases():
    """A populated-to-be and an empty database next to the test database, dropped afterwards."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: backups are pg_dump/pg_restore (run with DATABASE_URL)")
    if not shutil.which("pg_dump") or not shutil.which("pg_restore"):
        pytest.skip("needs pg_dump and pg_restore (apt-get install postgresql-client)")
    settings = connection.settings_dict
    server = f"postgres://{settings['USER']}@{settings['HOST']}:{settings['PORT'] or 5432}"
    names = [f"aktive_backup_{uuid.uuid4().hex[:8]}_{role}" for role in ("source", "target")]
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        for name in names:
            admin.execute(f'CREATE DATABASE "{name}"')
    yield [f"{server}/{name}" for name in names]
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        for name in names:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_backup_restores_with_every_row_and_a_working_login(two_databases, tmp_path):
    source, target = two_databases
    manage = [sys.executable, "manage.py"]
    run(*manage, "migrate", "--noinput", database_url=source)
    run(*manage, "setup_roles", database_url=source)
    run(*manage, "load_demo", "--demo-accounts", database_url=source)

    dump = run(*manage, "backup", "--dir", str(tmp_path), database_url=source).stdout.strip()
    assert Path(dump).name.startswith("aktive-") and Path(dump).suffix == ".dump"
    run(*manage, "restore", dump, database_url=target)

    before, after = row_counts(source), row_counts(target)
    assert before == after
    assert before["measures_measure"] == 7 and before["measures_report"] > 50
    assert before["measures_historicalmeasure"] >= 7

    login = (
        "from django.test import Client; client = Client(); "
        "response = client.post('/accounts/login/', "
        "{'username': 'konnerud-il', 'password': 'lokalsamfunn'}); "
        # A page behind login that renders no template (no static files manifest needed here).
        "print(response.status_code, client.get('/measures/export.csv').status_code)"
    )
    result = subprocess.run(
        [*manage, "shell", "-c", login],
        cwd=ROOT,
        env={
            **os.environ,
            "DATABASE_URL": target,
            "DEBUG": "false",
            "ALLOWED_HOSTS": "testserver",
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.stdout.strip().splitlines()[-1].split() == ["302", "200"], result.stderr


def test_restore_refuses_a_database_that_is_not_empty(two_databases, tmp_path):
    source, _target = two_databases
    manage = [sys.executable, "manage.py"]
    run(*manage, "migrate", "--noinput", database_url=source)
    dump = run(*manage, "backup", "--dir", str(tmp_path), database_url=source).stdout.strip()
    environment = {**os.environ, "DATABASE_URL": source, "DEBUG": "false"}
    result = subprocess.run(
        [*manage, "restore", dump], cwd=ROOT, env=environment, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "is not empty" in result.stderr


def backup_into(folder: Path, database_url: str, **options) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "backup", "--dir", str(folder)],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": database_url, "DEBUG": "false"},
        capture_output=True,
        text=True,
        timeout=300,
        **options,
    )


def test_backups_and_their_folder_are_the_owners_alone(two_databases, tmp_path):
    """Even with a umask that lets everyone read (0000): the folder 0700, the dump 0600."""
    source, _target = two_databases
    run(sys.executable, "manage.py", "migrate", "--noinput", database_url=source)
    folder = tmp_path / "new" / "backups"
    result = backup_into(folder, source, preexec_fn=lambda: os.umask(0))
    assert result.returncode == 0, result.stderr
    dump = Path(result.stdout.strip())
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE(dump.stat().st_mode) == 0o600
    assert dump.stat().st_size > 0


def test_a_folder_others_can_read_is_refused(two_databases, tmp_path):
    source, _target = two_databases
    folder = tmp_path / "shared"
    folder.mkdir()
    folder.chmod(0o755)
    result = backup_into(folder, source)
    assert result.returncode != 0
    assert f"chmod 700 {folder}" in result.stderr
    assert list(folder.iterdir()) == []  # no dump written
    assert stat.S_IMODE(folder.stat().st_mode) == 0o755  # and the folder left as it was
