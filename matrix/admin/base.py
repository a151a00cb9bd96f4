"""What every matrix admin shares: a required reason for each change, kept in the history, and approvals.

Every add, change, revert and delete made in the admin writes its history records with the manager's
reason (simple-history's ``history_change_reason``): the edited object, each inline row saved with it,
and the rows a deletion cascades to.

Approvals hook in at one place: ``MatrixAdmin.write_change``, through which the admin writes every
matrix row. With approvals on (``MATRIX_APPROVALS``), it adds the row's change to the request's draft
instead of writing it, and the m2m updates of ``save_related`` are recorded the same way. The admin has
validated the form and every inline formset before it gets there, so a form with errors drafts nothing.
When the save is done (``response_add`` / ``response_change`` / ``response_delete``) the draft becomes
one pending change request (``matrix.governance``) and its author is shown it, "pending approval".
A form opened with ``?origin=action_item:12`` (see ``matrix.hooks``) keeps it through the save, into
the request's ``origin``.
"""

from __future__ import annotations

from collections.abc import Iterable

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.actions import delete_selected as django_delete_selected
from django.contrib.admin.utils import unquote
from django.contrib.admin.widgets import RelatedFieldWidgetWrapper
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db import models
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext_lazy
from simple_history.admin import SimpleHistoryAdmin

from escalation_matrix.admin_lists import SafeChangeList
from matrix.governance import ChangeRequestError, Draft, approvals_required, change_request_submit
from matrix.governance.history import change_context
from matrix.hooks import change_request_origins, origin_permitted
from matrix.models import ChangeRequest, ChangeRequestStatus
from matrix.models.change_requests import REASON_MAX_LENGTH

REASON_FIELD = "change_reason"
MISSING_REASON = "Say why you are making this change: the reason is kept in the history."
DRAFT_ATTR = "_matrix_draft"  # the request's draft while approvals are on (see MatrixAdmin.write_change)
ORIGIN_PARAM = "origin"  # what a change is raised from, carried into its change request (matrix.hooks)


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
    elif request.POST.get("post") and approvals_required():
        _, _, perms_needed, protected = modeladmin.get_deleted_objects(queryset, request)
        if not perms_needed and not protected:  # otherwise Django refuses, as without approvals
            modeladmin.draft_deletions(request, queryset)
            return None  # back to the list
    response = django_delete_selected(modeladmin, request, queryset)
    if response is not None and hasattr(response, "context_data"):
        response.context_data["approvals_on"] = approvals_required()
    return response


