"""Reading an uploaded workbook: refuse what is not a real .xlsx, stream rows in chunks.

Sheets are read with python-calamine (Rust; several times faster than openpyxl can parse the
same XML); openpyxl's read-only mode stays the fallback for files calamine rejects and for
files with cells it would read differently (error values such as #N/A: calamine gives blanks).
Either way the cleaners see what openpyxl gives: None for an empty cell, an int for a whole
number below 10^15 in an ID column. Where calamine still differs, the cleaners make the values
alike: a date cell comes as a date (openpyxl: a datetime at midnight), a cell of spaces as a
blank. calamine also reads cells beyond a stale <dimension>, which openpyxl's read-only mode drops.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import io
import logging
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
from python_calamine import CalamineWorkbook

from core.uploads import check_upload

from .schema import SHEETS, Sheet

logger = logging.getLogger(__name__)

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
    """One sheet through openpyxl's read-only mode (the fallback)."""

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


# Columns whose cleaner tells an int from a float: calamine reads every number as a float,
# openpyxl a whole number written without a decimal point as an int. Below 10^15 a whole float
# is exact and Excel writes it as plain digits (a 15-digit ID number kept as a number); an
# 18-digit one is already rounded, and stays a float for the cleaner to refuse.
EXACT_WHOLE_NUMBERS = frozenset({"身份证号", "户主身份证号"})
_EXACT_BELOW = 10**15


class CalamineBook:
    """A workbook for python-calamine, parsed again for each sheet it reads.

    calamine parses a whole sheet at once (a 300,000-row 成员 sheet: ~120 MB) and keeps every
    shared string of the workbook while it is open (~80 MB for a 100,000-household roster):
    each sheet is parsed with the workbook open only that long, so that rows are read and
    imported with one parsed sheet in memory and nothing else of calamine's.
    """

    def __init__(self, source: BinaryIO):
        self.source = source

    @contextmanager
    def opened(self):
        self.source.seek(0)
        workbook = CalamineWorkbook.from_filelike(self.source)
        try:
            yield workbook
        finally:
            workbook.close()
            release_freed_memory()

    def sheet(self, name: str):
        with self.opened() as workbook:
            return workbook.get_sheet_by_name(name)

    def close(self) -> None:
        """The source belongs to the caller; nothing parsed outlives a sheet's rows."""


@dataclass
class CalamineSheetReader:
    """One sheet through python-calamine (see CalamineBook)."""

    sheet: Sheet
    book: CalamineBook
    columns: dict[str, int]  # header -> index in the sheet's rows as calamine gives them
    last_row: int  # 0-based index of the sheet's last row

    @property
    def estimated_rows(self) -> int:
        return self.last_row  # rows after the header: exact

    def chunks(self, size: int = CHUNK_ROWS) -> Iterator[list[list]]:
        """As SheetReader.chunks: values in header order as openpyxl gives them, row number."""
        indexes = [self.columns[h] for h in self.sheet.headers]
        whole = [k for k, h in enumerate(self.sheet.headers) if h in EXACT_WHOLE_NUMBERS]
        # A sheet whose row 1 is empty has no headers, so it never gets here: rows count from 1.
        rows = self.book.sheet(self.sheet.name).iter_rows()  # holds the parsed sheet
        next(rows, None)  # the header row
        chunk: list[list] = []
        for number, values in enumerate(rows, start=2):
            if not any(v != "" and (v.__class__ is not str or v.strip()) for v in values):
                continue  # an empty row (calamine gives "" for every empty cell)
            row = [*map(values.__getitem__, indexes), number]
            if "" in row:
                row = [None if v == "" else v for v in row]
            for k in whole:
                value = row[k]
                if value.__class__ is float and value.is_integer() and abs(value) < _EXACT_BELOW:
                    row[k] = int(value)
            chunk.append(row)
            if len(chunk) >= size:
                yield chunk
                chunk = []
        if chunk:
            yield chunk
        del rows
        release_freed_memory()


