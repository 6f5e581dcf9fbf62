"""manage.py send_contact_day_reminders [--date YYYY-MM-DD] [--dry-run] [--kind K] [--days-before N]"""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from visits.models import ReminderDelivery
from visits.reminders import reminders_enqueue


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"不是有效日期（YYYY-MM-DD）：{value}") from None


class Command(BaseCommand):
    help = "显示或发送某天应发的联系群众日提醒（提前、当天、次日组长日报）。"

    def add_arguments(self, parser):
        parser.add_argument("--date", help="按这一天计算（默认今天），YYYY-MM-DD")
        parser.add_argument("--dry-run", action="store_true", help="只显示，不发送")
        parser.add_argument(
            "--kind", action="append", choices=ReminderDelivery.Kind.values, help="只发这一类"
        )
        parser.add_argument("--days-before", type=int, default=None, help="提前几天提醒")

    def handle(self, *args, **options):
        on = _date(options["date"]) if options["date"] else timezone.localdate()
        kinds = tuple(options["kind"] or ReminderDelivery.Kind.values)
        with transaction.atomic():
            run = reminders_enqueue(
                on=on, kinds=kinds, days_before=options["days_before"], dry_run=options["dry_run"]
            )
        for due in run.due:
            self.stdout.write(f"{due.township.name} 联系群众日 {due.contact_day} · {due.kind}")
        for row in run.planned:
            self.stdout.write(f"  → {row.payload['name']}：{row.payload['title']}")
        if not run.due:
            self.stdout.write(f"{on} 没有到期的提醒。")
        verb = "将发送" if options["dry_run"] else "已排队发送"
        self.stdout.write(
            self.style.SUCCESS(
                f"{verb} {len(run.planned)} 条提醒（新生成 {run.inserted} 条，待发送 {len(run.pending_ids)} 条）。"
            )
        )
