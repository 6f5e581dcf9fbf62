"""Open311 keys through the admin: the operator adds a client and is shown its key once; only a
hash is stored; rotating a key stops the old one at once; clients are never deleted."""

import re

from django.contrib.messages import get_messages

from core.models import AuditEntry
from liaison.roles import Role
from open311.models import ApiClient

KEY = re.compile(r"：([A-Za-z0-9_-]{43})$")


def _keys(response) -> list[str]:
    found = [KEY.search(str(m)) for m in get_messages(response.wsgi_request)]
    return [m.group(1) for m in found if m]


def _files(client, key) -> int:
    return client.post(
        "/open311/v2/requests.json",
        {"api_key": key, "service_code": "urban_planning", "address_string": "东村",
         "description": "路灯坏了"},
    ).status_code  # fmt: skip


def test_operator_adds_a_client_sees_the_key_once_and_rotates_it(client, o311, make_user):
    operator = make_user(Role.ADMIN, superuser=True)
    client.force_login(operator)
    # when the operator adds the district's hotline in the admin
    response = client.post(
        "/admin/open311/apiclient/add/",
        {"township": o311.township.pk, "name": "区热线二号", "channel": "hotline",
         "is_active": "on"},
    )  # fmt: skip
    assert response.status_code == 302
    [key] = _keys(response)
    added = ApiClient.objects.get(name="区热线二号")
    # then only a hash is stored, and the key files requests
    assert added.key_hash and key not in (added.key_hash, added.key_prefix)
    assert added.key_prefix == key[:8]
    client.logout()
    assert _files(client, key) == 201
    # when the operator rotates it
    client.force_login(operator)
    response = client.post(
        "/admin/open311/apiclient/",
        {"action": "rotate_keys", "_selected_action": [added.pk]},
    )
    [new_key] = _keys(response)
    client.logout()
    # then the old key is refused at once and the new one works
    assert _files(client, key) == 403
    assert _files(client, new_key) == 201
    assert (
        AuditEntry.objects.filter(
            action=AuditEntry.Action.SECURITY,
            object_type="open311.apiclient",
            object_id=str(added.pk),
        ).count()
        == 2
    )


def test_clients_are_disabled_not_deleted(client, o311, make_user):
    client.force_login(make_user(Role.ADMIN, superuser=True))
    response = client.get(f"/admin/open311/apiclient/{o311.hotline.pk}/delete/")
    assert response.status_code == 403
    page = client.get(f"/admin/open311/apiclient/{o311.hotline.pk}/change/").content.decode()
    assert o311.hotline.key_prefix in page and o311.hotline.key_hash not in page
