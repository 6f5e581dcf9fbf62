"""The demo visits hook and the visit ledger."""

import datetime as dt

from django.core.management import call_command
from openpyxl import load_workbook

from core.models import AuditEntry
from demo.seed import seed_demo
from visits.ledger import export_visits
from visits.models import CoverageSnapshot, Visit, VisitCampaign
from visits.services import visit_add_correction


def test_demo_seeds_visits_deterministically(db):
    seed_demo(households=300, seed=7)
    first = list(Visit.objects.order_by("id").values_list("household__code", "visited_on", "notes"))
    assert len(first) > 300  # several months of visits
    months = {d.replace(day=1) for _code, d, _n in first}
    assert len(months) >= 3
    assert all(d <= dt.date.today() for _c, d, _n in first)  # noqa: DTZ011
    assert CoverageSnapshot.objects.filter(workgroup__isnull=True).count() == 3
    assert VisitCampaign.objects.exists() or dt.date.today().month < 3  # noqa: DTZ011
    # the hook is deterministic: the same rng state gives the same diary
    Visit.objects.all().delete()
    import random

    from demo import visits as demo_visits
    from demo.seed import DemoContext
    from liaison.models import Township

    township = Township.objects.get()
    ctx = DemoContext(
        rng=random.Random(7), township=township, villages=[], workgroups=[], committees=[],
        departments=[], cadres=[], households=[],
    )  # fmt: skip
    demo_visits.seed(ctx)
    again = list(Visit.objects.order_by("id").values_list("household__code", "visited_on"))
    Visit.objects.all().delete()
    ctx.rng = random.Random(7)
    demo_visits.seed(ctx)
    assert list(Visit.objects.order_by("id").values_list("household__code", "visited_on")) == again


def test_visit_ledger_scoped_and_audited(group, tmp_path):
    a, b = group["a"], group["b"]
    v = Visit.objects.create(
        cadre=a, household=group["households"]["a"][0], visited_on=dt.date(2025, 5, 7),
        notes="=HYPERLINK(\"http://x\")", met_with="户主",
    )  # fmt: skip
    v.set_tags(["health"])
    v.save()
    visit_add_correction(actor=a.user, visit=v, text="日期有误")
    Visit.objects.create(
        cadre=b, household=group["households"]["b"][0], visited_on=dt.date(2025, 5, 8)
    )
    target = tmp_path / "mine.xlsx"
    assert export_visits(user=a.user, target=str(target)) == 1
    sheet = load_workbook(target)["走访"]
    rows = list(sheet.values)
    assert rows[0][0] == "走访日期"
    assert rows[1][2] == v.household.code
    assert rows[1][9].startswith("'=")  # formula neutralised
    assert rows[1][10] == "看病就医" and rows[1][12] == "日期有误"
    assert AuditEntry.objects.filter(action="export", object_type="visits.visit").count() == 1
    everything = tmp_path / "all.xlsx"
    call_command("export_ledger", "visits", str(everything))
    assert load_workbook(everything)["走访"].max_row == 3
