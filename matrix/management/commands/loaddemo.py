from django.core.management.base import BaseCommand

from matrix.demo import DEMO_PASSWORD, load_demo


class Command(BaseCommand):
    help = "Build the demo organisation (teams, areas, vendors, tiers, policies, rules, playbooks, logins). Idempotent."

    def handle(self, *args, **options) -> None:
        summary = load_demo()
        self.stdout.write(self.style.SUCCESS(
            "Demo organisation ready: " + ", ".join(f"{n} {name}" for name, n in summary.counts.items()) + "."
        ))
        self.stdout.write("Log in as:")
        for login in summary.logins:
            credentials = f"{login.username} / {DEMO_PASSWORD}"
            self.stdout.write(f"  {credentials:<18} — {login.group}: {login.what}")
