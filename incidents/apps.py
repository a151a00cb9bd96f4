from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "incidents"

    def ready(self) -> None:
        # The matrix page links its cells to their live incidents through a hook: matrix never imports us.
        from matrix.hooks import register_cell_badges

        from .views.matrix_cells import live_incident_badges

        register_cell_badges(live_incident_badges)
