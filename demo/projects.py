"""Demo recurring demands and one 每月一题 project for seed_demo: paraphrased demands from
several villages, this month's clustering run, and a published project the leader made of the
streetlight demand. Through the services, as every door."""

from __future__ import annotations

import datetime as dt

from issues.services import issue_report
from projects.detection import cluster_run_perform, month_start
from projects.models import ClusterRun
from projects.services import project_create, project_publish

PARAPHRASES = [
    "主路上的路灯坏了好几盏，晚上不亮",
    "路灯不亮，晚上出门看不清路",
    "村东头路灯一直不亮，希望尽快修",
    "晚上路灯不亮，孩子放学路上太黑",
    "进村路段路灯坏了没人修，老人摔了一跤",
    "进城的公交班车太少，等车要一个小时",
    "希望增加公交班车，去镇上看病不方便",
    "公交班车间隔太长，上班赶不上",
    "早上公交班车太少，挤不上车",
]


def seed(ctx) -> None:
    admin = ctx.accounts["admin"].user
    leader = ctx.accounts["leader"].user
    for i, text in enumerate(PARAPHRASES):
        household = ctx.households[(i * 37) % len(ctx.households)]
        issue_report(actor=admin, household=household, description=text, source="visit")
    run = ClusterRun.objects.create(township=ctx.township, month=month_start(ctx.today))
    cluster_run_perform(run=run)
    cluster = run.clusters.filter(label__contains="路灯").order_by("rank").first()
    if cluster is None:
        return
    urban = next(c for c in ctx.committees if c.code == "urban_planning")
    project = project_create(
        actor=leader,
        title="路灯不亮问题集中治理",
        summary="排查全乡主要道路路灯，更换损坏灯具，建立报修台账，一个月内让主路亮起来。",
        owner_committee=cluster.committee or urban,
        lead_department=ctx.departments[0] if ctx.departments else None,
        progress=30,
        milestones=[
            ("排查全乡路灯，列出损坏清单", ctx.today + dt.timedelta(days=7)),
            ("更换损坏灯具", ctx.today + dt.timedelta(days=21)),
            ("建立路灯报修台账", ctx.today + dt.timedelta(days=30)),
        ],
        issues=list(cluster.issues.all()),
        cluster=cluster,
    )
    project_publish(actor=leader, project=project, public=True)
