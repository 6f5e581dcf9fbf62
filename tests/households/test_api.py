"""REST API for households and residents: scope, masking, audited reveal, no delete."""

import pytest

from core.models import AuditEntry
from liaison.roles import Role
from tests.factories import (
    HouseholdFactory,
    PairingFactory,
    ResidentFactory,
    valid_id_number,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(township):
    east = township.villages.get(name="东村")
    mine = HouseholdFactory(township=township, village=east, code="E001", phone="13811112222")
    other = HouseholdFactory(township=township, village=east, code="E002")
    ResidentFactory(household=mine, id_number=valid_id_number(5, "19700101"), phone="13700001111")
    ResidentFactory(household=other, id_number=valid_id_number(6, "19700101"))
    return {"mine": mine, "other": other, "east": east}


def _cadre_client(client, make_user, township, household):
    user = make_user(Role.CADRE, township=township, workgroup=household.village.workgroups.get())
    PairingFactory(cadre=user.cadre, household=household)
    client.force_login(user)
    return user


def test_cadre_sees_only_paired_households(client, make_user, township, data):
    _cadre_client(client, make_user, township, data["mine"])

    response = client.get("/api/v1/households/")
    assert [h["code"] for h in response.json()["results"]] == ["E001"]
    assert response.json()["results"][0]["phone"] == "138****2222"
    assert client.get(f"/api/v1/households/{data['other'].pk}/").status_code == 404
    residents = client.get("/api/v1/residents/").json()["results"]
    assert len(residents) == 1 and residents[0]["phone"] == "137****1111"
    assert "id_number_full" not in residents[0]


def test_reveal_gives_full_numbers_and_is_audited(client, make_user, township, data):
    _cadre_client(client, make_user, township, data["mine"])

    residents = client.get("/api/v1/residents/?reveal=1").json()["results"]

    assert residents[0]["id_number_full"] == valid_id_number(5, "19700101")
    assert residents[0]["phone"] == "13700001111"
    assert AuditEntry.objects.filter(action=AuditEntry.Action.REVEAL).count() == 1


def test_leader_reveal_is_ignored(client, make_user, township, data):
    client.force_login(make_user(Role.LEADER, township=township, workgroup=None))

    residents = client.get("/api/v1/residents/?reveal=1").json()["results"]

    assert len(residents) == 2 and all("id_number_full" not in r for r in residents)
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.REVEAL).exists()


def test_filters_on_the_api(client, make_user, township, data):
    client.force_login(make_user(Role.ADMIN, township=township, workgroup=None))
    assert [h["code"] for h in client.get("/api/v1/households/?q=E002").json()["results"]] == [
        "E002"
    ]
    assert (
        client.get("/api/v1/residents/?last4=" + valid_id_number(6, "19700101")[-4:]).json()[
            "count"
        ]
        == 1
    )


def test_no_delete_and_status_is_the_soft_delete(client, make_user, township, data):
    client.force_login(make_user(Role.ADMIN, township=township, workgroup=None))
    url = f"/api/v1/households/{data['mine'].pk}/"

    assert client.delete(url).status_code == 405
    response = client.patch(url, {"status": "moved"}, content_type="application/json")
    assert response.status_code == 200, response.json()
    data["mine"].refresh_from_db()
    assert data["mine"].status == "moved" and data["mine"].status_date is not None
    assert AuditEntry.objects.filter(action=AuditEntry.Action.SOFT_DELETE).count() == 1


def test_api_validation_errors_are_400(client, make_user, township, data):
    client.force_login(make_user(Role.ADMIN, township=township, workgroup=None))
    response = client.post(
        "/api/v1/residents/",
        {"household": data["mine"].pk, "name": "新成员", "id_number": "110105194912310021"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "校验位" in str(response.json())
    response = client.post(
        "/api/v1/residents/",
        {"household": data["mine"].pk, "name": "新成员", "id_number": "11010519491231002X"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.json()


def test_cadre_cannot_create_household(client, make_user, township, data):
    _cadre_client(client, make_user, township, data["mine"])
    response = client.post(
        "/api/v1/households/",
        {"code": "X1", "village": data["east"].pk, "address": "a", "head_name": "b"},
        content_type="application/json",
    )
    assert response.status_code == 403


def test_another_townships_admin_sees_nothing(client, make_user, data):
    client.force_login(make_user(Role.ADMIN))  # the factory gives them their own township
    assert client.get("/api/v1/households/").json()["count"] == 0
    assert client.get(f"/api/v1/households/{data['mine'].pk}/").status_code == 404
