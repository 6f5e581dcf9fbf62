"""The human summary of one roster run (CLI output; the page renders the same data)."""

from __future__ import annotations

from .guards import needs_typed_confirmation
from .schema import IMPORT_ORDER

KIND_LABELS = (
    ("new", "新增"),
    ("updated", "更新"),
    ("moved", "迁移"),
    ("unchanged", "未变"),
    ("error", "错误"),
)
CLI_LISTED = 50  # lines of each preview list the command prints


def sheet_rows(counts: dict) -> list[dict]:
    """One row per sheet in workbook order, with zero counts for sheets not present."""
    rows = []
    for sheet in IMPORT_ORDER:
        per = counts.get(sheet, {})
        rows.append({"sheet": sheet, **{k: per.get(k, 0) for k, _label in KIND_LABELS}})
    return rows


def summary_lines(roster_import) -> list[str]:
    lines = [f"文件：{roster_import.file_name}  SHA-256：{roster_import.file_sha256[:16]}…"]
    for row in sheet_rows(roster_import.counts):
        parts = "  ".join(f"{label} {row[k]}" for k, label in KIND_LABELS)
        lines.append(f"[{row['sheet']}] {parts}")
    preview = roster_import.preview or {}
    lines += move_lines(preview)
    if roster_import.missing_pairings:
        n = roster_import.missing_pairings
        done = roster_import.end_missing_pairings and roster_import.status == "done"
        hint = "如需结束，请加 --end-missing-pairings"
        if needs_typed_confirmation(n):
            hint += f" --confirm-end {n}"
        lines.append(
            f"系统中有 {n} 个现有结对不在本文件的“结对”工作表中："
            + ("已结束（历史保留）。" if done else f"未改动（{hint}）。")
        )
        lines += ending_lines(preview)
    for error in roster_import.errors:
        where = "".join(
            [
                f"工作表“{error['sheet']}”" if error.get("sheet") else "",
                f" 第 {error['row']} 行" if error.get("row") else "",
                f" “{error['column']}”列" if error.get("column") else "",
            ]
        )
        lines.append(f"错误：{where}：{error['message']}" if where else f"错误：{error['message']}")
    if roster_import.error_count > len(roster_import.errors):
        lines.append(f"……另有 {roster_import.error_count - len(roster_import.errors)} 处错误未列出")
    return lines


def move_lines(preview: dict) -> list[str]:
    """迁移：张三（1101…0017） 从 H0001 李梅户 → H0006 王五户 (and renames), as on the page."""
    lines = []
    for m in preview.get("moves", [])[:CLI_LISTED]:
        renamed = f"（原名 {m['old_name']}）" if m.get("old_name") else ""
        head = "（户主）" if m.get("was_head") else ""
        lines.append(
            f"迁移：{m['label']}{renamed}{head} 从 {m['from_code']} {m['from_head']}户 → "
            f"{m['to_code']} {m['to_head']}户  [工作表“{m['sheet']}” 第 {m['row']} 行]"
        )
    lines += _more(preview.get("move_count", 0), len(lines), "条迁移")
    renames = []
    for r in preview.get("renames", [])[:CLI_LISTED]:
        renames.append(
            f"改名：{r['old']} → {r['new']}（{r['code']}，{r['label']}）"
            f"  [工作表“{r['sheet']}” 第 {r['row']} 行]"
        )
    return lines + renames + _more(preview.get("rename_count", 0), len(renames), "条改名")


def ending_lines(preview: dict) -> list[str]:
    """The pairings that end (or would end): per cadre, then cadre -> household."""
    by_cadre = preview.get("ending_by_cadre", [])
    lines = [f"  {c['cadre']}（{c['phone']}）：{c['count']} 户" for c in by_cadre[:CLI_LISTED]]
    lines += _more(len(by_cadre), len(lines), "名联系干部")
    listed = preview.get("ending", [])[:CLI_LISTED]
    lines += [f"  结对：{e['cadre']} → {e['code']} {e['head']}" for e in listed]
    return lines + _more(preview.get("ending_count", 0), len(listed), "个结对")


def _more(total: int, shown: int, what: str) -> list[str]:
    return [f"  ……另有 {total - shown} {what}未列出"] if total > shown else []
