"""Who may do what with training, beyond the role's model permissions.

Everyone reads the modules and completes their own. Managers (and Incident leads, who share the reviews
rights in ``escalation_matrix.roles``) assign modules and see everyone's assignments.
"""

from __future__ import annotations

VIEW = "reviews.view_trainingmodule"
ASSIGN = "reviews.add_trainingassignment"


def may_assign(user) -> bool:
    return user.is_authenticated and user.is_active and user.has_perm(ASSIGN)
