import django.db.models.deletion
from django.db import migrations, models

from escalation_matrix.roles import sync_roles


class Migration(migrations.Migration):
    """Action items linked to the matrix change requests they raise."""

    dependencies = [("reviews", "0004_drills_training"), ("matrix", "0006_change_request_drafts")]

    operations = [
        migrations.AddField(
            model_name="actionitem",
            name="change_request",
            field=models.ForeignKey(
                blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="action_items",
                to="matrix.changerequest",
            ),
        ),
        # The last operation gives the roles their rights on any new model (escalation_matrix.roles).
        migrations.RunPython(sync_roles, migrations.RunPython.noop),
    ]
