"""Benchmark the household export (住户台账) at 7,601 households (not a test).

    createdb -h 127.0.0.1 -U postgres bench_exports
    DJANGO_SECRET_KEY=x DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_exports \\
        .venv/bin/python bench/exports.py [--households 7601] [--members 3] [--repeat 3]

Builds one township of N households with M members each (ID numbers encrypted as the roster
import stores them; idempotent), then, in the same process and run, as the township's admin:
  - the page: GET households:export through Django's test Client, the streamed .xlsx read to
    the end (masked, write-only workbook, audited);
  - the same rows written by a plain openpyxl workbook (not write-only): households.ledger runs
    unchanged, with core.xlsx's write-only Workbook swapped for an ordinary one;
  - the rows alone: the same queries and cells with no workbook at all (the floor);
  - the reveal export (full numbers through identity_reveal, audited as a reveal).
Prints wall and CPU seconds of this process (the machine may be shared), the file size, the
row count and the 1-minute load average beside each figure.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench_exports")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DJANGO_DEBUG", "0")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")

VILLAGES = 15
BATCH = 5000


def load() -> str:
    return f"{os.getloadavg()[0]:.2f}"


def build(n: int, members: int):
    """The township, its villages, n households of `members` members; returns the admin."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from households.models import Household, Resident
    from liaison.models import Cadre, Township, Village
    from tests.factories import valid_id_number

    User = get_user_model()  # noqa: N806
    code = f"export-{n}-{members}"
    username = f"bench-export-admin-{n}-{members}"
    if Township.objects.filter(code=code).exists():
        return User.objects.get(username=username)
    township = Township.objects.create(name="导出乡", code=code)
    villages = Village.objects.bulk_create(
        Village(township=township, name=f"村{i:02d}", code=f"V{i:02d}") for i in range(VILLAGES)
    )
    households = Household.objects.bulk_create(
        (
            Household(township=township, village=villages[k % VILLAGES], code=f"H{k:06d}",
                      grid=str(k % 7 + 1), address=f"幸福路{k}号", head_name=f"户主{k}",
                      phone=f"138{k:08d}", tags=",hardship," if k % 9 == 0 else "")
            for k in range(n)
        ),
        batch_size=BATCH,
    )  # fmt: skip

    def residents():
        serial = 0
        for k, household in enumerate(households):
            for m in range(members):
                serial += 1
                days = serial // 1000 * 37  # with serial % 1000, a unique number each
                birth = (dt.date(1940, 1, 1) + dt.timedelta(days=days)).strftime("%Y%m%d")
                resident = Resident(
                    household=household, name=f"成员{k}-{m}", is_head=m == 0,
                    relation="head" if m == 0 else "child", phone=f"137{serial:08d}",
                )  # fmt: skip
                resident.set_id_number(valid_id_number(serial, birth))
                yield resident

    Resident.objects.bulk_create(residents(), batch_size=BATCH)
    admin = User.objects.create_user(username=username, password="x-Bench-1")
    admin.groups.add(Group.objects.get(name="admin"))
    Cadre.objects.create(user=admin, township=township, name="管理员", phone="13900000000")
    return admin


def timed(fn):
    start, cpu = time.perf_counter(), time.process_time()
    result = fn()
    return time.perf_counter() - start, time.process_time() - cpu, result


def plain_write_workbook(target, sheets, *, progress=None) -> int:
    """core.xlsx.write_workbook with an ordinary (not write-only) openpyxl workbook."""
    from openpyxl import Workbook

    from core.xlsx import safe_cell

    workbook = Workbook()
    workbook.remove(workbook.active)
    total = 0
    for title, headers, rows in sheets:
        sheet = workbook.create_sheet(title=title[:31])
        sheet.append(list(headers))
        for row in rows:
            sheet.append([safe_cell(v) for v in row])
            total += 1
    workbook.save(target)
    return total


def rows_only(target, sheets, *, progress=None) -> int:
    from core.xlsx import safe_cell

    total = 0
    for _title, _headers, rows in sheets:
        for row in rows:
            [safe_cell(v) for v in row]
            total += 1
    return total


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--households", type=int, default=7601)
    parser.add_argument("--members", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test import Client
    from django.urls import reverse

    from households import ledger

    call_command("migrate", verbosity=0)
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    start = time.perf_counter()
    with transaction.atomic():
        admin = build(args.households, args.members)
    print(f"-- data ready in {time.perf_counter() - start:.1f} s; load average {load()}")
    client = Client()
    client.force_login(admin)
    url = reverse("households:export")

    def page() -> int:
        response = client.get(url)
        return len(b"".join(response.streaming_content))

    def direct(writer):
        def run():
            original = ledger.write_workbook
            ledger.write_workbook = writer
            try:
                return ledger.export_households(user=admin, target=io.BytesIO())
            finally:
                ledger.write_workbook = original

        return run

    def reveal() -> int:
        return ledger.export_households(user=admin, target=io.BytesIO(), reveal=True)

    runs = {
        "page, write-only (streamed)": page,
        "same rows, plain openpyxl": direct(plain_write_workbook),
        "same rows, no workbook": direct(rows_only),
        "reveal export, write-only": reveal,
    }
    page()  # the session, the URL resolver, the first queries
    households, residents = args.households, args.households * args.members
    print(f"{households:,} households, {residents:,} members ({households + residents:,} rows)")
    for label, run in runs.items():
        walls, cpus = [], []
        for _ in range(args.repeat):
            wall, cpu, result = timed(run)
            walls.append(wall)
            cpus.append(cpu)
        size = f", {result / 1e6:.1f} MB" if label.startswith("page") else f", {result:,} rows"
        print(
            f"{label:<30} {statistics.median(walls):6.2f} s (CPU {statistics.median(cpus):.2f} s)"
            f"{size}; load {load()}"
        )


if __name__ == "__main__":
    main()
