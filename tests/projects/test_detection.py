"""A clustering run on the database: the paraphrased demands of the town become ranked clusters
with their villages, committee and trend; old closed and merged issues stay out."""

import datetime as dt

import pytest
from django.utils import timezone

from issues.models import Issue
from issues.services import issue_report
from issues.workflow import issue_transition
from projects.detection import add_months, cluster_run_perform, month_keys, month_start
from projects.models import ClusterRun

pytestmark = pytest.mark.django_db


def _run(town, month=None):
    run = ClusterRun.objects.create(
        township=town.township, month=month or month_start(timezone.localdate())
    )
    return cluster_run_perform(run=run)


def _members(run):
    return {frozenset(c.issues.values_list("pk", flat=True)): c for c in run.clusters.all()}


def test_a_run_stores_each_recurring_demand_once_ranked(town):
    # when this month's run goes over the town's issues
    run = _run(town)
    # then it is done, and the four paraphrased demands are its clusters, nothing else
    assert run.status == ClusterRun.Status.DONE and run.progress == 100
    assert run.issue_count == sum(len(v) for v in town.issues.values())
    found = _members(run)
    expected = {
        frozenset(i.pk for i in town.issues[name])
        for name in ("streetlight", "garbage", "water", "bus")
    }
    assert set(found) == expected
    # ranked by this month's count, then size: the four-issue demands first
    ranks = sorted(run.clusters.all(), key=lambda c: c.rank)
    assert [c.rank for c in ranks] == [1, 2, 3, 4]
    assert [c.month_count for c in ranks] == sorted((c.month_count for c in ranks), reverse=True)
    assert ranks[0].size == 4 and ranks[-1].size == 3


def test_a_cluster_knows_its_committee_and_trend(town):
    run = _run(town)
    streetlight = _members(run)[frozenset(i.pk for i in town.issues["streetlight"])]
    garbage = _members(run)[frozenset(i.pk for i in town.issues["garbage"])]
    assert streetlight.committee == town.committees["urban"]
    assert garbage.committee is None  # still 待分派
    keys = month_keys(run.month)
    assert list(streetlight.trend) == keys
    assert streetlight.trend[keys[-1]] == 4 and streetlight.month_count == 4


def test_closed_issues_of_long_ago_and_merged_duplicates_stay_out(town, settings):
    # given a streetlight issue four months old and closed, and a merged duplicate
    old = issue_report(actor=town.users["cadre"], household=town.households[0],
                       description="路灯坏了不亮，晚上看不清路")  # fmt: skip
    Issue.objects.filter(pk=old.pk).update(
        reported_at=timezone.now() - dt.timedelta(days=130), status="archived"
    )
    dup = issue_report(actor=town.users["cadre"], household=town.households[1],
                       description="路灯不亮好几天了，晚上看不清路")  # fmt: skip
    issue_transition(issue=dup, action="merge", actor=town.users["admin"],
                     into=town.issues["streetlight"][0].pk)  # fmt: skip
    # when the month's run goes
    run = _run(town)
    # then neither is in any cluster
    linked = set(run.clusters.values_list("issues", flat=True))
    assert old.pk not in linked and dup.pk not in linked


def test_last_months_issues_count_in_the_trend_of_a_later_month(town):
    # given the month after this one: this month's issues are "the month before"
    month = add_months(month_start(timezone.localdate()), 1)
    run = _run(town, month)
    streetlight = _members(run)[frozenset(i.pk for i in town.issues["streetlight"])]
    keys = month_keys(month)
    assert streetlight.trend == {keys[0]: 0, keys[1]: 4, keys[2]: 0}
    assert streetlight.month_count == 0


def test_a_failing_run_is_marked_failed(town, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("projects.detection.cluster_texts", boom)
    run = ClusterRun.objects.create(township=town.township, month=dt.date(2026, 1, 1))
    with pytest.raises(RuntimeError):
        cluster_run_perform(run=run)
    run.refresh_from_db()
    assert run.status == ClusterRun.Status.FAILED and "boom" in run.message


def test_a_new_run_replaces_the_months_earlier_ones_but_not_a_projects(town):
    from projects.services import project_create

    first = _run(town)
    cluster = first.clusters.order_by("rank").first()
    project_create(actor=town.users["leader"], title="t", owner_committee=town.committees["urban"],
                   issues=list(cluster.issues.all()), cluster=cluster)  # fmt: skip
    second = _run(town)
    third = _run(town)
    # the first stays (a project was made from it), the second is superseded by the third
    assert set(ClusterRun.objects.values_list("pk", flat=True)) == {first.pk, third.pk}
    assert second.pk != third.pk
