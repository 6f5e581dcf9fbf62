"""The long fault trial (not a CI test): reminders to every channel through many worker kills.

    .venv/bin/python bench/faults.py [--kills 20] [--cadres 150] [--database lx_faults]

Runs tests/core/reliability/test_faults.py (marker `faults`) once with FAULT_KILLS worker
SIGKILLs mid-chunk (plus, as in CI, one Redis restart with its AOF, one with its data lost and
one termination of every PostgreSQL connection of the workers), against a private PostgreSQL
database on 127.0.0.1:5432 and Redis database 14 on 127.0.0.1:6379 for the test process (the
workers use their own private redis-server started by the test). Prints the counts per channel:
expected, delivered, duplicates, with the crash count that bounds the duplicates, and the
machine's load. Exit status 1 if the trial failed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--cadres", type=int, default=150)
    parser.add_argument("--database", default="lx_faults")
    args = parser.parse_args()
    report = Path(tempfile.mkdtemp(prefix="lianxin-faults-")) / "report.json"
    env = {
        **os.environ,
        "DJANGO_SECRET_KEY": os.environ.get("DJANGO_SECRET_KEY", "bench-faults-not-secret"),
        "DJANGO_DEBUG": "0",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{args.database}",
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/14",
        "FAULT_KILLS": str(args.kills),
        "FAULT_CADRES": str(args.cadres),
        "FAULT_REPORT": str(report),
        "FAULT_TIMEOUT": "3600",
    }
    load_before = os.getloadavg()
    command = [
        sys.executable, "-m", "pytest", "tests/core/reliability/test_faults.py",
        "-q", "-p", "no:randomly", "--create-db",
    ]  # fmt: skip
    result = subprocess.run(command, cwd=ROOT, env=env, check=False)  # noqa: S603
    load_after = os.getloadavg()
    print()
    print(f"date     {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC")
    print(f"machine  {platform.node()} {platform.machine()}, {os.cpu_count()} cores")
    print(f"load     {load_before[0]:.2f} before, {load_after[0]:.2f} after (1-min average)")
    if not report.exists():
        print("no report: the trial failed before counting")
        return 1
    counts = json.loads(report.read_text())
    crashes = counts["crashes"]
    print(f"crashes  {sum(crashes.values())}: {crashes}")
    print(f"{'channel':8} {'expected':>8} {'delivered':>9} {'duplicates':>10}")
    for channel in ("inapp", "email", "webhook"):
        c = counts[channel]
        print(f"{channel:8} {c['expected']:>8} {c['delivered']:>9} {c['duplicates']:>10}")
    print(f"refused address received: {counts['email']['refused_received']}")
    return 0 if result.returncode == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
