"""The resident's side of the loop without an account: the tracking number (查询号) sent by SMS
after a self-report, the public status page found with that number and the phone's last four
digits, and the resident's own rating once the reply is given.

The status page shows only the stage, the committee, the dates and the reply text: never the
description, names, phone numbers or the household. Lookups are rate-limited per address like
the self-report (issues/self_report.py); a wrong number and a wrong phone get the same answer.
The rating goes through `issue_transition` (action "rate", `system=True`, `by="resident"`):
once per reply, 不满意 reopens the issue as a cadre's callback would; the cadre's callback stays
the way for residents who have no phone.
"""

from __future__ import annotations

import hmac

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from core.delivery import deliveries_create, deliveries_send
from core.models import Delivery
from core.notifications import Message, backend_named

from .codes import normalise_tracking_code
from .models import Issue, Status
from .self_report import hit, peek
from .workflow import issue_transition

LOOKUPS_PER_IP = (20, 60 * 60)  # twenty look-ups an hour from one address
FAILURES_PER_CODE = (10, 24 * 60 * 60)  # ten wrong phone digits a day for one number

# The stage a resident reads (the loop's statuses, in words for the public).
STAGES = {
    Status.REPORTED: _("已受理，等待分派"),
    Status.TRIAGED: _("已分派，等待办理"),
    Status.IN_PROGRESS: _("正在办理"),
    Status.RESOLVED: _("已办结，等待答复"),
    Status.EXPLAINED: _("已办结，等待答复"),
    Status.REPLIED: _("已答复，请您评价"),
    Status.RATED: _("已评价"),
    Status.ARCHIVED: _("已办结归档"),
    Status.MERGED: _("已与同类诉求合并办理"),
}


def _last4(phone: str) -> str:
    digits = "".join(ch for ch in phone or "" if ch.isdigit())
    return digits[-4:] if len(digits) >= 4 else ""


def lookup_limited(ip: str) -> bool:
    return hit(f"issues:track:ip:{ip}", *LOOKUPS_PER_IP)


def tracking_find(code: str, last4: str) -> Issue | None:
    """The issue with that number whose phone ends in `last4`; None for anything else (a wrong
    or malformed number, a wrong phone, too many wrong phones for this number)."""
    code = normalise_tracking_code(code)
    typed = "".join(ch for ch in last4 or "" if ch.isdigit())
    if not code or len(typed) != 4:
        return None
    fail_key = f"issues:track:fail:{code}"
    if peek(fail_key) >= FAILURES_PER_CODE[0]:
        return None  # locked after too many wrong phones, even for the right one
    issue = Issue.objects.select_related("committee").filter(tracking_code=code).first()
    expected = _last4(issue.reporter_phone) if issue else ""
    if not expected or not hmac.compare_digest(expected, typed):
        hit(fail_key, *FAILURES_PER_CODE)
        return None
    return issue


def public_status(issue: Issue) -> dict:
    """What the status page may show. A merged duplicate shows the issue it was merged into."""
    shown = issue.merged_into if issue.merged_into_id else issue
    return {
        "code": issue.tracking_code,
        "stage": STAGES.get(shown.status, shown.get_status_display()),
        "status": shown.status,
        "committee": shown.committee.name if shown.committee_id else "",
        "reported_at": issue.reported_at,
        "closed_at": shown.closed_at,
        "replied_at": shown.replied_at if shown.reply_text else None,
        "reply_text": shown.reply_text if shown.status in REPLIED_STAGES else "",
        "satisfaction": shown.get_satisfaction_display() if shown.satisfaction else "",
        "rated_at": shown.rated_at,
        "may_rate": issue.status == Status.REPLIED,
    }


REPLIED_STAGES = (Status.REPLIED, Status.RATED, Status.ARCHIVED)


def resident_rate(issue: Issue, *, satisfaction: str, comment: str = ""):
    """The resident's own rating, once per reply: TransitionNotAllowed when the issue is not
    waiting for one (already rated, by the resident or a cadre's callback)."""
    return issue_transition(
        issue=issue, action="rate", actor=None, system=True,
        satisfaction=satisfaction, comment=comment, by="resident",
    )  # fmt: skip


# --- The SMS with the number -------------------------------------------------------------------
def sms_text(issue: Issue) -> str:
    return str(
        _("您反映的问题已受理，查询号 %(code)s。凭查询号和手机号后四位可查看办理进度并评价。")
        % {"code": issue.tracking_code}
    )


def tracking_sms_send(issue_id: int) -> str:
    """One Delivery row on the SMS channel only (never the group webhook: the number and the
    phone are the resident's), sent at once; idempotent by key. '' when SMS is not configured."""
    issue = Issue.objects.filter(pk=issue_id).first()
    sms = backend_named("sms")
    if issue is None or sms is None or not issue.reporter_phone:
        return ""
    message = Message(user_id=None, title=sms_text(issue), body="", phone=issue.reporter_phone)
    source = f"tracking:{issue.pk}"
    with transaction.atomic():
        pks = deliveries_create([(source, message)], batch=source, channels={sms.name})
    deliveries_send(pks)
    return Delivery.objects.filter(pk__in=pks).values_list("state", flat=True).first() or ""
