"""The DRF permission classes only ask the policy: a predicate in, the same answer out."""

from __future__ import annotations

from types import SimpleNamespace

from core.api.permissions import object_policy_permission, policy_permission
from dashboard.api import ReadsDashboard


def _request(method, user):
    return SimpleNamespace(method=method, user=user)


def test_policy_permission_asks_the_predicate():
    allowed = policy_permission(lambda user: user == "ok", message="不行")()
    assert allowed.has_permission(_request("GET", "ok"), None)
    assert not allowed.has_permission(_request("GET", "no"), None)
    assert allowed.message == "不行"


def test_unsafe_only_lets_reads_through():
    writes = policy_permission(lambda user: False, unsafe_only=True)()
    assert writes.has_permission(_request("GET", "x"), None)
    assert not writes.has_permission(_request("POST", "x"), None)


def test_object_policy_permission_checks_writes_on_the_object():
    mine = object_policy_permission(lambda user, obj: obj == user)()
    assert mine.has_object_permission(_request("GET", "a"), None, "b")
    assert mine.has_object_permission(_request("PATCH", "a"), None, "a")
    assert not mine.has_object_permission(_request("PATCH", "a"), None, "b")


def test_dashboard_readers_are_those_with_a_dashboard_scope(world):
    readers = {
        role: ReadsDashboard().has_permission(_request("GET", user), None)
        for role, user in world.users.items()
    }
    assert readers == {
        "admin": True, "leader": True, "staff": True, "grouplead": True,
        "cadre": False, "village": False, "dept": False,
    }  # fmt: skip
