"""Benchmark the roster import against a bare read of the same workbook (not a test).

    createdb -h 127.0.0.1 -U postgres bench_import
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_import DJANGO_SECRET_KEY=x \
        .venv/bin/python bench/import_roster.py [N] [--changed 0.1] [--ie-rows 10000]

Generates a roster of N households (default 100,000; 3 residents each, one cadre per 100
households, every household paired: 5 N + N/100 data rows over 4 sheets) as Excel stores it (every
string once in xl/sharedStrings.xml, a <dimension> at the top of each sheet: both are checked),
written by a child process so that its memory is not counted. On the configured database
(DATABASE_URL; a fresh temporary SQLite file when unset; it must hold no other roster) it then
prints, in one run, each with wall seconds, rows/s, CPU seconds (this process plus its PostgreSQL
backend, from /proc), queries, peak memory (max RSS during the step) and the 1-minute load:

  bare openpyxl       load_workbook(read_only=True, data_only=True) and every row's values: the
                      parse any plain reader does (the denominator of every ratio)
  bare calamine       python-calamine: every sheet parsed, every row's values
  first load          roster_upload_create + roster_commit (what the Celery task runs), ANALYZE after
  re-import changed   the same roster with a fraction of households and members changed
  re-import unchanged the changed file again: nothing to write
  户, django-import-export default, and 户, Lianxin: the first --ie-rows rows of the 户 sheet
                      (without 户主身份证号: no residents) into an empty township, each in a
                      transaction rolled back afterwards; the former a plain ModelResource for
                      Household with default settings, given the rows as a tablib Dataset with
                      the model's field names (its reading not counted), the latter the import
                      above of a workbook holding only these rows

Queries are the statements Django executed (COPY batches go through the raw cursor, uncounted).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from contextlib import contextmanager, suppress
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


def generate(path: Path, n: int, *, changed: float = 0.0, only: str = "") -> int:
    """Write the roster with openpyxl's write-only mode (only one sheet if named), then store it
    as Excel does (as_excel_writes_it); returns the data rows."""
    from openpyxl import Workbook

    from households.roster.schema import SHEETS

    every = int(1 / changed) if changed else 0
    workbook = Workbook(write_only=True)
    names = (only,) if only else ("户", "成员", "干部", "结对")
    sheets = {name: workbook.create_sheet(name) for name in names}
    sheets.update(
        {name: _Discard() for name in ("户", "成员", "干部", "结对") if name not in names}
    )
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
        head = "" if only else id_number(h * 3)  # a 户-only sample creates no residents
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
    as_excel_writes_it(path)
    return n if only == "户" else rows


class _Discard:
    def append(self, row) -> None:
        pass


_INLINE = re.compile(
    rb'<c r="([A-Z]+[0-9]+)" t="inlineStr"(?: />|><is><t(?: xml:space="preserve")?>(.*?)</t></is></c>)'
)
_SST = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"


def as_excel_writes_it(path: Path) -> None:
    """Store openpyxl's file the way Excel does: every string once in xl/sharedStrings.xml (a
    cell holds its index; openpyxl writes each string inline in the cell), no cell for an empty
    string, and a <dimension> near the top of each sheet (openpyxl's write-only mode has none,
    which makes a read-only openpyxl parse every sheet twice)."""
    strings: dict[bytes, int] = {}
    source = path.with_suffix(".openpyxl.xlsx")
    path.rename(source)
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            data = old.read(info.filename)
            if info.filename.startswith("xl/worksheets/sheet"):
                data = _shared_strings(data, strings)
            elif info.filename == "[Content_Types].xml":
                data = data.replace(
                    b"</Types>",
                    b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.'
                    b'openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
                )
            elif info.filename == "xl/_rels/workbook.xml.rels":
                relation = f'<Relationship Type="{_SST}" Target="sharedStrings.xml" Id="rIdSst"/>'
                data = data.replace(b"</Relationships>", relation.encode() + b"</Relationships>")
            new.writestr(info, data)
            del data
        with new.open("xl/sharedStrings.xml", "w") as out:
            out.write(
                b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="http://'
                b'schemas.openxmlformats.org/spreadsheetml/2006/main" uniqueCount="%d">'
                % len(strings)
            )
            for text in strings:
                out.write(b"<si><t>%s</t></si>" % text)
            out.write(b"</sst>")
    source.unlink()


def _shared_strings(data: bytes, strings: dict) -> bytes:
    def cell(match):
        reference, text = match.groups()
        if text is None:
            return b""
        return b'<c r="%s" t="s"><v>%d</v></c>' % (
            reference,
            strings.setdefault(text, len(strings)),
        )

    data = _INLINE.sub(cell, data)
    last_row = re.findall(rb'<row r="([0-9]+)"', data[-4096:])[-1]
    last_column = max(re.findall(rb'<c r="([A-Z]+)1"', data[:20000]), key=lambda c: (len(c), c))
    dimension = b'<dimension ref="A1:%s%s"/>' % (last_column, last_row)
    return data.replace(b"</sheetPr>", b"</sheetPr>" + dimension, 1)


def check_excel_like(path: Path) -> str:
    """Refuse to measure a workbook that is not stored as Excel stores it."""
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        sheets = [n for n in names if n.startswith("xl/worksheets/sheet")]
        for name in sheets:
            with archive.open(name) as part:
                head = part.read(4096)
            if b"<dimension ref=" not in head or b"inlineStr" in head:
                raise SystemExit(f"{path.name}: {name} has no <dimension> or inline strings")
        if "xl/sharedStrings.xml" not in names:
            raise SystemExit(f"{path.name}: no shared strings")
        count = re.search(
            rb'uniqueCount="([0-9]+)"', archive.open("xl/sharedStrings.xml").read(300)
        )
    return f"{len(sheets)} sheets with <dimension>, {int(count.group(1)):,} shared strings"


def write_workbook(path: Path, n: int, *, changed: float = 0.0, only: str = "") -> int:
    """generate() in a child process: its memory is not this process's peak."""
    command = [sys.executable, __file__, "--write", str(path), str(n), "--changed", str(changed)]
    if only:
        command += ["--only", only]
    result = subprocess.run(command, check=True, capture_output=True, text=True)
    return int(result.stdout.split()[-1])


