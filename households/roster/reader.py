"""Reading an uploaded workbook: refuse what is not a real .xlsx, stream rows in chunks."""

from __future__ import annotations

import io
import re
import threading
import unicodedata
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import BinaryIO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from openpyxl import load_workbook
from openpyxl.utils.cell import range_boundaries
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet._read_only import ReadOnlyWorksheet

from core.uploads import check_upload

from .schema import SHEETS, Sheet

CHUNK_ROWS = 5000
BYTES_PER_CELL = 55  # of sheet XML with inline strings, to guess a sheet's rows for progress


class RosterFileError(Exception):
    """The file as a whole cannot be read; the message says what to do."""


def max_upload_bytes() -> int:
    return getattr(settings, "ROSTER_IMPORT_MAX_BYTES", 64 * 1024 * 1024)


def archive_limits() -> dict:
    """The zip-bomb bounds of a workbook (settings ROSTER_MAX_UNCOMPRESSED_BYTES and
    ROSTER_MAX_COMPRESSION_RATIO; a 100,000-household roster is ~180 MB of XML at ~11:1)."""
    return {
        "max_uncompressed_bytes": getattr(
            settings, "ROSTER_MAX_UNCOMPRESSED_BYTES", 512 * 1024 * 1024
        ),
        "max_compression_ratio": getattr(settings, "ROSTER_MAX_COMPRESSION_RATIO", 100),
    }


def _too_large_message(size: int) -> str:
    return _("文件过大（%(size).1f MB），上限为 %(limit)d MB。请按村拆分后分批导入。") % {
        "size": size / 1048576,
        "limit": max_upload_bytes() // 1048576,
    }


NOT_XLSX = gettext_noop(
    "文件不是有效的 Excel .xlsx 文件。请在 Excel 中“另存为” .xlsx 格式后重新上传。"
)


def check_workbook_file(source: BinaryIO) -> None:
    """Refuse what is not a real .xlsx, is too large, or would inflate past the archive bounds
    (a zip bomb) — through the one upload validator, before anything parses the file."""
    try:
        check_upload(source, kinds={"xlsx"}, max_bytes=max_upload_bytes(), **archive_limits())
    except ValidationError as error:
        if error.code == "upload_too_large":
            raise RosterFileError(_too_large_message(source.seek(0, io.SEEK_END))) from None
        if error.code == "upload_archive_bomb":
            raise RosterFileError(" ".join(error.messages)) from None
        raise RosterFileError(_(NOT_XLSX)) from None
    finally:
        source.seek(0)


def open_workbook(data: bytes | BinaryIO):
    """A read-only workbook from bytes or from a seekable binary file (read in place)."""
    source = io.BytesIO(data) if isinstance(data, bytes) else data
    source.seek(0)
    check_workbook_file(source)
    try:
        with _sizes_from_sheet_heads():
            return load_workbook(source, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError):
        raise RosterFileError(_(NOT_XLSX)) from None


_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s+ref=\"([A-Z]+[0-9]+(?::[A-Z]+[0-9]+)?)\"")
_SIZE_LOCK = threading.Lock()


def _size_from_head(worksheet) -> None:
    """ReadOnlyWorksheet._get_size, reading only the head of the sheet.

    openpyxl looks for the <dimension> element by parsing until </sheetData>, i.e. the whole
    sheet, when a file has none (openpyxl's own write-only files, many exporters): every sheet
    was then parsed twice. Excel writes the element near the top, so 4 KB finds it; without it
    the sheet's size stays unknown and rows are read to the end (the progress bar estimates).
    """
    with worksheet._get_source() as source:
        match = _DIMENSION.search(source.read(4096))
    if match:
        bounds = range_boundaries(match.group(1).decode())
        worksheet._min_column, worksheet._min_row, worksheet._max_column, worksheet._max_row = (
            bounds
        )


@contextmanager
def _sizes_from_sheet_heads():
    with _SIZE_LOCK:
        original = ReadOnlyWorksheet._get_size
        ReadOnlyWorksheet._get_size = _size_from_head
        try:
            yield
        finally:
            ReadOnlyWorksheet._get_size = original


def _header_key(value) -> str:
    return unicodedata.normalize("NFKC", str(value or "")).replace(" ", "").strip()


@dataclass
class SheetReader:
    sheet: Sheet
    worksheet: object
    columns: dict[str, int]

    @property
    def estimated_rows(self) -> int:
        """Data rows: exact when the sheet states its size, else guessed from its XML size."""
        if self.worksheet.max_row is not None:
            return max(self.worksheet.max_row - 1, 0)
        archive = self.worksheet.parent._archive
        size = archive.getinfo(self.worksheet._worksheet_path).file_size
        return size // (BYTES_PER_CELL * len(self.sheet.headers))

    def chunks(self, size: int = CHUNK_ROWS) -> Iterator[list[list]]:
        """Yield lists of rows: the raw values in the order of the sheet's headers, then the
        excel row number. Empty rows are dropped."""
        chunk: list[list] = []
        indexes = [self.columns[h] for h in self.sheet.headers]
        width = max(indexes) + 1
        for number, values in enumerate(
            self.worksheet.iter_rows(min_row=2, values_only=True), start=2
        ):
            if not any(v is not None and (not isinstance(v, str) or v.strip()) for v in values):
                continue
            if len(values) < width:
                values = (*values, *(None,) * (width - len(values)))
            chunk.append([*map(values.__getitem__, indexes), number])
            if len(chunk) >= size:
                yield chunk
                chunk = []
        if chunk:
            yield chunk


def sheet_reader(workbook, name: str) -> tuple[SheetReader | None, list[str]]:
    """The reader for one sheet, or None with the header problems found."""
    sheet = SHEETS[name]
    if name not in workbook.sheetnames:
        return None, []
    worksheet = workbook[name]
    first = next(worksheet.iter_rows(min_row=1, max_row=1, values_only=True), ())
    found = {_header_key(v): i for i, v in enumerate(first) if v is not None}
    columns, missing = {}, []
    for header in sheet.headers:
        index = found.get(_header_key(header))
        if index is None:
            missing.append(header)
        else:
            columns[header] = index
    return SheetReader(sheet, worksheet, columns), missing
