"""The process designer every builder test signs in as."""

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from tests.factories import make_user


@pytest.fixture
def designer(db):
    """Diego, who may change orchestrations (the builder's one permission)."""
    user = make_user("diego", first_name="Diego", last_name="Ramos")
    user.user_permissions.add(Permission.objects.get(codename="change_orchestration"))
    return user


@pytest.fixture
def as_designer(client: Client, designer) -> Client:
    client.force_login(designer)
    return client
