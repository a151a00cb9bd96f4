"""Admin lists that answer a filter they cannot apply with the unfiltered list and a message, never a 500.

Django's ``date_hierarchy`` turns ``?filed_at__year=9999`` into "from 9999-01-01 to 10000-01-01", and a
20-digit year into a ``datetime``: both raise (ValueError, OverflowError) where Django only expects a
malformed number, so the list answers 500. Other bad filters (``?filed_at__year=abc``, an unknown field)
Django answers with a redirect to the unfiltered list (``?e=1``) that does not say why.

Mix ``SafeChangeListMixin`` into a ModelAdmin (those with a ``date_hierarchy`` above all): every filter the
list cannot apply then gets that redirect, with a message saying so.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.http import HttpRequest

UNFILTERABLE = ("The list cannot be filtered that way (a date or a number out of range, or not one at all): "
                "it is shown unfiltered.")


class SafeChangeList(ChangeList):
    def get_queryset(self, request: HttpRequest, exclude_parameters=None):
        try:
            return super().get_queryset(request, exclude_parameters)
        except (IncorrectLookupParameters, OverflowError, ValueError) as error:
            # The admin answers IncorrectLookupParameters with the redirect; the message says why there.
            messages.warning(request, UNFILTERABLE)
            if isinstance(error, IncorrectLookupParameters):
                raise
            raise IncorrectLookupParameters(error) from error


class SafeChangeListMixin:
    def get_changelist(self, request: HttpRequest, **kwargs) -> type[ChangeList]:
        return SafeChangeList
