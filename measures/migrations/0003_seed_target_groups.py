"""Seed the target groups: the age bands Norwegian sport reports in, plus three wider groups."""

from django.db import migrations

TARGET_GROUPS = [
    ("0–5 år", 10),
    ("6–12 år", 20),
    ("13–19 år", 30),
    ("20–25 år", 40),
    ("26 år og eldre", 50),
    ("Seniorer 60+", 60),
    ("Familier", 70),
    ("Alle", 80),
]


def seed(apps, schema_editor):
    TargetGroup = apps.get_model("measures", "TargetGroup")
    for name, order in TARGET_GROUPS:
        TargetGroup.objects.update_or_create(name=name, defaults={"order": order})


def unseed(apps, schema_editor):
    TargetGroup = apps.get_model("measures", "TargetGroup")
    TargetGroup.objects.filter(name__in=[name for name, _order in TARGET_GROUPS]).delete()


class Migration(migrations.Migration):
    dependencies = [("measures", "0002_initial")]

    operations = [migrations.RunPython(seed, unseed)]
