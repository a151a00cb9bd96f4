import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    """Change requests drafted by the system for a manager to finish, and where a request came from."""

    dependencies = [("matrix", "0005_change_requests")]

    operations = [
        migrations.AddField(
            model_name="changerequest",
            name="origin",
            field=models.CharField(
                blank=True, help_text='What it was raised from, e.g. "action_item:12" (matrix.hooks).', max_length=200
            ),
        ),
        migrations.AddField(
            model_name="changerequest",
            name="note",
            field=models.TextField(blank=True, help_text="Why it was drafted, for the manager who finishes it."),
        ),
        migrations.AddField(
            model_name="changerequest",
            name="evidence",
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.AddField(
            model_name="changerequest",
            name="finished_as",
            field=models.ForeignKey(
                blank=True, help_text="The request a manager made of this draft in the admin.", null=True,
                on_delete=django.db.models.deletion.SET_NULL, related_name="finished_drafts",
                to="matrix.changerequest",
            ),
        ),
        migrations.AlterField(
            model_name="changerequest",
            name="status",
            field=models.CharField(
                choices=[
                    ("draft", "Drafted — a manager must finish it"), ("pending", "Pending approval"),
                    ("approved", "Approved"), ("rejected", "Rejected"),
                    ("conflicted", "Conflicted (must be redrafted)"), ("withdrawn", "Withdrawn"),
                    ("dismissed", "Dismissed"), ("finished", "Finished as another request"),
                ],
                default="pending", max_length=16,
            ),
        ),
        migrations.AddIndex(
            model_name="changerequest",
            index=models.Index(
                condition=models.Q(("origin", ""), _negated=True), fields=["origin"], name="changerequest_origin"
            ),
        ),
    ]
