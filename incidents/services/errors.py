"""The two ways a service refuses: bad input (per field) and an illegal move (with its reason)."""


class IncidentInputError(ValueError):
    """Bad input, per field: ``{"title": ["Give the incident a title."], "details.region": [...]}``.

    The API answers 400 with ``errors``; the pages show them as form errors.
    """

    def __init__(self, errors: dict[str, list[str]]) -> None:
        self.errors = {field: list(messages) for field, messages in errors.items()}
        super().__init__("; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in self.errors.items()))


class TransitionError(Exception):
    """An illegal move, with a reason a person can act on ("Resolve it first."). The API answers 409."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
