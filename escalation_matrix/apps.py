from django.apps import AppConfig


class ProjectConfig(AppConfig):
    name = "escalation_matrix"
    verbose_name = "Escalation Matrix"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the system checks)
