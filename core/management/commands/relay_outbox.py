"""Send the Celery tasks left pending in the outbox (e.g. after Redis was down)."""

from django.core.management.base import BaseCommand

from core.outbox import outbox_relay, pending_count


class Command(BaseCommand):
    help = "发送因消息队列（Redis）不可用而暂存的后台任务。"

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=None, help="最多发送多少条")
        parser.add_argument("--check", action="store_true", help="只显示待发送数量，不发送")

    def handle(self, *args, limit=None, check=False, **options):
        if check:
            self.stdout.write(f"待发送：{pending_count()}")
            return
        result = outbox_relay(limit=limit)
        self.stdout.write(
            f"已发送：{result['sent']}，失败：{result['failed']}，仍待发送：{result['pending']}"
        )
        if result["failed"]:
            self.stderr.write("消息队列不可用，剩余任务将在下次运行时发送。")
