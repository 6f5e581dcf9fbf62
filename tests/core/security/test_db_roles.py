"""The audit trail cannot be rewritten even by the application (issue #12, finding 9).

On PostgreSQL the application connects as an ordinary role made by `manage.py setup_db_roles`:
it reads and writes the business tables, but on the audit table it may only SELECT and INSERT,
and as it owns nothing it can neither disable the append-only trigger nor switch triggers off
for its session. Each test runs in a rolled-back transaction (CREATE ROLE is transactional in
PostgreSQL), so the cluster-wide role never outlives the test and re-runs start clean.
"""

import base64
from contextlib import contextmanager

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from core.audit import audit_record
from core.management.commands.setup_db_roles import scram_sha256_verifier
from core.models import AuditEntry
from liaison.models import Township
from liaison.roles import Role

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

APP_ROLE = "lianxin_app_test"
AUDIT = "liaison_auditentry"  # AuditEntry._meta.db_table, spelt out in the SQL below


def _setup_roles():
    call_command("setup_db_roles", "--app-role", APP_ROLE, stdout=None)


@contextmanager
def _as_app_role():
    with connection.cursor() as cursor:
        cursor.execute(f"SET ROLE {APP_ROLE}")
        try:
            yield cursor
        finally:
            cursor.execute("RESET ROLE")


def _refused(cursor, sql: str, params=()):
    """Run `sql` in a savepoint and return PostgreSQL's error message (None if it worked)."""
    try:
        with transaction.atomic():
            cursor.execute(sql, params)
    except DatabaseError as error:
        return str(error)
    return None


@pytest.fixture
def entry(make_user):
    return audit_record(
        actor=make_user(Role.ADMIN), action=AuditEntry.Action.REVEAL, summary="原文"
    )


def test_the_application_role_may_read_and_append_to_the_audit_trail(entry):
    # given the roles set up by the owner (twice: the command is idempotent)
    _setup_roles()
    _setup_roles()

    with _as_app_role() as cursor:
        # when the application reads the trail and appends to it through the ORM
        assert AuditEntry.objects.get(pk=entry.pk).summary == "原文"
        audit_record(actor=None, action=AuditEntry.Action.LOGIN_FAILED, summary="追加")
        # and writes an ordinary table, sequences included
        township = Township.objects.create(name="角色镇", code="role-t")
        Township.objects.filter(pk=township.pk).update(name="角色乡")
        Township.objects.filter(pk=township.pk).delete()
        cursor.execute("SELECT current_user")
        assert cursor.fetchone()[0] == APP_ROLE

    # then both audit rows are there
    assert AuditEntry.objects.count() == 2


@pytest.mark.parametrize(
    "sql, refusal",
    [
        ("UPDATE liaison_auditentry SET summary = '篡改'", "permission denied"),
        ("DELETE FROM liaison_auditentry", "permission denied"),
        (f"TRUNCATE {AUDIT}", "permission denied"),
        (f"ALTER TABLE {AUDIT} DISABLE TRIGGER lianxin_audit_append_only", "must be owner"),
        (f"ALTER TABLE {AUDIT} DISABLE TRIGGER ALL", "must be owner"),
        (f"DROP TRIGGER lianxin_audit_append_only ON {AUDIT}", "must be owner"),
        (f"DROP TABLE {AUDIT}", "must be owner"),
        ("SET session_replication_role = replica", "permission denied"),
        (
            "CREATE OR REPLACE FUNCTION lianxin_audit_append_only() RETURNS trigger "
            "AS $$ BEGIN RETURN NULL; END $$ LANGUAGE plpgsql",
            "permission denied",  # for schema public: it may create nothing there
        ),
        ("CREATE TABLE lianxin_app_owned (id int)", "permission denied"),
    ],
)
def test_the_application_role_cannot_rewrite_the_audit_trail(entry, sql, refusal):
    # given the roles set up by the owner
    _setup_roles()

    # when the application role tries to change, empty or unprotect the trail
    with _as_app_role() as cursor:
        error = _refused(cursor, sql)

    # then PostgreSQL refuses it, and the row is untouched
    assert error is not None and refusal in error, error
    assert AuditEntry.objects.get(pk=entry.pk).summary == "原文"


