"""Fixtures shared by the sync and household tests."""

import pytest
from django.core.management import call_command

from field_api.models import Role


@pytest.fixture
def catalogue(db):
    """The service catalogue. Migrations load it, but transactional tests flush every table after them."""
    call_command("loaddata", "fixtures/services.json", verbosity=0)


@pytest.fixture
def volunteer(world, client_for):
    """An API client signed in as side A's volunteer."""
    return client_for(world.a.users[Role.VOLUNTEER])
