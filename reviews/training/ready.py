"""Connected in ReviewsConfig.ready()."""


def connect() -> None:
    """Connect this part's signal receivers and hooks (called once per ready(); must be idempotent)."""
    from matrix.hooks import register_demo_extension, register_person_panel

    from .demo import load_training
    from .receivers import person_panel

    register_person_panel(person_panel)
    register_demo_extension(load_training)
