"""The resident's contact on the issue page: the household link when the user may open it, the
phone masked by default, and the full numbers only through the households app's one audited
reveal (`households.services.identity_reveal`: its policy, its audit entry)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from households.access import households_revealable_by, households_visible_to
from households.identity import mask_phone
from households.services import identity_reveal


def contact_context(user, issue) -> dict:
    """For the issue page: may the user open the household, the masked phone, may they reveal."""
    household_id = issue.household_id
    visible = bool(household_id) and households_visible_to(user).filter(pk=household_id).exists()
    revealable = (
        visible and households_revealable_by(user).filter(pk=household_id).exists()
    )  # fmt: skip
    phone = issue.reporter_phone or (issue.household.phone if household_id else "")
    return {
        "household_visible": visible,
        "contact_masked": mask_phone(phone),
        "may_reveal_contact": revealable and bool(phone),
    }


def contact_reveal(user, issue, *, request=None) -> dict:
    """The full numbers (PermissionDenied beyond the policy); one REVEAL audit entry each time.
    An issue without a household has no reveal (there is no household policy to apply)."""
    if not issue.household_id:
        raise PermissionDenied
    revealed = identity_reveal(
        actor=user,
        households=[issue.household],
        request=request,
        purpose=f"诉求 #{issue.pk}",
    )
    household_phone = revealed.household_phones.get(issue.household_id, "")
    return {"reporter_phone": issue.reporter_phone, "household_phone": household_phone}
