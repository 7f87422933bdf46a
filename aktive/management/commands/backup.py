"""``manage.py backup``: the PostgreSQL database to a dated custom-format dump (pg_dump -Fc).

A dump holds password hashes and live sessions: the folder and the files are the owner's alone
(0700, 0600). A folder that exists with wider rights is refused rather than changed: it may be
shared on purpose (or be /tmp), and a backup in it would be readable by others.
"""

import os
import stat
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
        private_folder(folder)
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
        target = folder / f"aktive-{stamp}.dump"
        command = ["pg_dump", "--format=custom", "--no-owner", "--file", str(target), *arguments]
        # pg_dump creates the file with our umask: none of it for group and others.
        previous = os.umask(0o077)
        try:
            result = subprocess.run(command, env=environment, capture_output=True, text=True)
        finally:
            os.umask(previous)
        if result.returncode != 0:
            target.unlink(missing_ok=True)
            raise CommandError(f"pg_dump failed: {result.stderr.strip()}")
        target.chmod(0o600)
        self.stdout.write(str(target))


def private_folder(folder: Path) -> None:
    """Create ``folder`` readable by its owner only, or check that it is."""
    if not folder.exists():
        folder.mkdir(parents=True, mode=0o700)
        folder.chmod(0o700)  # mkdir's mode is reduced by the umask, never widened: make sure
        return
    mode = stat.S_IMODE(folder.stat().st_mode)
    if mode & 0o077:
        raise CommandError(
            f"{folder} can be read or entered by other users (mode {mode:o}); backups hold "
            f"password hashes and sessions. Make it private with: chmod 700 {folder} "
            "(or choose a new folder, which is created private)."
        )
