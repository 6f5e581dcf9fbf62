"""Demo issues for seed_demo: about six months of issues across villages and committees in
every state, with their timelines, shaped so the leader's figures land near the seeds' (about
70% resolution, 85% satisfaction). Deterministic for ctx.rng; bulk inserts only."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from dashboard.rollup import issue_month_stats_refresh
from issues import deadlines
from issues.events import event_build, events_bulk_append
from issues.models import (
    Issue,
    IssueSettings,
    Level,
    Outcome,
    ReplyChannel,
    Satisfaction,
    Source,
    Status,
    Urgency,
)
from issues.transitions import ContactChannel
from issues.workflow import transition_replay
from liaison.models import Pairing

TEXTS = {
    "party_masses": [
        "老党员组织关系转接咨询",
        "希望组织志愿者帮助独居老人",
        "社区宣传栏破损需要更新",
    ],
    "social_governance": [
        "楼下商户噪音扰民，晚上十点后仍在施工",
        "小区养犬不拴绳，老人孩子害怕",
        "楼道堆放杂物存在消防隐患",
        "垃圾清运不及时，夏天气味大",
        "邻里因漏水产生纠纷，需要调解",
        "小区停车位紧张，乱停车堵住消防通道",
    ],
    "urban_planning": [
        "村口路灯坏了，晚上看不见路",
        "雨后道路积水严重，下水道堵塞",
        "老旧小区电梯经常故障",
        "冬季供暖温度不达标",
        "自来水水压低，高层用水困难",
        "路面破损坑洼，电动车容易摔倒",
    ],
    "livelihood_culture": [
        "咨询低保申请条件和材料",
        "老人想办理养老服务补贴",
        "孩子入学需要开具居住证明",
        "希望活动室增加文体活动",
        "残疾人护理补贴迟迟未到账",
        "医保异地报销手续不清楚",
    ],
    "economic_development": [
        "土地流转费用今年未按时发放",
        "想了解集体经济分红标准",
        "返乡创业希望了解扶持政策",
        "农产品销路不好，希望帮助对接市场",
    ],
}
RESULTS = ["已协调相关单位处理完毕", "已现场维修，恢复正常", "已调解，双方达成一致", "已办理完成"]
EXPLANATIONS = ["经核实不符合政策条件，已向群众解释说明", "属于市场行为，已说明并提供咨询渠道"]
SOURCES = [Source.VISIT] * 6 + [Source.PHONE, Source.WALK_IN, Source.HOTLINE, Source.WECHAT]
DAYS = 180


def _pick_fate(rng, age_days: float) -> str:
    if age_days < 14:
        return rng.choices(
            ["reported", "triaged", "in_progress", "resolved", "replied", "rated"],
            weights=[15, 15, 25, 15, 10, 20],
        )[0]
    return rng.choices(
        ["resolved_path", "explained_path", "overdue", "merged"], weights=[72, 16, 8, 4]
    )[0]


def seed(ctx) -> None:
    rng = ctx.rng
    users = {name: cadre.user_id for name, cadre in ctx.accounts.items()}
    paired = dict(
        Pairing.objects.filter(household__township=ctx.township, end_date__isnull=True).values_list(
            "household_id", "cadre_id"
        )
    )
    cadre_users = {c.pk: c.user_id for c in ctx.cadres}
    cadre_users.update({c.pk: c.user_id for c in ctx.accounts.values()})
    leaders = {wg.village_id: wg.leader_id for wg in ctx.workgroups}
    village_handler = ctx.accounts["village"]
    committees = {c.code: c for c in ctx.committees}
    now = timezone.now()
    limits = IssueSettings.current()
    # the calendar once for the whole history, not a query per issue
    calendar = deadlines.calendar_exceptions(
        (now - dt.timedelta(days=DAYS + 1)).date(),
        (now + dt.timedelta(days=deadlines.MAX_SPAN_DAYS)).date(),
    )
    count = max(60, len(ctx.households) // 6)
    plans = []
    for _n in range(count):
        household = rng.choice(ctx.households)
        code = rng.choice(list(TEXTS))
        age = rng.random() ** 1.3 * DAYS
        reported_at = now - dt.timedelta(days=age, hours=rng.randint(0, 8))
        urgent = rng.random() < 0.08
        issue = Issue(
            township=ctx.township,
            household=household,
            village_id=household.village_id,
            description=rng.choice(TEXTS[code]),
            source=rng.choice(SOURCES),
            urgency=Urgency.URGENT if urgent else Urgency.NORMAL,
            reporter_name=household.head_name,
            raised_by_id=paired.get(household.pk),
            created_by_id=cadre_users.get(paired.get(household.pk)),
            reported_at=reported_at,
        )
        issue.contact_due_at = deadlines.contact_due(
            reported_at=reported_at, urgency=issue.urgency, limits=limits
        )
        if household.village_id == village_handler.village_id:
            handler_user = village_handler.user_id
        else:
            handler_user = cadre_users.get(leaders.get(household.village_id), users["staff"])
        caller = cadre_users.get(paired.get(household.pk), users["staff"])
        if caller == handler_user:
            caller = users["staff"]
        events = _walk(rng, issue, _pick_fate(rng, age), committees[code], ctx, now, limits, calendar,
                       actors={"staff": users["staff"], "handler": handler_user, "caller": caller})  # fmt: skip
        plans.append((issue, events))
    Issue.objects.bulk_create([issue for issue, _events in plans], batch_size=1000)
    events_bulk_append(event for _issue, events in plans for event in events)
    # a bulk load writes no delta rows: the township's roll-up is rebuilt from what it holds now
    issue_month_stats_refresh(township_id=ctx.township.pk)


def _walk(rng, issue, fate, committee, ctx, now, limits, calendar, *, actors) -> list:
    """Set the issue's fields for its fate and return the (unsaved) events that got it there:
    the workflow's table moves the status, the deadlines module sets the due dates."""
    t = issue.reported_at
    report = event_build(issue=issue, action="report", at=t, actor_id=actors["caller"],
                         from_status="", to_status=Status.REPORTED, note=issue.description)  # fmt: skip
    events = [report]
    working_days = {
        Level.VILLAGE: limits.village_days,
        Level.TOWNSHIP: limits.township_days,
        Level.DISTRICT: limits.district_days,
    }

    def step(hours_lo, hours_hi):
        nonlocal t
        t = min(t + dt.timedelta(hours=rng.uniform(hours_lo, hours_hi)), now)
        return t

    def move(action, who, note="", **payload):
        events.append(
            transition_replay(issue, action, at=t, actor_id=actors[who], note=note, **payload)
        )

    if fate == "reported":
        return events
    if fate == "merged":
        step(1, 20)
        issue.merged_into = None  # the demo keeps duplicates unlinked (bulk ids are unknown)
        move("merge", "staff", "与已有诉求重复，合并办理")
        return events
    level = rng.choices([Level.VILLAGE, Level.TOWNSHIP, Level.DISTRICT], weights=[70, 25, 5])[0]
    issue.committee, issue.level = committee, level
    if level == Level.DISTRICT:
        issue.department = rng.choice(ctx.departments)
    step(0.5, 6)
    move("triage", "staff", committee=committee.pk, level=level)
    issue.due_at = deadlines.result_due(
        start=t, urgency=issue.urgency, level=level, limits=limits, exceptions=calendar
    )
    if fate == "triaged":
        return events
    step(1, 12) if rng.random() < 0.9 else step(24, 60)
    # the first contact is its own act (how and when); starting the work follows it
    issue.first_contact_at = t
    channel = ContactChannel.values[int(t.timestamp()) % len(ContactChannel.values)]  # no rng draw
    move("contact", "handler", "已联系群众，了解情况", contact_channel=channel,
         contacted_at=t.isoformat())  # fmt: skip
    move("start", "handler")
    if rng.random() < 0.6:
        step(4, 48)
        move("progress", "handler", "现场查看，协调相关单位")
    if fate in ("in_progress", "overdue"):
        if fate == "overdue" or issue.due_at < now:
            issue.is_overdue, issue.overdue_since = True, issue.due_at
        return events
    explained = fate == "explained_path" or (fate != "resolved_path" and rng.random() < 0.3)
    step(12, 24 * working_days[level])
    issue.closed_at, issue.closed_by_id = t, actors["handler"]
    if explained:
        issue.outcome, issue.explanation = Outcome.EXPLAINED, rng.choice(EXPLANATIONS)
        move("explain", "handler", issue.explanation)
    else:
        issue.outcome, issue.result = Outcome.RESOLVED, rng.choice(RESULTS)
        move("resolve", "handler", issue.result)
    if fate == "resolved":
        return events
    step(2, 30)
    issue.reply_channel = rng.choice(ReplyChannel.values)
    issue.reply_text, issue.replied_at = "已向群众反馈办理结果", t
    move("reply", "caller", issue.reply_text, channel=issue.reply_channel)
    if fate == "replied" or (fate.endswith("_path") and rng.random() < 0.1):
        return events
    step(24, 96)
    weights = [55, 25, 20] if explained else [72, 17, 11]
    grade = rng.choices(Satisfaction.values, weights=weights)[0]
    issue.satisfaction, issue.rated_at, issue.rated_by_id = grade, t, actors["caller"]
    move("rate", "caller", satisfaction=grade)
    if grade == Satisfaction.UNSATISFIED:
        issue.satisfaction_comment = "问题没有彻底解决"
        issue.reopen_count, issue.outcome, issue.closed_at = 1, "", None
        move("reopen", "caller", "群众不满意，重新办理。")
        return events
    if fate == "rated" or rng.random() < 0.08:
        return events
    step(24, 120)
    issue.archived_at = t
    move("archive", "staff")
    return events
