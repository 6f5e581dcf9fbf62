"""Fault: PostgreSQL drops the connection (a restart, a failover, an idle-kill): the next request
succeeds, because CONN_HEALTH_CHECKS makes Django test a persistent connection before reusing it.

The backend of this test's own connection is terminated from a second connection
(pg_terminate_backend), which is what the web process sees when the cluster restarts. The request
goes through the real WSGI handler, not the test client, so Django's request_started →
close_old_connections runs as in production."""

import psycopg2
import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection
from django.test import RequestFactory

from liaison.roles import Role


def wsgi_get(path: str, cookie: str) -> tuple[str, bytes]:
    environ = RequestFactory()._base_environ(
        PATH_INFO=path, REQUEST_METHOD="GET", HTTP_COOKIE=cookie
    )
    status = {}

    def start_response(code, headers, exc_info=None):
        status["code"] = code

    body = b"".join(WSGIHandler()(environ, start_response))
    return status["code"], body


def terminate_backend(pid: int) -> None:
    other = psycopg2.connect(**connection.get_connection_params())
    try:
        other.autocommit = True
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
            assert cursor.fetchone()[0] is True
    finally:
        other.close()


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_the_next_request_succeeds_after_the_database_connection_is_killed(client, make_user):
    assert connection.vendor == "postgresql", "run in the PostgreSQL pass (.ci/run)"
    assert connection.settings_dict["CONN_HEALTH_CHECKS"] is True
    client.force_login(make_user(Role.CADRE))
    cookie = f"sessionid={client.cookies['sessionid'].value}"

    status, _ = wsgi_get("/", cookie)
    assert status.startswith("200")
    connection.ensure_connection()
    pid = connection.connection.get_backend_pid()

    terminate_backend(pid)

    status, body = wsgi_get("/", cookie)
    assert status.startswith("200"), body[:500]
    assert connection.connection.get_backend_pid() != pid  # a fresh connection served it
