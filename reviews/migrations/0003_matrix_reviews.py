from django.db import migrations

from escalation_matrix.roles import sync_roles


class Migration(migrations.Migration):
    """Quarterly matrix reviews: the review, its checklist, area attestations."""

    dependencies = [("reviews", "0002_roles")]

    # The last operation gives the roles their rights on any new model (escalation_matrix.roles).
    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
