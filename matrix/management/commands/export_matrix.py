"""``manage.py export_matrix [FILE]``: the whole matrix as one YAML file (standard output without FILE)."""

from pathlib import Path

from django.core.management.base import BaseCommand

from matrix.matrix_file import export_yaml


class Command(BaseCommand):
    help = "Write the whole escalation matrix as one YAML file (see docs/matrix-file.md)."

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", help="Where to write; standard output when left out.")

    def handle(self, *args, file=None, **options):
        text = export_yaml()
        if file is None:
            self.stdout.write(text, ending="")
            return
        Path(file).write_text(text, encoding="utf-8")
        self.stdout.write(f"Exported the matrix to {file}.")
