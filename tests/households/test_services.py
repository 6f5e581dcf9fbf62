"""Household services outside the import: soft status, failure handling, the worker path."""

import datetime as dt
import os

import pytest

from core.models import AuditEntry
from households.models import Resident, RosterImport
from households.roster import service
from households.services import resident_mark_status
from liaison.roles import Role
from tests.factories import ResidentFactory
from tests.households.workbooks import make_workbook

pytestmark = pytest.mark.django_db


def test_resident_moving_away_is_marked_not_deleted(make_user):
    resident = ResidentFactory()
    actor = make_user(Role.ADMIN)

    resident_mark_status(
        resident=resident, status=Resident.Status.DECEASED, on_date=dt.date(2026, 5, 1), actor=actor
    )

    resident.refresh_from_db()
    assert (resident.status, resident.status_date) == ("deceased", dt.date(2026, 5, 1))
    assert AuditEntry.objects.filter(action=AuditEntry.Action.SOFT_DELETE).count() == 1


def test_unexpected_failure_marks_the_import_failed(township, roster_rows, monkeypatch):
    roster_import = service.roster_upload_create(
        data=make_workbook(**roster_rows), file_name="r.xlsx", township=township, actor=None
    )

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(service, "run_roster", boom)
    with pytest.raises(RuntimeError):
        service.roster_commit(roster_import=roster_import)
    roster_import.refresh_from_db()
    assert roster_import.status == RosterImport.Status.FAILED


def test_commit_task_ignores_an_import_that_is_not_queued(township, roster_rows, monkeypatch):
    from households.tasks import roster_commit_task

    roster_import = service.roster_upload_create(
        data=make_workbook(**roster_rows), file_name="r.xlsx", township=township, actor=None
    )
    calls = []
    monkeypatch.setattr(service, "run_roster", lambda **kw: calls.append(kw))

    roster_commit_task.delay(roster_import.pk)  # still previewing: never previewed, not queued
    roster_commit_task.delay(999_999)  # gone

    assert calls == []
    roster_import.refresh_from_db()
    assert roster_import.status == RosterImport.Status.PREVIEWING


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_real_worker_previews_and_imports(celery_worker_process, township, roster_rows):
    from households.models import Household

    roster_import = service.roster_upload_create(
        data=make_workbook(**roster_rows), file_name="r.xlsx", township=township, actor=None
    )
    service.roster_queue(roster_import=roster_import, dry_run=True)
    _wait_for(roster_import, RosterImport.Status.PREVIEWED)
    service.roster_queue(roster_import=roster_import, dry_run=False)
    _wait_for(roster_import, RosterImport.Status.DONE)
    assert Household.objects.count() == 5


def _wait_for(roster_import, status, timeout=60):
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        roster_import.refresh_from_db()
        if roster_import.status == status:
            return
        time.sleep(0.2)
    raise AssertionError(f"import stayed {roster_import.status}, expected {status}")


def test_commit_task_runs_a_queued_import(township, roster_rows, monkeypatch):
    from households.tasks import roster_commit_task

    roster_import = service.roster_upload_create(
        data=make_workbook(**roster_rows), file_name="r.xlsx", township=township, actor=None
    )
    RosterImport.objects.filter(pk=roster_import.pk).update(status=RosterImport.Status.QUEUED)

    roster_commit_task.delay(roster_import.pk)

    roster_import.refresh_from_db()
    assert roster_import.status == RosterImport.Status.DONE


def test_uploaded_file_is_kept_only_until_the_import_ends(township, roster_rows):
    roster_import = service.roster_upload_create(
        data=make_workbook(**roster_rows), file_name="r.xlsx", township=township, actor=None
    )
    path = roster_import.file.path

    service.roster_preview(roster_import=roster_import)
    assert roster_import.status == RosterImport.Status.PREVIEWED
    assert os.path.exists(path)

    service.roster_commit(roster_import=roster_import)
    roster_import.refresh_from_db()
    assert roster_import.status == RosterImport.Status.DONE
    assert not roster_import.file and not os.path.exists(path)
    assert roster_import.file_sha256
