"""Demo visits (民情日记) for `seed_demo`: a realistic spread over the last four months, two
mass-visit campaigns, and the coverage snapshots of the months before. Deterministic for a seed;
bulk inserts only."""

from __future__ import annotations

import datetime as dt

from liaison.models import Pairing
from visits.contact_day import contact_days_for_months, shift_month
from visits.models import SituationTag, Visit, VisitCampaign
from visits.reminders import coverage_snapshot_take
from visits.services import visit_months_rebuild

NOTES = [
    ("家中一切正常，老人身体硬朗，对村里环境整治表示满意。", ["satisfied"]),
    ("户主反映孩子今年毕业还未就业，希望了解招聘信息。", ["employment"]),
    ("老人患慢性病，每月买药负担较重，询问医保报销政策。", ["health", "policy"]),
    ("房屋后墙有裂缝，雨季担心安全，已拍照留存。", ["housing", "safety"]),
    ("与邻居因宅基地边界有矛盾，希望村里出面调解。", ["dispute"]),
    ("独居老人，子女在外打工，希望有人定期上门看看。", ["elderly"]),
    ("门前排水沟堵塞，下雨积水严重。", ["environment"]),
    ("家庭收入较低，询问低保申请条件。", ["livelihood", "policy"]),
    ("电话问候，家中无特殊情况。", ["satisfied"]),
    ("了解到村里新建的健身广场很受欢迎，建议增加照明。", ["environment"]),
]
MET = ["户主本人", "户主爱人", "老人", "儿子", "儿媳", "女儿"]
BATCH = 2000


def seed(ctx) -> dict[str, int]:
    rng = ctx.rng
    today = ctx.today
    township = ctx.township
    pairs = list(
        Pairing.objects.current()
        .filter(cadre__township=township)
        .order_by("household_id")
        .values_list("cadre_id", "household_id")
    )
    visits = []
    months = [shift_month(today.year, today.month, -back) for back in range(3, -1, -1)]
    contact_days = contact_days_for_months([township], months)  # the calendar read once
    for back in range(3, -1, -1):
        year, month = shift_month(today.year, today.month, -back)
        contact_day = contact_days[(year, month)][township.pk]
        # older months are well covered, this month only as far as today allows
        share = 0.85 - 0.05 * back if back else (0.35 if today >= contact_day else 0.1)
        for cadre_id, household_id in pairs:
            if rng.random() >= share:
                continue
            day = (
                contact_day
                if rng.random() < 0.6
                else contact_day + dt.timedelta(days=rng.randint(-6, 20))
            )
            day = min(day, today)
            if (day.year, day.month) != (year, month):
                day = contact_day if contact_day <= today else today
            notes, tags = NOTES[rng.randrange(len(NOTES))]
            kind = (
                Visit.Kind.CONTACT_DAY
                if day == contact_day
                else rng.choice([Visit.Kind.AD_HOC, Visit.Kind.PHONE])
            )
            visit = Visit(
                cadre_id=cadre_id,
                household_id=household_id,
                visited_on=day,
                kind=kind,
                met_with=rng.choice(MET) if kind != Visit.Kind.PHONE else "户主本人",
                notes=notes,
            )
            visit.set_tags(t for t in tags if t in SituationTag.values)
            visits.append(visit)
    Visit.objects.bulk_create(visits, batch_size=BATCH)
    visit_months_rebuild(township_id=township.pk)  # the coverage roll-up of a bulk load
    campaigns = _campaigns(township, today)

    snapshots = 0
    for back in (3, 2, 1):
        year, month = shift_month(today.year, today.month, -back)
        snapshots += coverage_snapshot_take(month=dt.date(year, month, 1))
    return {"visits": len(visits), "campaigns": campaigns, "snapshots": snapshots}


def _campaigns(township, today: dt.date) -> int:
    """The spring and autumn mass visits of the current year that have begun."""
    rows = [
        VisitCampaign(
            township=township,
            name=f"{today.year}年{name}集中走访",
            start_date=dt.date(today.year, month, 1),
            end_date=dt.date(today.year, month, 1) + dt.timedelta(days=44),
        )
        for name, month in (("春季", 3), ("秋季", 9))
        if dt.date(today.year, month, 1) <= today
    ]
    VisitCampaign.objects.bulk_create(rows)
    return len(rows)
