"""The one-head rule (households.services_heads) applied to what a whole roster leaves behind.

Run after the 成员 sheet inside the import's transaction (a dry run writes too, then rolls
back), so it sees every household as the file leaves it: those on the 户 sheet, those a member
row names, and those a member moved out of. A household the file touches that ends with two
heads, or with members present and no head, refuses the file with an error on the rows that
did it, naming the household; households the file does not touch are not its business.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from households.models import Household, Resident
from households.services_heads import NO_HEAD, households_breaking_head_rule

from .schema import HOUSEHOLDS, MEMBERS

QUERY_CHUNK = 1000


def check_heads(ctx, *, household_rows: dict, members) -> None:
    """household_rows: 户 sheet code -> row; members: the 成员 sheet's resource (its `seen`
    maps each person in the file to their row, minus for a head given on the 户 sheet)."""
    problems = households_breaking_head_rule(township_id=ctx.township.pk)
    ids = sorted(problems)
    for start in range(0, len(ids), QUERY_CHUNK):
        chunk = ids[start : start + QUERY_CHUNK]
        codes = dict(Household.objects.filter(pk__in=chunk).values_list("pk", "code"))
        in_file: dict[int, list[tuple[int, str, bool]]] = {}  # (row, name, is head)
        heads_elsewhere: dict[int, list[str]] = {}  # present heads the file does not list
        residents = (
            Resident.objects.filter(household_id__in=chunk, status=Resident.Status.PRESENT)
            .values_list("household_id", "id_number_hmac", "name", "is_head")
            .order_by("household_id", "id")
        )
        for household_id, key, name, is_head in residents:
            row = members.seen.get(members.seen_key(key)) if key else None
            if row is not None:
                in_file.setdefault(household_id, []).append((row, name, is_head))
            elif is_head:
                heads_elsewhere.setdefault(household_id, []).append(name)
        for pk in chunk:
            code, rows = codes[pk], in_file.get(pk, [])
            if rows or code in household_rows or pk in ctx.left_households:
                where = (code, rows, household_rows.get(code))
                if problems[pk][0] == NO_HEAD:
                    _no_head(ctx, where, ctx.head_losses.get(pk, []))
                else:
                    _two_heads(ctx, where, heads_elsewhere.get(pk, []))


def _no_head(ctx, where, losses) -> None:
    code = where[0]
    for sheet, row, name, moved_to in losses:
        ctx.error(sheet, row, _column(sheet, moved_to), _lost(code, name, moved_to))
    if not losses:
        message = _(
            "户 %(code)s 有在户成员却没有户主：请在“成员”工作表中把一名成员的与户主关系填为"
            "“户主”，或在“户”工作表填写该户的户主身份证号。"
        ) % {"code": code}
        _blame(ctx, where, message)


def _two_heads(ctx, where, heads_elsewhere) -> None:
    code, rows, _household_row = where
    names = [name for _row, name, is_head in rows if is_head] + heads_elsewhere
    message = _(
        "户 %(code)s 将有 %(n)d 位户主（%(names)s）：一户只能有一位户主。请在文件中写明其他人"
        "与户主的关系（系统中已有、本文件没有列出的户主也请列出并改填关系）。"
    ) % {"code": code, "n": len(names), "names": "、".join(names)}
    _blame(ctx, where, message)


def _blame(ctx, where, message) -> None:
    """The error goes on the file's head rows for the household, else on its 户 sheet row,
    else on its first member row."""
    _code, rows, household_row = where
    marked = [r for r in rows if r[2]]
    if not marked and household_row is not None:
        ctx.error(HOUSEHOLDS, household_row, "户主身份证号", message)
        return
    for row, _name, _head in marked or rows[:1]:
        sheet = HOUSEHOLDS if row < 0 else MEMBERS
        ctx.error(sheet, abs(row), _column(sheet, ""), message)
    if not rows:
        ctx.error(MEMBERS, None, "", message)


def _column(sheet: str, moved_to: str) -> str:
    if sheet == HOUSEHOLDS:
        return "户主身份证号"
    return "户编号" if moved_to else "与户主关系"


def _lost(code: str, name: str, moved_to: str) -> str:
    if moved_to:
        return _(
            "本行把户 %(code)s 的户主 %(name)s 迁到户 %(to)s，户 %(code)s 将有在户成员却没有户主。"
            "请在文件中为户 %(code)s 指定新户主（与户主关系填“户主”），或核对身份证号。"
        ) % {"code": code, "name": name, "to": moved_to}
    return _(
        "本行把 %(name)s 改为非户主，户 %(code)s 将没有户主。"
        "请在文件中为该户指定新户主（与户主关系填“户主”）。"
    ) % {"code": code, "name": name}
