"""On PostgreSQL, a trigram index for the measure search (``search_text LIKE '%word%'``).

A plain B-tree cannot serve a LIKE with a leading wildcard, so every search read the whole
table. SQLite (the zero-setup default) has no trigram indexes: nothing happens there. The index
is not part of the model state, so ``makemigrations`` stays quiet about it.
"""

from django.db import migrations

INDEX = "measure_search_text_trgm"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON measures_measure "
        "USING gin (search_text gin_trgm_ops)"
    )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("measures", "0006_list_order_and_last_report_indexes")]

    operations = [migrations.RunPython(create_index, drop_index, elidable=False)]
