from django.db import migrations

from escalation_matrix.roles import sync_roles


class Migration(migrations.Migration):
    """The roles get their rights on reviews (escalation_matrix.roles.ROLE_PERMISSIONS)."""

    dependencies = [("reviews", "0001_initial"), ("incidents", "0002_roles")]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
