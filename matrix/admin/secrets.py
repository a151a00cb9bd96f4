"""Secrets in the admin: written and rotated, never displayed; credential URLs shown whole only to editors.

``WriteOnlySecretForm`` makes a model's ``secret`` a write-only field with a "generate a new one" box;
``SecretAdminMixin`` puts the secret's status ("set, last changed … by …") where its value would be,
says a generated secret once after saving, and masks chat and webhook URLs for people who may not edit
contact channels — on the form, in the list, in search and on the history page.
"""

from __future__ import annotations

import dataclasses

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest
from simple_history.template_utils import HistoricalRecordContextHelper

from matrix.credentials import (
    SECRET_FIELDS,
    is_credential_field,
    may_see_credentials,
    new_secret,
    secret_status,
    shown_target,
)

SECRET, GENERATE, STATUS, SHOWN_TARGET = "secret", "generate_secret", "secret_state", "target_shown"


class WriteOnlySecretForm(forms.Form):
    """Mixed into a model form: its secret is typed (never shown back) or generated; empty keeps it."""

    secret_required = False  # an integration cannot check signatures without one

    secret = forms.CharField(
        required=False, max_length=200, strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="Write-only: never shown again once saved. Leave empty to keep the current one.",
    )
    generate_secret = forms.BooleanField(
        required=False, label="Generate a new secret",
        help_text="Replaces the secret with a random one, shown once after saving: give it to the other side.",
    )

    def clean(self):
        cleaned = super().clean()
        self.generated_secret = new_secret() if cleaned.get(GENERATE) else None
        typed = cleaned.get(SECRET) or ""
        cleaned[SECRET] = self.generated_secret or typed or (self.instance.secret if self.instance.pk else "")
        if self.secret_required and not cleaned[SECRET] and SECRET not in self.errors:
            self.add_error(SECRET, "Set a secret, or tick “Generate a new secret”: hooks are refused without "
                                   "a signature.")
        return cleaned


class MaskingHistoryHelper(HistoricalRecordContextHelper):
    """simple-history's "Changes" column, saying a secret changed (never what it was) and masking URLs."""

    def __init__(self, model, record, *, reveal: bool) -> None:
        super().__init__(model, record)
        self.reveal = reveal

    def format_delta_change(self, change):
        if change.field in SECRET_FIELDS:
            return dataclasses.replace(super().format_delta_change(change), old="(hidden)", new="changed (not shown)")
        if is_credential_field(self.model._meta.label_lower, change.field):
            change = dataclasses.replace(change, old=shown_target(change.old or "", reveal=self.reveal),
                                         new=shown_target(change.new or "", reveal=self.reveal))
        return super().format_delta_change(change)


class MaskedTarget:
    @admin.display(description="Target")
    def target_shown(self, obj) -> str:
        return shown_target(getattr(obj, "target", ""), reveal=False)


class SecretAdminMixin(MaskedTarget):
    """For a ModelAdmin whose model has a ``secret`` (and, for contact channels, a credential ``target``)."""

    def _may_write(self, request: HttpRequest, obj) -> bool:
        return self.has_change_permission(request, obj) if obj is not None else self.has_add_permission(request)

    def get_fieldsets(self, request, obj=None):
        writes, reveal = self._may_write(request, obj), may_see_credentials(request.user)
        fieldsets = []
        for name, options in super().get_fieldsets(request, obj):
            fields = []
            for field in options["fields"]:
                if field == SECRET:
                    fields += [STATUS, SECRET, GENERATE] if writes else [STATUS]
                elif field == "target" and not reveal:
                    fields.append(SHOWN_TARGET)
                else:
                    fields.append(field)
            fieldsets.append((name, {**options, "fields": fields}))
        return fieldsets

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), STATUS, SHOWN_TARGET]

    def get_list_display(self, request):
        shown = super().get_list_display(request)
        return shown if may_see_credentials(request.user) else [SHOWN_TARGET if f == "target" else f for f in shown]

    def get_search_fields(self, request):
        # Searching by a URL's pieces would reveal it a guess at a time.
        fields = super().get_search_fields(request)
        return fields if may_see_credentials(request.user) else [f for f in fields if f != "target"]

    @admin.display(description="Secret")
    def secret_state(self, obj) -> str:
        return secret_status(obj) if obj is not None and obj.pk else "not set"

    def get_historical_record_context_helper(self, request, historical_record):
        return MaskingHistoryHelper(self.model, historical_record, reveal=may_see_credentials(request.user))

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        generated = getattr(form, "generated_secret", None)
        if generated:
            self.message_user(request, f"The new secret is {generated} — copy it now: it is never shown again.",
                              messages.WARNING)


class MaskedTargetInlineMixin(MaskedTarget):
    """An inline of contact channels: the target whole for editors, masked (read-only) for everyone else."""

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        return fields if may_see_credentials(request.user) else [SHOWN_TARGET if f == "target" else f for f in fields]

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), SHOWN_TARGET]
