"""On PostgreSQL the audit trail refuses UPDATE and DELETE at the database level, whatever the
code path (QuerySet.update/delete bypass AuditEntry.save/delete)."""

import pytest
from django.db import DatabaseError, connection, transaction

from core.audit import audit_record
from core.models import AuditEntry
from liaison.roles import Role


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_the_database_refuses_to_change_or_delete_audit_rows(make_user):
    assert connection.vendor == "postgresql", "run in the PostgreSQL pass (.ci/run)"
    entry = audit_record(
        actor=make_user(Role.ADMIN), action=AuditEntry.Action.REVEAL, summary="原文"
    )

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(summary="篡改")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).delete()
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM liaison_auditentry")

    assert AuditEntry.objects.get(pk=entry.pk).summary == "原文"
    audit_record(actor=None, action=AuditEntry.Action.LOGIN_FAILED, summary="追加仍然可以")
    assert AuditEntry.objects.count() == 2
