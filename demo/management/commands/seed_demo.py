import time

from django.core.management.base import BaseCommand, CommandError

from dashboard.rollup import issue_month_stats_refresh
from demo.seed import DEFAULT_HOUSEHOLDS, DEMO_PASSWORD, seed_demo


class Command(BaseCommand):
    help = "加载演示乡镇（虚构数据）并创建每个角色的演示账号。Load the fictional demo township."

    def add_arguments(self, parser):
        parser.add_argument("--households", type=int, default=DEFAULT_HOUSEHOLDS)
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, households: int, seed: int, **options):
        if households < 15:
            raise CommandError("--households must be at least 15 (one per village).")
        started = time.monotonic()
        result = seed_demo(households=households, seed=seed)
        # the dashboard's roll-up, as the quarter-hourly beat task would have built it
        issue_month_stats_refresh()
        elapsed = time.monotonic() - started
        if result.created:
            self.stdout.write(self.style.SUCCESS(f"演示乡镇已加载（{elapsed:.1f} 秒）。"))
        else:
            self.stdout.write("演示乡镇已存在，未做修改。 The demo township is already loaded.")
        self.stdout.write("  " + ", ".join(f"{k}={v}" for k, v in result.counts.items()))
        self.stdout.write(
            f"演示账号（密码均为 {DEMO_PASSWORD}） Demo logins, password {DEMO_PASSWORD}:"
        )
        for username, label in result.accounts:
            self.stdout.write(f"  {username:<10} {label}")
