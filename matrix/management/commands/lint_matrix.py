"""``manage.py lint_matrix``: the matrix's mistakes and coverage gaps; exits 1 when any is an error."""

import json
import sys

from django.core.management.base import BaseCommand

from matrix.lint import ERROR, SEVERITIES, WARNING, lint


class Command(BaseCommand):
    help = "Check the escalation matrix for mistakes and coverage gaps. Exits with status 1 if any is an error."

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=["text", "json"], default="text", help="Output format.")

    def handle(self, *args, format: str = "text", **options) -> None:
        findings = sorted(lint(), key=lambda f: SEVERITIES.index(f.severity))  # stable: check order within
        counts = {severity: sum(f.severity == severity for f in findings) for severity in SEVERITIES}
        if format == "json":
            self.stdout.write(json.dumps({"findings": [f.as_dict() for f in findings], "counts": counts}, indent=2))
        elif not findings:
            self.stdout.write(self.style.SUCCESS("No findings."))
        else:
            styles = {ERROR: self.style.ERROR, WARNING: self.style.WARNING}
            width = max(len(f.code) for f in findings)
            for severity in SEVERITIES:
                group = [f for f in findings if f.severity == severity]
                if group:
                    self.stdout.write(styles[severity](f"{severity.capitalize()}s ({len(group)})"))
                    for finding in group:
                        self.stdout.write(f"  {finding.code:<{width}}  {finding.message}")
            self.stdout.write(", ".join(f"{n} {s}{'' if n == 1 else 's'}" for s, n in counts.items()) + ".")
        if counts[ERROR]:
            # SystemExit rather than CommandError: the findings are the message, and CI wants only the status.
            sys.exit(1)
