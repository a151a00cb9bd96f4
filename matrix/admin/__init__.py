"""The matrix admin, where managers build the escalation matrix.

Every matrix model is registered with a ``MatrixAdmin`` (simple-history's admin plus a required reason
for every change, see ``base``); the modules below register them by glossary concept. With approvals
on, saves become change requests, which ``change_requests`` lists and where approvers decide them.
"""

from django.contrib import admin

from . import (  # noqa: F401  (they register the admins)
    areas,
    change_requests,
    playbooks,
    policies,
    rules,
    severity,
    teams,
    users,
)

admin.site.site_header = "Escalation Matrix admin"
admin.site.site_title = "Escalation Matrix admin"
admin.site.index_title = "The escalation matrix"
