"""``manage.py import_matrix FILE [--reason TEXT] [--dry-run]``: make the matrix exactly what the file says.

All or nothing: on any error it lists every problem, says "Nothing was changed." and exits non-zero.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from matrix.matrix_file import MatrixFileError, import_yaml, reason_max_length


class Command(BaseCommand):
    help = "Replace the escalation matrix with the content of a YAML matrix file (see docs/matrix-file.md)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="The matrix file to import.")
        parser.add_argument("--reason", help="Why; recorded on every history row. Default: 'Imported from FILE'.")
        parser.add_argument("--dry-run", action="store_true", help="Check and report the changes; save nothing.")

    def handle(self, *args, file, reason=None, dry_run=False, **options):
        try:
            text = Path(file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"Cannot read {file}: {exc}\nNothing was changed.") from exc
        reason = reason or f"Imported from {Path(file).name}"[: reason_max_length()]
        try:
            result = import_yaml(text, reason=reason, dry_run=dry_run)
        except MatrixFileError as exc:
            count = len(exc.errors)
            lines = "\n".join(f"  {error}" for error in exc.errors)
            raise CommandError(
                f"{file}: {count} error{'s' if count != 1 else ''}:\n{lines}\nNothing was changed."
            ) from exc
        for warning in result.warnings:
            self.stderr.write(f"Warning: {warning}")
        if options["verbosity"] >= 2 or dry_run:
            for change in result.changes:
                self.stdout.write(f"  {change}")
        if dry_run:
            self.stdout.write(f"Dry run: the import would make {result.summary()}. Nothing was changed.")
        elif result.changed:
            self.stdout.write(self.style.SUCCESS(f"Imported {file}: {result.summary()}."))
        else:
            self.stdout.write(f"Imported {file}: the matrix already matched it; nothing changed.")
