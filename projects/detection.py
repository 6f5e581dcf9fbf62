"""A clustering run: read a township's open and recent issues, find the recurring demands
(`projects.clustering`), store them ranked. Called by the Celery task only (on the schedule and
on demand); the 高频诉求 page reads what it stored."""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from committees.models import Committee
from issues.models import OPEN_STATUSES, Issue, Status
from liaison.models import Village

from .clustering import cluster_texts, split_keywords
from .models import ClusterRun, DemandCluster

log = logging.getLogger(__name__)

MIN_SIZE = 3  # a demand is "high-frequency" from three issues on
TREND_MONTHS = 3  # the month and the two before it
THROUGH_BATCH = 5000


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(month: dt.date, n: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def _aware(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def month_keys(month: dt.date) -> list[str]:
    return [f"{add_months(month, -k):%Y-%m}" for k in reversed(range(TREND_MONTHS))]


def window_issues(township_id: int, month: dt.date):
    """Open issues reported before the month's end, and every issue of the month and the two
    before it; merged duplicates are left out (their target counts)."""
    since, until = _aware(add_months(month, 1 - TREND_MONTHS)), _aware(add_months(month, 1))
    recent = Q(reported_at__gte=since)
    return (
        Issue.objects.filter(township_id=township_id, reported_at__lt=until)
        .filter(recent | Q(status__in=OPEN_STATUSES))
        .exclude(status=Status.MERGED)
        .order_by("pk")
        .values_list("pk", "description", "committee_id", "reported_at")
    )


def _progress(run: ClusterRun, pct: int) -> None:
    ClusterRun.objects.filter(pk=run.pk).update(progress=max(1, min(99, pct)))


def cluster_run_perform(*, run: ClusterRun) -> ClusterRun:
    """Run the clustering for `run` (queued or running) and store its clusters."""
    ClusterRun.objects.filter(pk=run.pk).update(status=ClusterRun.Status.RUNNING, progress=1)
    try:
        clusters = _detect(run)
    except Exception as exc:  # the page shows the failure; the log keeps the trace
        log.exception("projects: clustering run %s failed", run.pk)
        ClusterRun.objects.filter(pk=run.pk).update(
            status=ClusterRun.Status.FAILED, message=str(exc)[:255], finished_at=timezone.now()
        )
        raise
    run.refresh_from_db()
    log.info("projects: run %s found %s recurring demands", run.pk, clusters)
    return run


def _detect(run: ClusterRun) -> int:
    rows = list(window_issues(run.township_id, run.month))
    keywords = Committee.objects.filter(township_id=run.township_id).values_list(
        "keywords", flat=True
    )
    terms = [w for text in keywords for w in split_keywords(text)]
    villages = Village.objects.filter(township_id=run.township_id).values_list("name", flat=True)
    _progress(run, 5)
    found = cluster_texts(
        [row[1] for row in rows],
        min_size=MIN_SIZE,
        extra_terms=terms,
        places=list(villages),
        progress=lambda pct: _progress(run, pct),
    )
    keys = month_keys(run.month)
    month_key = keys[-1]
    built = []
    for cluster in found:
        members = [rows[i] for i in cluster.members]
        per_month = Counter(f"{timezone.localtime(m[3]):%Y-%m}" for m in members)
        committees = Counter(m[2] for m in members if m[2])
        built.append(
            (
                DemandCluster(
                    run=run,
                    rank=0,
                    label="、".join(cluster.terms)[:128],
                    size=len(members),
                    month_count=per_month.get(month_key, 0),
                    committee_id=committees.most_common(1)[0][0] if committees else None,
                    trend={key: per_month.get(key, 0) for key in keys},
                ),
                [m[0] for m in members],
            )
        )
    built.sort(key=lambda pair: (-pair[0].month_count, -pair[0].size, pair[1][0]))
    with transaction.atomic():
        for rank, (cluster, _ids) in enumerate(built, start=1):
            cluster.rank = rank
        DemandCluster.objects.bulk_create([c for c, _ids in built])
        through = DemandCluster.issues.through
        links = [
            through(demandcluster_id=cluster.pk, issue_id=pk)
            for cluster, ids in built
            for pk in ids
        ]
        through.objects.bulk_create(links, batch_size=THROUGH_BATCH)
        ClusterRun.objects.filter(pk=run.pk).update(
            status=ClusterRun.Status.DONE,
            progress=100,
            issue_count=len(rows),
            cluster_count=len(built),
            finished_at=timezone.now(),
        )
        _prune(run)
    return len(built)


def _prune(run: ClusterRun) -> None:
    """Earlier finished runs of the same month are superseded: deleted (they are derived data),
    except those a project was made from (the project keeps pointing at its cluster)."""
    ClusterRun.objects.filter(
        township_id=run.township_id,
        month=run.month,
        status__in=[ClusterRun.Status.DONE, ClusterRun.Status.FAILED],
    ).exclude(pk=run.pk).exclude(clusters__projects__isnull=False).delete()