def calamine_sheet_reader(book: CalamineBook, workbook, name: str):
    """As sheet_reader, for a sheet of the open calamine workbook (parsed here, then let go)."""
    if name not in workbook.sheet_names:
        return None, []
    worksheet = workbook.get_sheet_by_name(name)
    start, end = worksheet.start, worksheet.end
    first = worksheet.to_python(nrows=1)[0] if start is not None and start[0] == 0 else ()
    del worksheet
    columns, missing = _columns(SHEETS[name], first)
    return CalamineSheetReader(SHEETS[name], book, columns, end[0] if end else 0), missing


def release_freed_memory() -> None:
    """Give the pages of a freed calamine sheet back to the system. glibc keeps freed heap
    memory for later malloc calls, which Python's small objects never make: without this the
    process would stay as large as the largest sheet plus the shared strings."""
    if _LIBC is not None:
        _LIBC.malloc_trim(0)


def _libc():
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return libc if hasattr(libc, "malloc_trim") else None
    except OSError:  # not glibc: nothing to trim
        return None


_LIBC = _libc()


def read_roster(data: bytes | BinaryIO, names) -> tuple[object, dict]:
    """Open the workbook to import and check the headers of the named sheets: {name: (reader
    or None, missing headers)}. Read by python-calamine, else by openpyxl (see the module's
    docstring). Refuses what is not a real .xlsx (RosterFileError) before parsing anything."""
    source = io.BytesIO(data) if isinstance(data, bytes) else data
    source.seek(0)
    check_workbook_file(source)
    if not has_error_cells(source):
        book = CalamineBook(source)
        try:
            # every sheet is parsed here: one calamine cannot read falls back to openpyxl
            # before any row is imported
            with book.opened() as workbook:
                return book, {name: calamine_sheet_reader(book, workbook, name) for name in names}
        except Exception:  # noqa: BLE001 - whatever calamine rejects, openpyxl gets to try
            logger.info("roster workbook: python-calamine cannot read it, trying openpyxl")
        source.seek(0)
    workbook = open_workbook(source)
    try:
        return workbook, {name: sheet_reader(workbook, name) for name in names}
    except BaseException:
        workbook.close()
        raise


def has_error_cells(source: BinaryIO) -> bool:
    """Whether any sheet holds an error value (#N/A, #REF!...): openpyxl reads it as that text,
    which the cleaners refuse, python-calamine as a blank cell, which they might accept."""
    try:
        with zipfile.ZipFile(source) as archive:
            for info in archive.infolist():
                if info.filename.startswith("xl/worksheets/") and _holds(archive, info):
                    return True
        return False
    except (zipfile.BadZipFile, OSError, ValueError):
        return True  # let openpyxl say what is wrong with it
    finally:
        source.seek(0)


_ERROR_CELL = (b't="e"', b"t='e'")  # <c r="A2" t="e"><v>#N/A</v></c>


def _holds(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bool:
    """Whether a sheet's XML has an error cell, inflated 1 MB at a time."""
    tail = b""
    with archive.open(info) as part:
        while block := part.read(1 << 20):
            seam = tail + block[:8]
            if any(n in block or n in seam for n in _ERROR_CELL):
                return True
            tail = block[-8:]
    return False


def sheet_reader(workbook, name: str) -> tuple[SheetReader | None, list[str]]:
    """The reader for one sheet of an openpyxl workbook, or None with the header problems."""
    if name not in workbook.sheetnames:
        return None, []
    worksheet = workbook[name]
    first = next(worksheet.iter_rows(min_row=1, max_row=1, values_only=True), ())
    columns, missing = _columns(SHEETS[name], first)
    return SheetReader(SHEETS[name], worksheet, columns), missing


def _columns(sheet: Sheet, first) -> tuple[dict[str, int], list[str]]:
    """Where each of the sheet's headers is in its first row, and the headers not found."""
    found = {_header_key(v): i for i, v in enumerate(first) if v is not None and v != ""}
    columns, missing = {}, []
    for header in sheet.headers:
        index = found.get(_header_key(header))
        if index is None:
            missing.append(header)
        else:
            columns[header] = index
    return columns, missing