class MatrixChangeList(SafeChangeList):  # a filter it cannot apply: the unfiltered list and a message
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

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        widget = getattr(formfield, "widget", None)
        if approvals_required() and isinstance(widget, RelatedFieldWidgetWrapper):
            # A related object added or edited in a popup would only be a change request: the form
            # could not pick it. Propose it on its own page instead.
            widget.can_add_related = widget.can_change_related = widget.can_delete_related = False
        return formfield

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

        With approvals on, the row's change goes into the request's draft instead; nothing is written.
        """
        if approvals_required():
            self.draft(request, reason=reason).record(instance, delete=delete)
            return
        instance._change_reason = reason
        instance._history_user = request.user
        with change_context(reason):
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
        draft = self.current_draft(request)
        if draft is not None:
            # The admin's save_related (and simple-history's revert) call form.save_m2m() next: record, don't write.
            form.save_m2m = lambda: draft.record_m2m(obj, form)

    def save_related(self, request, form, formsets, change):
        with change_context(self.reason_from(form)):
            super().save_related(request, form, formsets, change)

    def save_formset(self, request, form, formset, change):
        reason = self.reason_from(form)
        instances = formset.save(commit=False)  # with commit=False Django leaves the deletions to us
        for obj in formset.deleted_objects:
            self.write_change(request, obj, reason=reason, delete=True)
        for obj in instances:
            self.write_change(request, obj, reason=reason)
        draft = self.current_draft(request)
        if draft is None:
            formset.save_m2m()
            return
        for inline_form in formset.saved_forms:
            draft.record_m2m(inline_form.instance, inline_form)

    # --- approvals: the draft of this request, and what its author sees -----------------------------------
    def draft(self, request: HttpRequest, *, reason: str) -> Draft:
        draft = self.current_draft(request)
        if draft is None:
            # ``?origin=`` (matrix.hooks) stays in the URL the form posts back to, and so reaches the request.
            draft = Draft(author=request.user, reason=reason, origin=request.GET.get(ORIGIN_PARAM, "").strip())
            setattr(request, DRAFT_ATTR, draft)
        return draft

    def current_draft(self, request: HttpRequest) -> Draft | None:
        return getattr(request, DRAFT_ATTR, None)

    def submit_draft(self, request: HttpRequest) -> ChangeRequest | None:
        """The draft becomes a pending change request (``None``: it changes nothing). May raise ChangeRequestError."""
        draft = request.__dict__.pop(DRAFT_ATTR)
        return change_request_submit(draft=draft)

    def response_drafted(self, request: HttpRequest) -> HttpResponseRedirect:
        back = request.get_full_path()
        try:
            change_request = self.submit_draft(request)
        except ChangeRequestError as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return HttpResponseRedirect(back)
        if change_request is None:
            self.message_user(request, "Nothing changed, so there is nothing to approve.", messages.INFO)
            return HttpResponseRedirect(back)
        self.message_user(request, pending_message(change_request), messages.WARNING)
        return HttpResponseRedirect(reverse("admin:matrix_changerequest_change", args=[change_request.pk]))

    def draft_deletions(self, request: HttpRequest, queryset) -> list[ChangeRequest]:
        """One change request per object (each is decided on its own), for the bulk delete action."""
        reason, drafted = self.deletion_reason(request), []
        for obj in queryset:
            self.write_change(request, obj, reason=reason, delete=True)
            try:
                change_request = self.submit_draft(request)
            except ChangeRequestError as exc:
                self.message_user(request, f"{obj}: {exc}", messages.ERROR)
                continue
            if change_request is not None:
                drafted.append(change_request)
        if drafted:
            numbers = ", ".join(f"#{c.pk}" for c in drafted)
            self.message_user(request, f"Pending approval: deleting {len(drafted)} {self.opts.verbose_name_plural} "
                                       f"awaits an approver other than you (change requests {numbers}).",
                              messages.WARNING)
        return drafted

    def response_add(self, request, obj, post_url_continue=None):
        if self.current_draft(request) is not None:
            return self.response_drafted(request)
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        if self.current_draft(request) is not None:
            return self.response_drafted(request)
        return super().response_change(request, obj)

    def response_delete(self, request, obj_display, obj_id):
        if self.current_draft(request) is not None:
            return self.response_drafted(request)
        return super().response_delete(request, obj_display, obj_id)

    # Nothing happened yet: the change request is the record until it is approved (then the history is).
    def log_addition(self, request, obj, message):
        return None if self.current_draft(request) is not None else super().log_addition(request, obj, message)

    def log_change(self, request, obj, message):
        return None if self.current_draft(request) is not None else super().log_change(request, obj, message)

    def log_deletions(self, request, queryset):
        return None if approvals_required() else super().log_deletions(request, queryset)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["approvals_on"] = approvals_required() and self.may_write(request, obj)
        origin = request.GET.get(ORIGIN_PARAM, "").strip()
        if origin and context["approvals_on"] and request.method == "GET" and origin_permitted(origin, request.user):
            link = change_request_origins([origin]).get(origin)
            self.message_user(request, f"Raising a change from {link.label if link else origin}: "
                                       "saving proposes it, linked to where it came from.", messages.INFO)
        if obj is not None and obj.pk is not None:
            context["pending_change_requests"] = list(ChangeRequest.objects.filter(
                status=ChangeRequestStatus.PENDING, target_object_id=obj.pk,
                target_content_type=ContentType.objects.get_for_model(self.model),
            ).select_related("author")[:5])
        return super().render_change_form(request, context, add, change, form_url, obj)

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
        extra_context = {**(extra_context or {}), "approvals_on": approvals_required()}
        return super().delete_view(request, object_id, extra_context)

    def delete_model(self, request, obj):
        self.write_change(request, obj, reason=self.deletion_reason(request), delete=True)

    def delete_queryset(self, request, queryset):
        if approvals_required():
            self.draft_deletions(request, queryset)
            return
        reason = self.deletion_reason(request)
        for obj in queryset:
            self.write_change(request, obj, reason=reason, delete=True)

    # --- the change list -------------------------------------------------------------------------------
    def get_changelist(self, request, **kwargs):
        return MatrixChangeList

    def annotate_page(self, request: HttpRequest, rows: Iterable[models.Model]) -> None:
        """Attach values computed for a whole page at once (e.g. who is on call), to avoid a query per row."""


def pending_message(change_request: ChangeRequest) -> str:
    noun = change_request.target_content_type.model_class()._meta.verbose_name
    action = {"add": "adding", "change": "your change to", "delete": "deleting"}[change_request.operation]
    return (f"Pending approval: {action} {noun} “{change_request.target_label}” is change request "
            f"#{change_request.pk}. The matrix changes once an approver other than you approves it.")


class HiddenFromIndexMixin:
    """For rows that only make sense inside their parent: edited inline, but with their own history page."""

    def get_model_perms(self, request):
        return {}


class MatrixTabularInline(admin.TabularInline):
    extra = 0
    show_change_link = True  # each row's own page has its history
