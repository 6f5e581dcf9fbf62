"""Writing .xlsx ledgers safely: every cell that a spreadsheet would run as a formula is
neutralised (CSV/formula injection), whatever the source of the text."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import IO

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """Text that starts like a formula is prefixed with a quote so it stays text."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def write_workbook(
    target: str | IO[bytes],
    sheets: Iterable[tuple[str, Sequence[str], Iterable[Sequence]]],
) -> int:
    """Write (title, headers, rows) sheets with a write-only workbook; returns the row count."""
    workbook = Workbook(write_only=True)
    total = 0
    for title, headers, rows in sheets:
        sheet = workbook.create_sheet(title=title[:31])
        for index, header in enumerate(headers, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = max(10, len(header) * 2 + 4)
        sheet.append(list(headers))
        for row in rows:
            sheet.append([safe_cell(v) for v in row])
            total += 1
    workbook.save(target)
    return total
