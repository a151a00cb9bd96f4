"""Connected in ReviewsConfig.ready()."""


def connect() -> None:
    """Connect this part's signal receivers and hooks (called once per ready(); must be idempotent)."""
    from incidents.hooks import register_incident_panel
    from incidents.signals import incident_resolved
    from matrix.hooks import register_demo_extension, register_person_panel

    from .demo import load_drills
    from .receivers import incident_panel, on_incident_resolved, person_panel

    incident_resolved.connect(on_incident_resolved, dispatch_uid="reviews.drills.on_incident_resolved")
    register_incident_panel(incident_panel)
    register_person_panel(person_panel)
    register_demo_extension(load_drills)
