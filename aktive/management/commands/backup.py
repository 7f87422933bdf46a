"""``manage.py backup``: the PostgreSQL database to a dated custom-format dump (pg_dump -Fc)."""

import os
import subprocess
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone


def postgres_arguments() -> tuple[list[str], dict[str, str]]:
    """The connection options for pg_dump/pg_restore, and the environment with the password."""
    if connection.vendor != "postgresql":
        raise CommandError("Backups are for PostgreSQL (DATABASE_URL=postgres://…).")
    settings = connection.settings_dict
    arguments = ["--dbname", settings["NAME"]]
    for option, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if settings.get(key):
            arguments += [option, str(settings[key])]
    environment = {**os.environ}
    if settings.get("PASSWORD"):
        environment["PGPASSWORD"] = settings["PASSWORD"]  # not on the command line, not in ps
    return arguments, environment


class Command(BaseCommand):
    help = "Write the database to <dir>/aktive-<date>-<time>.dump (pg_dump custom format)."

    def add_arguments(self, parser):
        parser.add_argument("--dir", default="backups", help="Folder for the dump (created).")

    def handle(self, *args, **options):
        arguments, environment = postgres_arguments()
        folder = Path(options["dir"])
        folder.mkdir(parents=True, exist_ok=True)
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
        target = folder / f"aktive-{stamp}.dump"
        command = ["pg_dump", "--format=custom", "--no-owner", "--file", str(target), *arguments]
        result = subprocess.run(command, env=environment, capture_output=True, text=True)
        if result.returncode != 0:
            target.unlink(missing_ok=True)
            raise CommandError(f"pg_dump failed: {result.stderr.strip()}")
        self.stdout.write(str(target))
