"""Exactly-once sync of visits captured offline (issue 18): the client UUID is an idempotency key.

Runs in both CI passes (SQLite and PostgreSQL). The losing side of a race (nothing committed when
it looked, the key taken when it inserts) is provoked in one thread on both databases; real
threads are PostgreSQL only (marker), because the test database of SQLite is the shared in-memory
one, whose table locks fail at once instead of waiting. Two concurrent sends through the live
server on a file SQLite database are in tests/e2e/test_offline_diary.py."""

import datetime as dt
import threading
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections
from django.utils import timezone
from rest_framework.test import APIClient

from core.models import AuditEntry
from liaison import services as liaison_services
from tests.samples import PNG
from visits import sync
from visits.models import OfflineReceipt, Visit

URL = "/api/v1/visits/"


def payload(household, **kw) -> dict:
    data = {
        "client_uuid": str(uuid.uuid4()),
        "household": household.pk,
        "visited_on": timezone.localdate().isoformat(),
        "kind": "contact_day",
        "notes": "离线记录：老人身体尚好",
        "captured_at": (timezone.now() - dt.timedelta(hours=3)).isoformat(),
    }
    data.update(kw)
    return data


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def issues_of(visit):
    return list(visit.issues.all())


def test_the_same_record_sent_twice_is_stored_once_and_answered_alike(group):
    household = group["households"]["a"][0]
    client = api(group["a"].user)
    data = payload(household)

    first = client.post(URL, data, format="json")
    second = client.post(URL, data, format="json")

    assert first.status_code == 201, first.json()
    assert second.status_code == 200, second.json()
    assert first.json()["id"] == second.json()["id"]
    assert first.json()["sync"]["received_at"] == second.json()["sync"]["received_at"]
    assert first.json()["sync"]["created"] is True and second.json()["sync"]["created"] is False
    assert Visit.objects.count() == 1
    receipt = OfflineReceipt.objects.get()
    assert str(receipt.key) == data["client_uuid"] and receipt.visit_id == first.json()["id"]
    creates = AuditEntry.objects.filter(object_type="visits.visit", action=AuditEntry.Action.CREATE)
    assert creates.count() == 1


def test_a_raised_demand_is_stored_once_with_its_own_key(group):
    household = group["households"]["a"][0]
    client = api(group["a"].user)
    issue_key = str(uuid.uuid4())
    data = payload(
        household, issue_description="村道路灯坏了三盏，晚上出行不便", issue_client_uuid=issue_key
    )

    first = client.post(URL, data, format="json").json()
    again = client.post(URL, data, format="json").json()

    visit = Visit.objects.get()
    (issue,) = issues_of(visit)
    assert issue.description == "村道路灯坏了三盏，晚上出行不便"
    assert first["sync"]["issue"] == again["sync"]["issue"] == issue.pk
    assert first["sync"]["issue_client_uuid"] == issue_key
    # The demand's key answers for the same record even if the phone lost the visit's key.
    third = client.post(URL, dict(data, client_uuid=str(uuid.uuid4())), format="json")
    assert third.status_code == 400 and "client_uuid" in third.json()
    assert Visit.objects.count() == 1 and len(issues_of(visit)) == 1


