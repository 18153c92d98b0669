# Session parts keyed by the person events' integer persons and carrying their sessions, and the hourly path
# rollup (the console's top pages).

import django.db.models.deletion
from django.db import migrations, models

# The parts' identity columns give way to integer persons: the old rows cannot be converted, so they and their
# watermark go and the next refresh (or `manage.py rebuild_sessions`) cuts every hour again. The rollups'
# watermark goes too, so that refresh counts every hour into the new path rollup as well as the hourly one.
FORGET_DERIVED = [
    "DELETE FROM analytics_sessionpart",
    "DELETE FROM analytics_sessionpartswatermark",
    "DELETE FROM analytics_rollupwatermark WHERE key = 'hourly'",
]


class Migration(migrations.Migration):
    dependencies = [
        ("analytics", "0005_person_events"),
    ]

    operations = [
        migrations.RunSQL(FORGET_DERIVED, migrations.RunSQL.noop),
        migrations.RemoveField(model_name="sessionpart", name="user_id"),
        migrations.RemoveField(model_name="sessionpart", name="anonymous_id"),
        migrations.RemoveField(model_name="sessionpart", name="device_id"),
        migrations.RemoveField(model_name="sessionpart", name="uuid"),
        migrations.AddField(
            model_name="sessionpart",
            name="person",
            field=models.IntegerField(default=0),
            preserve_default=False,
        ),
        migrations.AddField(model_name="sessionpart", name="anon_key", field=models.IntegerField(null=True)),
        migrations.AddField(model_name="sessionpart", name="device_key", field=models.IntegerField(null=True)),
        migrations.AddField(model_name="sessionpart", name="session_start", field=models.DateTimeField(null=True)),
        migrations.AddField(model_name="sessionpart", name="alone", field=models.BooleanField(default=False)),
        migrations.AddIndex(
            model_name="sessionpart",
            index=models.Index(fields=["site", "person", "first_at"], name="sessionpart_person"),
        ),
        migrations.AddIndex(
            model_name="sessionpart",
            index=models.Index(
                condition=models.Q(("session_start__isnull", True)),
                fields=["site", "hour"],
                name="sessionpart_unassigned",
            ),
        ),
        migrations.AddIndex(
            model_name="sessionpart",
            index=models.Index(
                condition=models.Q(("anon_key__isnull", False)), fields=["site", "anon_key"], name="sessionpart_anon"
            ),
        ),
        migrations.AddIndex(
            model_name="sessionpart",
            index=models.Index(
                condition=models.Q(("device_key__isnull", False)),
                fields=["site", "device_key"],
                name="sessionpart_device",
            ),
        ),
        migrations.CreateModel(
            name="PathRollup",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("hour", models.DateTimeField()),
                ("name", models.CharField(max_length=200)),
                ("path", models.TextField(blank=True, default="")),
                ("is_bot", models.BooleanField(default=False)),
                ("events", models.BigIntegerField()),
                (
                    "site",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="analytics.site",
                    ),
                ),
            ],
            options={
                "indexes": [models.Index(fields=["site", "hour"], name="pathrollup_site_hour")],
            },
        ),
    ]
