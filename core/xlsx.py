"""Writing .xlsx ledgers safely: every cell that a spreadsheet would run as a formula is
neutralised (CSV/formula injection), whatever the source of the text. Workbooks are write-only
(rows go to disk as they come, memory stays flat) and a download is streamed from a temporary
file, never held in memory."""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable, Iterable, Sequence
from typing import IO

from django.core.cache import cache
from django.http import FileResponse
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PROGRESS_EVERY = 500
PROGRESS_SECONDS = 600
_JOB = re.compile(r"[A-Za-z0-9_-]{8,64}")

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """Text that starts like a formula is prefixed with a quote so it stays text."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def write_workbook(
    target: str | IO[bytes],
    sheets: Iterable[tuple[str, Sequence[str], Iterable[Sequence]]],
    *,
    progress: Callable[[int], object] | None = None,
) -> int:
    """Write (title, headers, rows) sheets with a write-only workbook; returns the row count.
    `progress(rows)` is told every PROGRESS_EVERY rows."""
    workbook = Workbook(write_only=True)
    total = 0
    for title, headers, rows in sheets:
        sheet = workbook.create_sheet(title=title[:31])
        for index, header in enumerate(headers, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = max(10, len(header) * 2 + 4)
        sheet.append(list(headers))
        for row in rows:
            # an empty text is no cell at all: the same blank in Excel, and no element to write
            sheet.append([None if v == "" else safe_cell(v) for v in row])
            total += 1
            if progress is not None and total % PROGRESS_EVERY == 0:
                progress(total)
    workbook.save(target)
    return total


def xlsx_download(filename: str, build: Callable[[IO[bytes]], object]) -> FileResponse:
    """`build(file)` writes the workbook (and its audit row); the response streams the file
    from disk in chunks, with its length, and deletes it when sent."""
    spool = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes (and so deletes) it
    try:
        build(spool)
        size = spool.tell()
        spool.seek(0)
    except BaseException:
        spool.close()
        raise
    response = FileResponse(spool, as_attachment=True, filename=filename, content_type=XLSX_TYPE)
    response["Content-Length"] = str(size)
    response["Cache-Control"] = "no-store, private"
    return response


# Progress of a large export, for the page that asked for it: the download is built in the
# request and the page polls these counts meanwhile (through the shared cache: with several
# processes CACHE_URL must name Redis, see config/settings.py, or the bar stays indeterminate).


def progress_key(user_id: int, job: str | None) -> str | None:
    """The cache key of one export job of one user; None for a missing or malformed job id."""
    if not job or not _JOB.fullmatch(job):
        return None
    return f"xlsx-progress:{user_id}:{job}"


def progress_set(key: str | None, *, done: int, total: int, finished: bool = False) -> None:
    if key is not None:
        cache.set(key, {"done": done, "total": total, "finished": finished}, PROGRESS_SECONDS)


def progress_get(key: str | None) -> dict:
    return (cache.get(key) if key is not None else None) or {
        "done": 0,
        "total": 0,
        "finished": False,
    }
