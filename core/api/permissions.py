"""DRF permission classes that ask an app's access policy (`<app>/access.py`).

They hold no rules of their own: each wraps a policy predicate, so the UI and the API answer
the same question the same way. Scoping (which rows) stays in the viewsets' get_queryset(),
which call the policy's `*_visible_to(user)`; a row outside the scope is a 404.
"""

from __future__ import annotations

from collections.abc import Callable

from rest_framework.permissions import SAFE_METHODS, BasePermission


def policy_permission(
    predicate: Callable, *, unsafe_only: bool = False, message: str | None = None
) -> type[BasePermission]:
    """A permission class that allows a request when `predicate(user)` is true.

    unsafe_only: reads pass (their scope is the queryset's); only writes ask the predicate."""

    class PolicyPermission(BasePermission):
        def has_permission(self, request, view):
            if unsafe_only and request.method in SAFE_METHODS:
                return True
            return bool(predicate(request.user))

    PolicyPermission.__name__ = f"Policy_{predicate.__name__}"
    if message:
        PolicyPermission.message = message
    return PolicyPermission


def object_policy_permission(
    predicate: Callable, *, message: str | None = None
) -> type[BasePermission]:
    """A permission class for writes on one object: `predicate(user, obj)` (reads pass)."""

    class ObjectPolicyPermission(BasePermission):
        def has_object_permission(self, request, view, obj):
            if request.method in SAFE_METHODS:
                return True
            return bool(predicate(request.user, obj))

    ObjectPolicyPermission.__name__ = f"ObjectPolicy_{predicate.__name__}"
    if message:
        ObjectPolicyPermission.message = message
    return ObjectPolicyPermission
