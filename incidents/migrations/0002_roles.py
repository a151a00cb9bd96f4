from django.db import migrations

from escalation_matrix.roles import sync_roles


class Migration(migrations.Migration):
    dependencies = [("incidents", "0001_initial"), ("matrix", "0002_roles")]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
