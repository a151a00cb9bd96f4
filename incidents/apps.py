from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "incidents"

    def ready(self) -> None:
        # The matrix page and loaddemo reach us through hooks: matrix never imports us.
        from matrix.hooks import register_cell_badges, register_demo_extension

        from .demo import load_incidents
        from .views.matrix_cells import live_incident_badges

        register_cell_badges(live_incident_badges)
        register_demo_extension(load_incidents)
