"""Issue #12, finding 11: a zip-bomb workbook is refused before anything parses it, on every door
(the import page, `manage.py import_roster`, the preview/commit services the Celery tasks run),
with a Chinese message; the bounds (ROSTER_MAX_UNCOMPRESSED_BYTES, ROSTER_MAX_COMPRESSION_RATIO)
let a real 100,000-household roster through."""

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from core.uploads import check_archive_bounds
from households.models import Household, RosterImport
from households.roster import reader
from households.roster.reader import RosterFileError, archive_limits, open_workbook
from households.roster.runner import run_roster
from households.roster.service import roster_preview, roster_upload_create
from liaison.roles import Role
from tests.factories import TownshipFactory, valid_id_number
from tests.households.workbooks import make_workbook

pytestmark = pytest.mark.django_db

BOMB_MESSAGE = "解压后过大"


def bomb(uncompressed: int = 40 * 1024 * 1024) -> bytes:
    """A workbook whose sheet XML is `uncompressed` bytes of one repeated byte (~1000:1)."""
    real = zipfile.ZipFile(io.BytesIO(make_workbook(households=[{"户编号": "H0001"}])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for info in real.infolist():
            if info.filename == "xl/worksheets/sheet1.xml":
                data = b"<worksheet>" + b" " * uncompressed + b"</worksheet>"
                archive.writestr(info.filename, data)
            else:
                archive.writestr(info.filename, real.read(info.filename))
    return out.getvalue()


@pytest.fixture
def township():
    return TownshipFactory()


@pytest.fixture
def no_parsing(monkeypatch):
    """Fail the test if openpyxl is ever asked to parse the workbook."""

    def refuse(*args, **kwargs):
        raise AssertionError("the workbook was parsed")

    monkeypatch.setattr(reader, "load_workbook", refuse)


def test_the_bomb_is_small_on_disk_and_huge_inflated():
    data = bomb()
    assert len(data) < 200 * 1024
    assert sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(data)).infolist()) > 40_000_000


def test_the_reader_refuses_a_bomb_by_ratio_before_parsing(no_parsing):
    # given a 40 MB sheet in a ~40 KB workbook (under the size bound, far over the ratio)
    with pytest.raises(RosterFileError) as caught:
        open_workbook(bomb())
    # then it says why, in Chinese
    assert BOMB_MESSAGE in str(caught.value)


def test_the_reader_refuses_a_workbook_over_the_uncompressed_bound(settings, no_parsing):
    # given a bound of 1 MB and no ratio bound to speak of
    settings.ROSTER_MAX_UNCOMPRESSED_BYTES = 1024 * 1024
    settings.ROSTER_MAX_COMPRESSION_RATIO = 10_000
    with pytest.raises(RosterFileError, match=BOMB_MESSAGE):
        open_workbook(bomb(2 * 1024 * 1024))


def test_the_archive_check_reads_only_the_directory():
    # the central directory's sizes decide; nothing is inflated
    data = io.BytesIO(bomb())
    with pytest.raises(ValidationError) as caught:
        check_archive_bounds(data, max_uncompressed_bytes=None, max_compression_ratio=100)
    assert caught.value.code == "upload_archive_bomb"
    assert data.tell() == 0


def test_the_page_door_records_the_refusal(client, make_user, township, no_parsing):
    # given an admin of the township
    client.force_login(make_user(Role.ADMIN, township=township, workgroup=None))
    # when the bomb is uploaded on the import page
    response = client.post(
        reverse("households:import"),
        {"file": SimpleUploadedFile("花名册.xlsx", bomb())},
        follow=True,
    )
    # then the import is invalid with the message, and nothing was written
    roster_import = RosterImport.objects.get()
    assert roster_import.status == RosterImport.Status.INVALID
    assert BOMB_MESSAGE in roster_import.errors[0]["message"]
    assert BOMB_MESSAGE in response.content.decode()
    assert not roster_import.file  # the refused file is not kept
    assert not Household.objects.exists()


def test_the_cli_door_exits_non_zero(tmp_path, township, no_parsing):
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(bomb())
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_roster", str(path), "--dry-run", stdout=out)
    assert BOMB_MESSAGE in out.getvalue()


def test_the_service_door_of_the_celery_task(township, no_parsing):
    roster_import = roster_upload_create(
        data=bomb(), file_name="bomb.xlsx", township=township, actor=None
    )
    roster_preview(roster_import=roster_import)
    assert roster_import.status == RosterImport.Status.INVALID
    assert BOMB_MESSAGE in roster_import.errors[0]["message"]


def test_the_defaults_let_a_real_100k_household_roster_through(township):
    # given a realistic slice of a roster: 200 households with three members each
    n = 200
    households = [
        {
            "户编号": f"H{h:07d}",
            "村（社区）": f"村{h % 15}",
            "网格": str(h % 20 + 1),
            "详细地址": f"幸福路{h}号",
            "户主姓名": f"户主{h}",
            "户主身份证号": valid_id_number(h * 3),
            "联系电话": f"138{h:08d}",
            "重点类别": "生活困难" if h % 4 else "",
        }
        for h in range(n)
    ]
    members = [
        {
            "户编号": f"H{h:07d}",
            "姓名": f"成员{h}-{k}",
            "身份证号": valid_id_number(h * 3 + k),
            "与户主关系": "子女",
            "联系电话": f"137{h * 3 + k:08d}",
            "政治面貌": "群众",
        }
        for h in range(n)
        for k in range(3)
    ]
    pairings = [{"手机号": f"139{h % 20:08d}", "户编号": f"H{h:07d}"} for h in range(n)]
    data = make_workbook(households=households, members=members, pairings=pairings)
    infos = zipfile.ZipFile(io.BytesIO(data)).infolist()
    uncompressed = sum(i.file_size for i in infos)
    limits = archive_limits()
    # then its ratio is well inside the bound, and 100,000 households stay under the size bound
    assert uncompressed / len(data) < limits["max_compression_ratio"] / 3
    assert uncompressed / n * 100_000 < limits["max_uncompressed_bytes"]
    # and the workbook itself is read (a dry run)
    ctx = run_roster(data=data, township=township, dry_run=True)
    assert ctx.counts  # it was parsed