def test_photos_arrive_once_with_their_visit(group, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    household = group["households"]["a"][0]
    client = api(group["a"].user)
    data = payload(household, tags=["elderly"])

    def send():
        photo = SimpleUploadedFile("photo.png", PNG, "image/png")
        return client.post(URL, {**data, "photos": [photo]}, format="multipart")

    assert send().status_code == 201
    replay = send()
    assert replay.status_code == 200 and replay.json()["sync"]["photos"] == 1
    visit = Visit.objects.get()
    assert visit.photos.count() == 1 and visit.tag_list == ["elderly"]


def test_when_it_happened_and_when_it_arrived_are_both_kept(group):
    household = group["households"]["a"][0]
    group["a"].pairings.update(start_date=dt.date(2024, 1, 1))  # paired before the visit
    happened = timezone.localdate() - dt.timedelta(days=2)
    captured = timezone.now() - dt.timedelta(days=2, hours=1)
    data = payload(household, visited_on=happened.isoformat(), captured_at=captured.isoformat())

    body = api(group["a"].user).post(URL, data, format="json").json()

    receipt = OfflineReceipt.objects.get()
    assert receipt.visit.visited_on == happened
    assert abs((receipt.captured_at - captured).total_seconds()) < 1
    assert timezone.now() - receipt.received_at < dt.timedelta(minutes=1)
    assert body["sync"]["received_at"] == receipt.received_at.isoformat()
    # A phone whose clock runs ahead cannot date a capture after its arrival.
    ahead = payload(household, captured_at=(timezone.now() + dt.timedelta(days=1)).isoformat())
    api(group["a"].user).post(URL, ahead, format="json")
    late = OfflineReceipt.objects.get(key=ahead["client_uuid"])
    assert late.captured_at <= late.received_at


def test_a_refused_record_stores_nothing_and_says_why_so_it_can_be_fixed_and_resent(group):
    a, b = group["a"], group["b"]
    household = group["households"]["a"][0]
    client = api(a.user)
    future = payload(
        household, visited_on=(timezone.localdate() + dt.timedelta(days=1)).isoformat()
    )

    refused = client.post(URL, future, format="json")

    assert refused.status_code == 400
    assert "走访日期不能晚于今天" in str(refused.json())
    assert not OfflineReceipt.objects.exists() and not Visit.objects.exists()
    fixed = client.post(URL, dict(future, visited_on=timezone.localdate().isoformat()))
    assert fixed.status_code == 201  # the same key, now accepted: nothing was kept of the refusal

    liaison_services.pairing_assign(actor=b.user, cadre=b, household_ids=[household.pk])
    ended = client.post(URL, payload(household), format="json")
    assert ended.status_code == 403
    assert "结对" in ended.json()["detail"]
    assert OfflineReceipt.objects.count() == 1


def test_another_users_key_is_refused_without_showing_their_visit(group):
    data = payload(group["households"]["a"][0])
    assert api(group["a"].user).post(URL, data, format="json").status_code == 201
    theirs = payload(group["households"]["b"][0], client_uuid=data["client_uuid"])

    response = api(group["b"].user).post(URL, theirs, format="json")

    assert response.status_code == 400
    assert "id" not in response.json() and "notes" not in str(response.json())
    assert Visit.objects.count() == 1


def test_without_a_key_the_api_creates_as_before(group):
    data = payload(group["households"]["a"][0])
    del data["client_uuid"]
    client = api(group["a"].user)
    assert client.post(URL, data, format="json").status_code == 201
    assert client.post(URL, data, format="json").status_code == 201
    assert Visit.objects.count() == 2 and not OfflineReceipt.objects.exists()


def _send_concurrently(user, data, n=2) -> list[int]:
    """n threads send the same record at the same moment (each on its own connection)."""
    barrier = threading.Barrier(n)
    statuses: list[int] = []

    def send():
        try:
            barrier.wait(timeout=30)
            statuses.append(api(user).post(URL, data, format="json").status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return statuses


def test_a_send_that_loses_the_race_answers_with_the_winners_visit(group, monkeypatch):
    """The second send looked before the first committed (it saw no key), then its insert hits
    the unique key: it rolls back what it began and answers 200 with the first send's visit."""
    household = group["households"]["a"][0]
    data = payload(household, issue_description="井盖松动", issue_client_uuid=str(uuid.uuid4()))
    client = api(group["a"].user)
    assert client.post(URL, data, format="json").status_code == 201
    real_stored = sync._stored
    looks = []

    def stale_first_look(**kwargs):
        looks.append(kwargs["key"])
        return None if len(looks) == 1 else real_stored(**kwargs)

    monkeypatch.setattr(sync, "_stored", stale_first_look)
    again = client.post(URL, data, format="json")

    assert len(looks) == 2  # the look before, then the look after the IntegrityError
    assert again.status_code == 200 and again.json()["sync"]["created"] is False
    assert Visit.objects.count() == 1 and OfflineReceipt.objects.count() == 1
    assert len(issues_of(Visit.objects.get())) == 1
    assert AuditEntry.objects.filter(object_type="visits.visit").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_sends_of_one_record_store_one_visit(group):
    household = group["households"]["a"][0]
    data = payload(household, issue_description="井盖松动", issue_client_uuid=str(uuid.uuid4()))

    statuses = _send_concurrently(group["a"].user, data)

    assert sorted(statuses) == [200, 201]
    assert Visit.objects.count() == 1 and OfflineReceipt.objects.count() == 1
    assert len(issues_of(Visit.objects.get())) == 1


def _waiting_on_a_lock(pid_of_holder: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
            "AND pid <> %s AND datname = current_database()",
            [pid_of_holder],
        )
        return cursor.fetchone()[0] > 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_send_waiting_on_an_uncommitted_first_send_answers_with_its_visit(group, monkeypatch):
    """The first send is held inside its transaction (after its key is inserted); the second,
    same key, finds nothing committed, blocks on the unique index, and once the first commits it
    answers 200 with the first's visit instead of storing a second."""
    household = group["households"]["a"][0]
    data = payload(household)
    inside, release = threading.Event(), threading.Event()
    holder_pid: list[int] = []
    real_visit_log = sync.visit_log

    def held_visit_log(**kwargs):
        if not inside.is_set():
            holder_pid.append(connection.connection.info.backend_pid)
            inside.set()
            assert release.wait(timeout=60)
        return real_visit_log(**kwargs)

    monkeypatch.setattr(sync, "visit_log", held_visit_log)
    results: dict[str, int] = {}

    def send(name):
        try:
            results[name] = api(group["a"].user).post(URL, data, format="json").status_code
        finally:
            connections.close_all()

    first = threading.Thread(target=send, args=("first",))
    first.start()
    assert inside.wait(timeout=60)
    second = threading.Thread(target=send, args=("second",))
    second.start()
    for _ in range(600):  # until the second send waits on the first's row lock (not a sleep:
        if _waiting_on_a_lock(holder_pid[0]):  # polls the server's state)
            break
        threading.Event().wait(0.05)
    else:
        pytest.fail("the second send never waited on the first's key")
    release.set()
    first.join(timeout=60)
    second.join(timeout=60)

    assert results == {"first": 201, "second": 200}
    assert Visit.objects.count() == 1