def cpu_seconds() -> tuple[float, float]:
    """CPU time of this process and of its PostgreSQL backend (same machine): unlike wall time,
    it hardly moves when other work shares the cores."""
    from django.db import connection

    total = 0.0
    if connection.vendor == "postgresql":
        connection.ensure_connection()
        pid = connection.connection.info.backend_pid
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except OSError:  # the database runs elsewhere: count this process only
            pass
    return time.process_time(), total


def _peak_reset() -> None:
    """Start a new max RSS (Linux: writing 5 to clear_refs resets VmHWM)."""
    with suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def _peak_mb() -> float:
    try:
        status = Path("/proc/self/status").read_text()
        return int(re.search(r"VmHWM:\s+([0-9]+)", status).group(1)) / 1024
    except (OSError, AttributeError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Step:
    """One measured step: wall and CPU seconds (this process, its database backend), queries,
    peak memory and the load average at its end."""

    def __init__(self, label: str, rows: int):
        self.label, self.rows, self.queries, self.note = label, rows, 0, ""

    def _count(self, execute, sql, params, many, context):
        self.queries += 1
        return execute(sql, params, many, context)

    @contextmanager
    def measure(self):
        from django.db import connection

        gc.collect()
        _peak_reset()
        own, database = cpu_seconds()
        start = time.perf_counter()
        with connection.execute_wrapper(self._count):
            yield self
        self.wall = time.perf_counter() - start
        after = cpu_seconds()
        self.own, self.database = after[0] - own, after[1] - database
        self.peak, self.load = _peak_mb(), _load()

    @property
    def cpu(self) -> float:
        return self.own + self.database

    def line(self, bare: Step | None) -> str:
        ratio = (
            f"{self.wall / bare.wall:5.2f}x  CPU {self.cpu / bare.cpu:5.2f}x"
            if bare
            else f"{'':>6}  {'':>9}"
        )
        return (
            f"{self.label:<26} {self.wall:7.1f} s {self.rows / self.wall:9,.0f} rows/s  {ratio}  "
            f"CPU {self.cpu:6.1f} s (database {self.database:5.1f})  queries {self.queries:5,}  "
            f"peak {self.peak:4.0f} MB  load {self.load}  {self.note}"
        )


def bare_openpyxl(path: Path) -> int:
    """The parse a plain reader does: openpyxl read_only, every row's values."""
    from openpyxl import load_workbook

    workbook = load_workbook(path, read_only=True, data_only=True)
    count = 0
    for sheet in workbook.worksheets:
        for _values in sheet.iter_rows(values_only=True):
            count += 1
    workbook.close()
    return count


def bare_calamine(path: Path) -> int:
    from python_calamine import CalamineWorkbook

    count = 0
    with CalamineWorkbook.from_path(str(path)) as workbook:
        for name in workbook.sheet_names:
            for _values in workbook.get_sheet_by_name(name).iter_rows():
                count += 1
    return count


def setup_township(code: str = "bench"):
    from liaison.models import Township, Village, WorkGroup

    township, _ = Township.objects.get_or_create(code=code, defaults={"name": f"基准镇{code}"})
    for v in range(VILLAGES):
        village, _ = Village.objects.get_or_create(township=township, name=f"村{v}")
        WorkGroup.objects.get_or_create(
            township=township, name=f"村{v}工作组", defaults={"village": village}
        )
    return township


def run_import(path: Path, township):
    """What the Celery task runs: store the upload, then the all-or-nothing import."""
    from households.roster.service import roster_commit, roster_upload_create

    roster_import = roster_upload_create(
        data=path.read_bytes(), file_name=path.name, township=township, actor=None
    )
    return roster_commit(roster_import=roster_import)


def describe(roster_import) -> str:
    counts = " ".join(
        f"{sheet}:+{c['new']}/~{c['updated']}/={c['unchanged']}/!{c['error']}"
        for sheet, c in roster_import.counts.items()
    )
    history = roster_import.change_rows.count()
    return f"{roster_import.status} {counts} history={history:,}"


def analyze() -> None:
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


@contextmanager
def rolled_back():
    from django.db import transaction

    class _Undo(Exception):
        pass

    try:
        with transaction.atomic():
            yield
            raise _Undo
    except _Undo:
        pass


def household_dataset(path: Path, township):
    """The 户 rows of path as django-import-export's default Household resource expects them:
    the model's field names, foreign keys as primary keys, an empty id (every row new)."""
    import tablib
    from python_calamine import CalamineWorkbook

    from liaison.models import Village

    villages = dict(Village.objects.filter(township=township).values_list("name", "pk"))
    fields = ("id", "township", "code", "village", "grid", "address", "head_name", "phone",
              "tags", "note")  # fmt: skip
    dataset = tablib.Dataset(headers=list(fields))
    with CalamineWorkbook.from_path(str(path)) as workbook:
        rows = workbook.get_sheet_by_name("户").to_python()[1:]
    for code, village, grid, address, name, _id, phone, tags, *note in rows:
        dataset.append(
            ["", township.pk, code, villages[village], grid, address, name, phone, tags,
             note[0] if note else ""]
        )  # fmt: skip
    return dataset


def import_export_default(dataset) -> None:
    from import_export import resources

    from households.models import Household

    class HouseholdResource(resources.ModelResource):
        class Meta:
            model = Household

    result = HouseholdResource().import_data(dataset, dry_run=False, raise_errors=True)
    assert result.totals["new"] == len(dataset), result.totals


def _load() -> str:
    """The machine's 1-minute load average: other work on the box skews every figure."""
    return f"{os.getloadavg()[0]:.2f}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("households", nargs="?", type=int, default=100_000)
    parser.add_argument("--changed", type=float, default=0.1)
    parser.add_argument("--ie-rows", type=int, default=10_000)
    parser.add_argument("--write", help=argparse.SUPPRESS)  # the child process: write a workbook
    parser.add_argument("--only", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()

    import django

    django.setup()
    if args.write:
        print(generate(Path(args.write), args.households, changed=args.changed, only=args.only))
        return
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    township = setup_township()
    first, second = TMP / "roster.xlsx", TMP / "roster-changed.xlsx"
    sample = TMP / "households-sample.xlsx"
    start = time.perf_counter()
    rows = write_workbook(first, args.households)
    write_workbook(second, args.households, changed=args.changed)
    sample_rows = write_workbook(sample, min(args.ie_rows, args.households), only="户")
    print(
        f"{dt.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}  {os.cpu_count()} cores  "
        f"database={connection.vendor} ({settings.DATABASES['default']['NAME']})  "
        f"households={args.households:,}  data rows={rows:,}  "
        f"file={first.stat().st_size / 1e6:.1f} MB ({check_excel_like(first)})  "
        f"generated in {time.perf_counter() - start:.0f} s",
        flush=True,
    )
    analyze()

    with Step("bare openpyxl read_only", rows).measure() as bare:
        bare.note = f"{bare_openpyxl(first):,} rows incl. headers"
    print(bare.line(None), flush=True)
    with Step("bare calamine", rows).measure() as step:
        bare_calamine(first)
    print(step.line(bare), flush=True)

    with Step("first load", rows).measure() as step:
        roster_import = run_import(first, township)
    step.note = describe(roster_import)
    print(step.line(bare), flush=True)
    analyze()
    with Step(f"re-import, {args.changed:.0%} changed", rows).measure() as step:
        roster_import = run_import(second, township)
    step.note = describe(roster_import)
    print(step.line(bare), flush=True)
    with Step("re-import, unchanged", rows).measure() as step:
        roster_import = run_import(second, township)
    step.note = describe(roster_import)
    print(step.line(bare), flush=True)

    empty = setup_township("bench-ie")
    dataset = household_dataset(sample, empty)
    with rolled_back(), Step(f"户 {sample_rows:,}, import-export*", sample_rows).measure() as ie:
        import_export_default(dataset)
    print(ie.line(None), flush=True)
    with rolled_back(), Step(f"户 {sample_rows:,}, Lianxin*", sample_rows).measure() as ours:
        roster_import = run_import(sample, empty)
    ours.note = (
        f"{roster_import.status}, {ours.rows / ours.wall / (ie.rows / ie.wall):.1f}x the rows/s"
    )
    print(ours.line(None), flush=True)
    print("* rolled back; 户 sheet only, no 户主身份证号. Peak: the max RSS during the step.")


if __name__ == "__main__":
    main()
