"""Generate a county's worth of realistic data, for benchmarks: ``generate_data``.

``python manage.py generate_data --communities 50 --measures-per-community 200
--reports-per-measure 20 --seed 1`` makes 50 Norwegian-looking communities with their partners,
one or two users per partner, 10,000 measures, 200,000 activity reports, a few meetings a year
in each community, and their change history. The rows are built and written by
``measures.generation.generator`` from the words in ``measures.generation.vocabulary``; this
command takes the sizes, shows the progress and refuses what it must.

Deterministic: the same ``--seed`` and ``--until`` give the same rows. Dates are fixed by
``--until`` (default: today) and ``--years`` (default 5) before it, so the reports end "now" and
the pages that show this year and the last twelve months have data; pass ``--until`` to get the
same dates on another day. Every user gets the same password, hashed once. Refuses to run twice
on the same database, and with DEBUG off unless given ``--demo-accounts`` (the password is
printed and weak).
"""

import datetime
import time
from collections import Counter

from django.apps import apps
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from tqdm import tqdm

from measures.caching import bump_all
from measures.generation.generator import Generator
from measures.generation.vocabulary import community_names
from partnerships.models import Community, Partner, User
from partnerships.text import norwegian_slugify

DEFAULT_PASSWORD = "lokalsamfunn"


class Command(BaseCommand):
    help = "Generate realistic communities, partners, users, measures, reports, meetings, history."

    def add_arguments(self, parser):
        parser.add_argument("--communities", type=int, default=50)
        parser.add_argument("--measures-per-community", type=int, default=200)
        parser.add_argument("--reports-per-measure", type=int, default=20)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--until",
            type=datetime.date.fromisoformat,
            default=None,
            help="The last day of the generated activity (YYYY-MM-DD); default today.",
        )
        parser.add_argument("--years", type=int, default=5, help="Years of activity.")
        parser.add_argument("--password", default=DEFAULT_PASSWORD)
        parser.add_argument(
            "--demo-accounts",
            action="store_true",
            help="Run even with DEBUG off (every generated user has the same known password).",
        )
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["demo_accounts"]:
            raise CommandError(
                "DEBUG is off: refusing to create users with a known password. Run with "
                "--demo-accounts if this is a benchmark or demo database."
            )
        started = time.perf_counter()
        call_command("setup_roles", verbosity=0)
        generator = Generator(
            seed=options["seed"],
            until=options["until"] or timezone.localdate(),
            years=options["years"],
            password_hash=make_password(options["password"]),
        )
        first_slug = norwegian_slugify(next(community_names(1))[0])
        if Community.objects.filter(slug=first_slug).exists():
            raise CommandError(
                f"The community '{first_slug}' exists: data was generated here before. "
                "Use an empty database."
            )
        communities = options["communities"]
        counts = Counter()
        # One transaction: a measure's lead partner link is checked at commit (PostgreSQL).
        with transaction.atomic():
            plans = generator.partnerships(communities)
            # The bar writes "\r" updates itself; Django's stderr wrapper would add newlines.
            stream = getattr(self.stderr, "_out", self.stderr)
            progress = tqdm(
                plans,
                desc="generate_data",
                unit="community",
                file=stream,
                disable=options["no_progress"],
            )
            for plan in progress:
                counts += generator.community(
                    plan,
                    measures=options["measures_per_community"],
                    reports=options["reports_per_measure"],
                )
            counts += generator.meetings(plans)
            if apps.is_installed("funding"):
                # Grants at county scale (that app builds on this one: asked by name).
                call_command(
                    "generate_funding",
                    seed=options["seed"],
                    until=generator.until,
                    years=options["years"],
                    stdout=self.stdout,
                )
            bump_all()  # bulk writes send no signals: pages kept in the cache are out of date
        seconds = time.perf_counter() - started
        summary = ", ".join(f"{count:,} {name}" for name, count in counts.items())
        self.stdout.write(
            f"Generated {communities} communities, {Partner.objects.count():,} partners, "
            f"{User.objects.count():,} users, {summary} in {seconds:.1f} s. "
            f"Every user's password: {options['password']}"
        )
