"""The matrix as code: the whole matrix as one YAML file (``export_matrix``, ``import_matrix``).

``export_data()`` is also the body of ``GET /api/v1/matrix/``. An import is all-or-nothing: it is
checked first, written in one transaction, and any error leaves the database as it was.
The format is documented in ``docs/matrix-file.md``.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from . import yamlio
from .errors import MatrixFileError
from .export import export_data, export_policies, export_rules
from .importer import MatrixImporter
from .schema import FORMAT_VERSION
from .validate import clean_matrix
from .writer import Change, ImportResult

__all__ = [
    "FORMAT_VERSION", "Change", "ImportResult", "MatrixFileError", "export_data", "export_policies", "export_rules",
    "export_yaml", "import_data", "import_yaml", "reason_max_length",
]


def export_yaml() -> str:
    """The whole matrix as the YAML text of a matrix file."""
    return yamlio.dump(export_data())


def reason_max_length() -> int:
    """The longest reason a matrix change takes (the same in the admin and in change requests)."""
    from ..models.change_requests import REASON_MAX_LENGTH

    return REASON_MAX_LENGTH


def import_data(data: Any, *, reason: str, user=None, dry_run: bool = False) -> ImportResult:
    """Make the matrix exactly what ``data`` says; raises ``MatrixFileError`` (and changes nothing) on any error.

    ``reason`` is recorded on every history row the import writes, ``user`` as its author. With
    ``dry_run`` the import runs to the end, reports what it would change, and is rolled back.
    """
    reason = (reason or "").strip()
    if not reason:
        raise MatrixFileError(["reason: an import needs a reason; it is recorded in the history"])
    if len(reason) > reason_max_length():
        raise MatrixFileError([f"reason: must be at most {reason_max_length()} characters, got {len(reason)}"])
    cleaned = clean_matrix(data)
    with transaction.atomic():
        result = MatrixImporter(reason=reason, user=user).run(cleaned)
        if dry_run:
            transaction.set_rollback(True)
    result.dry_run = dry_run
    return result


def import_yaml(text: str, *, reason: str, user=None, dry_run: bool = False) -> ImportResult:
    """``import_data`` for the YAML text of a matrix file; invalid YAML is reported with its line."""
    return import_data(yamlio.load(text), reason=reason, user=user, dry_run=dry_run)
