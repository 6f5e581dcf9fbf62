"""Fault: two `celery beat` processes running by mistake. Both send every periodic job, the
worker receives each twice, and each job still runs once per period (core.periodic: a
PeriodicRun row per task and period, taken before the job starts).

Runs in the PostgreSQL + Redis pass: a private redis-server, one worker, two beats on the
database scheduler with a 2-second schedule for ~20 s."""

import re

import pytest
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from core.models import PeriodicRun
from tests.core.reliability.conftest import wait_for

JOBS = {
    "issues.scan_overdue": "超期扫描（测试）",
    "liaison.coverage_snapshot": "覆盖率快照（测试）",
}
RUN_FOR = 20  # seconds with both beats running


def outcomes(log: str, task: str) -> tuple[int, int, int]:
    """(received, ran, skipped) for one task in a worker log."""
    name = re.escape(task)
    received = len(re.findall(rf"Task {name}\[[^\]]+\] received", log))
    succeeded = re.findall(rf"Task {name}\[[^\]]+\] succeeded in [^:]+: (.*)", log)
    skipped = sum("'skipped': True" in line for line in succeeded)
    return received, len(succeeded) - skipped, skipped


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_two_beats_fire_each_periodic_job_once_per_period(celery_on_private_redis):
    procs = celery_on_private_redis
    PeriodicTask.objects.update(enabled=False)
    every_2s = IntervalSchedule.objects.create(every=2, period=IntervalSchedule.SECONDS)
    for task, name in JOBS.items():
        PeriodicTask.objects.create(name=name, task=task, interval=every_2s, enabled=True)

    procs.worker("w1")
    beats = [procs.beat("b1"), procs.beat("b2")]

    def sent_enough() -> bool:
        return all(
            procs.log(name, kind="beat").count(f"Sending due task {JOBS[task]} ({task})") >= 3
            for name in ("b1", "b2")
            for task in JOBS
        )

    # Run until both beats have sent every job three times, not for a fixed time: on a busy
    # machine a beat's start-up alone can take most of RUN_FOR.
    wait_for(sent_enough, timeout=RUN_FOR + 70, interval=0.5)
    for beat in beats:
        procs.stop(beat)

    # both beats really sent the jobs, several times each,
    for name in ("b1", "b2"):
        sent = procs.log(name, kind="beat")
        for task in JOBS:
            assert sent.count(f"Sending due task {JOBS[task]} ({task})") >= 3, sent[-3000:]

    def drained() -> bool:
        log = procs.log("w1")
        return all(outcomes(log, t)[0] == sum(outcomes(log, t)[1:]) for t in JOBS)

    assert wait_for(drained, timeout=60, interval=0.5), procs.log("w1")[-3000:]
    log = procs.log("w1")
    for task in JOBS:
        received, ran, skipped = outcomes(log, task)
        periods = PeriodicRun.objects.filter(task=task)
        # and each job ran once per period (a second period only if the run crossed its boundary).
        assert received >= 6 and skipped >= 4, (task, received, ran, skipped)
        assert ran == periods.count() == periods.values("period_key").distinct().count()
        assert 1 <= ran <= 2, (task, ran)
        assert all(run.finished_at is not None for run in periods)
