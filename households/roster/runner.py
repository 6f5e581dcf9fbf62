"""Run a roster workbook through the four resources inside one transaction.

All-or-nothing: any row error (or a dry run) rolls everything back; the context still
carries the counts, errors and changes for the preview.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from contextlib import contextmanager
from typing import BinaryIO

import tablib
from django.db import transaction
from django.utils.translation import gettext as _

from households.identity import blind_index

from .context import ImportContext
from .heads import check_heads
from .reader import CHUNK_ROWS, RosterFileError, read_roster
from .resources import CadreResource, HouseholdResource, MemberResource, PairingResource
from .schema import HOUSEHOLDS, IMPORT_ORDER, MEMBERS, PAIRINGS, SHEETS

RESOURCES = {
    "户": HouseholdResource,
    "成员": MemberResource,
    "干部": CadreResource,
    "结对": PairingResource,
}


class _Rollback(Exception):
    pass


def run_roster(
    *,
    data: bytes | BinaryIO,
    township,
    actor=None,
    dry_run: bool,
    on_progress: Callable[[int, int], None] | None = None,
    on_success: Callable[[ImportContext], None] | None = None,
    change_writer: Callable[[list[tuple]], None] | None = None,
    end_missing_pairings: bool = False,
    confirm_end: int | None = None,
) -> ImportContext:
    """Validate (and unless dry_run, write) a roster; raises RosterFileError for a bad file.

    change_writer receives the row changes in batches inside the import's transaction (see
    ImportContext); end_missing_pairings ends the current pairings the 结对 sheet leaves out,
    when exactly confirm_end of them are (or, up to the threshold, unconfirmed: guards.py).
    """
    ctx = ImportContext(
        township=township,
        actor=actor,
        dry_run=dry_run,
        change_writer=change_writer,
        end_missing_pairings=end_missing_pairings,
        confirm_end=confirm_end,
    )
    workbook, sheets = read_roster(data, IMPORT_ORDER)
    try:
        readers = {}
        for name in IMPORT_ORDER:
            reader, missing = sheets[name]
            for header in missing:
                ctx.error(name, 1, header, _("缺少列“%(h)s”，请使用导入模板。") % {"h": header})
            if reader is not None and not missing:
                readers[name] = reader
        if not readers and not ctx.has_errors:
            raise RosterFileError(
                _("找不到工作表：工作簿应包含“户”“成员”“干部”“结对”工作表，请使用导入模板。")
            )
        if ctx.has_errors:
            return ctx
        total = max(sum(r.estimated_rows for r in readers.values()), 1)
        try:
            with _fewer_collections(), transaction.atomic():
                _run_sheets(ctx, readers, total, on_progress)
                if ctx.has_errors or dry_run:
                    raise _Rollback
                ctx.flush_changes()
                if on_success is not None:
                    on_success(ctx)
        except _Rollback:
            pass
    finally:
        workbook.close()
    return ctx


@contextmanager
def _fewer_collections():
    """Parsing a workbook allocates millions of short-lived objects, and every default-threshold
    collection of the oldest generation walks the import's long-lived lookups as well: collect
    rarely while the sheets run (nothing here builds reference cycles that must go early)."""
    thresholds = gc.get_threshold()
    gc.set_threshold(50_000, 50, 100)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)


def _run_sheets(ctx, readers, total, on_progress) -> None:
    done = 0
    household_rows: dict = {}
    for name in IMPORT_ORDER:
        reader = readers.get(name)
        resource = RESOURCES[name](ctx)
        if reader is not None:
            try:
                for chunk in reader.chunks():
                    _import_chunk(resource, name, chunk)
                    done += len(chunk)
                    if on_progress is not None:
                        on_progress(min(done, total), total)
            except (KeyError, ValueError, EOFError) as error:
                raise RosterFileError(
                    _("工作表“%(s)s”读取失败：%(e)s") % {"s": name, "e": error}
                ) from error
        if name == HOUSEHOLDS:
            household_rows = resource.seen  # code -> row, for the one-head check
        if name == MEMBERS:
            _import_missing_heads(resource, ctx)
            if not ctx.has_errors:
                check_heads(ctx, household_rows=household_rows, members=resource)
        if name == PAIRINGS and reader is not None and not ctx.has_errors:
            resource.settle_missing()


def _import_chunk(resource, name: str, chunk: list[list], sheet: str = "") -> None:
    """chunk: rows of raw values in the sheet's header order, each ending with its row number."""
    sheet = sheet or name
    # Rows passed to the constructor skip tablib's per-append validation (they are all alike).
    dataset = tablib.Dataset(
        *(row + [sheet] for row in chunk), headers=[*SHEETS[name].headers, "_row", "_sheet"]
    )
    result = resource.import_data(dataset, dry_run=False, use_transactions=True, raise_errors=False)
    for error in result.base_errors:
        resource.ctx.error(name, None, "", _("写入数据库失败：%(e)s") % {"e": error.error})
    for _number, errors in result.row_errors():
        for error in errors:
            row = (error.row or {}).get("_row")
            resource.ctx.error(name, row, "", _("处理出错：%(e)s") % {"e": error.error})


def _import_missing_heads(resource, ctx) -> None:
    """A head given only on the 户 sheet (户主身份证号) becomes a member of their household."""
    chunk: list[list] = []
    for code, head in ctx.heads.items():
        number, id_number, name, phone = head.split("\t")
        if resource.seen.get(resource.seen_key(_blind(id_number))) is not None:
            continue
        values = {"户编号": code, "姓名": name, "身份证号": id_number, "联系电话": phone}
        values["与户主关系"] = "户主"
        chunk.append([*map(values.get, SHEETS[MEMBERS].headers), int(number)])
        if len(chunk) >= CHUNK_ROWS:
            _import_chunk(resource, MEMBERS, chunk, sheet=HOUSEHOLDS)
            chunk = []
    if chunk:
        _import_chunk(resource, MEMBERS, chunk, sheet=HOUSEHOLDS)
    ctx.heads.clear()


def _blind(number: str) -> str:
    return blind_index(number)
