"""What every matrix admin shares: a required reason for each change, kept in the history.

Every add, change, revert and delete made in the admin writes its history records with the manager's
reason (simple-history's ``history_change_reason``): the edited object, each inline row saved with it,
and the rows a deletion cascades to.

Approvals (a later issue) hook in at one place: ``MatrixAdmin.write_change``, through which the admin
writes every matrix row. With approvals on, it will add the row's change to a pending change request
instead of writing it (the m2m updates of ``save_related`` go the same way).
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.actions import delete_selected as django_delete_selected
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db import models
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponseRedirect
from django.utils.translation import gettext_lazy
from simple_history.admin import SimpleHistoryAdmin
from simple_history.signals import pre_create_historical_record

REASON_FIELD = "change_reason"
# simple-history stores the reason in a CharField(max_length=100); longer input would fail on PostgreSQL.
REASON_MAX_LENGTH = 100
MISSING_REASON = "Say why you are making this change: the reason is kept in the history."

_current_reason: contextvars.ContextVar[str | None] = contextvars.ContextVar("matrix_change_reason", default=None)


@contextmanager
def change_reason(reason: str) -> Iterator[None]:
    """History records written inside this block without a reason of their own get ``reason``."""
    token = _current_reason.set(reason)
    try:
        yield
    finally:
        _current_reason.reset(token)


@receiver(pre_create_historical_record, dispatch_uid="matrix_admin_fill_change_reason")
def _fill_change_reason(sender, history_instance, **kwargs) -> None:
    # Rows written as a side effect of an admin change (the children a deletion cascades to, an m2m
    # update) carry no ``_change_reason`` of their own: give them the reason of the change that caused them.
    reason = _current_reason.get()
    if reason and not history_instance.history_change_reason:
        history_instance.history_change_reason = reason


class ReasonModelForm(forms.ModelForm):
    """The base form of every matrix admin: it asks why the change is made."""

    change_reason = forms.CharField(
        label="Reason for this change",
        max_length=REASON_MAX_LENGTH,
        help_text="Required. Kept in the history with this change, next to who made it and when.",
        error_messages={"required": MISSING_REASON},
        widget=forms.TextInput(attrs={"size": 80, "autocomplete": "off"}),
    )


def posted_reason(request: HttpRequest) -> str:
    return request.POST.get(REASON_FIELD, "").strip()[:REASON_MAX_LENGTH]


@admin.action(permissions=["delete"], description=gettext_lazy("Delete selected %(verbose_name_plural)s"))
def delete_selected(modeladmin, request, queryset):
    """Django's bulk delete, asking for a reason (named like Django's action so that it replaces it)."""
    if request.POST.get("post") and not posted_reason(request):
        modeladmin.message_user(request, MISSING_REASON, messages.ERROR)
        # Without "post", Django shows the confirmation page again instead of deleting.
        data = request.POST.copy()
        data.pop("post")
        request.POST = data
    return django_delete_selected(modeladmin, request, queryset)


class MatrixChangeList(ChangeList):
    def get_results(self, request):
        super().get_results(request)
        # The page's rows are a QuerySet slice: iterating it here fills its cache, so attributes set
        # on the rows are still there when the template renders them.
        self.model_admin.annotate_page(request, self.result_list)


class MatrixAdmin(SimpleHistoryAdmin):
    """Base admin of every matrix model: reason required on save and delete, stable keys, page annotations."""

    form = ReasonModelForm
    actions = [delete_selected]
    list_per_page = 50
    empty_value_display = "—"
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}  # Django 6's default, today
    show_full_result_count = False  # no full COUNT(*) on every filtered page

    def get_ordering(self, request: HttpRequest):
        # Lists annotated with counts GROUP BY, and Django drops Meta.ordering there: order explicitly,
        # or pages (and the autocomplete's) come back in no stable order.
        return self.ordering or self.model._meta.ordering

    # --- the form: a reason at the bottom, keys fixed once saved ------------------------------------
    def may_write(self, request: HttpRequest, obj: models.Model | None) -> bool:
        return self.has_change_permission(request, obj) if obj is not None else self.has_add_permission(request)

    def get_fieldsets(self, request, obj=None):
        fieldsets = [
            (name, {**options, "fields": [f for f in options["fields"] if f != REASON_FIELD]})
            for name, options in super().get_fieldsets(request, obj)
        ]
        if self.may_write(request, obj):
            fieldsets.append((None, {"fields": [REASON_FIELD], "classes": ["change-reason"]}))
        return fieldsets

    def has_key(self) -> bool:
        return any(f.name == "key" for f in self.model._meta.fields)

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        # Keys are stable: URLs, the API and the matrix file refer to them.
        if obj is not None and self.has_key() and "key" not in readonly:
            readonly.append("key")
        return readonly

    def get_prepopulated_fields(self, request, obj=None):
        # Only when adding: the key is read-only afterwards. (Not the ``prepopulated_fields`` attribute:
        # simple-history's revert page reads that directly and would look for the read-only key.)
        prepopulated = dict(super().get_prepopulated_fields(request, obj))
        if obj is None and self.has_key() and any(f.name == "name" for f in self.model._meta.fields):
            prepopulated.setdefault("key", ["name"])
        return prepopulated

    def construct_change_message(self, request, form, formsets, add=False):
        # The reason is not a change of the object: keep it out of the admin log's "changed fields".
        message = super().construct_change_message(request, form, formsets, add)
        label = str(form.fields[REASON_FIELD].label) if REASON_FIELD in form.fields else None
        cleaned = []
        for entry in message:
            changed = entry.get("changed")
            if changed is not None and "object" not in changed:  # the edited object itself, not an inline row
                fields = [f for f in changed.get("fields", []) if f != label]
                if not fields:
                    continue
                entry = {"changed": {**changed, "fields": fields}}
            cleaned.append(entry)
        return cleaned

    # --- the one write path ----------------------------------------------------------------------------
    def write_change(self, request: HttpRequest, instance: models.Model, *, reason: str, delete: bool = False) -> None:
        """The one place the admin writes a matrix row: the edited object, an inline row, a deletion.

        Approvals hook in here: instead of writing, add the row's change to the pending change request.
        """
        instance._change_reason = reason
        instance._history_user = request.user
        with change_reason(reason):
            if delete:
                instance.delete()
            else:
                instance.save()

    def reason_from(self, form: forms.Form) -> str:
        reason = getattr(form, "cleaned_data", {}).get(REASON_FIELD)
        if not reason:
            # Only a form built without ReasonModelForm (e.g. list_editable) gets here.
            raise ImproperlyConfigured(f"{type(self).__name__}: every admin form that writes must ask for a reason.")
        return reason

    def save_model(self, request, obj, form, change):
        self.write_change(request, obj, reason=self.reason_from(form))

    def save_related(self, request, form, formsets, change):
        with change_reason(self.reason_from(form)):
            super().save_related(request, form, formsets, change)

    def save_formset(self, request, form, formset, change):
        reason = self.reason_from(form)
        instances = formset.save(commit=False)  # with commit=False Django leaves the deletions to us
        for obj in formset.deleted_objects:
            self.write_change(request, obj, reason=reason, delete=True)
        for obj in instances:
            self.write_change(request, obj, reason=reason)
        formset.save_m2m()

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # simple-history 3.13 saves a posted revert form for anyone who may *view* the history;
        # reverting is a change, so it needs the change permission.
        obj = self.get_object(request, unquote(object_id))
        if request.method == "POST" and not self.has_change_permission(request, obj):
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)

    # --- deleting --------------------------------------------------------------------------------------
    def deletion_reason(self, request: HttpRequest) -> str:
        return posted_reason(request) or f"Deleted in the admin by {request.user.get_username()}"[:REASON_MAX_LENGTH]

    def delete_view(self, request, object_id, extra_context=None):
        if request.method == "POST" and self.has_delete_permission(request) and not posted_reason(request):
            self.message_user(request, MISSING_REASON, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())
        return super().delete_view(request, object_id, extra_context)

    def delete_model(self, request, obj):
        self.write_change(request, obj, reason=self.deletion_reason(request), delete=True)

    def delete_queryset(self, request, queryset):
        reason = self.deletion_reason(request)
        for obj in queryset:
            self.write_change(request, obj, reason=reason, delete=True)

    # --- the change list -------------------------------------------------------------------------------
    def get_changelist(self, request, **kwargs):
        return MatrixChangeList

    def annotate_page(self, request: HttpRequest, rows: Iterable[models.Model]) -> None:
        """Attach values computed for a whole page at once (e.g. who is on call), to avoid a query per row."""


class HiddenFromIndexMixin:
    """For rows that only make sense inside their parent: edited inline, but with their own history page."""

    def get_model_perms(self, request):
        return {}


class MatrixTabularInline(admin.TabularInline):
    extra = 0
    show_change_link = True  # each row's own page has its history
