"""The archive rule, reopen counting, deadlines from level and urgency, the working-day
calendar, repeat demands and the rates."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from issues import deadlines
from issues.models import CalendarDay, Issue, IssueAlert, IssueSettings, Status
from issues.selectors import headline_figures
from issues.transitions import TransitionNotAllowed
from issues.workflow import issue_transition, six_haves

TZ = ZoneInfo("Asia/Shanghai")


def test_archive_needs_the_six_haves(world, new_issue, advance):
    issue = advance(new_issue(), "rated")
    Issue.objects.filter(pk=issue.pk).update(reply_text="")  # a reply that lost its content
    with pytest.raises(TransitionNotAllowed, match="有反馈"):
        issue_transition(issue=issue, action="archive", actor=world.users["staff"])

    Issue.objects.filter(pk=issue.pk).update(reply_text="已电话告知")
    issue = issue_transition(issue=issue, action="archive", actor=world.users["staff"]).issue

    assert issue.status == Status.ARCHIVED
    assert all(h.done for h in six_haves(issue))


def test_unsatisfied_reopens_and_the_count_is_kept(world, new_issue, advance):
    issue = advance(new_issue(), "replied")
    issue = issue_transition(
        issue=issue, action="rate", actor=world.users["cadre"],
        satisfaction="unsatisfied", comment="路灯还是不亮",
    ).issue  # fmt: skip
    assert issue.status == Status.IN_PROGRESS
    assert issue.reopen_count == 1
    assert list(issue.events.values_list("action", flat=True))[-2:] == ["rate", "reopen"]
    # the second round
    issue = issue_transition(
        issue=issue, action="resolve", actor=world.users["village"], result="换了灯泡"
    ).issue
    issue = issue_transition(
        issue=issue,
        action="reply",
        actor=world.users["cadre"],
        channel="visit",
        reply_text="已上门",
    ).issue
    issue = issue_transition(
        issue=issue, action="rate", actor=world.users["cadre"], satisfaction="satisfied"
    ).issue
    assert (issue.status, issue.reopen_count) == (Status.RATED, 1)


def test_unsatisfied_without_a_comment_is_a_field_error(world, new_issue, advance):
    from django.core.exceptions import ValidationError

    issue = advance(new_issue(), "replied")
    with pytest.raises(ValidationError) as exc:
        issue_transition(
            issue=issue, action="rate", actor=world.users["cadre"], satisfaction="unsatisfied"
        )
    assert "comment" in exc.value.message_dict


def test_sent_back_more_than_the_cap_alerts_the_committee_head(
    world, new_issue, advance, django_capture_on_commit_callbacks
):
    IssueSettings.objects.update(reopen_cap=1)
    issue = advance(new_issue(), "replied")
    for round_ in range(2):
        if round_ == 1:
            assert not IssueAlert.objects.filter(kind="reopen_cap").exists()
        with django_capture_on_commit_callbacks(execute=True):
            issue = issue_transition(
                issue=issue, action="rate", actor=world.users["cadre"],
                satisfaction="unsatisfied", comment=f"第{round_ + 1}次不满意",
            ).issue  # fmt: skip
        issue = issue_transition(
            issue=issue, action="resolve", actor=world.users["village"], result="再处理"
        ).issue
        issue = issue_transition(
            issue=issue,
            action="reply",
            actor=world.users["cadre"],
            channel="phone",
            reply_text="告知",
        ).issue
    assert issue.reopen_count == 2
    head = world.users["staff"]
    assert IssueAlert.objects.filter(recipient=head, issue=issue, kind="reopen_cap").count() == 1


def test_working_days_skip_holidays_and_count_make_up_days(db):
    # 2026-09-30 (Wed) + 3 working days: Oct 1–7 are holidays, Oct 8 (Thu), Oct 9 (Fri),
    # Oct 10 (Sat, make-up working day) — all seeded by the data migration.
    for n in range(1, 8):  # as seeded by the data migration (kept if a flush removed them)
        CalendarDay.objects.get_or_create(date=dt.date(2026, 10, n), defaults={"kind": "holiday"})
    CalendarDay.objects.get_or_create(date=dt.date(2026, 10, 10), defaults={"kind": "workday"})
    start = dt.datetime(2026, 9, 30, 10, 0, tzinfo=TZ)
    assert deadlines.add_working_days(start, 3) == dt.datetime(2026, 10, 10, 10, 0, tzinfo=TZ)
    CalendarDay.objects.filter(date=dt.date(2026, 10, 10)).delete()
    assert deadlines.add_working_days(start, 3) == dt.datetime(2026, 10, 12, 10, 0, tzinfo=TZ)


@pytest.mark.parametrize(
    ("level", "urgency", "expected"),
    [
        ("village", "normal", dt.datetime(2026, 3, 5, 9, 0, tzinfo=TZ)),  # Mon + 3 working days
        ("township", "normal", dt.datetime(2026, 3, 11, 9, 0, tzinfo=TZ)),
        ("district", "normal", dt.datetime(2026, 3, 23, 9, 0, tzinfo=TZ)),
        ("village", "urgent", dt.datetime(2026, 3, 3, 9, 0, tzinfo=TZ)),  # 24 hours
    ],
)
def test_deadline_follows_level_and_urgency(world, new_issue, level, urgency, expected):
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=TZ), tick=False):
        issue = new_issue(urgency=urgency)
        data = {"committee": world.committee.pk, "level": level}
        if level == "district":
            data["department"] = world.department.pk
        issue = issue_transition(
            issue=issue, action="triage", actor=world.users["staff"], **data
        ).issue
    assert issue.due_at == expected
    hours = 2 if urgency == "urgent" else 24
    assert issue.contact_due_at == dt.datetime(2026, 3, 2, 9, 0, tzinfo=TZ) + dt.timedelta(
        hours=hours
    )


def test_repeat_demand_is_marked(world, new_issue, advance):
    advance(new_issue(), "triaged")
    second = advance(new_issue("路灯又坏了"), "triaged")
    assert second.is_repeat


def test_headline_rates_follow_design(world, new_issue, advance, django_assert_num_queries):
    satisfied = advance(new_issue(), "archived")
    explained = advance(new_issue("咨询政策"), "in_progress")
    issue_transition(
        issue=explained, action="explain", actor=world.users["village"], explanation="已说明"
    )
    overdue = advance(new_issue("积水"), "triaged")
    # overdue at read time: past its deadline (the scan's flag is not read)
    Issue.objects.filter(pk=overdue.pk).update(due_at=overdue.reported_at - dt.timedelta(hours=1))
    advance(new_issue("路面破损"), "replied")  # resolved but not yet confirmed: not counted
    new_issue("新诉求")

    with django_assert_num_queries(1):
        figures = headline_figures(township_id=world.township.pk)

    assert figures["issues_total"] == 5
    assert figures["issues_open"] == 2
    assert figures["issues_overdue"] == 1
    assert figures["resolution_rate"] == pytest.approx(100 / 3, abs=0.1)  # 1 / (1 + 1 + 1)
    assert figures["satisfaction_rate"] == 100.0
    assert satisfied.status == Status.ARCHIVED


def test_headline_query_count_does_not_grow(world, new_issue, django_assert_num_queries):
    for n in range(15):
        new_issue(f"诉求{n}")
    with django_assert_num_queries(1):
        headline_figures(township_id=None)
