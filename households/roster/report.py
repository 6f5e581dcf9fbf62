"""The human summary of one roster run (CLI output; the page renders the same data)."""

from __future__ import annotations

from .schema import IMPORT_ORDER

KIND_LABELS = (("new", "新增"), ("updated", "更新"), ("unchanged", "未变"), ("error", "错误"))


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
    if roster_import.missing_pairings:
        done = roster_import.end_missing_pairings and roster_import.status == "done"
        lines.append(
            f"系统中有 {roster_import.missing_pairings} 个现有结对不在本文件的“结对”工作表中："
            + (
                "已结束（历史保留）。"
                if done
                else "未改动（如需结束，请加 --end-missing-pairings）。"
            )
        )
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
