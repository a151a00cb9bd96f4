"""Connected in ReviewsConfig.ready()."""


def connect() -> None:
    """Connect this part's signal receivers and hooks (called once per ready(); must be idempotent)."""
