"""安全审计: the audit trail is append-only (model and admin), searchable and exportable by
admins (the export itself audited), and kept at least 183 days."""

from io import BytesIO

import pytest
from django.conf import settings
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse
from openpyxl import load_workbook

from core.audit import audit_record
from core.models import AuditEntry
from liaison.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_user(make_user):
    return make_user(Role.ADMIN, superuser=True)


@pytest.fixture
def entries(admin_user):
    return [
        audit_record(
            actor=admin_user, action=AuditEntry.Action.REVEAL, summary="查看身份证号 张三"
        ),
        audit_record(actor=admin_user, action=AuditEntry.Action.UPDATE, summary="=HYPERLINK(1)"),
    ]


def test_an_entry_can_be_neither_changed_nor_deleted_through_the_model(entries):
    entry = entries[0]
    entry.summary = "篡改"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    entry.refresh_from_db()
    assert entry.summary == "查看身份证号 张三"


def test_the_admin_offers_no_add_change_or_delete(client, admin_user, entries):
    client.force_login(admin_user)
    entry = entries[0]
    assert client.get(reverse("admin:core_auditentry_changelist")).status_code == 200
    assert client.get(reverse("admin:core_auditentry_add")).status_code == 403
    assert client.get(reverse("admin:core_auditentry_delete", args=[entry.pk])).status_code == 403
    # the change page is a read-only view: posting changes nothing
    page = client.get(reverse("admin:core_auditentry_change", args=[entry.pk]))
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    client.post(reverse("admin:core_auditentry_change", args=[entry.pk]), {"summary": "改"})
    entry.refresh_from_db()
    assert entry.summary == "查看身份证号 张三"
    # the bulk delete action is not offered either
    changelist = client.get(reverse("admin:core_auditentry_changelist")).content.decode()
    assert "delete_selected" not in changelist
    assert "export_xlsx" in changelist


def test_admins_search_the_trail(client, admin_user, entries):
    client.force_login(admin_user)
    response = client.get(reverse("admin:core_auditentry_changelist"), {"q": "张三"})
    assert response.context["cl"].result_count == 1


def test_the_export_writes_xlsx_formula_safe_and_is_itself_audited(client, admin_user, entries):
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:core_auditentry_changelist"),
        {"action": "export_xlsx", ACTION_CHECKBOX_NAME: [e.pk for e in entries]},
    )
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    sheet = load_workbook(BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "时间"
    summaries = {r[5] for r in rows[1:]}
    assert summaries == {"查看身份证号 张三", "'=HYPERLINK(1)"}
    export = AuditEntry.objects.get(action=AuditEntry.Action.EXPORT)
    assert export.actor == admin_user
    assert export.changes == {"rows": 2}


def test_a_user_without_the_view_permission_cannot_reach_the_trail(client, make_user, entries):
    cadre = make_user(Role.CADRE)
    cadre.is_staff = True
    cadre.save()
    client.force_login(cadre)
    response = client.get(reverse("admin:core_auditentry_changelist"))
    assert response.status_code == 403


def test_retention_is_at_least_six_months():
    assert settings.AUDIT_RETENTION_DAYS >= 183
