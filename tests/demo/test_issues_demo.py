"""The demo seed: issues in every state whose figures look like the seeds' township."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dashboard.access import DashboardScope
from dashboard.cube import issue_cube
from dashboard.models import IssueMonthChoiceStat, IssueMonthStat
from dashboard.periods import year_period
from dashboard.selectors import issue_figures
from demo.seed import seed_demo
from issues.models import Issue, IssueEvent, Status
from issues.selectors import headline_figures
from liaison.models import Township


def test_demo_issues_span_every_state_and_hit_the_seed_figures(db):
    seed_demo(households=1500, seed=7)
    township = Township.objects.get()
    statuses = set(Issue.objects.values_list("status", flat=True))
    assert statuses == set(Status.values)
    assert IssueEvent.objects.filter(action="report").count() == Issue.objects.count() >= 250
    figures = headline_figures(township_id=township.pk)
    assert 60 <= figures["resolution_rate"] <= 80
    assert 78 <= figures["satisfaction_rate"] <= 92
    # every archived issue carries a reply and a confirmed callback by someone other than the handler
    archived = Issue.objects.filter(status=Status.ARCHIVED)
    assert not archived.filter(reply_text="").exists()
    assert not archived.exclude(satisfaction__in=["satisfied", "basic"]).exists()
    assert not [i for i in archived if i.rated_by_id == i.closed_by_id]


def test_the_demo_reads_the_working_day_calendar_once(db):
    """Deadlines come from issues.deadlines (no second formula) with the calendar read once for
    the whole history, not a query per issue."""
    with CaptureQueriesContext(connection) as queries:
        seed_demo(households=600, seed=3)
    calendar_reads = [q for q in queries if 'FROM "issues_calendarday"' in q["sql"]]
    # one for the deadlines of the whole history, one for the four months' contact days
    assert len(calendar_reads) == 2
    triaged = Issue.objects.exclude(status__in=[Status.REPORTED, Status.MERGED])
    assert not triaged.filter(due_at__isnull=True).exists()


def test_the_demo_leaves_a_rollup_that_equals_the_issues(db):
    """The seeder bulk-loads its issues (no delta rows), then rebuilds the township's roll-up:
    the leader's dashboard is served from it and equals a live count."""
    seed_demo(households=600, seed=3)
    township = Township.objects.get()
    today = timezone.localdate()
    scope = DashboardScope(kind="township", township_id=township.pk)
    period = year_period(today.year)
    assert issue_cube(scope, period).rolled
    shown = {k: v for k, v in issue_figures(scope, period).items() if k != "cube"}
    IssueMonthStat.objects.all().delete()
    IssueMonthChoiceStat.objects.all().delete()
    live = {k: v for k, v in issue_figures(scope, period).items() if k != "cube"}
    assert shown == live
