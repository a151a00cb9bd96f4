"""Let managers pick people in the matrix forms without giving them the user pages.

Django's autocomplete asks the *User* admin for view permission, which managers do not have (their role
grants matrix permissions only). The User admin is re-registered with one exception: a user who may add
or change matrix objects may search active people through the autocomplete endpoint — nothing else.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.http import HttpRequest

User = get_user_model()


def is_autocomplete(request: HttpRequest) -> bool:
    match = getattr(request, "resolver_match", None)
    return bool(match and match.url_name == "autocomplete")


def may_edit_matrix(user) -> bool:
    return user.is_active and user.is_staff and any(
        perm.startswith(("matrix.add_", "matrix.change_")) for perm in user.get_all_permissions()
    )


BaseUserAdmin = type(admin.site.get_model_admin(User)) if admin.site.is_registered(User) else UserAdmin


class PeoplePickerUserAdmin(BaseUserAdmin):
    def has_view_permission(self, request, obj=None):
        if super().has_view_permission(request, obj):
            return True
        return is_autocomplete(request) and may_edit_matrix(request.user)

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        # Nobody new should be put on call or in charge if they can no longer log in.
        return queryset.filter(is_active=True) if is_autocomplete(request) else queryset


if admin.site.is_registered(User):
    admin.site.unregister(User)
admin.site.register(User, PeoplePickerUserAdmin)
