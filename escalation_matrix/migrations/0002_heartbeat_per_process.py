from django.db import migrations, models


def forget_named_heartbeats(apps, schema_editor):
    # The old rows were one per role ("worker", "beat"); heartbeats are now one per process.
    apps.get_model("escalation_matrix", "Heartbeat").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("escalation_matrix", "0001_heartbeat")]

    operations = [
        migrations.RunPython(forget_named_heartbeats, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="heartbeat", name="name",
            field=models.CharField(help_text="host:pid:token of the process.", max_length=200, primary_key=True,
                                   serialize=False),
        ),
        migrations.AddField(
            model_name="heartbeat", name="kind",
            field=models.CharField(default="worker", help_text='"worker", "process" (a pool child) or "beat".',
                                   max_length=16),
        ),
        migrations.AddField(
            model_name="heartbeat", name="queues",
            field=models.CharField(blank=True, help_text="Comma-separated queues a worker consumes.", max_length=200),
        ),
        migrations.AddField(
            model_name="heartbeat", name="published_at",
            field=models.DateTimeField(blank=True, help_text="Beat only: its last successful publish.", null=True),
        ),
        migrations.AddIndex(
            model_name="heartbeat", index=models.Index(fields=["kind", "beat_at"], name="heartbeat_kind_beat_at"),
        ),
    ]
