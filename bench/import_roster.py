"""Benchmark the roster import (not a test).

    DJANGO_SECRET_KEY=x .venv/bin/python bench/import_roster.py [N] [--changed 0.1]

Generates a roster of N households (default 100,000; 3 residents each, one cadre per 100
households, every household paired), imports it on the configured database (DATABASE_URL; a
fresh temporary SQLite file when unset), then re-imports it with a fraction of the rows
changed. Prints seconds, rows/s, the ratio to a bare openpyxl read_only pass over the same file,
and the peak memory (max RSS) of the import process. The database must hold no other roster.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
TMP = Path(tempfile.mkdtemp(prefix="lianxin-bench-"))
os.environ.setdefault("DATABASE_URL", f"sqlite:///{TMP / 'bench.sqlite3'}")
os.environ.setdefault("DJANGO_MEDIA_ROOT", str(TMP / "media"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DJANGO_DEBUG", "0")

VILLAGES = 15
HOUSEHOLDS_PER_CADRE = 100
TAGS = ["", "生活困难", "老党员老干部", "孤寡弱残、生活困难", "", "", "致富能人", "重点对象"]
RELATIONS = ["户主", "配偶", "子女"]


def id_number(n: int) -> str:
    from households.identity import id_check_digit

    birth = dt.date(1940, 1, 1) + dt.timedelta(days=n // 900)
    first17 = f"110105{birth:%Y%m%d}{n % 900 + 100:03d}"
    return first17 + id_check_digit(first17)


def generate(path: Path, n: int, *, changed: float = 0.0) -> int:
    """Write the four-sheet workbook with openpyxl's write-only mode; returns data rows."""
    from openpyxl import Workbook

    from households.roster.schema import SHEETS

    every = int(1 / changed) if changed else 0
    workbook = Workbook(write_only=True)
    sheets = {name: workbook.create_sheet(name) for name in ("户", "成员", "干部", "结对")}
    for name, sheet in sheets.items():
        sheet.append(list(SHEETS[name].headers))
    cadres = max(n // HOUSEHOLDS_PER_CADRE, 1)
    for c in range(cadres):
        sheets["干部"].append([f"139{c:08d}", f"干部{c}", f"村{c % VILLAGES}工作组", "组员"])
    rows = cadres
    for h in range(n):
        code = f"H{h:07d}"
        bump = bool(every) and h % every == 0
        address = f"幸福路{h}号" + ("（新）" if bump else "")
        head = id_number(h * 3)
        sheets["户"].append(
            [code, f"村{h % VILLAGES}", str(h % 20 + 1), address, f"户主{h}", head,
             f"138{h:08d}", TAGS[h % len(TAGS)], ""]
        )  # fmt: skip
        for k in range(3):
            phone = f"137{(h * 3 + k):08d}" if not (bump and k == 1) else f"136{h:08d}"
            sheets["成员"].append(
                [code, f"户主{h}" if k == 0 else f"成员{h}-{k}", "", id_number(h * 3 + k),
                 RELATIONS[k], phone, "群众" if k else "中共党员"]
            )  # fmt: skip
        sheets["结对"].append([f"139{h % cadres:08d}", code])
        rows += 5
    workbook.save(path)
    return rows


def cpu_seconds() -> tuple[float, float]:
    """CPU time of this process and of its PostgreSQL backend (same machine): unlike wall time,
    it hardly moves when other work shares the cores."""
    from django.db import connection

    total = 0.0
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pid = cursor.fetchone()[0]
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except OSError:  # the database runs elsewhere: count this process only
            pass
    return time.process_time(), total


def bare_read(path: Path) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of a bare openpyxl read_only pass."""
    from openpyxl import load_workbook

    cpu = time.process_time()
    start = time.perf_counter()
    workbook = load_workbook(path, read_only=True, data_only=True)
    count = 0
    for sheet in workbook.worksheets:
        for _row in sheet.iter_rows(values_only=True):
            count += 1
    workbook.close()
    return time.perf_counter() - start, time.process_time() - cpu


def setup_township():
    from liaison.models import Township, Village, WorkGroup

    township, _ = Township.objects.get_or_create(code="bench", defaults={"name": "基准镇"})
    for v in range(VILLAGES):
        village, _ = Village.objects.get_or_create(township=township, name=f"村{v}")
        WorkGroup.objects.get_or_create(
            township=township, name=f"村{v}工作组", defaults={"village": village}
        )
    return township


def run_import(path: Path, township) -> tuple[tuple[float, float, float], object]:
    """((wall s, CPU s of this process, CPU s of the database backend), the RosterImport)."""
    from households.roster.service import roster_commit, roster_upload_create

    data = path.read_bytes()
    gc.collect()
    cpu = cpu_seconds()
    start = time.perf_counter()
    roster_import = roster_upload_create(
        data=data, file_name=path.name, township=township, actor=None
    )
    roster_commit(roster_import=roster_import)
    wall = time.perf_counter() - start
    after = cpu_seconds()
    return (wall, after[0] - cpu[0], after[1] - cpu[1]), roster_import


def report(label: str, times: tuple, rows: int, bare: tuple, roster_import) -> None:
    (seconds, own, database), (bare_seconds, bare_cpu) = times, bare
    cpu = own + database
    counts = " ".join(
        f"{sheet}:+{c['new']}/~{c['updated']}/={c['unchanged']}/!{c['error']}"
        for sheet, c in roster_import.counts.items()
    )
    print(
        f"{label:<22} {seconds:8.1f} s  {rows / seconds:9.0f} rows/s  "
        f"ratio {seconds / bare_seconds:5.2f}x  CPU {cpu:6.1f} s (database {database:.1f} s) "
        f"ratio {cpu / bare_cpu:5.2f}x  "
        f"status={roster_import.status}  {counts}  "
        f"history rows={roster_import.change_rows.count():,}  load {_load()}",
        flush=True,
    )


def _load() -> str:
    """The machine's 1-minute load average: other work on the box skews every figure."""
    return f"{os.getloadavg()[0]:.2f}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("households", nargs="?", type=int, default=100_000)
    parser.add_argument("--changed", type=float, default=0.1)
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    township = setup_township()
    first = TMP / "roster.xlsx"
    second = TMP / "roster-changed.xlsx"
    start = time.perf_counter()
    rows = generate(first, args.households)
    generate(second, args.households, changed=args.changed)
    print(
        f"database={connection.vendor} ({settings.DATABASES['default']['NAME']})  "
        f"households={args.households:,}  data rows={rows:,}  "
        f"file={first.stat().st_size / 1e6:.1f} MB  generated in {time.perf_counter() - start:.0f} s",
        flush=True,
    )
    bare = bare_read(first)
    print(
        f"{'bare openpyxl read':<22} {bare[0]:8.1f} s  {rows / bare[0]:9.0f} rows/s  "
        f"CPU {bare[1]:6.1f} s  load {_load()}",
        flush=True,
    )
    times, imp = run_import(first, township)
    report("first load", times, rows, bare, imp)
    bare2 = bare_read(second)
    print(f"{'bare read (changed)':<22} {bare2[0]:8.1f} s  CPU {bare2[1]:6.1f} s", flush=True)
    times, imp = run_import(second, township)
    report(f"re-import {args.changed:.0%} changed", times, rows, bare2, imp)
    times, imp = run_import(second, township)
    report("re-import unchanged", times, rows, bare2, imp)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (max RSS of this process) {peak:.0f} MB", flush=True)


if __name__ == "__main__":
    main()
