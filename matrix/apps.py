from django.apps import AppConfig


class MatrixConfig(AppConfig):
    name = "matrix"
    verbose_name = "Escalation matrix"

    def ready(self) -> None:
        # Every matrix write changes the matrix version, so no process keeps a stale matrix (matrix.cache).
        from .cache import connect_signals

        connect_signals()
