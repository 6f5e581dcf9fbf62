"""The import pages: upload -> preview with errors -> fixed upload -> confirm -> done."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core.models import AuditEntry
from households.models import Household, RosterImport
from liaison.roles import Role
from tests.households.workbooks import make_workbook

pytestmark = pytest.mark.django_db


def _upload(client, data: bytes, name="roster.xlsx"):
    return client.post(
        reverse("households:import"), {"file": SimpleUploadedFile(name, data)}, follow=True
    )


@pytest.fixture
def admin_client(client, make_user, township):
    client.force_login(make_user(Role.ADMIN, township=township, workgroup=None))
    return client


def test_preview_with_errors_then_fixed_file_then_confirm(
    admin_client, roster_rows, django_capture_on_commit_callbacks
):
    bad_rows = {**roster_rows, "members": [dict(r) for r in roster_rows["members"]]}
    bad_rows["members"][2]["身份证号"] = "110105194912310021"

    response = _upload(admin_client, make_workbook(**bad_rows))
    page = response.content.decode()
    assert response.context["imp"].status == RosterImport.Status.INVALID
    assert "校验位" in page and 'data-testid="errors"' in page
    assert Household.objects.count() == 0

    response = _upload(admin_client, make_workbook(**roster_rows))
    imp = response.context["imp"]
    assert imp.status == RosterImport.Status.PREVIEWED
    assert Household.objects.count() == 0
    assert {s["sheet"]: s["new"] for s in response.context["sheets"]}["户"] == 5

    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(reverse("households:import-confirm", args=[imp.pk]))
    response = admin_client.get(reverse("households:import-detail", args=[imp.pk]))
    imp.refresh_from_db()
    assert imp.status == RosterImport.Status.DONE
    assert Household.objects.count() == 5
    assert 'data-testid="done"' in response.content.decode()
    assert AuditEntry.objects.filter(action=AuditEntry.Action.IMPORT).count() == 1

    # Confirming twice does not import twice.
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(reverse("households:import-confirm", args=[imp.pk]))
    assert AuditEntry.objects.filter(action=AuditEntry.Action.IMPORT).count() == 1

    progress = admin_client.get(reverse("households:import-progress", args=[imp.pk]))
    assert progress["HX-Refresh"] == "true"


def test_not_an_xlsx_and_wrong_extension(admin_client):
    response = _upload(admin_client, b"\xd0\xcf\x11\xe0 old xls", name="roster.xlsx")
    assert response.context["imp"].status == RosterImport.Status.INVALID
    assert "另存为" in response.content.decode()

    response = _upload(admin_client, b"a,b", name="roster.csv")
    assert response.status_code == 200
    assert ".xlsx" in str(response.context["form"].errors["file"])


def test_oversized_upload_is_refused_by_the_form(admin_client, settings):
    settings.ROSTER_IMPORT_MAX_BYTES = 100
    response = _upload(admin_client, b"PK" + b"0" * 500)
    assert "文件过大" in str(response.context["form"].errors["file"])
    assert RosterImport.objects.count() == 0


def test_large_workbook_goes_through_celery_with_progress(
    admin_client, roster_rows, monkeypatch, django_capture_on_commit_callbacks
):
    from households.roster import service

    monkeypatch.setattr(service, "INLINE_MAX_BYTES", 10)  # every upload counts as large
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = _upload(admin_client, make_workbook(**roster_rows))
    imp = response.context["imp"]
    assert imp.status == RosterImport.Status.PREVIEWING
    progress = admin_client.get(reverse("households:import-progress", args=[imp.pk]))
    assert "hx-trigger" in progress.content.decode() and not progress.has_header("HX-Refresh")
    for callback in callbacks:  # the task enqueued on commit (eager Celery runs it here)
        callback()
    imp.refresh_from_db()
    assert imp.status == RosterImport.Status.PREVIEWED
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(reverse("households:import-confirm", args=[imp.pk]))
    imp.refresh_from_db()
    assert imp.status == RosterImport.Status.DONE and imp.progress == 100


def test_only_admins_import_and_other_townships_imports_are_404(
    client, make_user, township, roster_rows
):
    cadre = make_user(Role.CADRE, township=township)
    client.force_login(cadre)
    assert client.get(reverse("households:import")).status_code == 403
    other_admin = make_user(Role.ADMIN)  # another township
    client.force_login(other_admin)
    mine = RosterImport.objects.create(township=township, file_name="x.xlsx", file_sha256="0" * 64)
    assert client.get(reverse("households:import-detail", args=[mine.pk])).status_code == 404


def test_template_download(admin_client):
    response = admin_client.get(reverse("households:import-template"))
    assert response.status_code == 200
    assert response.content[:2] == b"PK"
