from django.db import migrations

from escalation_matrix.roles import SUPPORT_AGENTS


def file_only(apps, schema_editor):
    """Support agents file incidents and add notes; stakeholder updates and checklist ticks are the responders'.
    (``sync_roles`` only adds: take back what the role had before.)"""
    Group = apps.get_model("auth", "Group")
    group = Group.objects.filter(name=SUPPORT_AGENTS).first()
    if group is not None:
        taken = group.permissions.filter(content_type__app_label="incidents", codename__startswith="add_")
        group.permissions.remove(*taken.exclude(codename__in=["add_incident", "add_timelineentry"]))


class Migration(migrations.Migration):
    dependencies = [("incidents", "0008_whole_change_reasons")]

    operations = [migrations.RunPython(file_only, migrations.RunPython.noop)]
