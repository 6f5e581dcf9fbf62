"""Fault: a transaction that rolls back enqueues nothing, and leaves no audit row behind;
the same code path enqueues exactly once when it commits (tasks go out with on_commit)."""

from unittest import mock

import pytest
from django.db import transaction

from core import tasks
from core.audit import audit_record
from core.models import AuditEntry
from liaison.roles import Role


class Boom(Exception):
    pass


def change_and_notify(*, actor, fail: bool) -> None:
    """The house pattern (STYLE.md): audit in the transaction, enqueue after commit."""
    with transaction.atomic():
        audit_record(actor=actor, action=AuditEntry.Action.UPDATE, summary="测试变更")
        transaction.on_commit(lambda: tasks.ping.delay())
        if fail:
            raise Boom


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_transaction_enqueues_nothing(make_user):
    actor = make_user(Role.CADRE)
    with mock.patch.object(tasks.ping, "delay") as delay:
        with pytest.raises(Boom):
            change_and_notify(actor=actor, fail=True)
        assert delay.call_count == 0
        assert not AuditEntry.objects.filter(summary="测试变更").exists()

        change_and_notify(actor=actor, fail=False)
        assert delay.call_count == 1
        assert AuditEntry.objects.filter(summary="测试变更").count() == 1


@pytest.mark.django_db(transaction=True)
def test_an_inner_savepoint_rolled_back_drops_only_its_own_task(make_user):
    actor = make_user(Role.CADRE)
    with mock.patch.object(tasks.ping, "delay") as delay:
        with transaction.atomic():
            transaction.on_commit(lambda: tasks.ping.delay())
            with pytest.raises(Boom), transaction.atomic():
                audit_record(actor=actor, action=AuditEntry.Action.UPDATE, summary="内层")
                transaction.on_commit(lambda: tasks.ping.delay())
                raise Boom
        assert delay.call_count == 1
        assert not AuditEntry.objects.filter(summary="内层").exists()
