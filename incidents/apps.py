from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "incidents"

    def ready(self) -> None:
        # The matrix page and loaddemo reach us through hooks: matrix never imports us.
        from matrix.hooks import (
            register_cell_badges,
            register_change_request_links,
            register_change_request_origin,
            register_demo_extension,
            register_filing_questions,
            register_rule_stats,
        )

        from . import learning
        from .api.serializers import IncidentFileSerializer
        from .demo import load_incidents
        from .forms import IncidentFilingForm
        from .views.matrix_cells import live_incident_badges
        from .views.routing import admin_rule_stats, simulator_links

        register_cell_badges(live_incident_badges)
        register_demo_extension(load_incidents)
        # The routing accuracy loop: each rule's record in its admin, the refinements drafted from
        # misroutes linked back to them, and the simulator offered on requests that change routing.
        register_rule_stats(admin_rule_stats)
        register_change_request_origin(learning.KIND, learning.resolve_origins, may_raise=learning.may_raise_from)
        register_change_request_links(simulator_links)
        # "Who would get this?" asks filing's questions with filing's own fields (its checks and defaults).
        register_filing_questions(form=IncidentFilingForm, serializer=IncidentFileSerializer)
