import pytest
from django.urls import reverse

PASSWORD = "Passw0rd!x"


@pytest.fixture
def login(client):
    """Sign in through the real login view (django-axes needs the request)."""

    def do(username: str, password: str = PASSWORD, *, follow: bool = False):
        return client.post(
            reverse("login"), {"username": username, "password": password}, follow=follow
        )

    return do
