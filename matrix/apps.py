from django.apps import AppConfig


class MatrixConfig(AppConfig):
    name = "matrix"
    verbose_name = "Escalation matrix"

    def ready(self) -> None:
        # Every matrix write changes the matrix version, so no process keeps a stale matrix (matrix.cache).
        from .cache import connect_signals
        from .governance.origins import FINISHES, resolve_origins
        from .hooks import register_change_request_origin

        connect_signals()
        # A save that finishes a system draft links back to it (see matrix.hooks for origins).
        register_change_request_origin(FINISHES, resolve_origins)
