from django.db import migrations

from escalation_matrix.roles import sync_roles


class Migration(migrations.Migration):
    """Drills and training modules."""

    dependencies = [("reviews", "0003_matrix_reviews")]

    # The last operation gives the roles their rights on any new model (escalation_matrix.roles).
    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
