from django.db import migrations

from escalation_matrix.roles import sync_roles


class Migration(migrations.Migration):
    """Managers may view the outbox and retry dead letters (escalation_matrix.roles)."""

    dependencies = [
        ("notifications", "0001_notification_outbox"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
