"""Ending the pairings a roster leaves out (issue 15, item 12): one rule for every door.

A roster that lists three households must not end 7,601 pairings on one unconfirmed tick. The
preview lists the pairings that would end; ending more than ROSTER_END_PAIRINGS_CONFIRM of
them needs their number typed (the page's box, `import_roster --confirm-end N`); and whatever the
door, the import ends them only if exactly the confirmed number is missing when it runs, so a
roster or database that changed after the preview ends nothing and writes nothing.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.utils.translation import gettext as _

from households import identity


def confirm_threshold() -> int:
    """Up to this many pairings end on the tick alone; more need their number typed."""
    return int(getattr(settings, "ROSTER_END_PAIRINGS_CONFIRM", 20))


def needs_typed_confirmation(ending: int) -> bool:
    return ending > confirm_threshold()


def end_pairings_refusal(*, ending: int, confirmed: int | None) -> str:
    """Why `ending` pairings may not end with this confirmation ("" when they may)."""
    if confirmed is not None and confirmed != ending:
        return _(
            "确认的数量（%(c)d）与将结束的结对数（%(n)d）不符：未结束任何结对，未写入任何数据。"
            "请核对预览中列出的结对后重新确认（数据在预览后有变化时请重新上传校验）。"
        ) % {"c": confirmed, "n": ending}
    if confirmed is None and needs_typed_confirmation(ending):
        return _(
            "将结束 %(n)d 个结对（超过 %(t)d 个）：请核对预览中列出的结对，并输入将结束的"
            "结对数 %(n)d 确认（命令行：--confirm-end %(n)d）。未结束任何结对，未写入任何数据。"
        ) % {"n": ending, "t": confirm_threshold()}
    return ""


def typed_count(value) -> int | None:
    """The number a person typed: full-width digits, thousands separators, "结束 7601 个结对"
    all read as 7601; anything without exactly one number is None."""
    numbers = re.findall(r"\d[\d,，]*", identity.normalise_text(value or ""))
    if len(numbers) != 1:
        return None
    digits = re.sub(r"\D", "", numbers[0])
    return int(digits) if len(digits) <= 9 else None
