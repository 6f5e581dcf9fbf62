"""A roster import's status and file survive a crash (issue 16): the stale-import sweep fails an
import no live task holds and deletes its workbook; a redelivered task runs an import its dead
worker left "importing"; the first database error is what the log and the page show."""

import contextlib
import datetime as dt

import pytest
from django.db import connection, transaction
from django.utils import timezone

from households.models import Household, RosterImport
from households.roster import service
from households.roster.liveness import roster_sweep_stale
from households.tasks import roster_commit_task
from tests.households.workbooks import make_workbook

pytestmark = pytest.mark.django_db
Status = RosterImport.Status


def upload(township, roster_rows) -> RosterImport:
    return service.roster_upload_create(
        data=make_workbook(**roster_rows), file_name="r.xlsx", township=township, actor=None
    )


def test_an_import_left_running_is_failed_by_the_sweep_and_its_file_deleted(township, roster_rows):
    roster_import = upload(township, roster_rows)
    path = roster_import.file.path
    # given an import a killed worker left "importing" (long enough ago without PostgreSQL locks),
    RosterImport.objects.filter(pk=roster_import.pk).update(
        status=Status.RUNNING, created_at=timezone.now() - dt.timedelta(hours=1)
    )
    fresh = upload(township, roster_rows)
    RosterImport.objects.filter(pk=fresh.pk).update(status=Status.RUNNING)
    # when the sweep runs,
    swept = roster_sweep_stale()
    # then it is failed with a clear message and the workbook (plaintext ID numbers) is gone.
    roster_import.refresh_from_db()
    assert roster_import.status == Status.FAILED
    assert "导入中断" in roster_import.message and not roster_import.file
    assert not roster_import.file.storage.exists(path)
    if connection.vendor == "postgresql":
        assert swept == 2  # no task holds either import's lock
    else:
        assert swept == 1  # without locks: only one older than the tasks' hard limit
        assert RosterImport.objects.get(pk=fresh.pk).status == Status.RUNNING
    assert roster_sweep_stale() == 0


def test_a_redelivered_task_runs_an_import_its_dead_worker_left_running(township, roster_rows):
    roster_import = upload(township, roster_rows)
    RosterImport.objects.filter(pk=roster_import.pk).update(status=Status.RUNNING)
    roster_commit_task.apply(args=[roster_import.pk])
    roster_import.refresh_from_db()
    assert roster_import.status == Status.DONE
    assert Household.objects.filter(township=township).count() == len(roster_rows["households"])
    roster_commit_task.apply(args=[roster_import.pk])  # and again: done, nothing happens
    assert Household.objects.filter(township=township).count() == len(roster_rows["households"])


def test_the_first_database_error_is_logged_and_shown(township, roster_rows, monkeypatch, caplog):
    roster_import = upload(township, roster_rows)

    def failing_import(**kwargs):
        with transaction.atomic(), connection.cursor() as cursor:
            with contextlib.suppress(Exception):  # as a careless caller would
                cursor.execute("SELECT * FROM lianxin_no_such_table")
            raise RuntimeError("current transaction is aborted, commands ignored")

    monkeypatch.setattr(service, "run_roster", failing_import)
    with pytest.raises(RuntimeError):
        service.roster_commit(roster_import=roster_import)
    roster_import.refresh_from_db()
    assert roster_import.status == Status.FAILED
    assert "lianxin_no_such_table" in roster_import.message
    assert "first database error" in caplog.text and "lianxin_no_such_table" in caplog.text
