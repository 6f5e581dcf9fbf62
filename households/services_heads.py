"""One head per household: the rule every door holds (issue 15, item 13).

A household in the roster (status "在册") whose members include anyone still living there has
exactly one of them as its head (户主); one with no member present (a new household, or one whose
last member moved away) needs none. The member services (households.services_edit) apply it to
the state a change would leave, before writing; the roster import applies it to the state the
whole file leaves, after writing inside its transaction, and refuses the file with row errors.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count, Q

from .models import Household, Resident

NO_HEAD = "no_head"
TWO_HEADS = "two_heads"

_PRESENT = Q(residents__status=Resident.Status.PRESENT)
_HEADS = Q(residents__status=Resident.Status.PRESENT, residents__is_head=True)


def head_rule_breach(*, heads: int, present: int) -> str:
    """The rule on counts of present heads and present members: "" when it holds, else
    NO_HEAD or TWO_HEADS (the callers word the refusal for their door)."""
    if heads > 1:
        return TWO_HEADS
    if heads == 0 and present > 0:
        return NO_HEAD
    return ""


def head_counts(household_id: int) -> tuple[int, int]:
    """(present heads, present members) of one household now."""
    counts = Resident.objects.filter(household_id=household_id).aggregate(
        heads=Count("pk", filter=Q(status=Resident.Status.PRESENT, is_head=True)),
        present=Count("pk", filter=Q(status=Resident.Status.PRESENT)),
    )
    return counts["heads"], counts["present"]


def households_breaking_head_rule(
    *, township_id: int, only: Iterable[int] | None = None
) -> dict[int, tuple[str, int, int]]:
    """The township's households in the roster that break the rule now (within the caller's
    transaction): {household id: (breach, heads, present)}. One grouped query."""
    households = Household.objects.filter(township_id=township_id, status=Household.Status.ACTIVE)
    if only is not None:
        households = households.filter(pk__in=list(only))
    rows = (
        households.annotate(
            heads=Count("residents", filter=_HEADS), present=Count("residents", filter=_PRESENT)
        )
        .filter(Q(heads__gt=1) | Q(heads=0, present__gt=0))
        .values_list("pk", "heads", "present")
    )
    return {
        pk: (head_rule_breach(heads=heads, present=present), heads, present)
        for pk, heads, present in rows
    }
