"""``manage.py restore FILE``: a dump made by ``backup`` into an empty PostgreSQL database."""

import subprocess
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from aktive.management.commands.backup import postgres_arguments


class Command(BaseCommand):
    help = "Restore a dump made by `manage.py backup` into the (empty) database of DATABASE_URL."

    def add_arguments(self, parser):
        parser.add_argument("file", help="The .dump file.")

    def handle(self, *args, **options):
        dump = Path(options["file"])
        if not dump.is_file():
            raise CommandError(f"No such file: {dump}")
        arguments, environment = postgres_arguments()
        tables = connection.introspection.table_names()
        if tables:
            raise CommandError(
                f"The database {connection.settings_dict['NAME']} is not empty "
                f"({len(tables)} tables). Restore into a new, empty database: createdb …"
            )
        command = [
            "pg_restore",
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            *arguments,
            str(dump),
        ]
        result = subprocess.run(command, env=environment, capture_output=True, text=True)
        if result.returncode != 0:
            raise CommandError(f"pg_restore failed: {result.stderr.strip()}")
        self.stdout.write(f"Restored {dump} into {connection.settings_dict['NAME']}.")
