"""Measures' ``search_text`` anew: now without accents ("apen" finds "Åpen") and with the venue."""

from django.db import migrations

from partnerships.text import fold

BATCH = 2_000


def refill(apps, schema_editor):
    Measure = apps.get_model("measures", "Measure")
    rows = Measure.objects.order_by("pk").only("title", "summary", "description", "venue")
    batch = []
    for measure in rows.iterator(chunk_size=BATCH):
        text = " ".join((measure.title, measure.summary, measure.description, measure.venue))
        measure.search_text = fold(text)
        batch.append(measure)
        if len(batch) >= BATCH:
            Measure.objects.bulk_update(batch, ["search_text"])
            batch = []
    Measure.objects.bulk_update(batch, ["search_text"])


class Migration(migrations.Migration):
    dependencies = [("measures", "0011_public_measures_time_slots_and_changes")]

    operations = [migrations.RunPython(refill, migrations.RunPython.noop, elidable=True)]
