"""manage.py export_ledger {issues,visits,households} FILE.xlsx [--user USERNAME]

Each kind is a function `(*, user=None, target) -> int` named by a dotted path, so every app
owns its own ledger and this command only dispatches.
"""

from importlib import import_module

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

LEDGERS = {
    "households": "households.ledger.export_households",
    "visits": "visits.ledger.export_visits",
    "issues": "issues.ledger.export_issues",
}


def resolve(kind: str):
    module_path, _, name = LEDGERS[kind].rpartition(".")
    try:
        module = import_module(module_path)
    except ModuleNotFoundError as error:
        if error.name and module_path.startswith(error.name):
            raise CommandError(f"台账“{kind}”尚未提供：找不到模块 {module_path}。") from None
        raise
    try:
        return getattr(module, name)
    except AttributeError:
        raise CommandError(f"台账“{kind}”尚未提供：{module_path} 中没有 {name}。") from None


class Command(BaseCommand):
    help = "导出台账为 .xlsx：住户（households）、走访（visits）、诉求（issues）。"

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=sorted(LEDGERS))
        parser.add_argument("file")
        parser.add_argument("--user", help="按该用户的权限范围和脱敏规则导出，并记入审计日志")

    def handle(self, *args, kind, file, user, **options):
        export = resolve(kind)
        actor = None
        if user:
            actor = get_user_model().objects.filter(username=user).first()
            if actor is None:
                raise CommandError(f"用户不存在：{user}")
        rows = export(user=actor, target=file)
        self.stdout.write(self.style.SUCCESS(f"已导出 {rows} 行到 {file}"))
