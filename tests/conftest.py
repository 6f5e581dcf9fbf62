"""Shared fixtures. Browser fixtures live in tests/e2e/conftest.py."""

import pytest

from liaison.roles import Role
from tests.factories import CadreFactory, UserFactory


@pytest.fixture
def make_user(db):
    """make_user(Role.CADRE, workgroup=wg) -> a user with that role and a Cadre profile."""

    def make(*roles: Role, superuser: bool = False, **cadre_fields):
        user = UserFactory(roles=roles, is_superuser=superuser, is_staff=superuser)
        CadreFactory(user=user, **cadre_fields)
        return user

    return make
