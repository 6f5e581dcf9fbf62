"""Reading the workbook: sheets are sized from their head, never parsed an extra time."""

import io

import pytest
from openpyxl import Workbook
from openpyxl.worksheet._read_only import ReadOnlyWorksheet

from households.models import Household
from households.roster.reader import open_workbook, sheet_reader
from households.roster.runner import run_roster
from households.roster.schema import SHEETS
from tests.households.conftest import household_row
from tests.households.workbooks import make_workbook

pytestmark = pytest.mark.django_db


def _write_only_workbook(rows) -> bytes:
    """Like the benchmark's files (and many exporters'): no <dimension> element."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("户")
    headers = SHEETS["户"].headers
    sheet.append(list(headers))
    for row in rows:
        sheet.append([row.get(h) for h in headers])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_a_sheet_without_dimension_is_read_to_the_end(township):
    rows = [household_row(n) for n in range(1, 41)]

    ctx = run_roster(data=_write_only_workbook(rows), township=township, dry_run=False)

    assert ctx.errors == []
    assert Household.objects.count() == 40


def test_sizes_come_from_the_sheet_head_and_openpyxl_is_left_as_it_was():
    original = ReadOnlyWorksheet._get_size
    with_dimension = open_workbook(make_workbook(households=[household_row(1), household_row(2)]))
    without = open_workbook(_write_only_workbook([household_row(n) for n in range(1, 41)]))

    assert sheet_reader(with_dimension, "户")[0].estimated_rows == 2  # exact
    assert without["户"].max_row is None
    assert 20 <= sheet_reader(without, "户")[0].estimated_rows <= 80  # a guess from the XML size
    assert ReadOnlyWorksheet._get_size is original
