"""Connected in ReviewsConfig.ready()."""


def connect() -> None:
    """Connect this part's hooks (called once per ready(); must be idempotent): the demo's reviews, and the
    links back from change requests raised in a review."""
    from matrix.hooks import register_change_request_origin, register_demo_extension

    from .demo import load_matrix_reviews
    from .origins import may_raise_from, resolve_origins
    from .selectors import ORIGIN

    register_demo_extension(load_matrix_reviews)
    register_change_request_origin(ORIGIN, resolve_origins, may_raise=may_raise_from)
