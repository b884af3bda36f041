"""The "figures" cache's table (computed report output), kept apart from the security state in
the default cache's table (settings ``CACHES``). ``createcachetable`` makes only the tables
that are missing."""

from django.core.management import call_command
from django.db import migrations


def create_cache_tables(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


def drop_figures_table(apps, schema_editor):
    schema_editor.execute(
        "DROP TABLE IF EXISTS " + schema_editor.connection.ops.quote_name("walkthetalk_figures")
    )


class Migration(migrations.Migration):
    dependencies = [("site", "0001_cache_table")]

    operations = [migrations.RunPython(create_cache_tables, drop_figures_table)]
