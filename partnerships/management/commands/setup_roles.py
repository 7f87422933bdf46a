"""Create the groups and their permissions. Idempotent; run after every ``migrate``."""

from django.apps import apps
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand
from django.db import transaction

from partnerships.models import EVALUATOR_GROUP, SPORTS_COUNCIL_GROUP

APPS = ("partnerships", "measures", "funding")
# What was e-mailed (outbox, reminders, invitations): the sports council may look, not change.
VIEW_ONLY_APPS = ("notifications",)


class Command(BaseCommand):
    help = "Create the Idrettsråd and Evaluator groups with their permissions."

    @transaction.atomic
    def handle(self, *args, **options):
        for label in (*APPS, *VIEW_ONLY_APPS):
            if not apps.is_installed(label):
                continue
            # Permissions are made after migrate; make sure they exist on a fresh database.
            create_permissions(apps.get_app_config(label), verbosity=0)
        app_permissions = Permission.objects.filter(content_type__app_label__in=APPS)
        view_only = Permission.objects.filter(
            content_type__app_label__in=VIEW_ONLY_APPS, codename__startswith="view_"
        )

        council, _created = Group.objects.get_or_create(name=SPORTS_COUNCIL_GROUP)
        # People are deactivated, never deleted.
        council.permissions.set(app_permissions.exclude(codename="delete_user") | view_only)

        evaluator, _created = Group.objects.get_or_create(name=EVALUATOR_GROUP)
        evaluator.permissions.set(
            app_permissions.filter(codename__startswith="view_")
            | app_permissions.filter(codename__in=["add_meeting", "change_meeting"])
        )
        if options["verbosity"] > 0:
            self.stdout.write(
                f"{SPORTS_COUNCIL_GROUP}: {council.permissions.count()} permissions; "
                f"{EVALUATOR_GROUP}: {evaluator.permissions.count()} permissions."
            )
