from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from escalation_matrix.checks import LOCAL_HOSTS
from matrix.demo import DEMO_PASSWORD, load_demo, login_lines
from matrix.hooks import demo_extensions


def looks_like_production() -> bool:
    """DEBUG off and a public host name: a real deployment, where 'demo' passwords must not appear."""
    return not settings.DEBUG and any(host not in LOCAL_HOSTS for host in settings.ALLOWED_HOSTS)


class Command(BaseCommand):
    help = (
        "Build the demo organisation (teams, areas, vendors, tiers, policies, rules, playbooks, logins), then "
        "what the other apps add to it (e.g. 90 days of incidents). Idempotent."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--force", action="store_true", help="Load it even on what looks like production.")

    def handle(self, *args, **options) -> None:
        if looks_like_production() and not options["force"]:
            raise CommandError(
                f"Refusing to load the demo organisation: DEBUG is off and ALLOWED_HOSTS names a public host "
                f"({', '.join(settings.ALLOWED_HOSTS)}). Its logins use the password '{DEMO_PASSWORD}'. "
                "Pass --force if this really is a demo server."
            )
        summary = load_demo()
        self.stdout.write(self.style.SUCCESS(
            "Demo organisation ready: " + ", ".join(f"{n} {name}" for name, n in summary.counts.items()) + "."
        ))
        # The apps above the matrix add their demo data through a hook (matrix never imports them).
        for extension in demo_extensions():
            self.stdout.write(self.style.SUCCESS(extension()))
        for line in login_lines():
            self.stdout.write(line)
