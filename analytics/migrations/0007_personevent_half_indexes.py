"""The indexes the person halves read (analytics/engine/person_halves.py), so that no half sorts its events or
visits the table: funnels read each half's events of every name in (person, time descending) order
(``personevent_half``: the step names are a filter, equal instants the only sort); retention reads one or two
names' events of each half (``personevent_name_half``: no other name is read).

PostgreSQL only (SQLite has no person events); built CONCURRENTLY so a large table keeps taking writes meanwhile.
"""

from django.db import migrations

_INDEXES = {
    "personevent_half": '(site_id, (person %% 2), person, "timestamp" DESC) INCLUDE ("name", is_bot, uuid)',
    "personevent_name_half": '(site_id, "name", (person %% 2), person, "timestamp" DESC) INCLUDE (is_bot, uuid)',
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name, definition in _INDEXES.items():
            schema_editor.execute(
                f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON analytics_personevent {definition}"
            )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name in _INDEXES:
            schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("analytics", "0006_session_part_persons_path_rollup")]
    operations = [migrations.RunPython(create, drop)]
