"""manage.py import_roster FILE.xlsx [--dry-run] [--end-missing-pairings [--confirm-end N]]
[--township CODE] [--user USERNAME]"""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from households.roster.guards import confirm_threshold
from households.roster.report import summary_lines
from households.roster.service import roster_commit, roster_preview, roster_upload_create
from liaison.models import Township


class Command(BaseCommand):
    help = (
        "导入花名册工作簿（户、成员、干部、结对）。全部成功才写入；有任何错误则不写入并返回非零。"
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--dry-run", action="store_true", help="只校验，不写入")
        parser.add_argument(
            "--end-missing-pairings",
            action="store_true",
            help="结束系统中有、但“结对”工作表中没有的现有结对（结束日期为导入日期，不删除）",
        )
        parser.add_argument(
            "--confirm-end",
            type=int,
            metavar="N",
            help=(
                "与 --end-missing-pairings 一起用：确认将结束的结对数。超过 "
                f"{confirm_threshold()} 个（ROSTER_END_PAIRINGS_CONFIRM）时必填，"
                "且必须与实际将结束的数目一致，否则不写入任何数据"
            ),
        )
        parser.add_argument("--township", help="乡镇代码（只有一个乡镇时可省略）")
        parser.add_argument("--user", help="记入审计日志的操作人用户名")

    def handle(
        self, *args, file, dry_run, end_missing_pairings, confirm_end, township, user, **options
    ):
        if confirm_end is not None and not end_missing_pairings:
            raise CommandError("--confirm-end 需与 --end-missing-pairings 一起使用。")
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"文件不存在：{file}")
        actor = None
        if user:
            actor = get_user_model().objects.filter(username=user).first()
            if actor is None:
                raise CommandError(f"用户不存在：{user}")
        roster_import = roster_upload_create(
            data=path.read_bytes(),
            file_name=path.name,
            township=_township(township),
            actor=actor,
        )
        ending = {"end_missing_pairings": end_missing_pairings, "confirm_end": confirm_end}
        if dry_run:
            roster_preview(roster_import=roster_import, **ending)
        else:
            roster_commit(roster_import=roster_import, **ending)
        for line in summary_lines(roster_import):
            self.stdout.write(line)
        if roster_import.error_count:
            raise CommandError(f"发现 {roster_import.error_count} 处错误，未写入任何数据。")
        self.stdout.write(self.style.SUCCESS("校验通过（未写入）。" if dry_run else "导入完成。"))


def _township(code):
    if code:
        found = Township.objects.filter(code=code).first()
        if found is None:
            raise CommandError(f"乡镇代码不存在：{code}")
        return found
    townships = list(Township.objects.all()[:2])
    if len(townships) != 1:
        raise CommandError("请用 --township 指定乡镇代码。")
    return townships[0]
