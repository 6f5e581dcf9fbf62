"""Every export writes an audit row saying where it came from (issue #12, finding 9): the client
IP for each web door, the operating-system account for the command line (which has no IP)."""

import io
import os
import pwd

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.management import call_command
from django.test import RequestFactory
from django.urls import reverse

from core.audit import audit_record
from core.models import AuditEntry
from households.ledger import export_households
from issues.ledger import export_issues
from liaison.roles import Role
from tests.factories import HouseholdFactory, TownshipFactory, VillageFactory
from visits.ledger import export_visits

pytestmark = pytest.mark.django_db

CLIENT_IP = "203.0.113.7"


@pytest.fixture
def township():
    township = TownshipFactory(code="exp", name="导出镇")
    HouseholdFactory(township=township, village=VillageFactory(township=township, name="东村"))
    return township


def _the_export():
    return AuditEntry.objects.get(action=AuditEntry.Action.EXPORT)


@pytest.mark.parametrize(
    "url_name, role",
    [
        ("households:export", Role.ADMIN),
        ("households:export", Role.LEADER),
        ("liaison:dashboard-export", Role.LEADER),
        ("liaison:assessment-export", Role.LEADER),
    ],
)
def test_a_page_export_records_the_client_ip(client, make_user, township, url_name, role):
    # given a user of the township who may export
    user = make_user(role, township=township, workgroup=None)
    client.force_login(user)

    # when they download the workbook from their address
    response = client.get(reverse(url_name), REMOTE_ADDR=CLIENT_IP)

    # then the export's audit row names them and that address
    assert response.status_code == 200
    entry = _the_export()
    assert (entry.actor, entry.ip_address) == (user, CLIENT_IP)
    assert "os_user" not in entry.changes


@pytest.mark.parametrize("path", ["/api/v1/households/", "/api/v1/residents/"])
def test_an_api_list_page_of_personal_data_records_the_client_ip(client, make_user, township, path):
    # given a leader of the township signed in
    leader = make_user(Role.LEADER, township=township, workgroup=None)
    client.force_login(leader)

    # when they read a list page of personal data through the API
    response = client.get(path, REMOTE_ADDR=CLIENT_IP)

    # then that read is audited as an export, with their address
    assert response.status_code == 200
    entry = _the_export()
    assert (entry.actor, entry.ip_address) == (leader, CLIENT_IP)


def test_the_audit_trail_export_in_the_admin_records_the_client_ip(client, admin_user):
    # given an entry to export and an operator signed in to the admin
    seen = audit_record(actor=admin_user, action=AuditEntry.Action.REVEAL, summary="查看")
    client.force_login(admin_user)

    # when the operator exports it from their address
    response = client.post(
        reverse("admin:core_auditentry_changelist"),
        {"action": "export_xlsx", ACTION_CHECKBOX_NAME: [seen.pk]},
        REMOTE_ADDR=CLIENT_IP,
    )

    # then the export's own audit row carries that address
    assert response.status_code == 200
    assert _the_export().ip_address == CLIENT_IP


@pytest.mark.parametrize("export", [export_households, export_visits, export_issues])
def test_every_ledger_records_the_ip_of_the_request_it_serves(make_user, township, export):
    # given a request from a leader of the township
    leader = make_user(Role.LEADER, township=township, workgroup=None)
    request = RequestFactory().get("/", REMOTE_ADDR=CLIENT_IP)
    request.user = leader

    # when a ledger is exported for it
    export(user=leader, target=io.BytesIO(), request=request)

    # then the audit row carries the client IP and the reader's township
    entry = _the_export()
    assert (entry.actor, entry.ip_address, entry.township_id) == (leader, CLIENT_IP, township.pk)


@pytest.mark.parametrize(
    "kind, object_type",
    [
        ("households", "households.household"),
        ("visits", "visits.visit"),
        ("issues", "issues.issue"),
    ],
)
@pytest.mark.parametrize("as_user", [False, True])
def test_a_command_line_export_records_the_os_account_instead_of_an_ip(
    make_user, township, tmp_path, kind, object_type, as_user
):
    # given an operator on the server's shell (optionally exporting in a user's scope)
    account = pwd.getpwuid(os.geteuid()).pw_name
    leader = make_user(Role.LEADER, township=township, workgroup=None)
    options = {"user": leader.username} if as_user else {}

    # when they export a ledger with manage.py export_ledger
    call_command("export_ledger", kind, str(tmp_path / f"{kind}.xlsx"), **options)

    # then the export is audited, with no IP but with the operating-system account
    entry = _the_export()
    assert entry.object_type == object_type
    assert entry.ip_address is None
    assert entry.changes["os_user"] == account
    assert f"系统用户 {account}" in entry.summary
    assert entry.actor == (leader if as_user else None)
