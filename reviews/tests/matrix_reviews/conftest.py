"""The quarterly matrix review tests' organisation (``support.org``) and its open review."""

import pytest

from .support import open_review, org


@pytest.fixture
def mx(db) -> dict:
    return org()


@pytest.fixture
def review(mx):
    return open_review()
