import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from escalation_matrix.roles import sync_roles


class Migration(migrations.Migration):
    """Quarterly matrix reviews: the review, its checklist, area attestations."""

    dependencies = [
        ("reviews", "0002_roles"),
        ("matrix", "0004_keyword_word_start"),  # ProductArea is all matrix reviews need of the matrix's tables
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="MatrixReview",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                ("period_start", models.DateTimeField(help_text="The previous review's sign-off (or the first deploy): the evidence pack covers from here.")),
                ("due_on", models.DateField(help_text="One quarter (MATRIX_REVIEW_INTERVAL_DAYS) after the period's start.")),
                ("checklist_drawn_at", models.DateTimeField(blank=True, help_text="When the checklist was last drawn.", null=True)),
                ("signed_off_at", models.DateTimeField(blank=True, null=True)),
                ("notes", models.TextField(blank=True, help_text="The sign-off's notes: decisions, accepted gaps, follow-ups.")),
                ("owner", models.ForeignKey(blank=True, help_text="Runs the review and is reminded with the area owners.", null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="matrix_reviews", to=settings.AUTH_USER_MODEL)),
                ("previous", models.OneToOneField(blank=True, help_text="The review whose sign-off opened this one (none for the first).", null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="next_review", to="reviews.matrixreview")),
                ("signed_off_by", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL)),
            ],
            options={
                "verbose_name": "matrix review",
                "ordering": ["-due_on", "-pk"],
            },
        ),
        migrations.CreateModel(
            name="AreaAttestation",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                ("area_name", models.CharField(help_text="The area's name when it was attested.", max_length=120)),
                ("attested_at", models.DateTimeField()),
                ("comment", models.TextField(blank=True)),
                ("area", models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to="matrix.productarea")),
                ("attested_by", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL)),
                ("review", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="attestations", to="reviews.matrixreview")),
            ],
            options={
                "ordering": ["area_name", "pk"],
            },
        ),
        migrations.CreateModel(
            name="MatrixReviewItem",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                ("kind", models.CharField(choices=[("area_no_owner", "Area with no owner"), ("area_no_on_call", "Area with nobody on call"), ("area_no_playbook", "Area with no playbook"), ("stale_contact", "Contact not confirmed"), ("rule_accuracy", "Rule often wrong first time"), ("tier_breaches", "Tier often breached"), ("lint", "Other matrix finding"), ("change_needed", "Change asked for by an area owner")], max_length=24)),
                ("key", models.CharField(help_text="Names the gap, stable across refreshes.", max_length=200)),
                ("subject_label", models.CharField(max_length=200)),
                ("subject_url", models.CharField(blank=True, max_length=300)),
                ("subject_type", models.CharField(blank=True, max_length=16)),
                ("subject_key", models.CharField(blank=True, max_length=200)),
                ("text", models.TextField()),
                ("position", models.PositiveIntegerField(default=0)),
                ("resolved", models.BooleanField(default=False)),
                ("resolution", models.TextField(blank=True, help_text="What was done, or why the gap is accepted.")),
                ("resolved_at", models.DateTimeField(blank=True, null=True)),
                ("cleared_at", models.DateTimeField(blank=True, help_text="When a refresh no longer found the gap in the matrix (it was fixed).", null=True)),
                ("raised_by", models.ForeignKey(blank=True, help_text="Who asked for the change (change_needed items only).", null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL)),
                ("resolved_by", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL)),
                ("review", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="items", to="reviews.matrixreview")),
            ],
            options={
                "verbose_name": "matrix review checklist item",
                "ordering": ["position", "pk"],
            },
        ),
        migrations.AddConstraint(
            model_name="matrixreview",
            constraint=models.UniqueConstraint(models.Value(1), condition=models.Q(("signed_off_at__isnull", True)), name="one_open_matrix_review"),
        ),
        migrations.AddConstraint(
            model_name="matrixreview",
            constraint=models.CheckConstraint(condition=models.Q(("signed_off_at__isnull", False), ("signed_off_by__isnull", True), _connector="OR"), name="matrix_review_no_signer_without_sign_off"),
        ),
        migrations.AddConstraint(
            model_name="areaattestation",
            constraint=models.UniqueConstraint(fields=("review", "area"), name="one_attestation_per_area"),
        ),
        migrations.AddConstraint(
            model_name="matrixreviewitem",
            constraint=models.UniqueConstraint(fields=("review", "key"), name="one_checklist_item_per_gap"),
        ),
        # The last operation gives the roles their rights on any new model (escalation_matrix.roles).
        migrations.RunPython(sync_roles, migrations.RunPython.noop),
    ]
