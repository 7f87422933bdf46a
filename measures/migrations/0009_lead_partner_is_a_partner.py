"""The lead partner is always one of the measure's partners, in the database too (PostgreSQL).

A composite foreign key from (measure, lead partner) to the measure's partner links, checked at
commit, so a measure and its links can be written in either order within one transaction. SQLite
cannot add such a key to an existing table; there the services' validator is the guard.
"""

from django.db import migrations

ADD_MISSING_LINKS = """
INSERT INTO measures_measurepartner (measure_id, partner_id, contribution)
SELECT measure.id, measure.lead_partner_id, ''
FROM measures_measure AS measure
WHERE NOT EXISTS (
    SELECT 1 FROM measures_measurepartner AS link
    WHERE link.measure_id = measure.id AND link.partner_id = measure.lead_partner_id
)
"""
ADD_KEY = """
ALTER TABLE measures_measure ADD CONSTRAINT measure_lead_is_a_partner
FOREIGN KEY (id, lead_partner_id)
REFERENCES measures_measurepartner (measure_id, partner_id)
DEFERRABLE INITIALLY DEFERRED
"""
DROP_KEY = "ALTER TABLE measures_measure DROP CONSTRAINT measure_lead_is_a_partner"


def add_key(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(ADD_MISSING_LINKS)
        schema_editor.execute(ADD_KEY)


def drop_key(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_KEY)


class Migration(migrations.Migration):
    dependencies = [("measures", "0008_report_version_and_date_window")]

    operations = [migrations.RunPython(add_key, drop_key)]
