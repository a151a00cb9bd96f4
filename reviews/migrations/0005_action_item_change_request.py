from django.db import migrations

from escalation_matrix.roles import sync_roles


class Migration(migrations.Migration):
    """Action items linked to the matrix change requests they raise."""

    dependencies = [("reviews", "0004_drills_training")]

    # The last operation gives the roles their rights on any new model (escalation_matrix.roles).
    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
