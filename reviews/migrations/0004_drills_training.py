import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from escalation_matrix.roles import sync_roles


class Migration(migrations.Migration):
    """Drills and training modules."""

    dependencies = [
        ("reviews", "0003_matrix_reviews"),
        # The first migrations that made what drills point at: playbooks, areas, impact, urgency; incidents.
        ("matrix", "0001_initial"),
        ("incidents", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    # The last operation gives the roles their rights on the new models (escalation_matrix.roles).
    operations = [
        migrations.CreateModel(
            name='TrainingAssignment',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('assigned_at', models.DateTimeField()),
                ('due_on', models.DateField(help_text='Complete it by this day.')),
                ('completed_at', models.DateTimeField(blank=True, help_text='The latest completion.', null=True)),
                ('refresher_due_on', models.DateField(blank=True, help_text="The latest completion plus the module's refresher months.", null=True)),
                ('reminded_soon_for', models.DateField(blank=True, editable=False, null=True)),
                ('assigned_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='training_assignments', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['due_on', 'pk'],
            },
        ),
        migrations.CreateModel(
            name='TrainingCompletion',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('completed_at', models.DateTimeField()),
                ('refresher_due_on', models.DateField(blank=True, null=True)),
                ('assignment', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='completions', to='reviews.trainingassignment')),
            ],
            options={
                'ordering': ['-completed_at', '-pk'],
            },
        ),
        migrations.CreateModel(
            name='TrainingModule',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('key', models.SlugField(unique=True)),
                ('title', models.CharField(max_length=200)),
                ('role', models.CharField(blank=True, choices=[('Managers', 'Managers'), ('Approvers', 'Approvers'), ('Support agents', 'Support agents'), ('Responders', 'Responders'), ('Incident leads', 'Incident leads'), ('Executives', 'Executives')], help_text='The role it is written for; empty = everyone.', max_length=60)),
                ('summary', models.CharField(blank=True, help_text='One line for lists.', max_length=300)),
                ('body', models.TextField(help_text='Markdown. Sanitized when shown.')),
                ('refresher_months', models.PositiveSmallIntegerField(blank=True, help_text='Take it again this many months after completing it; empty = once is enough.', null=True)),
                ('active', models.BooleanField(default=True, help_text='Inactive modules are not offered and not reminded.')),
            ],
            options={
                'ordering': ['title'],
                'constraints': [models.CheckConstraint(condition=models.Q(('refresher_months__isnull', True), ('refresher_months__gte', 1), _connector='OR'), name='training_refresher_at_least_a_month')],
            },
        ),
        migrations.AddField(
            model_name='trainingassignment',
            name='module',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='assignments', to='reviews.trainingmodule'),
        ),
        migrations.CreateModel(
            name='Drill',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('title', models.CharField(max_length=200)),
                ('scenario', models.TextField(blank=True, help_text='Markdown, copied from the playbook when scheduled.')),
                ('incident_title', models.CharField(max_length=200)),
                ('incident_description', models.TextField(blank=True)),
                ('details', models.JSONField(blank=True, default=dict, help_text='The triage answers the drill incident is filed with.')),
                ('scheduled_for', models.DateTimeField()),
                ('status', models.CharField(choices=[('scheduled', 'Scheduled'), ('running', 'Running'), ('finished', 'Finished'), ('cancelled', 'Cancelled')], default='scheduled', max_length=16)),
                ('started_at', models.DateTimeField(blank=True, null=True)),
                ('finished_at', models.DateTimeField(blank=True, help_text='When it finished or was cancelled.', null=True)),
                ('start_error', models.TextField(blank=True, help_text='Why the last start failed; the beat task does not retry until someone starts it.')),
                ('time_to_acknowledge', models.PositiveIntegerField(blank=True, help_text='Seconds from filing to acknowledgement; empty = never acknowledged.', null=True)),
                ('right_team_first', models.BooleanField(blank=True, help_text='Did the first routing hold?', null=True)),
                ('checklist_done', models.PositiveSmallIntegerField(blank=True, null=True)),
                ('checklist_total', models.PositiveSmallIntegerField(blank=True, null=True)),
                ('debrief', models.JSONField(blank=True, default=list)),
                ('debrief_published_at', models.DateTimeField(blank=True, null=True)),
                ('debrief_published_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('facilitator', models.ForeignKey(help_text='Files the drill incident (as its reporter), runs the drill and writes its debrief.', on_delete=django.db.models.deletion.PROTECT, related_name='facilitated_drills', to=settings.AUTH_USER_MODEL)),
                ('impact', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='matrix.impact')),
                ('incident', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='drill', to='incidents.incident')),
                ('participants', models.ManyToManyField(blank=True, related_name='drills', to=settings.AUTH_USER_MODEL)),
                ('playbook', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='drills', to='matrix.playbook')),
                ('product_area', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='matrix.productarea')),
                ('scheduled_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('urgency', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='matrix.urgency')),
            ],
            options={
                'ordering': ['-scheduled_for', '-pk'],
                'indexes': [models.Index(condition=models.Q(('status', 'scheduled')), fields=['scheduled_for'], name='drill_scheduled_for')],
                'constraints': [models.CheckConstraint(condition=models.Q(('status__in', ['scheduled', 'cancelled']), models.Q(('incident__isnull', False), ('started_at__isnull', False)), _connector='OR'), name='drill_started_has_incident'), models.CheckConstraint(condition=models.Q(('checklist_done__isnull', True), ('checklist_done__lte', models.F('checklist_total')), _connector='OR'), name='drill_checklist_done_within_total'), models.CheckConstraint(condition=models.Q(('debrief_published_at__isnull', True), ('status', 'finished'), _connector='OR'), name='drill_debrief_only_when_finished')],
            },
        ),
        migrations.AddIndex(
            model_name='trainingassignment',
            index=models.Index(condition=models.Q(('completed_at__isnull', True)), fields=['due_on'], name='training_open_due'),
        ),
        migrations.AddIndex(
            model_name='trainingassignment',
            index=models.Index(condition=models.Q(('refresher_due_on__isnull', False)), fields=['refresher_due_on'], name='training_refresher_due'),
        ),
        migrations.AddConstraint(
            model_name='trainingassignment',
            constraint=models.UniqueConstraint(fields=('module', 'user'), name='one_training_assignment_per_person'),
        ),
        migrations.AddConstraint(
            model_name='trainingassignment',
            constraint=models.CheckConstraint(condition=models.Q(('refresher_due_on__isnull', True), ('completed_at__isnull', False), _connector='OR'), name='training_refresher_only_after_completion'),
        ),
        migrations.RunPython(sync_roles, migrations.RunPython.noop),
    ]
