"""manage.py refresh_dashboard_rollup: rebuild the dashboard's issue roll-up now (the Celery
beat task does the same every quarter hour)."""

from django.core.management.base import BaseCommand

from dashboard.rollup import issue_month_stats_refresh


class Command(BaseCommand):
    help = "重建统计分析的诉求汇总（定时任务每15分钟自动执行）。"

    def add_arguments(self, parser):
        parser.add_argument("--township", type=int, default=None, help="只重建该乡镇（id）")

    def handle(self, *args, township=None, **options):
        rows = issue_month_stats_refresh(township_id=township)
        self.stdout.write(self.style.SUCCESS(f"已写入 {rows} 行诉求汇总。"))
