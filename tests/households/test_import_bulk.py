"""The roster's fast insert path (COPY on PostgreSQL, bulk_create elsewhere) keeps every value."""

import pytest

from households.models import Household, Resident, RosterImportChange
from households.roster.runner import run_roster
from tests.households.conftest import household_row
from tests.households.workbooks import make_workbook

pytestmark = pytest.mark.django_db

AWKWARD = 'tab\there, "quoted", comma, back\\slash\nnext line'


def test_awkward_text_empty_strings_and_nulls_survive_the_insert(township):
    rows = [household_row(1, 备注=AWKWARD, 网格=""), household_row(2, 重点类别="")]

    ctx = run_roster(data=make_workbook(households=rows), township=township, dry_run=False)

    assert ctx.errors == []
    first = Household.objects.get(code="H0001")
    assert first.note == AWKWARD.replace("\t", " ").replace("\n", " ")  # cleaning collapses
    assert first.grid == "" and first.status_date is None
    assert Household.objects.get(code="H0002").tags == ""
    head = Resident.objects.get(household=first)
    assert head.is_head is True and head.status_date is None
    assert head.created_at is not None and head.updated_at is not None


def test_change_rows_keep_json_fields_and_null_rows(township):
    from households.roster.bulk import insert_rows
    from households.roster.service import CHANGE_COLUMNS, roster_upload_create

    imp = roster_upload_create(data=b"x", file_name="x.xlsx", township=township, actor=None)
    insert_rows(
        RosterImportChange,
        CHANGE_COLUMNS,
        [
            (imp.pk, "户", 2, "updated", "H1", {"note": ["a\tb", 'c "d"\n'], "n": [1, None]}),
            (imp.pk, "结对", None, "ended", "H2", {}),
        ],
    )

    first, second = imp.change_rows.order_by("id")
    assert first.fields == {"note": ["a\tb", 'c "d"\n'], "n": [1, None]}
    assert (second.row, second.fields, second.key) == (None, {}, "H2")
