"""System checks that refuse an unsafe production configuration at start-up, not at 3 a.m."""

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.core.exceptions import ImproperlyConfigured

LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1", "testserver"}


@register(Tags.security, deploy=False)
def check_production_settings(app_configs, **kwargs) -> list:
    problems = []
    try:
        secret_key = settings.SECRET_KEY
    except ImproperlyConfigured:  # Django refuses to even read an empty key
        secret_key = ""
    if not settings.DEBUG:
        if not secret_key or secret_key.startswith("dev-insecure"):
            problems.append(
                Error("SECRET_KEY is not set.", hint="Set the SECRET_KEY environment variable.", id="em.E001")
            )
        if not settings.ALLOWED_HOSTS:
            problems.append(
                Error("ALLOWED_HOSTS is empty.", hint="Set ALLOWED_HOSTS to the public host name(s).", id="em.E002")
            )
    else:
        public = [h for h in settings.ALLOWED_HOSTS if h not in LOCAL_HOSTS]
        if public:
            problems.append(
                Error(
                    f"DEBUG is on while ALLOWED_HOSTS names public hosts: {', '.join(public)}.",
                    hint="Turn DEBUG off in production.",
                    id="em.E003",
                )
            )
    return problems


@register(Tags.database, deploy=True)
def check_production_services(app_configs, **kwargs) -> list:
    problems = []
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        problems.append(
            Warning("Production is running on SQLite.", hint="Set DATABASE_URL to PostgreSQL.", id="em.W001")
        )
    if not settings.REDIS_URL:
        problems.append(
            Warning("Celery runs on the filesystem broker.", hint="Set REDIS_URL to Redis.", id="em.W002")
        )
    return problems
