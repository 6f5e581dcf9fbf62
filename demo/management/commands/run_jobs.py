"""Run the scheduled jobs in this process (the demo's stand-in for `celery beat` + worker)."""

import time

from django.core.management.base import BaseCommand

from demo.jobs import jobs_run_due


class Command(BaseCommand):
    help = "Run the beat schedule's due jobs in process, every --interval seconds (demo)."

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=int, default=60, help="seconds between checks")
        parser.add_argument("--once", action="store_true", help="check once and exit")
        parser.add_argument("--all", action="store_true", help="run every enabled job now")

    def handle(self, *args, interval, once, all, **options):
        first = True
        while True:
            ran = jobs_run_due(run_all=all and first)
            first = False
            if ran:
                self.stdout.write("ran: " + ", ".join(ran))
            if once:
                return
            time.sleep(interval)
