"""manage.py export_ledger {issues,visits,households} FILE.xlsx [--user USERNAME]
[--filter NAME=VALUE ...] [--reveal]

Each kind is a function `(*, user=None, target, ...) -> int` named by a dotted path, so every app
owns its own ledger and this command only dispatches. The module of that function also answers
`may_export_ledger(user)`: with --user the command exports only for a user who may (as the page
does), in that user's scope. Filters are the page's (issues: the issue list's status, committee,
level, village, workgroup, source, overdue, date_from, date_to, q; visits: date_from, date_to,
village, workgroup, kind), given as --filter name=value, validated by the same form. Households
are always masked; --reveal (households, with a --user who may reveal) writes full numbers and is
audited as a reveal.
"""

from importlib import import_module

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

LEDGERS = {
    "households": "households.ledger.export_households",
    "visits": "visits.ledger.export_visits",
    "issues": "issues.ledger.export_issues",
}
FILTERED = {"issues", "visits"}


def _module(kind: str):
    module_path, _, name = LEDGERS[kind].rpartition(".")
    try:
        return import_module(module_path), module_path, name
    except ModuleNotFoundError as error:
        if error.name and module_path.startswith(error.name):
            raise CommandError(f"台账“{kind}”尚未提供：找不到模块 {module_path}。") from None
        raise


def resolve(kind: str):
    module, module_path, name = _module(kind)
    try:
        return getattr(module, name)
    except AttributeError:
        raise CommandError(f"台账“{kind}”尚未提供：{module_path} 中没有 {name}。") from None


def parse_filters(values) -> dict:
    filters = {}
    for value in values or []:
        name, sep, text = value.partition("=")
        if not sep or not name.strip():
            raise CommandError(f"筛选条件应写作 名称=值：{value}")
        filters[name.strip()] = text.strip()
    return filters


class Command(BaseCommand):
    help = "导出台账为 .xlsx：住户（households）、走访（visits）、诉求（issues）。"

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=sorted(LEDGERS))
        parser.add_argument("file")
        parser.add_argument("--user", help="按该用户的权限范围和脱敏规则导出，并记入审计日志")
        parser.add_argument(
            "--filter",
            action="append",
            dest="filters",
            metavar="NAME=VALUE",
            help="筛选条件，与页面相同（可重复），如 --filter status=reported "
            "--filter date_from=2025-01-01",
        )
        parser.add_argument(
            "--reveal",
            action="store_true",
            help="住户台账导出完整号码（需 --user 且该用户有查看完整号码权限；记为查看完整号码）",
        )

    def handle(self, *args, kind, file, user, filters, reveal, **options):
        export = resolve(kind)
        actor = self._actor(kind, user)
        extra = {}
        if filters:
            if kind not in FILTERED:
                raise CommandError(f"台账“{kind}”不支持 --filter。")
            extra["filters"] = parse_filters(filters)
        if reveal:
            if kind != "households":
                raise CommandError("--reveal 只用于住户台账。")
            extra["reveal"] = True
        try:
            rows = export(user=actor, target=file, **extra)
        except ValidationError as error:
            raise CommandError("筛选条件无效：" + "；".join(error.messages)) from None
        except PermissionDenied as error:
            raise CommandError(str(error) or "无权导出。") from None
        self.stdout.write(self.style.SUCCESS(f"已导出 {rows} 行到 {file}"))

    def _actor(self, kind, username):
        if not username:
            return None
        actor = get_user_model().objects.filter(username=username).first()
        if actor is None:
            raise CommandError(f"用户不存在：{username}")
        may_export = getattr(_module(kind)[0], "may_export_ledger", None)
        if may_export is None or not may_export(actor):
            raise CommandError(f"用户 {username} 无权导出该台账。")
        return actor