def test_the_audit_table_is_the_one_named_here():
    assert AuditEntry._meta.db_table == AUDIT


def test_the_application_role_is_ordinary_and_owns_nothing():
    _setup_roles()

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT rolcanlogin, rolsuper, rolcreaterole, rolcreatedb, rolreplication, "
            "rolbypassrls FROM pg_roles WHERE rolname = %s",
            [APP_ROLE],
        )
        assert cursor.fetchone() == (True, False, False, False, False, False)
        cursor.execute(
            "SELECT count(*) FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner "
            "WHERE r.rolname = %s",
            [APP_ROLE],
        )
        assert cursor.fetchone()[0] == 0
        cursor.execute(
            "SELECT privilege_type FROM information_schema.role_table_grants "
            "WHERE grantee = %s AND table_name = %s ORDER BY 1",
            [APP_ROLE, AUDIT],
        )
        assert [row[0] for row in cursor.fetchall()] == ["INSERT", "SELECT"]


def test_re_running_fixes_a_role_with_too_many_rights(entry):
    # given an application role someone created by hand with extra rights
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {APP_ROLE} LOGIN CREATEROLE CREATEDB")
        cursor.execute(f"GRANT ALL ON {AUDIT} TO {APP_ROLE}")

    # when the command runs
    _setup_roles()

    # then the extra attributes and grants are gone
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT rolcreaterole, rolcreatedb FROM pg_roles WHERE rolname = %s", [APP_ROLE]
        )
        assert cursor.fetchone() == (False, False)
    with _as_app_role() as cursor:
        assert "permission denied" in _refused(cursor, f"TRUNCATE {AUDIT}")
        assert "permission denied" in _refused(cursor, "DELETE FROM liaison_auditentry")


def test_tables_created_by_later_migrations_get_the_grants():
    # given the roles set up, then a new table made by the owner (as a later migration would)
    _setup_roles()
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE lianxin_later (id bigint GENERATED BY DEFAULT AS IDENTITY)")

    # when the application role writes it
    with _as_app_role() as cursor:
        cursor.execute("INSERT INTO lianxin_later DEFAULT VALUES")
        cursor.execute("DELETE FROM lianxin_later")
        # then it may; but it may not empty it wholesale
        assert "permission denied" in _refused(cursor, "TRUNCATE lianxin_later")


def test_the_password_is_sent_as_a_scram_verifier(monkeypatch):
    # given a password in the environment
    monkeypatch.setenv("APP_DB_PASSWORD", "s3cret-Passw0rd")

    # when the roles are set up
    _setup_roles()

    # then the server holds a SCRAM verifier that the password reproduces
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolpassword FROM pg_authid WHERE rolname = %s", [APP_ROLE])
        stored = cursor.fetchone()[0]
    assert stored.startswith("SCRAM-SHA-256$4096:")
    salt = base64.b64decode(stored.split(":")[1].split("$")[0])
    assert scram_sha256_verifier("s3cret-Passw0rd", salt=salt) == stored


def test_the_verifier_matches_the_one_postgresql_computes():
    # given a verifier PostgreSQL made itself from a password
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL password_encryption = 'scram-sha-256'")
        cursor.execute(f"CREATE ROLE {APP_ROLE} PASSWORD 'Passw0rd!x'")
        cursor.execute("SELECT rolpassword FROM pg_authid WHERE rolname = %s", [APP_ROLE])
        by_postgres = cursor.fetchone()[0]

    # when we compute it with the same salt
    salt = base64.b64decode(by_postgres.split(":")[1].split("$")[0])

    # then it is the same
    assert scram_sha256_verifier("Passw0rd!x", salt=salt) == by_postgres


def test_the_command_refuses_to_make_the_owner_the_application_role():
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        me = cursor.fetchone()[0]
    with pytest.raises(CommandError, match="所有者"):
        call_command("setup_db_roles", "--app-role", me)
