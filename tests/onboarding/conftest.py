import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _vietnamese():
    """Messages are checked in Vietnamese, whatever language an earlier test left active."""
    with translation.override("vi"):
        yield
